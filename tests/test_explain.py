"""Explaining a search: where each query term came from (searcher.analysis.explain.origins and
Page.explain), which terms each hit holds in which words (Hit.matched), and `searcher search
--explain` in text, JSON and JSON lines."""
from __future__ import annotations

import json

import pytest

from conftest import searcher_on

from searcher.analysis.explain import Origin, origins
from searcher.model import ExplainedClause, ExplainedTerm, Matched, MatchedWord

ARTICLES = [
    {"id": "ploeg", "title": "Ploeggenoten vieren feest", "text": "De ploeggenoten van de renner waren herboren na de zege",
     "lang": "nl", "source": "NOS"},
    {"id": "noot", "title": "Noot van de redactie", "text": "Een noot over de echtgenote van de minister", "lang": "nl",
     "source": "nu.nl"},
    {"id": "kern", "title": "برنامه هسته‌ای ایران", "text": "مذاکرات هسته ای با ترامپ درباره كتابهای تیم ملی",
     "lang": "fa", "source": "همشهری"},
]


@pytest.fixture
def index(make_index):
    return make_index(*ARTICLES)


@pytest.mark.parametrize("text, expected", [
    ("Oekraïne", [Origin("oekraine", "Oekraïne", ("folded",))]),
    ("ploeggenoten", [Origin("ploegnoot", "ploeggenoten", ("stemmed",)),
                      Origin("ploeg", "ploeggenoten", ("compound part",), part=True),
                      Origin("noot", "ploeggenoten", ("compound part", "stemmed"), part=True)]),
    ("هسته‌ای", [Origin("هستهای", "هسته\u200cای", ("split", "joined"))]),
    ("می کند", [Origin("میکند", "می کند", ("joined", "stop word"), stop=True)]),
    ("رئیسجمهوری", [Origin("رییس", "رئیس", ("folded", "compound split")),
                   Origin("جمهوری", "جمهوری", ("folded", "compound split"))]),
    ("۱۴۰۳", [Origin("1403", "۱۴۰۳", ("folded",))]),
    ("de", [Origin("de", "de", ("stop word",), stop=True)]),
])
def test_origins_name_what_each_step_did(text, expected):
    assert origins(text) == expected


def clause(page, label: str) -> ExplainedClause:
    return next(found for found in page.explain.clauses if found.label == label)


def text_terms(found: ExplainedClause) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(term.term, term.written, term.how) for term in found.terms if term.family == "text"]


def test_a_compound_part_match_is_visible(index):
    page = index.search("noot", explain=True)
    assert page.explain.clauses == (ExplainedClause("noot", "word", None, False, False, (
        ExplainedTerm("noot", "ranking", "text", "noot"), ExplainedTerm("noot", "ranking", "generic", "noot"))),)
    hits = {hit.id: hit for hit in page.hits}
    assert hits["ploeg"].matched == (Matched("noot", "ranking", (MatchedWord("Ploeggenoten", "title", True),
                                                                  MatchedWord("ploeggenoten", "body", True))),)
    assert hits["noot"].matched == (Matched("noot", "ranking", (MatchedWord("Noot", "title", False),
                                                                 MatchedWord("noot", "body", False))),)
    oor = index.search("oor", explain=True).hits[0]
    assert (oor.id, oor.matched) == ("ploeg", (Matched("oor", "ranking", (MatchedWord("herboren", "body", True),)),))
    not_a_word = index.search("not", explain=True).hits[0]  # operators are upper case: this is a word
    assert not_a_word.matched == (Matched("not", "ranking", (MatchedWord("echtgenote", "body", True),)),)


def test_clauses_say_excluded_stop_fielded_phrase_and_wildcard(index):
    page = index.search('de "ploeg genoten" title:feest renn* -minister lang:nl -source:nu.nl', explain=True)
    assert [found.label for found in page.explain.clauses] == [
        "de", '"ploeg genoten"', "title:feest", "renn*", "-minister"]
    assert clause(page, "de").stop and not clause(page, "title:feest").stop
    assert clause(page, "-minister").excluded and text_terms(clause(page, "-minister")) == [
        ("mini", "minister", ("stemmed",))]
    assert {term.field for term in clause(page, '"ploeg genoten"').terms} == {"title", "body"}
    assert text_terms(clause(page, '"ploeg genoten"'))[:2] == [("ploeg", "ploeg", ()), ("noot", "genoten", ("stemmed",))]
    assert [(term.field, term.term) for term in clause(page, "title:feest").terms] == [
        ("title", "feest"), ("title", "feest")]
    assert ("renner", "renn", ("wildcard",)) in text_terms(clause(page, "renn*"))
    assert page.explain.filters == {"lang": ["nl"], "excluded": ["source:nu.nl"]}
    # the phrase is not in it: "ploeggenoten" is one word, the phrase two
    assert {found.term for found in page.hits[0].matched} == {"feest", "renner", "de"}


def test_persian_terms_say_how_half_spaces_letters_and_suffixes_were_read(index):
    page = index.search("هسته‌ای كتابها تیم‌ملی ترام*", explain=True)
    assert text_terms(clause(page, "هسته‌ای")) == [("هستهای", "هسته\u200cای", ("split", "joined"))]
    assert text_terms(clause(page, "كتابها")) == [("کتاب", "كتابها", ("folded", "stemmed"))]
    assert ("تیمملی", "تیم\u200cملی", ("written solid",)) in text_terms(clause(page, "تیم‌ملی"))
    assert text_terms(clause(page, "ترام*")) == [("ترامپ", "ترام", ("wildcard",))]
    matched = {found.term: found.words for found in page.hits[0].matched}
    assert matched["هستهای"] == (MatchedWord("هسته\u200cای", "title"), MatchedWord("هسته ای", "body"))
    assert matched["کتاب"] == (MatchedWord("كتابهای", "body"),)


def test_no_explanation_unless_asked(index):
    page = index.search("noot")
    assert page.explain is None and all(hit.matched == () for hit in page.hits)
    assert "explain" not in page.to_dict() and "matched" not in page.to_dict()["hits"][0]


def test_export_hits_carry_their_matches(index):
    hits = list(index.export("noot", explain=True))
    assert {hit.id: hit.matched[0].words[0].part for hit in hits} == {"ploeg": True, "noot": False}


# The command line


@pytest.fixture
def cli(index):
    return searcher_on(index)


def test_cli_explain_prints_the_query_terms_and_each_hits_matches(cli):
    lines = cli("search", "noot -minister", "--explain").stdout.split("\n")
    assert lines[:5] == ["1 hit for: noot -minister", "", "Query terms:", "  noot: noot",
                         "  -minister: mini (stemmed) [excluded]"]
    assert "   matched: noot -> Ploeggenoten (title, body, compound part)" in lines
    persian = cli("search", "هسته‌ای lang:fa", "--explain").stdout.split("\n")
    assert "  هسته‌ای: هستهای (split, joined)" in persian and "  filters: lang:fa" in persian
    assert "   matched: هستهای -> هسته‌ای (title), هسته ای (body)" in persian
    assert "  de: de [a stop word: adds to the scores of the best hits only]" in cli(
        "search", "de noot", "--explain").stdout.split("\n")


def test_cli_explain_in_json_and_json_lines(cli):
    data = json.loads(cli("search", "noot", "--explain", "--json").stdout)
    assert data["explain"] == {"clauses": [{"text": "noot", "kind": "word", "field": None, "excluded": False,
                                            "stop": False, "terms": [
                                                {"term": "noot", "field": "ranking", "family": "text", "from": "noot",
                                                 "how": []},
                                                {"term": "noot", "field": "ranking", "family": "generic",
                                                 "from": "noot", "how": []}]}],
                               "filters": {}}
    ploeg = next(hit for hit in data["hits"] if hit["id"] == "ploeg")
    assert ploeg["matched"] == [{"term": "noot", "field": "ranking", "words": [
        {"text": "Ploeggenoten", "field": "title", "part": True}, {"text": "ploeggenoten", "field": "body", "part": True}]}]
    lines = [json.loads(line) for line in cli("search", "noot", "--explain", "--format", "jsonl").stdout.splitlines()]
    assert [line["matched"][0]["term"] for line in lines] == ["noot", "noot"]
    refused = cli("search", "noot", "--explain", "--format", "csv")
    assert refused.exit_code == 2 and "--explain goes with text, JSON or JSON lines" in refused.stderr


def test_the_readme_example_is_what_the_command_prints(cli):
    from conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = readme.split("$ searcher search noot --explain\n", 1)[1].split("```", 1)[0]
    assert cli("search", "noot", "--explain").stdout == example
