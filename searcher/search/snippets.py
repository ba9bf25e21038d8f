"""Snippets: the passage of an article body with the most of a query's words, those words marked.

Matching is done on analysed terms, so whatever spelling variant the article uses is marked;
the marked spans come from the tokens' character offsets into the stored text. Only the words
that can match are looked at (``Analyzer.matches``: each distinct word is analysed once per
process), so a body costs a memo lookup per word, not an analysis.

The passage shown is the run of matches, at most ``SNIPPET_CHARS`` long, with the most
distinct query words (then the most matches), with up to ``CONTEXT_CHARS`` before it, widened
to whole words.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from searcher.analysis.registry import Analyzer
from searcher.model import Snippet, Span

SNIPPET_CHARS = 240  # a snippet's length before it is widened to whole words
CONTEXT_CHARS = 80  # at most this much text before the first marked word
ELLIPSIS = "…"
WHITESPACE_RUN = re.compile(r"\s+")


class Match(NamedTuple):
    """A token of the text whose term the query looks for."""

    startchar: int
    endchar: int
    term: str


def matches(analyzer: Analyzer, text: str, terms: frozenset[str]) -> list[Match]:
    """The tokens of ``text`` whose terms are in ``terms``, in text order."""
    if not terms or not text:
        return []
    return [Match(*found) for found in analyzer.matches(text, terms)]


def spans(analyzer: Analyzer, text: str, terms: frozenset[str]) -> tuple[Span, ...]:
    """Where the words with ``terms`` are in the whole of ``text`` (a title, an article read whole)."""
    return tuple((match.startchar, match.endchar) for match in matches(analyzer, text, terms))


def best_snippet(analyzer: Analyzer, text: str, terms: frozenset[str]) -> Snippet:
    """The passage of ``text`` with the most matches of ``terms``, or its opening when nothing
    matched there (a title-only match)."""
    found = matches(analyzer, text, terms)
    if not found:
        return _snippet(text, 0, min(len(text), SNIPPET_CHARS), [])
    first, last = best_window(found)
    span = found[last].endchar - found[first].startchar
    start = max(0, found[first].startchar - min(CONTEXT_CHARS, (SNIPPET_CHARS - span) // 2))
    end = min(len(text), max(found[last].endchar, start + SNIPPET_CHARS))
    return _snippet(text, start, end, [(m.startchar, m.endchar) for m in found[first:last + 1]])


def best_window(found: list[Match]) -> tuple[int, int]:
    """The first and last index of the run of matches, at most SNIPPET_CHARS long, with the
    most distinct terms, then the most matches; the earliest such run."""
    best, best_score, last = (0, 0), (0, 0), 0
    for first, match in enumerate(found):
        last = max(last, first)
        while last + 1 < len(found) and found[last + 1].endchar - match.startchar <= SNIPPET_CHARS:
            last += 1
        window = found[first:last + 1]
        score = (len({m.term for m in window}), len(window))
        if score > best_score:
            best, best_score = (first, last), score
    return best


def _snippet(text: str, start: int, end: int, marked: list[tuple[int, int]]) -> Snippet:
    """The parts of ``text[start:end]``, widened to whitespace so no word is cut."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    parts: list[tuple[str, bool]] = [(ELLIPSIS + " ", False)] if start > 0 else []
    cursor = start
    for match_start, match_end in sorted(marked):
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
