"""The terminal view's line layout, colour rules and right-to-left isolates."""
from __future__ import annotations

import io

from searcher import render
from searcher.model import Hit, Page, Snippet


def hit(**fields) -> Hit:
    defaults = dict(id="nos-1", title="Oorlog in Oekraïne", lang="nl", date="2024-09-20", path="/drop/nos/a.txt",
                    score=3.2109, snippet=Snippet((("De ", False), ("oorlog", True), (" gaat door", False))), source="NOS")
    return Hit(**{**defaults, **fields})


def test_hit_layout_without_colour():
    assert render.hit_text(1, hit(similar=("nu-1", "anp-1")), color=False).split("\n") == [
        "",
        "1. Oorlog in Oekraïne",
        "   2024-09-20 · NOS · nl · score 3.21 · nos-1",
        "   De **oorlog** gaat door",
        "   +2 similar: nu-1, anp-1",
    ]


def test_persian_lines_are_isolated_right_to_left():
    lines = render.hit_text(2, hit(title="جنگ", lang="fa", date=None, source=None,
                                   snippet=Snippet((("جنگ", True), (" ادامه دارد", False)))), color=False).split("\n")
    assert lines[1] == "2. \u2067جنگ\u2069"
    assert lines[2] == "   undated · fa · score 3.21 · nos-1"
    assert lines[3] == "   \u2067**جنگ** ادامه دارد\u2069"


def test_colour_marks_matches_with_styles_not_stars():
    text = render.hit_text(1, hit(), color=True)
    assert "\x1b[" in text and "**" not in text


def test_page_with_suggestion_and_facets():
    page = Page("orlog", total=0, page=1, limit=10, hits=[], facets={"lang": {}}, suggestion="oorlog")
    assert render.page_text(page, color=False).split("\n") == [
        "Did you mean: oorlog", "No hits for 'orlog' on page 1 (total 0).", "", "lang: "]


def test_colour_only_on_a_terminal_without_no_color(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert render.use_color(Tty()) and not render.use_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not render.use_color(Tty())
