"""Snippets from a window of the body placed by the postings' positions: the same passage as
analysing the whole body, and the opening without analysis when the body has no match."""
from __future__ import annotations

import pytest

from searcher import open_index
from searcher.backend.whoosh import snippets
from searcher.backend.whoosh.parsing import parse

FILLER = ["واژه" + str(i) for i in range(600)]


@pytest.fixture
def long_index(tmp_path):
    """A long Persian article with the key word (in another spelling) near the start, middle and end."""
    texts = {}
    for name, at in (("start", 20), ("middle", 300), ("end", 590)):
        words = FILLER[:at] + ["رئيس", "جمهور", "كشور"] + FILLER[at:]
        texts[name] = " ".join(words)
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents({"id": name, "title": "خبر", "text": text, "lang": "fa"} for name, text in texts.items())
    return tmp_path / "idx", texts


@pytest.mark.parametrize("name", ["start", "middle", "end"])
def test_window_snippet_is_the_whole_body_snippet(long_index, name):
    path, texts = long_index
    with open_index(path) as index:
        store = index._fresh().store
        with store._ix.searcher() as searcher:
            query = parse(store._parser, "رئیس کشور").query
            docnum = searcher.document_number(id=name)
            windowed = snippets.best_snippet(searcher, query, "body", texts[name], docnum)
            whole = snippets.best_snippet(searcher, query, "body", texts[name])
            start, end = snippets._match_window(searcher, "body", frozenset(["رئیس", "کشور"]), texts[name], docnum)
    assert end - start < len(texts[name]) / 2 and "رئيس" in texts[name][start:end]
    assert windowed == whole
    assert set(windowed.matches) == {"رئيس", "كشور"}


def test_a_body_without_match_shows_its_opening(long_index):
    path, texts = long_index
    with open_index(path) as index:
        store = index._fresh().store
        with store._ix.searcher() as searcher:
            query = parse(store._parser, "خبر").query  # in the title only
            snippet = snippets.best_snippet(searcher, query, "body", texts["start"], searcher.document_number(id="start"))
    assert snippet.matches == [] and snippet.text.startswith("واژه0 ")
