"""Snippets: the passage of an article body around its best match, matched words marked.

Matching is done on analysed terms, so whatever spelling variant the article uses is marked;
the marked spans come from the tokens' character offsets into the stored body.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from whoosh import highlight
from whoosh import query as wq
from whoosh.searching import Searcher

from searcher.backend.whoosh.parsing import positive_terms
from searcher.results import Snippet

SNIPPET_CHARS = 240
CONTEXT_CHARS = 80
ELLIPSIS = "…"
WHITESPACE_RUN = re.compile(r"\s+")


class PartsFormatter(highlight.Formatter):
    """Turns the best fragment into a Snippet, widened to whole words."""

    def format(self, fragments: list, replace: bool = False) -> Snippet | None:
        if not fragments:
            return None
        fragment = fragments[0]
        return _snippet(fragment.text, fragment.startchar, fragment.endchar, [(t.startchar, t.endchar) for t in fragment.matches])


def best_snippet(searcher: Searcher, query: wq.Query, fieldnames: tuple[str, ...], text: str) -> Snippet:
    """The body passage with the most matches of ``query``'s terms in ``fieldnames`` (fields
    analysed alike, the first of them the body's), or the body's opening when nothing matched
    there (a title-only match)."""
    words = frozenset(term for name, term in positive_terms(query) if name in fieldnames)
    snippet = None
    if words and text:
        snippet = highlight.highlight(
            text,
            words,
            searcher.schema[fieldnames[0]].analyzer,
            highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=CONTEXT_CHARS),
            PartsFormatter(),
            top=1,
        )
    return snippet or _snippet(text, 0, min(len(text), SNIPPET_CHARS), [])


def _snippet(text: str, start: int, end: int, matches: list[tuple[int, int]]) -> Snippet:
    """The parts of ``text[start:end]``, widened to whitespace so no word is cut."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    parts: list[tuple[str, bool]] = [(ELLIPSIS + " ", False)] if start > 0 else []
    cursor = start
    for match_start, match_end in sorted(matches):
        if match_start < cursor or match_end > end:
            continue
        if match_start > cursor:
            parts.append((text[cursor:match_start], False))
        if parts and parts[-1][1] and match_start == cursor:  # parts of one word (a split compound)
            parts[-1] = (parts[-1][0] + text[match_start:match_end], True)
        else:
            parts.append((text[match_start:match_end], True))
        cursor = match_end
    if cursor < end:
        parts.append((text[cursor:end], False))
    if end < len(text):
        parts.append((" " + ELLIPSIS, False))
    return Snippet(tuple(_collapse_whitespace(parts)))


def _collapse_whitespace(parts: list[tuple[str, bool]]) -> Iterator[tuple[str, bool]]:
    """Line breaks of the article become single spaces, so a snippet is one line."""
    for text, matched in parts:
        yield WHITESPACE_RUN.sub(" ", text), matched
