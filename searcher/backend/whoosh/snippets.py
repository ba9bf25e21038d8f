"""Snippets: the passage of an article body with the most of a query's words, those words marked.

Matching is done on analysed terms, so whatever spelling variant the article uses is marked;
the marked spans come from the tokens' character offsets into the stored body.

Speed: only the words that can match are read in place. Each distinct word (run of
non-whitespace) is analysed once per process (``_Words``; a body's unknown words together, in one
pass) and the body is cut into words in C (``re.split``), so a known body costs one memo lookup
per word, not an analysis (milliseconds per body).
Word-by-word analysis gives the whole text's tokens because the analysis looks across
whitespace only to join a detached Persian affix to its word (steps.AffixJoinFilter): a word
that may take part in such a join is analysed together with its neighbours. A chain with any
other step is analysed whole.
"""
from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from whoosh import query as wq
from whoosh.analysis import Analyzer
from whoosh.fields import Schema
from whoosh.searching import Searcher

from searcher.analysis import chars as C
from searcher.analysis.steps import (
    AffixJoinFilter, CompoundPartsFilter, CompoundSplitFilter, FoldFilter, ScriptTokenizer, SplitFilter, StemFilter, StopFlagFilter,
)
from searcher.backend.whoosh.parsing import positive_terms
from searcher.model import Snippet, Span

SNIPPET_CHARS = 240  # a snippet's length before it is widened to whole words
CONTEXT_CHARS = 80  # at most this much text before the first marked word
ELLIPSIS = "…"
WHITESPACE_RUN = re.compile(r"\s+")
WORD_SPLIT = re.compile(r"(\s+)")
WORD_SEPARATOR = "\n.\n"  # between words analysed in one pass
# Steps that look at one token at a time (the tokenizer never makes a token across whitespace),
# and the one that may join tokens across whitespace.
LOCAL_STEPS = (ScriptTokenizer, SplitFilter, FoldFilter, CompoundSplitFilter, CompoundPartsFilter, StopFlagFilter,
               StemFilter)
JOIN_STEP = AffixJoinFilter
MEMO_SIZE = 1 << 16  # words (and joined units) kept per analyzer; a memo restarts when full


class Match(NamedTuple):
    """A token of the body whose term the query looks for."""

    startchar: int
    endchar: int
    term: str


def best_snippet(searcher: Searcher, query: wq.Query, fieldnames: tuple[str, ...], text: str) -> Snippet:
    """The body passage with the most matches of ``query``'s terms in ``fieldnames`` (fields
    analysed alike, the first of them the body's), or the body's opening when nothing matched
    there (a title-only match)."""
    terms = query_terms(query, fieldnames)
    found = matches(searcher.schema[fieldnames[0]].analyzer, text, terms) if terms and text else []
    if not found:
        return _snippet(text, 0, min(len(text), SNIPPET_CHARS), [])
    first, last = best_window(found)
    span = found[last].endchar - found[first].startchar
    start = max(0, found[first].startchar - min(CONTEXT_CHARS, (SNIPPET_CHARS - span) // 2))
    end = min(len(text), max(found[last].endchar, start + SNIPPET_CHARS))
    return _snippet(text, start, end, [(m.startchar, m.endchar) for m in found[first:last + 1]])


def spans(schema: Schema, query: wq.Query, fieldnames: tuple[str, ...], text: str) -> tuple[Span, ...]:
    """Where the words matching ``query``'s terms in ``fieldnames`` (fields analysed alike, the
    first of them ``text``'s) are in the whole of ``text``: a title, an article read whole."""
    terms = query_terms(query, fieldnames)
    found = matches(schema[fieldnames[0]].analyzer, text, terms) if terms and text else []
    return tuple((match.startchar, match.endchar) for match in found)


def query_terms(query: wq.Query, fieldnames: tuple[str, ...]) -> frozenset[str]:
    """The terms of ``query`` a matching article has in any of ``fieldnames`` (never the negated ones)."""
    return frozenset(term for name, term in positive_terms(query) if name in fieldnames)


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


def matches(analyzer: Analyzer, text: str, terms: frozenset[str]) -> list[Match]:
    """The tokens ``analyzer`` makes of ``text`` in query mode whose terms are in ``terms``,
    in text order."""
    words = _words(analyzer)
    if words is not None:
        return words.matches(text, terms)
    tokens = analyzer(text, chars=True, mode="query", removestops=False)
    return [Match(t.startchar, t.endchar, t.text) for t in tokens if t.text in terms]


@functools.lru_cache(maxsize=None)
def _words(analyzer: Analyzer) -> _Words | None:
    """The word memo of ``analyzer``, or None when its chain has a step not known to be local."""
    steps = getattr(getattr(analyzer, "chain", None), "items", None)
    if (not steps or not all(isinstance(step, LOCAL_STEPS + (JOIN_STEP,)) for step in steps)
            or sum(isinstance(step, JOIN_STEP) for step in steps) > 1):
        return None
    return _Words(steps)


class _Word(NamedTuple):
    """A word's analysis alone, and whether it may join the word before or after it."""

    terms: frozenset[str]
    tokens: tuple[tuple[str, int, int], ...]  # (term, startchar, endchar) within the word
    joins_previous: bool
    joins_next: bool

    @property
    def joins(self) -> bool:
        return self.joins_previous or self.joins_next


class _Words:
    """Memos of one analyzer: words -> _Word, units of words joined -> tokens."""

    def __init__(self, steps: list):
        self.steps = steps
        self.join_at = next((i for i, step in enumerate(steps) if isinstance(step, JOIN_STEP)), len(steps))
        self.join = steps[self.join_at] if self.join_at < len(steps) else None
        self.affixes = self.join.suffixes | self.join.zwnj_suffixes if self.join else frozenset()
        self.words: dict[str, _Word] = {}
        self.units: dict[str, tuple[tuple[str, int, int], ...]] = {}

    def word(self, word: str) -> _Word:
        if word not in self.words:
            self._learn([word], [])
        return self.words[word]

    def matches(self, text: str, terms: frozenset[str]) -> list[Match]:
        """The tokens of ``text`` whose terms are in ``terms``, in text order (``matches``)."""
        pieces = WORD_SPLIT.split(text)  # word, whitespace, word, ...; the first and last may be ""
        starts = list(itertools.accumulate(map(len, pieces), initial=0))[0::2]
        words = pieces[0::2]
        if words[0] == "":
            del words[0], starts[0]
        if words and words[-1] == "":
            del words[-1], starts[-1]
        self._learn(words, [])
        memo = self.words
        wanted = {word for word in set(words) if memo[word].joins or not terms.isdisjoint(memo[word].terms)}
        places = list(map(memo.__getitem__, words))
        spans = []  # (first, last) word of each unit that may match
        for i in [i for i, word in enumerate(words) if word in wanted]:
            if spans and i <= spans[-1][1]:
                continue
            first = last = i
            while first > 0 and (places[first - 1].joins_next or places[first].joins_previous):
                first -= 1
            while last + 1 < len(places) and (places[last].joins_next or places[last + 1].joins_previous):
                last += 1
            spans.append((first, last))
        units = [text[starts[first]:starts[last] + len(words[last])] for first, last in spans]
        self._learn([], [unit for unit, (first, last) in zip(units, spans) if first < last])
        found = []
        for unit, (first, last) in zip(units, spans):
            offset = starts[first]
            found += [Match(start + offset, end + offset, term)
                      for term, start, end in (places[first].tokens if first == last else self.units[unit]) if term in terms]
        return found

    def _learn(self, words: list[str], units: list[str]) -> None:
        """Memoises the ``words`` and joined ``units`` not known yet, analysed in one pass with a
        punctuation line between them (no join crosses punctuation); one whose tokens cross its
        bounds there is analysed alone. A memo that would pass MEMO_SIZE starts again."""
        words, units = self._unknown(self.words, words), self._unknown(self.units, units)
        if not words and not units:
            return
        texts = [*words, *units]
        starts = list(itertools.accumulate((len(text) + len(WORD_SEPARATOR) for text in texts), initial=0))
        for text, tokens, joinable in zip(texts, *self._analysed(WORD_SEPARATOR.join(texts), starts, texts)):
            if tokens is None or joinable is None:
                (tokens,), (joinable,) = self._analysed(text, [0, len(text)], [text])
            tokens = tuple((term, start, end) for term, _, start, end in tokens)
            if text in words:
                self.words[text] = self._place(text, tokens, joinable)
            else:
                self.units[text] = tokens

    @staticmethod
    def _unknown(memo: dict, keys: list[str]) -> set[str]:
        """The ``keys`` not in ``memo``; all of them when they would fill it (it starts again)."""
        unknown = set(keys).difference(memo)
        if len(memo) + len(unknown) > MEMO_SIZE:
            memo.clear()
            unknown = set(keys)
        return unknown

    def _analysed(self, text: str, starts: list[int], words: list[str]) -> tuple[list, list]:
        """Per word of ``text`` (words at ``starts``): its tokens, and the tokens the join step
        sees (none without a join step), by the chain's steps run in one pass."""
        tokens = self.steps[0](text, chars=True, mode="query", removestops=False)
        for step in self.steps[1:self.join_at]:
            tokens = step(tokens)
        tokens = list(tokens)
        joinable = _per_word(tokens, starts, words) if self.join else [[] for _ in words]
        for step in self.steps[self.join_at:]:
            tokens = step(tokens)
        return _per_word(tokens, starts, words), joinable

    def _place(self, word: str, tokens: tuple[tuple[str, int, int], ...], joinable: list[_Piece]) -> _Word:
        """A word joins the previous one when it starts with an affix the join step attaches
        to the word before it, the next one when it ends with a prefix; a word without tokens
        (punctuation, ZWNJ) is kept with both, so the words around it meet as in the text."""
        terms = frozenset(term for term, _, _ in tokens)
        if self.join is None:
            return _Word(terms, tokens, False, False)
        if not joinable:
            return _Word(terms, tokens, True, True)
        first, last, script = joinable[0], joinable[-1], self.join.script
        joins_previous = first.script == script and first.text in self.affixes and not word[:first.start].strip(C.ZWNJ)
        joins_next = last.script == script and last.text in self.join.prefixes and not word[last.end:].strip(C.ZWNJ)
        return _Word(terms, tokens, joins_previous, joins_next)


class _Piece(NamedTuple):
    """What the memo keeps of a token: its text, script and offsets within its word."""

    text: str
    script: str | None
    start: int
    end: int


def _per_word(tokens: Iterable, starts: list[int], words: list[str]) -> list[list[_Piece] | None]:
    """The tokens of ``words`` joined (word i starting at ``starts[i]``), shared out to their
    words; None for a word whose bounds a token crosses."""
    shared: list[list[_Piece] | None] = [[] for _ in words]
    i = 0
    for token in tokens:
        while token.startchar >= starts[i + 1]:
            i += 1
        start, end = token.startchar - starts[i], token.endchar - starts[i]
        if end > len(words[i]):
            shared[i] = None
        elif shared[i] is not None:
            shared[i].append(_Piece(token.text, getattr(token, "script", None), start, end))
    return shared


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
