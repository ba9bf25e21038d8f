"""Data-driven analyzer cases: tests/cases/analysis.json."""

import json
from pathlib import Path

import pytest

from searcher.analysis.registry import analyzer

CASES = json.loads((Path(__file__).parent / "cases" / "analysis.json").read_text("utf-8"))


def terms(text, name="text"):
    return [t.text for t in analyzer(name)(text)]


@pytest.mark.parametrize("case", CASES["same"], ids=lambda c: c["why"])
def test_spellings_meet(case):
    got = {s: terms(s, case.get("analyzer", "text")) for s in case["group"]}
    first = got[case["group"][0]]
    assert first, got
    assert all(v == first for v in got.values()), got
    if "terms" in case:
        assert first == case["terms"]


@pytest.mark.parametrize("pair", CASES["different"], ids=lambda p: "/".join(p))
def test_negative_pairs_stay_apart(pair):
    a, b = (terms(w) for w in pair)
    assert a and b and a != b, (a, b)


@pytest.mark.parametrize("case", CASES["expect"], ids=lambda c: c["text"])
def test_expected_terms(case):
    assert terms(case["text"], case.get("analyzer", "text")) == case["terms"]
