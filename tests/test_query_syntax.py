"""The query syntax read into trees: operators by precedence, fields, filters, exclusions."""
from __future__ import annotations

from searcher.query.syntax import Filter, Phrase, Word, parse
from searcher.query.tree import And, AndMaybe, AndNot, Not, Or


def tree(text: str):
    return parse(text).tree


def words(node) -> list[str]:
    if isinstance(node, Word):
        return [node.text]
    if isinstance(node, (Or, And)):
        return [w for child in node.children for w in words(child)]
    return []


def test_and_binds_tighter_than_or_and_side_by_side_means_or():
    found = tree("a OR b c AND d")
    assert isinstance(found, Or)
    assert [type(child).__name__ for child in found.children] == ["Word", "Word", "And"]
    assert words(found.children[2]) == ["c", "d"]


def test_excluded_words_phrases_and_filters():
    assert tree("a -b") == AndNot(Word("a", 0, 1), Word("b", 3, 4))
    assert tree("a NOT b") == AndNot(Word("a", 0, 1), Word("b", 6, 7))
    excluded = tree("rutte -date:2024 -source:\"Fars News\"")
    assert isinstance(excluded, AndNot) and excluded.positive == Word("rutte", 0, 5)
    assert {(f.name, f.value) for f in excluded.negative.children} == {("date", "2024"), ("source", "Fars News")}
    assert isinstance(tree('-"een zin" woord').negative, Phrase)


def test_required_clauses_and_fields():
    found = tree("+title:x y")
    assert isinstance(found, AndMaybe) and found.required == Word("x", 7, 8, field="title")
    assert tree('body:"a b"~3^2') == Phrase("a b", 6, 9, slop=3, field="body", boost=2.0)
    assert words(tree("title:(a b)")) == ["a", "b"] and all(w.field == "title" for w in tree("title:(a b)").children)


def test_filters_take_ranges_and_quoted_values():
    assert tree("date:2024-01..2024-03") == Filter("date", "2024-01..2024-03", 0, 21)
    assert tree('source:"Fars News"') == Filter("source", "Fars News", 0, 18)
    assert tree("id:a:b") == Filter("id", "a:b", 0, 6)


def test_an_unknown_prefix_is_words_with_a_note():
    parsed = parse("langs:nl Rutte")
    assert words(parsed.tree) == ["langs:nl", "Rutte"] and "unknown field 'langs:'" in parsed.notes[0]


def test_dangling_operators_and_lone_markers_are_dropped():
    assert tree("a AND") == Word("a", 0, 1)
    assert tree("van ( - )") == Word("van", 0, 3)
    assert tree("NOT a") == Not(Word("a", 4, 5))
    assert tree("( + )") is None


def test_a_wildcard_is_a_prefix_word():
    assert tree("Oekra*") == Word("Oekra", 0, 5, prefix=True)
    assert tree("a*b") == Word("a*b", 0, 3)


def test_a_lone_exclusion_means_everything_but_while_an_empty_part_of_the_algebra_matches_nothing():
    from searcher.query.plan import Term, normalize

    assert tree("-b") == Not(Word("b", 1, 2))
    banned = Term("ranking", "text", "b")
    assert normalize(AndNot(None, banned)) is None
    assert normalize(AndMaybe(None, banned)) is None
    assert normalize(Or((Or((banned, banned)), None))) == banned
