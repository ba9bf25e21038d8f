"""Snippets: word-by-word (memoised) matching must equal the whole text's analysis; the window shown."""
from __future__ import annotations

import pytest

from conftest import SEEDS
from searcher.analysis import registry, wordwise
from searcher.search import snippets

ZWNJ = "\u200c"
# Texts where the analysis joins words across whitespace (or must not), around punctuation,
# ZWNJ-only "words", leading and trailing whitespace, other scripts and digits.
JOIN_TEXTS = [
    "او می کند و نمی  توانست بگوید",
    "کتاب ها و کتاب‌ها و کتاب های تازه",
    f"می{ZWNJ} کند، می، کند «ها» و هسته ای",
    f"می {ZWNJ} کند و الگو هاي {ZWNJ}ها",
    "  ها در آغاز و پایان می",
    "Midden-Oosten en video's, 1403/06/31 و ۱۴۰۳ Москва",
    "رئیس جمهور و رئیسجمهور و رئیس‌جمهوری آمریکا",
    "",
]


def seed_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(SEEDS.iterdir()) if path.suffix == ".txt"]


def whole(analyzer, text: str, terms) -> list[snippets.Match]:
    """The matches the whole text's analysis gives."""
    return [snippets.Match(t.startchar, t.endchar, t.text) for t in analyzer(text) if t.text in terms]


def all_terms(analyzer, text: str) -> frozenset[str]:
    return frozenset(t.text for t in analyzer(text))


@pytest.mark.parametrize("name", registry.ANALYZER_NAMES)
def test_word_by_word_matches_equal_the_whole_texts(name):
    analyzer = registry.analyzer(name)
    for text in JOIN_TEXTS + seed_texts():
        terms = all_terms(analyzer, text)
        assert snippets.matches(analyzer, text, terms) == whole(analyzer, text, terms), text[:60]
        for term in sorted(terms)[:40]:  # one query term: words that cannot match are skipped
            assert snippets.matches(analyzer, text, frozenset([term])) == whole(analyzer, text, {term}), (term, text[:60])


def test_words_that_may_join_are_analysed_together():
    words = wordwise.Wordwise.of(registry.analyzer("text").steps)
    assert words.word("می").joins_next and not words.word("می").joins_previous
    assert words.word("ها").joins_previous and words.word(f"{ZWNJ}ها").joins_previous
    assert not words.word("«ها»").joins_previous and not words.word("می،").joins_next
    assert words.word(ZWNJ).joins_previous and words.word(ZWNJ).joins_next
    assert not words.word("کتاب").joins_previous and not words.word("کتاب").joins_next


def test_a_chain_with_an_unknown_step_is_analysed_whole():
    class Upper:
        name = "upper"

        def __call__(self, tokens):
            for token in tokens:
                token.text = token.text.upper()
            return tokens

    steps = registry.steps("text") + [Upper()]
    assert wordwise.Wordwise.of(steps) is None
    analyzer = registry.Analyzer("text")
    analyzer.steps, analyzer._wordwise = steps, None
    text = "kabinet ها می کند"
    terms = all_terms(analyzer, text)
    assert "KABINET" in terms and snippets.matches(analyzer, text, terms) == whole(analyzer, text, terms)


def snippet(query_text: str, text: str) -> snippets.Snippet:
    analyzer = registry.analyzer("text")
    return snippets.best_snippet(analyzer, text, frozenset(t.text for t in analyzer(query_text)))


FILLER = " ".join(f"woord{i}" for i in range(60))


def test_the_passage_with_the_most_distinct_query_words_is_shown():
    text = f"Poetin zei Poetin. {FILLER} Poetin sprak met Trump. {FILLER}"
    shown = snippet("Trump Poetin", text)
    assert shown.matches == ["Poetin", "Trump"]
    assert shown.text.startswith("… ") and shown.text.endswith(" …")


def test_a_snippet_is_a_bounded_window_around_its_matches():
    text = f"{FILLER} Oekraïne {FILLER}"
    shown = snippet("Oekraïne", text)
    before, after = shown.text.strip("… ").split("Oekraïne")
    longest_word = max(len(word) for word in text.split()) + 1
    assert len(before) <= snippets.CONTEXT_CHARS + longest_word
    assert len(shown.text) <= snippets.SNIPPET_CHARS + 2 * longest_word + 4
    assert len(after) > len(before)  # more of what follows the match than of what precedes it


def test_every_match_inside_the_window_is_marked_and_words_stay_whole():
    for text in seed_texts():
        for query in ("ترامپ پوتین", "ایران آمریکا", "Oekraïne Rusland"):
            shown = snippet(query, text)
            assert all(word in text.split() for word in shown.text.strip("… ").split())
            inner = shown.text.strip("… ")
            terms = {t.text for t in registry.analyzer("text")(query)}
            assert len(shown.matches) == len(whole(registry.analyzer("text"), inner, terms)), (query, inner[:60])


def test_a_body_without_matches_shows_its_opening():
    text = f"{FILLER} {FILLER}"
    shown = snippet("Trump", text)
    assert shown.matches == [] and text.startswith(shown.text.removesuffix(" …"))


def test_matches_stay_exact_when_the_memos_start_again(monkeypatch):
    monkeypatch.setattr(wordwise, "MEMO_SIZE", 50)  # every seed has more distinct words
    analyzer = registry.Analyzer("text")  # a fresh memo
    for text in JOIN_TEXTS + seed_texts():
        terms = all_terms(analyzer, text)
        assert snippets.matches(analyzer, text, terms) == whole(analyzer, text, terms), text[:60]
        assert len(analyzer._wordwise.words) <= max(50, len(set(text.split())))
