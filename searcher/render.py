"""The terminal view: pages of hits (search, similar), an article read whole (show), facets,
a did-you-mean line.

A hit reads::

    1. Title of the article
       2024-06-14 · nos · nl · score 3.21 · id
       …the snippet with the **matched** words…
       +2 similar: id-b, id-c

How it is drawn depends on where it goes (``Display``). On a terminal: bold titles and
highlighted matches (unless NO_COLOR is set), long lines wrapped at the terminal's width between
words (never inside one; widths measured in terminal cells, so combining marks and half-spaces
count for nothing) with their indent kept, and Persian lines in Unicode right-to-left isolates, so a
terminal that implements the bidi algorithm shows them in reading order without reordering the
rest of the line. Into a pipe or a file: a line per snippet, matched words between ``**``, and
no isolates: control characters would end up in grep, cut or a spreadsheet.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from typing import TextIO

import click

from searcher.model import Hit, Page, Reading, Snippet, WatchReport

RTL_ISOLATE, FIRST_STRONG_ISOLATE, POP_ISOLATE = "\u2067", "\u2068", "\u2069"
SEPARATOR = " · "
INDENT = "   "
SIMILAR_SHOWN = 5  # ids listed after "+N similar"
CHROME_MARK = "[chrome] "  # a page chrome line of an article read whole, without colour
MIN_WRAP_WIDTH = 20  # narrower terminals still get lines this long
FIELD_LABEL_WIDTH = 9  # "source:  " in the header of an article read whole


@dataclass(frozen=True)
class Display:
    """How text is drawn: with colour, with right-to-left isolates, wrapped at ``width``
    cells (None: not wrapped)."""

    color: bool = False
    bidi: bool = False
    width: int | None = None

    @classmethod
    def of(cls, stream: TextIO) -> "Display":
        """A terminal gets isolates, lines wrapped at its width and colour (unless NO_COLOR is
        set); a pipe or a file none of them."""
        if not stream.isatty():
            return cls()
        return cls(color="NO_COLOR" not in os.environ, bidi=True, width=shutil.get_terminal_size().columns)


def page_text(page: Page, display: Display) -> str:
    """The whole page: a did-you-mean line, a count line, the hits, the facets."""
    lines = []
    if page.suggestion:
        lines.append(_styled(f"Did you mean: {_isolated(page.suggestion, display)}", display, fg="cyan", bold=True))
    lines.append(count_line(page, display))
    first = (page.page - 1) * page.limit + 1
    lines += [hit_text(rank, hit, display, scored=page.sort != "date") for rank, hit in enumerate(page.hits, start=first)]
    if page.facets is not None:
        lines.append(facets_text(page.facets))
    return "\n".join(lines)


def count_line(page: Page, display: Display) -> str:
    """``12 hits, showing 1-10, for: QUERY``; the query last and as typed."""
    query = _isolated(page.query, display)
    if not page.hits:
        where = f" on page {page.page} ({hits_count(page.total)} in all)" if page.total else ""
        return f"No hits{where} for: {query}"
    first = (page.page - 1) * page.limit + 1
    last = first + len(page.hits) - 1
    if first == 1 and len(page.hits) == page.total:
        return f"{hits_count(page.total)} for: {query}"
    shown = f"{first}-{last}" if last > first else f"{first}"
    return f"{hits_count(page.total)}, showing {shown}, for: {query}"


def hits_count(total: int) -> str:
    """``1 hit``, ``2 hits``."""
    return count(total, "hit")


def count(number: int, thing: str, things: str | None = None) -> str:
    """``1 article``, ``2 articles``."""
    return f"{number} {thing}" if number == 1 else f"{number} {things or thing + 's'}"


def watch_text(report: WatchReport, display: Display) -> str:
    """A standing query's new matches: a line naming it, then its hits as a search shows them."""
    watch = report.watch
    query = _isolated(watch.query, display)
    runs = f"runs after {report.since}"
    if report.error:
        head = f"{watch.name} ({runs}): could not be asked: {report.error}"
    elif not report.total:
        head = f"{watch.name} ({runs}): nothing new for: {query}"
    else:
        shown = "" if len(report.hits) == report.total else f", showing 1-{len(report.hits)}"
        head = f"{watch.name} ({runs}): {count(report.total, 'new article')}{shown}, for: {query}"
    hits = [hit_text(rank, hit, display) for rank, hit in enumerate(report.hits, start=1)]
    return "\n".join([_styled(head, display, bold=True), *hits])


def hit_text(rank: int, hit: Hit, display: Display, scored: bool = True) -> str:
    """One hit's block: a blank line, then rank and title, details (the score when ``scored``),
    snippet, similar ones."""
    prefix = f"{rank}. "
    title = hit.title_snippet if hit.title else Snippet(((hit.id, False),))
    score = f"score {hit.score:.2f}" if scored else None
    details = SEPARATOR.join(part for part in (hit.date or "undated", hit.source, hit.lang, score, hit.id) if part)
    lines = ["", *_block(title, hit.direction, display, prefix, " " * len(prefix), bold=True),
             INDENT + _styled(details, display, dim=True)]
    lines += _block(hit.snippet, hit.direction, display, INDENT, INDENT)
    if hit.similar:
        more = ", …" if len(hit.similar) > SIMILAR_SHOWN else ""
        lines.append(INDENT + f"+{len(hit.similar)} similar: " + ", ".join(hit.similar[:SIMILAR_SHOWN]) + more)
    return "\n".join(lines)


def facets_text(facets: dict[str, dict[str, int]]) -> str:
    """One line per facet: ``lang: fa 12, nl 3``."""
    return "\n" + "\n".join(f"{name}: " + ", ".join(f"{value} {count}" for value, count in counts.items())
                            for name, counts in facets.items())


def reading_text(reading: Reading, display: Display) -> str:
    """An article read whole: the title, one line per field, a blank line, the text. Page
    chrome lines are dimmed, or without colour start with ``[chrome]``."""
    article = reading.article
    lines = _block(reading.title_snippet, reading.direction, display, "", "", bold=True) or [article.id]
    fields = {"date": article.date or "undated", "source": article.outlet, "lang": article.lang, "url": article.url,
              "path": article.path, "id": article.id}
    if reading.query is not None:
        fields["matches"] = f"{reading.match_count} for: {_isolated(reading.query, display)}"
    lines += [_styled(f"{name + ':':<{FIELD_LABEL_WIDTH}}{value}", display, dim=True)
              for name, value in fields.items() if value]
    lines.append("")
    for line in reading.lines:
        text = Snippet.of(line.text, line.matches)
        if not line.chrome:
            lines += _block(text, reading.direction, display, "", "") or [""]
        elif display.color:
            lines += _block(text, reading.direction, display, "", "", dim=True)
        else:
            lines += _block(text, reading.direction, display, CHROME_MARK, CHROME_MARK)
    return "\n".join(lines)


def _block(snippet: Snippet, direction: str, display: Display, first_indent: str, indent: str, **style) -> list[str]:
    """``snippet``'s lines: its matched words highlighted (or between ``**``), the rest in
    ``style``; wrapped at the display's width between words, after ``first_indent`` on the
    first line and ``indent`` on the others; right-to-left ones isolated on a terminal."""
    if display.color:
        text = "".join(click.style(part, fg="yellow", bold=True) if matched else click.style(part, **style) if style
                       else part for part, matched in snippet.parts)
    else:
        text = snippet.marked()
    if not text:
        return []
    lines = _wrapped(text, display.width - max(len(first_indent), len(indent))) if display.width else [text]
    if display.bidi and direction == "rtl":
        lines = [RTL_ISOLATE + line + POP_ISOLATE for line in lines]
    return [lead + line for lead, line in zip([first_indent] + [indent] * (len(lines) - 1), lines)]


def _wrapped(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` terminal cells (a longer word stays whole),
    broken only at spaces; colour carried over from one line to the next."""
    import wcwidth  # only terminal output is wrapped

    return wcwidth.wrap(text, max(width, MIN_WRAP_WIDTH), break_long_words=False, break_on_hyphens=False) or [""]


def _isolated(text: str, display: Display) -> str:
    """Text of either direction (a query) kept apart from the line around it on a terminal."""
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_ISOLATE}" if display.bidi else text


def _styled(text: str, display: Display, **style) -> str:
    return click.style(text, **style) if display.color else text
