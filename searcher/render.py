"""The terminal view of search results: one block per hit, facets, a did-you-mean line.

A hit reads::

    1. Title of the article
       2024-06-14 · nos · nl · score 3.21 · id
       …the snippet with the **matched** words…
       +2 similar: id-b, id-c

Persian titles and snippets are wrapped in Unicode right-to-left isolates, so a terminal that
implements the bidi algorithm shows them in reading order without reordering the rest of the
line. Colour (bold titles, highlighted matches) only when asked; without it matches are marked
with ``**``.
"""
from __future__ import annotations

import os
from typing import TextIO

import click

from searcher.model import Hit, Page

RTL_ISOLATE, POP_ISOLATE = "\u2067", "\u2069"
SEPARATOR = " · "
INDENT = "   "
SIMILAR_SHOWN = 5  # ids listed after "+N similar"


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return stream.isatty() and "NO_COLOR" not in os.environ


def directional(text: str, direction: str) -> str:
    """Wraps right-to-left text in a Unicode isolate so it reads right to left in a line."""
    return f"{RTL_ISOLATE}{text}{POP_ISOLATE}" if direction == "rtl" else text


def page_text(page: Page, color: bool) -> str:
    """The whole page: a count line, the hits, the facets, a suggestion."""
    lines = []
    if page.suggestion:
        lines.append(_styled(f"Did you mean: {page.suggestion}", color, fg="cyan", bold=True))
    first = (page.page - 1) * page.limit + 1
    if page.hits:
        lines.append(f"{page.total} hits for {page.query!r}, showing {first}-{first + len(page.hits) - 1}:")
        lines += [hit_text(rank, hit, color) for rank, hit in enumerate(page.hits, start=first)]
    else:
        lines.append(f"No hits for {page.query!r} on page {page.page} (total {page.total}).")
    if page.facets is not None:
        lines.append(facets_text(page.facets))
    return "\n".join(lines)


def hit_text(rank: int, hit: Hit, color: bool) -> str:
    """One hit's block: a blank line, then rank and title, details, snippet, similar ones."""
    title = _styled(directional(hit.title or hit.id, hit.direction), color, bold=True)
    details = SEPARATOR.join(part for part in (hit.date or "undated", hit.source, hit.lang, f"score {hit.score:.2f}", hit.id) if part)
    if color:
        snippet = "".join(click.style(text, fg="yellow", bold=True) if matched else text for text, matched in hit.snippet.parts)
    else:
        snippet = hit.snippet.marked()
    lines = ["", f"{rank}. {title}", INDENT + _styled(details, color, dim=True)]
    if snippet:
        lines.append(INDENT + directional(snippet, hit.direction))
    if hit.similar:
        more = ", …" if len(hit.similar) > SIMILAR_SHOWN else ""
        lines.append(INDENT + f"+{len(hit.similar)} similar: " + ", ".join(hit.similar[:SIMILAR_SHOWN]) + more)
    return "\n".join(lines)


def facets_text(facets: dict[str, dict[str, int]]) -> str:
    """One line per facet: ``lang: fa 12, nl 3``."""
    return "\n" + "\n".join(f"{name}: " + ", ".join(f"{value} {count}" for value, count in counts.items())
                            for name, counts in facets.items())


def _styled(text: str, color: bool, **style) -> str:
    return click.style(text, **style) if color else text
