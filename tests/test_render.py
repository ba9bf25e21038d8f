"""The terminal view's line layout, colour rules, wrapping and right-to-left isolates."""
from __future__ import annotations

import io
import re

import pytest
from wcwidth import wcswidth

from searcher import render
from searcher.model import Article, Hit, Line, Page, Reading, Snippet
from searcher.render import Display

PIPE = Display()  # what a pipe or a file gets
PLAIN_TERMINAL = Display(bidi=True)  # a terminal with NO_COLOR, not wrapped
ISOLATES = re.compile("[\u2066-\u2069]")
SGR = re.compile(r"\x1b\[[0-9;]*m")


def hit(**fields) -> Hit:
    defaults = dict(id="nos-1", title="Oorlog in Oekraïne", lang="nl", date="2024-09-20", path="/drop/nos/a.txt",
                    score=3.2109, snippet=Snippet((("De ", False), ("oorlog", True), (" gaat door", False))), source="NOS")
    return Hit(**{**defaults, **fields})


def page(hits: list[Hit], total: int | None = None, number: int = 1, limit: int = 10, **fields) -> Page:
    return Page("oorlog", total=len(hits) if total is None else total, page=number, limit=limit, hits=hits, **fields)


def test_hit_layout_without_colour():
    assert render.hit_text(1, hit(similar=("nu-1", "anp-1")), PIPE).split("\n") == [
        "",
        "1. Oorlog in Oekraïne",
        "   2024-09-20 · NOS · nl · score 3.21 · nos-1",
        "   De **oorlog** gaat door",
        "   +2 similar: nu-1, anp-1",
    ]


def test_titles_are_highlighted_like_snippets():
    lines = render.hit_text(1, hit(title_matches=((0, 6),)), PIPE).split("\n")
    assert lines[1] == "1. **Oorlog** in Oekraïne"
    coloured = render.hit_text(1, hit(title_matches=((0, 6),)), Display(color=True)).split("\n")[1]
    assert "\x1b[33m" in coloured and SGR.sub("", coloured) == "1. Oorlog in Oekraïne"


def test_persian_lines_are_isolated_right_to_left_on_a_terminal_only():
    persian = hit(title="جنگ", lang="fa", date=None, source=None, snippet=Snippet((("جنگ", True), (" ادامه دارد", False))))
    lines = render.hit_text(2, persian, PLAIN_TERMINAL).split("\n")
    assert lines[1] == "2. \u2067جنگ\u2069"
    assert lines[2] == "   undated · fa · score 3.21 · nos-1"
    assert lines[3] == "   \u2067**جنگ** ادامه دارد\u2069"
    piped = render.hit_text(2, persian, PIPE).split("\n")
    assert piped[1:4] == ["2. جنگ", "   undated · fa · score 3.21 · nos-1", "   **جنگ** ادامه دارد"]


def test_colour_marks_matches_with_styles_not_stars():
    text = render.hit_text(1, hit(), Display(color=True))
    assert "\x1b[" in text and "**" not in text


PERSIAN_WORDS = ("برنامه‌ی هسته‌ای ایران در گفت‌وگوهای تازه‌ی وین دوباره مطرح شد و نمایندگان "
                 "کشورهای اروپایی گفتند که پیش‌نویس توافق آماده‌ی امضا نیست").split(" ")


@pytest.mark.parametrize("width", [30, 45, 80])
def test_snippets_wrap_between_words_at_the_width_keeping_the_indent(width):
    """Words with half-spaces (ZWNJ, no width) stay whole; every line fits the width in
    terminal cells and keeps the indent; the lines put together give the snippet back."""
    text = " ".join(PERSIAN_WORDS)
    matched = text.index("هسته‌ای")
    snippet = Snippet.of(text, [(matched, matched + len("هسته‌ای"))])
    display = Display(bidi=True, width=width)
    lines = render.hit_text(1, hit(lang="fa", snippet=snippet), display).split("\n")[3:]
    assert len(lines) > 1 if width < 80 else len(lines) >= 1
    for line in lines:
        assert line.startswith("   \u2067") and line.endswith("\u2069")
        assert wcswidth(line) <= width
    words = " ".join(line.strip().strip("\u2067\u2069") for line in lines).split(" ")
    assert words == snippet.marked().split(" ")


def test_a_word_longer_than_the_width_is_not_broken():
    long_word = "arbeidsongeschiktheidsverzekeringsmaatschappijen"
    lines = render.hit_text(1, hit(snippet=Snippet(((f"de {long_word} en zo", False),))), Display(width=30)).split("\n")
    assert lines[3:] == ["   de", f"   {long_word}", "   en zo"]


def test_colour_wraps_like_plain_text():
    """Colour codes take no room: the wrapped lines are those of the plain text."""
    text = " ".join(PERSIAN_WORDS)
    snippet = Snippet.of(text, [(0, len(PERSIAN_WORDS[0]))])
    plain = render.hit_text(1, hit(lang="fa", snippet=snippet), Display(width=40)).split("\n")
    coloured = render.hit_text(1, hit(lang="fa", snippet=snippet), Display(color=True, width=40)).split("\n")
    assert [SGR.sub("", line) for line in coloured] == [line.replace("**", "") for line in plain]


def test_count_line_echoes_the_query_as_typed_with_singular_and_plural():
    one = Page("هسته‌ای", total=1, page=1, limit=10, hits=[hit()])
    assert render.page_text(one, PIPE).split("\n")[0] == "1 hit for: هسته‌ای"
    assert render.page_text(one, PLAIN_TERMINAL).split("\n")[0] == "1 hit for: \u2068هسته‌ای\u2069"
    assert render.count_line(page([hit()] * 3), PIPE) == "3 hits for: oorlog"
    assert render.count_line(page([hit()] * 2, total=12, number=2, limit=2), PIPE) == "12 hits, showing 3-4, for: oorlog"
    assert render.count_line(page([hit()], total=3, number=3, limit=1), PIPE) == "3 hits, showing 3, for: oorlog"
    assert render.count_line(page([], total=1, number=2), PIPE) == "No hits on page 2 (1 hit in all) for: oorlog"


def test_page_with_suggestion_and_facets():
    empty = Page("orlog", total=0, page=1, limit=10, hits=[], facets={"lang": {}}, suggestion="oorlog")
    assert render.page_text(empty, PIPE).split("\n") == ["Did you mean: oorlog", "No hits for: orlog", "", "lang: "]


def test_no_score_when_sorted_by_date():
    by_date = render.page_text(page([hit(score=0.0)], sort="date"), PIPE)
    assert "   2024-09-20 · NOS · nl · nos-1" in by_date.split("\n") and "score" not in by_date
    assert "score 3.21" in render.page_text(page([hit()]), PIPE)


def test_display_of_a_stream(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "72")
    assert Display.of(Tty()) == Display(color=True, bidi=True, width=72)
    assert Display.of(io.StringIO()) == Display(color=False, bidi=False, width=None)
    monkeypatch.setenv("NO_COLOR", "1")
    assert Display.of(Tty()) == Display(color=False, bidi=True, width=72)


def reading(**fields) -> Reading:
    article = Article(id="a1", title="Oorlog in Oekraïne", body="De oorlog gaat door.", lang="nl", date=None,
                      path="/drops/nos/a1.txt", source=None, url="https://nos.nl/a1", content_hash="0",
                      page="Menu Sport Weer\nOorlog in Oekraïne\nDe oorlog gaat door.")
    lines = (Line("Menu Sport Weer", chrome=True), Line("Oorlog in Oekraïne", matches=((0, 6),)),
             Line("De oorlog gaat door.", matches=((3, 9),)))
    return Reading(**{"article": article, "lines": lines, "query": "oorlog", "title_matches": ((0, 6),), **fields})


def test_an_article_read_whole():
    assert render.reading_text(reading(), PIPE).split("\n") == [
        "**Oorlog** in Oekraïne",
        "date:    undated",
        "source:  nos",
        "lang:    nl",
        "url:     https://nos.nl/a1",
        "path:    /drops/nos/a1.txt",
        "id:      a1",
        "matches: 3 for: oorlog",
        "",
        "[chrome] Menu Sport Weer",
        "**Oorlog** in Oekraïne",
        "De **oorlog** gaat door.",
    ]


def test_chrome_lines_are_dimmed_in_colour():
    lines = render.reading_text(reading(query=None, title_matches=()), Display(color=True)).split("\n")
    chrome = next(line for line in lines if "Menu Sport" in line)
    assert "[chrome]" not in chrome and "\x1b[2m" in chrome
    assert not any(SGR.sub("", line).startswith("matches:") for line in lines)


def test_piped_output_has_no_isolates():
    persian = hit(title="جنگ", lang="fa", snippet=Snippet((("جنگ", True),)))
    assert not ISOLATES.search(render.page_text(Page("جنگ", 1, 1, 10, [persian]), PIPE))
    assert ISOLATES.search(render.page_text(Page("جنگ", 1, 1, 10, [persian]), PLAIN_TERMINAL))
