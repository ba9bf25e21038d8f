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
