"""Phrases across spelling conventions (tests/cases/phrases.json): written apart, with
half-spaces or solid, in the query or in the article, and the matched span marked."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from searcher import open_index

CASES = json.loads((Path(__file__).parent / "cases" / "phrases.json").read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    index = open_index(tmp_path_factory.mktemp("phrases") / "idx", create=True)
    index.add_documents([{"id": f"case{n}", "title": case.get("title", ""), "text": case["text"], "lang": "fa"}
                         for n, case in enumerate(CASES)])
    yield index
    index.close()


@pytest.mark.parametrize("number, case", list(enumerate(CASES)), ids=[case["why"] for case in CASES])
def test_phrase_cases(indexed, number, case):
    article = f"case{number}"
    for phrase in case["match"]:
        assert article in [hit.id for hit in indexed.search(phrase, limit=20).hits], phrase
    for phrase in case["miss"]:
        assert article not in [hit.id for hit in indexed.search(phrase, limit=20).hits], phrase


def test_the_span_a_variant_matched_is_marked(indexed):
    (hit,) = [hit for hit in indexed.search('"غیر قابل پیش بینی"').hits if hit.id == "case0"]
    assert hit.snippet.matches == ["غیرقابل", "پیشبینی"]


def test_phrases_over_many_articles_are_found_from_the_arrays_and_from_whoosh(tmp_path, monkeypatch):
    """A phrase's words in hundreds of articles: every article with the words side by side is
    found and none with them apart, from the positions in the ranking arrays, and from Whoosh's
    postings where the arrays keep fewer positions than an article has (here: every posting)."""
    texts = [("سیب سرخ خوب" if n % 3 == 0 else "سرخ خوب سیب") + f" شماره {n} سیب" for n in range(600)]
    wanted = {f"doc{n}" for n in range(600) if n % 3 == 0}
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents([{"id": f"doc{n}", "text": text, "lang": "fa"} for n, text in enumerate(texts)])
    for kept in (None, 1):
        if kept:
            monkeypatch.setattr("searcher.backend.whoosh.snapshot.TF_MAX", kept)
        with open_index(tmp_path / "idx") as index:
            page = index.search('"سیب سرخ"', limit=1000, snippets=False)
            assert page.total == len(wanted) and {hit.id for hit in page.hits} == wanted
            assert index.search('"سرخ سیب"', limit=1000, snippets=False).total == 0
            assert index.search('"سرخ خوب سیب"', limit=1000, snippets=False).total == 600 - len(wanted)
