"""The vectorised ranking against the BM25F formula computed the plain way, article by article;
deletions, filters, tiers, and the ranking arrays missing, stale or damaged."""
from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest

from conftest import SEEDS
from searcher import open_index
from searcher.analysis.article import analyse
from searcher.analysis.registry import analyzer
from searcher.config import Config, RankingConfig
from searcher.drops import read_paths, read_records
from searcher.errors import SearcherError
from searcher.model import Article
from searcher.search.collection import approximate_lengths

NO_PROXIMITY = Config().with_ranking(proximity_depth=0, tf_model="bm25", idf_power=1.0)  # BM25F's formula, one k1
WORDS = ("haven brug stad kabinet woningmarkt formatie rivier schip trein station markt plein oorlog vrede "
         "regering minister school ziekenhuis water dijk").split()


def generated(count: int, seed: int = 7) -> list[dict]:
    """Dutch articles of random words (some compounds), titles of a few, dated or not."""
    rng = random.Random(seed)
    records = []
    for n in range(count):
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 60)))
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4)))
        record = {"id": f"g{n:03d}", "title": title, "text": body, "lang": "nl"}
        if n % 3:
            record["date"] = f"2024-0{1 + n % 9}-1{n % 9}"
        if n % 4 == 0:
            record["source"] = "NOS" if n % 8 else "nu.nl"
        records.append(record)
    return records


def reference(articles: list[Article], query_terms: list[str], config: Config) -> list[tuple[str, float]]:
    """BM25F of ``query_terms`` (distinct ranking terms) over ``articles``, best first, ties by id."""
    analysed = {article.id: analyse(article, config.index) for article in articles}
    size = len(articles)
    avg = sum(a.ranking_length for a in analysed.values() if a.family == "text") / size or 1.0
    ranking = config.ranking
    scores = {}
    for article_id, fields in analysed.items():
        length = approximate_lengths(np.array([fields.ranking_length]))[0]
        score, matched = 0.0, False
        for term in dict.fromkeys(query_terms):
            if term not in fields.ranking:
                continue
            matched = True
            frequency = sum(1 for other in analysed.values() if term in other.ranking)
            idf = math.log(1 + (size - frequency + 0.5) / (frequency + 0.5))
            tf = fields.ranking[term][0]
            score += idf * tf * (ranking.k1 + 1) / (tf + ranking.k1 * (1 - ranking.b_ranking + ranking.b_ranking * length / avg))
        if matched:
            scores[article_id] = score
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


@pytest.fixture
def collection(tmp_path):
    """An index of the seeds and 120 generated articles, written in three commits (so segments
    are merged on the way), opened without the proximity bonus."""
    records = generated(120)
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_paths([SEEDS])
        index.add_documents(records[:60])
        index.add_documents(records[60:])
    articles = [item for item in read_paths([SEEDS]) if isinstance(item, Article)]
    articles += list(read_records(records))
    index = open_index(tmp_path / "idx", config=NO_PROXIMITY)
    yield index, articles
    index.close()


@pytest.mark.parametrize("query", ["haven brug stad kabinet woningmarkt", "kabinetsformatie", "rivier",
                                   "schip trein station markt plein oorlog"])
def test_scores_are_the_bm25f_formula(collection, query):
    """Single-tier keyword queries (one word, or five and more): every match, scored as the
    formula says, in the same order."""
    index, articles = collection
    terms = [token.text for token in analyzer("text")(query) if not token.is_stop]
    expected = reference(articles, terms, index.config)
    page = index.search(query, limit=1000, snippets=False, suggest=False)
    assert page.total == len(expected)
    assert [hit.id for hit in page.hits] == [article_id for article_id, _ in expected]
    assert max(abs(hit.score - score) for hit, (_, score) in zip(page.hits, expected)) < 1e-9


def test_all_words_come_first_for_short_keyword_queries(collection):
    index, _ = collection
    page = index.search("haven brug", limit=1000, snippets=False)
    both = [hit for hit in page.hits if {"haven", "brug"} <= set(f"{hit.title} {index.get(hit.id).body}".split())]
    assert both and page.hits[: len(both)] == both
    assert page.total == len({hit.id for hit in page.hits})


def test_filters_are_masks_over_the_matches(collection):
    index, articles = collection
    everything = index.search("haven", limit=1000, snippets=False)
    dated = index.search("haven", limit=1000, snippets=False, date_from="2024-03-01", date_to="2024-05-31")
    by_id = {article.id: article for article in articles}
    expected = [hit.id for hit in everything.hits if (by_id[hit.id].date or "") and "2024-03-01" <= by_id[hit.id].date <= "2024-05-31"]
    assert [hit.id for hit in dated.hits] == expected and dated.total == len(expected)
    nos = index.search("haven", limit=1000, snippets=False, source="nos")
    assert {hit.id for hit in nos.hits} == {hit.id for hit in everything.hits if by_id[hit.id].source == "NOS"}
    typed = index.search("haven source:NOS date:2024-03..2024-05", limit=1000, snippets=False)
    assert {hit.id for hit in typed.hits} == {hit.id for hit in nos.hits} & {hit.id for hit in dated.hits}


def test_deleted_and_replaced_articles_are_never_hits(tmp_path):
    records = generated(40)
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents(records)
        first = index.search("haven", limit=100, snippets=False)
        gone = first.hits[0].id
        index.remove([gone])
        changed = {**next(r for r in records if r["id"] == first.hits[1].id), "text": "een brug zonder water"}
        index.add_documents([changed])
        after = index.search("haven", limit=100, snippets=False)
    ids = [hit.id for hit in after.hits]
    assert gone not in ids and changed["id"] not in ids and after.total == first.total - 2


def _rank_files(index_dir: Path) -> list[Path]:
    return sorted(index_dir.glob("gen-*/*.rank"))


def test_missing_or_damaged_ranking_arrays_are_rebuilt_from_the_segment(tmp_path):
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents(generated(50))
        before = [(hit.id, hit.score) for hit in index.search("haven brug", limit=50, snippets=False).hits]
    (rank,) = _rank_files(tmp_path / "idx")
    rank.unlink()
    with open_index(tmp_path / "idx") as index:
        assert [(hit.id, hit.score) for hit in index.search("haven brug", limit=50, snippets=False).hits] == before
    assert rank.exists()
    data = bytearray(rank.read_bytes())
    data[-200] ^= 0xFF  # the metadata at the end: its checksum no longer matches
    rank.write_bytes(bytes(data))
    with open_index(tmp_path / "idx") as index:
        problems = index.verify().problems
        assert problems and rank.name in problems[0]
        assert [(hit.id, hit.score) for hit in index.search("haven brug", limit=50, snippets=False).hits] == before
        assert index.verify().ok


NOOT_ARTICLES = [
    {"id": "ploeg", "lang": "nl", "title": "", "text": "De ploeggenoten van de renner vierden feest met de ploeggenoten van het team."},
    {"id": "noot", "lang": "nl", "title": "", "text": "Bij de begroting hoort een noot van de minister over de kosten van de "
                                                     "zorg, het onderwijs en de wegen in het hele land."},
    {"id": "kabinet", "lang": "nl", "title": "", "text": "Het kabinet sprak over de begroting en de zorg."},
    {"id": "etappe", "lang": "nl", "title": "", "text": "De renner won de etappe in de bergen."},
]


@pytest.mark.parametrize("part_weight, first", [(None, "noot"), (1.0, "ploeg")])
def test_a_word_outranks_a_compound_holding_it_as_a_part(tmp_path, part_weight, first):
    """`noot` in a long article against twice `ploeggenoten` (ploeg + noot) in a short one:
    counted as much as the word itself (part_weight 1) the compound wins; at the default the
    word does."""
    config = Config() if part_weight is None else Config().with_index(part_weight=part_weight)
    with open_index(tmp_path / "idx", create=True, config=config) as index:
        index.add_documents(NOOT_ARTICLES)
        assert [hit.id for hit in index.search("noot").hits] == [first, "noot" if first == "ploeg" else "ploeg"]


HAVEN_ARTICLES = [
    {"id": "c1", "lang": "nl", "title": "", "text": "De haven van Rotterdam: schepen en containers aan de kade, haven haven."},
    {"id": "c2", "lang": "nl", "title": "", "text": "In de haven liggen schepen met containers langs de kade. De haven groeit."},
    {"id": "c3", "lang": "nl", "title": "", "text": "Containers en schepen: de haven breidt de kade uit, zegt de haven."},
    {"id": "ships", "lang": "nl", "title": "", "text": "Een haven met schepen, containers en een nieuwe kade, met kranen en "
                                                      "loodsen en veel vrachtverkeer op de weg."},
    {"id": "village", "lang": "nl", "title": "", "text": "De haven van het dorp. Het dorp viert feest op het plein met muziek."},
    {"id": "other", "lang": "nl", "title": "", "text": "Het kabinet sprak over de begroting en de zorg."},
]


def test_feedback_reorders_the_matches_by_the_best_ones_terms(tmp_path):
    """The three best matches of `haven` speak of ships, containers and quays: with feedback
    from them, the article that does too outranks the one that does not; the matches, the
    total and what snippets mark stay those of the query."""
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents(HAVEN_ARTICLES)
    with open_index(tmp_path / "idx", config=Config().with_ranking(feedback_docs=0)) as index:
        plain = index.search("haven")
    with open_index(tmp_path / "idx", config=Config().with_ranking(feedback_docs=3)) as index:
        fed = index.search("haven")
    ranks = {name: [hit.id for hit in page.hits] for name, page in (("plain", plain), ("fed", fed))}
    assert ranks["plain"].index("village") < ranks["plain"].index("ships")
    assert ranks["fed"].index("ships") < ranks["fed"].index("village")
    assert fed.total == plain.total == 5 and set(ranks["fed"]) == set(ranks["plain"])
    assert {word for hit in fed.hits for word in hit.snippet.matches} == {"haven"}


TOPIC_ARTICLES = [
    {"id": "report", "lang": "nl", "title": "", "text": "Werkloosheid onder afgestudeerden: de universiteit meldt dat "
                                                       "afgestudeerden vaker werkloos zijn. Werkloosheid onder "
                                                       "afgestudeerden groeit."},
    {"id": "almanac", "lang": "nl", "title": "", "text": "Het jaaroverzicht noemt de universiteit, de haven, de markt, het "
                                                        "station, de werkloosheid, de rivier, het plein, de school, de "
                                                        "afgestudeerden, de dijk, het ziekenhuis, de trein en de "
                                                        "kosten van de brug over het water bij de oude stad."},
    {"id": "other", "lang": "nl", "title": "", "text": "Het kabinet sprak over de begroting en de zorg."},
]


@pytest.mark.parametrize("tier, three_words", [(1, ["report", "almanac"]), (3, ["almanac", "report"])])
def test_keyword_queries_rank_by_score_unless_all_words_come_first(tmp_path, tier, three_words):
    """A long article that names every word of a query once in passing, against a short one
    about three of them: by default the ranking is by score (an article about a topic often
    lacks one of its words, and requiring all of them favours long articles naming them in
    passing); with ``all_words_first_max = 3`` a three-word query puts the one holding every word
    first, a four-word query still ranks by score."""
    with open_index(tmp_path / "idx", create=True, ranking=RankingConfig(all_words_first_max=tier)) as index:
        index.add_documents(TOPIC_ARTICLES)
        three = [hit.id for hit in index.search("werkloosheid afgestudeerden station", snippets=False).hits]
        four = [hit.id for hit in index.search("werkloosheid afgestudeerden universiteit station", snippets=False).hits]
    assert three == three_words
    assert four == ["report", "almanac"]


DEATH_ARTICLES = [
    {"id": "traffic", "lang": "nl", "title": "", "text": "De oorzaak van dood in het verkeer: snelheid. De oorzaak van dood "
                                                        "op de snelweg is vaak alcohol, zegt de politie. De oorzaak van "
                                                        "dood op de fiets is vaak de bocht."},
    {"id": "whale", "lang": "nl", "title": "", "text": "Een walvis op het strand bij Texel. Onderzoekers zoeken de oorzaak "
                                                      "van het ongeluk met het grote dier, dat al dagen dood was toen "
                                                      "het werd gevonden. Het gaat naar Utrecht."},
    {"id": "harbour", "lang": "nl", "title": "", "text": "De walvis in de haven zwemt weer weg, melden de vissers."},
    {"id": "poet", "lang": "nl", "title": "", "text": "De dood van de dichter en de oorzaak van zijn ziekte."},
    {"id": "beach", "lang": "nl", "title": "", "text": "Het strand van Scheveningen is druk."},
] + [{"id": f"other{n}", "lang": "nl", "title": "", "text": text} for n, text in enumerate(2 * [
    "Het kabinet sprak over de begroting en de zorg.", "De trein naar het station reed niet door de storm.",
    "De markt op het plein was druk met kramen.", "Het ziekenhuis opent een nieuwe vleugel voor kinderen.",
    "De school krijgt een nieuw dak na de zomer."])]


@pytest.mark.parametrize("proximity, first", [("pairs", "traffic"), ("covered", "whale")])
def test_a_collocation_without_the_rest_of_the_query_gains_little_proximity(tmp_path, proximity, first):
    """`oorzaak dood walvis strand` (causes of whale deaths on the beach): an article about
    traffic deaths says `oorzaak van dood` three times and nothing of whales; the whale article
    holds every word, mostly far apart. Without proximity the whale article leads; the
    collocation's unscaled bonus puts the traffic article first; scaled by the share of the
    query each article holds (the default), it stays second."""
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents(DEATH_ARTICLES)
    for config, leader in ((NO_PROXIMITY, "whale"), (Config().with_ranking(proximity=proximity), first)):
        with open_index(tmp_path / "idx", config=config) as index:
            hits = [hit.id for hit in index.search("oorzaak dood walvis strand", snippets=False).hits]
        assert hits[:2] == [leader, ({"whale", "traffic"} - {leader}).pop()]


@pytest.mark.parametrize("setting, value", [("proximity", "span"), ("idf", "f2exp")])
def test_an_unknown_ranking_method_is_refused(setting, value):
    with pytest.raises(SearcherError, match=f"{setting} '{value}' is not one of"):
        Config().with_ranking(**{setting: value})


def _filler(count: int) -> str:
    """``count`` words that no query below asks for."""
    words = "het kabinet sprak over de begroting en de zorg in het land met de regering".split()
    return " ".join(words[n % len(words)] for n in range(count))


# As long as one another (about 490 words): `scattered` names each word three times, 80 words
# apart; `gathered` twice each, in one passage.
PASSAGE_ARTICLES = [
    {"id": "scattered", "lang": "nl", "title": "",
     "text": " ".join(f"{_filler(80)} werkloosheid {_filler(80)} afgestudeerden" for _ in range(3))},
    {"id": "gathered", "lang": "nl", "title": "",
     "text": f"{_filler(250)} werkloosheid {_filler(8)} afgestudeerden {_filler(8)} werkloosheid {_filler(8)} "
             f"afgestudeerden {_filler(207)}"},
] + [{"id": f"other{n}", "lang": "nl", "title": "", "text": _filler(480 + n)} for n in range(4)]

# As long as one another: the words in the first sentence, or in the middle.
LEAD_ARTICLES = [
    {"id": "aside", "lang": "nl", "title": "", "text": f"{_filler(60)} De werkloosheid onder afgestudeerden groeit. {_filler(60)}"},
    {"id": "lead", "lang": "nl", "title": "", "text": f"De werkloosheid onder afgestudeerden groeit. {_filler(120)}"},
] + [{"id": f"other{n}", "lang": "nl", "title": "", "text": _filler(120 + n)} for n in range(4)]


@pytest.mark.parametrize("articles, ranking, first", [
    (PASSAGE_ARTICLES, {"passage_weight": 0.0}, "scattered"),
    (PASSAGE_ARTICLES, {"passage_weight": 1.0}, "gathered"),
    (LEAD_ARTICLES, {"lead_weight": 0.0}, "aside"),  # tied: by id
    (LEAD_ARTICLES, {"lead_weight": 0.15}, "lead"),
])
def test_passage_evidence_and_the_lead_move_matches_up(tmp_path, articles, ranking, first):
    """An article that names the query's words more often but far apart ranks first by BM25F;
    with passage evidence the one whose words gather in one passage does. Of two articles with
    the same words, the lead signal puts first the one that names them at its start."""
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents(articles)
    with open_index(tmp_path / "idx", config=Config().with_ranking(**ranking)) as index:
        hits = index.search("werkloosheid afgestudeerden", snippets=False).hits
    assert [hit.id for hit in hits] == [first] + [name for name in (articles[0]["id"], articles[1]["id"]) if name != first]


BURSTY_ARTICLES = [
    *({"id": f"port{n}", "lang": "nl", "title": "", "text": f"De haven, de haven en de haven: de haven groeit. {tail}"}
      for n, tail in enumerate(("Schepen.", "Kranen.", "Kades.", "Loodsen."))),
    *({"id": f"cabinet{n}", "lang": "nl", "title": "", "text": f"Het kabinet sprak over {tail}"}
      for n, tail in enumerate(("de zorg.", "de school.", "het water.", "de dijk."))),
    {"id": "haven", "lang": "nl", "title": "", "text": "De haven en de haven en de haven: het kabinet zegt."},
    {"id": "kabinet", "lang": "nl", "title": "", "text": "Het kabinet en het kabinet en het kabinet: de haven."},
]


@pytest.mark.parametrize("settings, first", [({}, "kabinet"),
                                             ({"tf_model": "bm25t", "tf_prior_documents": 0.0}, "haven"),
                                             ({"tf_model": "bm25t", "tf_prior_documents": 100.0}, "kabinet")])
def test_a_word_repeated_where_it_occurs_saturates_later_under_bm25t(tmp_path, settings, first):
    """`haven` is said four times in every article holding it, `kabinet` once: under BM25T the
    article saying `haven` three times outranks the one saying `kabinet` three times (each
    word's k1 from how often the articles holding it repeat it), where one k1 for every word
    ranks them the other way (BM25, NO_PROXIMITY's; the first article is a word longer); a prior
    of many more documents than the words' six at the global k1 (the default's 100) gives BM25's
    order back."""
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents(BURSTY_ARTICLES)
    with open_index(tmp_path / "idx", config=NO_PROXIMITY.with_ranking(**settings)) as index:
        ranked = [hit.id for hit in index.search("haven kabinet", snippets=False).hits]
    assert ranked[:2] == [first, {"haven": "kabinet", "kabinet": "haven"}[first]]


CAUSE_ARTICLES = [
    {"id": "whale", "lang": "nl", "title": "", "text": "Een walvis zwemt langs de kust van het eiland."},
    {"id": "deaths", "lang": "nl", "title": "", "text": "De oorzaak van de dood is bekend bij de politie."},
    *({"id": f"cause{n}", "lang": "nl", "title": "", "text": f"De oorzaak van de {tail}"}
      for n, tail in enumerate(("brand in de fabriek is onbekend.", "file op de snelweg is een ongeluk.",
                                "storing bij het spoor is gevonden."))),
    *({"id": f"death{n}", "lang": "nl", "title": "", "text": f"De dood van de {tail}"}
      for n, tail in enumerate(("dichter kwam onverwacht voor iedereen.", "koning was groot nieuws in het land.",
                                "zanger raakte zijn fans in de stad."))),
] + [{"id": f"other{n}", "lang": "nl", "title": "", "text": text} for n, text in enumerate(2 * [
    "Het kabinet sprak over de begroting en de zorg.", "De trein naar het station reed niet door de storm.",
    "De markt op het plein was druk met kramen.", "Het ziekenhuis opent een nieuwe vleugel voor kinderen.",
    "De school krijgt een nieuw dak na de zomer."])]


@pytest.mark.parametrize("power, first", [(1.0, "deaths"), (1.25, "whale"), (2.0, "whale")])
def test_a_sharper_idf_lets_the_rare_word_outweigh_two_common_ones(tmp_path, power, first):
    """`walvis oorzaak dood` (causes of whale deaths): one article names the rare `walvis` (in
    one article), another the two commoner words (in four articles each), each once in a
    sentence of the same length. With idf as it is the two common words outweigh the rare one;
    raised to a power above 1, the rare word's idf outweighs their sum."""
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents(CAUSE_ARTICLES)
    with open_index(tmp_path / "idx", config=NO_PROXIMITY.with_ranking(idf_power=power)) as index:
        ranked = [hit.id for hit in index.search("walvis oorzaak dood", snippets=False).hits]
    assert ranked[:2] == [first, {"whale": "deaths", "deaths": "whale"}[first]]
