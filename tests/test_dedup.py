"""Near-duplicate signatures and grouping (searcher.dedup)."""
from __future__ import annotations

from searcher import dedup
from searcher.analysis.article import analyse
from searcher.config import IndexConfig, RankingConfig
from searcher.model import Article

THRESHOLD = RankingConfig().near_duplicate_threshold
STORY = "Het kabinet presenteert een nieuw plan voor de woningmarkt waarin starters voorrang krijgen bij nieuwbouw"
OTHER = "Iets totaal anders over het weer morgen in Utrecht en de omgeving met veel regen en wind"


def signature(text: str, lang: str = "nl", title: str = "") -> bytes:
    """The signature indexing gives an article with this title and body."""
    article = Article(id="a", title=title, body=text, lang=lang, date=None, path="", source=None, url=None,
                      content_hash="", derived_title=not title)
    return analyse(article, IndexConfig()).signature


def test_copies_agree_and_unrelated_texts_do_not():
    assert dedup.similarity(signature(STORY), signature(STORY)) == 1.0
    assert dedup.similarity(signature(STORY), signature(STORY + " en huurders")) > THRESHOLD
    assert dedup.similarity(signature(STORY), signature(OTHER)) < THRESHOLD


def test_signatures_fold_spelling_variants():
    assert signature("رئیس‌جمهور روسیه با ترامپ تلفنی گفتگو کرد و درباره ایران سخن گفت", "fa") == signature(
        "رئيس جمهور روسيه با ترامپ تلفنی گفتگو کرد و درباره ايران سخن گفت", "fa"
    )


def test_groups_are_led_by_the_best_ranked_copy():
    story, other = signature(STORY), signature(OTHER)
    assert dedup.group_leaders([other, story, None, story], THRESHOLD) == [0, 1, 2, 1]
    assert dedup.signature([]) is None


def test_headlines_with_a_label_for_body_are_told_apart_by_their_titles():
    first = signature("Video", title="Kabinet presenteert plan voor de woningmarkt")
    second = signature("Video", title="Storm zorgt voor overlast in Utrecht")
    assert dedup.similarity(first, second) < THRESHOLD
    assert signature("", title="Alleen een kop")
