"""Snippets: the passage of an article body around its best match, matched words marked.

Matching is done on analysed terms, so whatever spelling variant the article uses is marked;
the marked spans come from the tokens' character offsets into the stored body.

Analysing a whole body per hit costs more than the search itself, so when the document number is
known the match positions are read from the postings first (no analysis): no body match means
the opening is shown, else only a window of the body around the densest run of matches is
analysed, placed by scaling the token position to a word of the text (positions count tokens,
which run a few percent short of whitespace words). A window that misses is widened to the body.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from whoosh import highlight
from whoosh import query as wq
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from searcher.backend.whoosh.parsing import positive_terms
from searcher.results import Snippet

SNIPPET_CHARS = 240
CONTEXT_CHARS = 80
ELLIPSIS = "…"
WHITESPACE_RUN = re.compile(r"\s+")
WORD = re.compile(r"\S+")
WINDOW_TOKENS = 30  # the densest run of matches is looked for over this many tokens
WINDOW_CHARS = 800  # characters analysed around it...
WINDOW_SLACK = 3  # ...plus this percentage of the body, for the error of placing it


class PartsFormatter(highlight.Formatter):
    """Turns the best fragment of ``text[offset:]`` into a Snippet of ``text``, widened to whole
    words."""

    def __init__(self, text: str, offset: int = 0):
        self._text = text
        self._offset = offset

    def format(self, fragments: list, replace: bool = False) -> Snippet | None:
        if not fragments:
            return None
        fragment, at = fragments[0], self._offset
        return _snippet(self._text, fragment.startchar + at, fragment.endchar + at,
                        [(t.startchar + at, t.endchar + at) for t in fragment.matches])


def best_snippet(searcher: Searcher, query: wq.Query, fieldname: str, text: str, docnum: int | None = None) -> Snippet:
    """The body passage with the most matches of ``query``'s terms in ``fieldname``, or the
    body's opening when nothing matched there (a title-only match). With ``docnum`` (the
    article's document number) only a window around the matches is analysed."""
    words = frozenset(term for name, term in positive_terms(query) if name == fieldname)
    snippet = None
    if words and text:
        whole = (0, len(text))
        window = whole if docnum is None else _match_window(searcher, fieldname, words, text, docnum)
        if window is not None:
            snippet = _highlight(searcher, fieldname, words, text, *window)
            if snippet is None and window != whole:
                snippet = _highlight(searcher, fieldname, words, text, *whole)
    return snippet or _snippet(text, 0, min(len(text), SNIPPET_CHARS), [])


def _highlight(searcher: Searcher, fieldname: str, words: frozenset, text: str, start: int, end: int) -> Snippet | None:
    """The best fragment of ``text[start:end]`` (cut at whitespace), as a snippet of ``text``."""
    return highlight.highlight(
        text[start:end],
        words,
        searcher.schema[fieldname].analyzer,
        highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=CONTEXT_CHARS),
        PartsFormatter(text, start),
        top=1,
    )


def _match_window(searcher: Searcher, fieldname: str, words: frozenset, text: str, docnum: int) -> tuple[int, int] | None:
    """Character bounds of ``text`` to analyse for the snippet: about WINDOW_CHARS around the
    densest run of matches (after the postings' positions), or None when the field has none."""
    reader = searcher.reader()
    positions = []
    for word in words:
        try:
            postings = reader.postings(fieldname, word)
        except TermNotFound:
            continue
        postings.skip_to(docnum)
        if postings.is_active() and postings.id() == docnum:
            positions.extend(postings.value_as("positions"))
    if not positions:
        return None
    positions.sort()
    best = max(range(len(positions)), key=lambda n: bisect.bisect_right(positions, positions[n] + WINDOW_TOKENS) - n)
    starts = [match.start() for match in WORD.finditer(text)]
    tokens = max(reader.doc_field_length(docnum, fieldname, 0), positions[-1] + 1)
    center = starts[min(len(starts) - 1, positions[best] * len(starts) // tokens)]
    margin = WINDOW_CHARS // 2 + len(text) * WINDOW_SLACK // 100
    return _at_space(text, center - margin, -1), _at_space(text, center + margin, 1)


def _at_space(text: str, index: int, step: int) -> int:
    """``index`` moved in direction ``step`` to whitespace (or an end of ``text``)."""
    index = max(0, min(len(text), index))
    while 0 < index < len(text) and not text[index].isspace():
        index += step
    return index


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
