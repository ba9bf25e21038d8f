"""Snippets analyse bodies word by word (memoised); they must equal Whoosh's whole-text highlight."""
from __future__ import annotations

import pytest
from whoosh import highlight
from whoosh.analysis import CompositeAnalyzer, LowercaseFilter

from conftest import SEEDS
from searcher.analysis import registry
from searcher.backend.whoosh import snippets

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


def whole(analyzer, text: str) -> list[tuple]:
    return [(t.text, t.startchar, t.endchar, t.boost) for t in analyzer(text, chars=True, mode="query", removestops=False)]


@pytest.mark.parametrize("name", registry.ANALYZER_NAMES)
def test_word_by_word_tokens_equal_the_whole_texts(name):
    analyzer = registry.analyzer(name)
    assert snippets._words(analyzer) is not None
    for text in JOIN_TEXTS + seed_texts():
        tokens = [(t.text, t.startchar, t.endchar, t.boost) for t in snippets._tokens(analyzer, text)]
        assert tokens == whole(analyzer, text), text[:60]


def test_words_that_may_join_are_analysed_together():
    words = snippets._words(registry.analyzer("text"))
    assert words.word("می").joins_next and not words.word("می").joins_previous
    assert words.word("ها").joins_previous and words.word(f"{ZWNJ}ها").joins_previous
    assert not words.word("«ها»").joins_previous and not words.word("می،").joins_next
    assert words.word(ZWNJ).joins_previous and words.word(ZWNJ).joins_next
    assert not words.word("کتاب").joins_previous and not words.word("کتاب").joins_next


class _Extended:
    """An analyzer whose chain has a step the snippets do not know to be local."""

    def __init__(self):
        self.chain = CompositeAnalyzer(*registry.steps("text"), LowercaseFilter())

    def __call__(self, value, **kwargs):
        return self.chain(value, **kwargs)


def test_a_chain_with_an_unknown_step_is_analysed_whole():
    analyzer = _Extended()
    assert snippets._words(analyzer) is None
    text = "کتاب ها می کند"
    assert [(t.text, t.startchar) for t in snippets._tokens(analyzer, text)] == [(t[0], t[1]) for t in whole(analyzer, text)]


class _Schema(dict):
    pass


class _Field:
    def __init__(self, analyzer):
        self.analyzer = analyzer


class _Searcher:
    """What best_snippet reads of a Whoosh searcher: the schema's analyzers."""

    def __init__(self):
        self.schema = _Schema(body=_Field(registry.analyzer("text")), content=_Field(registry.analyzer("text")))


@pytest.mark.parametrize("query_text", ["کتاب", "می کند", "هسته ای", "رئیس جمهور", "توانست", "oosten"])
def test_best_snippet_equals_whole_text_highlighting(query_text):
    from whoosh import query as wq

    analyzer = registry.analyzer("text")
    terms = [t.text for t in analyzer(query_text, mode="query")]
    query = wq.And([wq.Term("body", term) for term in terms])
    for text in JOIN_TEXTS + seed_texts():
        if not text:
            continue
        expected = highlight.highlight(text, frozenset(terms), analyzer, snippets.FRAGMENTER, snippets.PartsFormatter(), top=1)
        got = snippets.best_snippet(_Searcher(), query, ("body", "content"), text)
        if expected is None:
            expected = snippets._snippet(text, 0, min(len(text), snippets.SNIPPET_CHARS), [])
        assert got == expected, text[:60]
