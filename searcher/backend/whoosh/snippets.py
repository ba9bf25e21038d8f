"""Snippets: the passage of an article body around its best match, matched words marked.

Matching is done on analysed terms, so whatever spelling variant the article uses is marked;
the marked spans come from the tokens' character offsets into the stored body.

Speed: the body is analysed word by word (runs of non-whitespace), each distinct word once per
process (``_Words``), instead of whole (milliseconds per body). That gives the whole text's
tokens because the analysis looks across whitespace only to join a detached Persian affix to its
word (steps.AffixJoinFilter): a word that may take part in such a join is analysed together with
its neighbour. A chain with any other step is analysed whole.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from whoosh import highlight
from whoosh import query as wq
from whoosh.analysis import Analyzer
from whoosh.searching import Searcher

from searcher.analysis import chars as C
from searcher.analysis.steps import (
    AffixJoinFilter, CompoundPartsFilter, CompoundSplitFilter, FoldFilter, ScriptTokenizer, SplitFilter, StemFilter, StopFlagFilter,
)
from searcher.backend.whoosh.parsing import positive_terms
from searcher.results import Snippet

SNIPPET_CHARS = 240
CONTEXT_CHARS = 80
ELLIPSIS = "…"
WHITESPACE_RUN = re.compile(r"\s+")
WORD = re.compile(r"\S+")
FRAGMENTER = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=CONTEXT_CHARS)
# Steps that look at one token at a time (the tokenizer never makes a token across whitespace),
# and the one that may join tokens across whitespace.
LOCAL_STEPS = (ScriptTokenizer, SplitFilter, FoldFilter, CompoundSplitFilter, CompoundPartsFilter, StopFlagFilter,
               StemFilter)
JOIN_STEP = AffixJoinFilter
MEMO_SIZE = 1 << 16  # words (and units) kept per analyzer; a memo restarts when full


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
        tokens = _tokens(searcher.schema[fieldnames[0]].analyzer, text)
        fragments = FRAGMENTER.fragment_tokens(text, highlight.set_matched_filter(tokens, words))
        best = highlight.top_fragments(fragments, 1, highlight.BasicFragmentScorer(), highlight.FIRST)
        snippet = PartsFormatter()(text, best)
    return snippet or _snippet(text, 0, min(len(text), SNIPPET_CHARS), [])


class _Token:
    """What the fragmenter and the scorer read of a token."""

    __slots__ = ("text", "startchar", "endchar", "boost", "matched")

    def __init__(self, text: str, startchar: int, endchar: int, boost: float):
        self.text, self.startchar, self.endchar, self.boost = text, startchar, endchar, boost

    def copy(self) -> _Token:
        token = _Token(self.text, self.startchar, self.endchar, self.boost)
        token.matched = self.matched
        return token


def _tokens(analyzer: Analyzer, text: str) -> list:
    """The tokens ``analyzer`` makes of ``text`` in query mode (text, offsets, boost)."""
    words = _words(analyzer)
    if words is None:
        return list(analyzer(text, chars=True, mode="query", removestops=False))
    out: list[_Token] = []
    unit_start = unit_end = 0
    joins_next = True  # nothing pending yet
    for match in WORD.finditer(text):
        start, end = match.span()
        word = words.word(match.group())
        if joins_next or word.joins_previous:
            unit_end = end
        else:
            out += words.unit_tokens(text[unit_start:unit_end], unit_start)
            unit_start, unit_end = start, end
        joins_next = word.joins_next
    if unit_end > unit_start:
        out += words.unit_tokens(text[unit_start:unit_end], unit_start)
    return out


@functools.lru_cache(maxsize=None)
def _words(analyzer: Analyzer) -> _Words | None:
    """The word memo of ``analyzer``, or None when its chain has a step not known to be local."""
    steps = getattr(getattr(analyzer, "chain", None), "items", None)
    if (not steps or not all(isinstance(step, LOCAL_STEPS + (JOIN_STEP,)) for step in steps)
            or sum(isinstance(step, JOIN_STEP) for step in steps) > 1):
        return None
    return _Words(analyzer, steps)


class _Word:
    """A word's place in the analysis: whether it may join the word before or after it."""

    __slots__ = ("joins_previous", "joins_next")

    def __init__(self, joins_previous: bool, joins_next: bool):
        self.joins_previous, self.joins_next = joins_previous, joins_next


class _Words:
    """Memos of one analyzer: words -> _Word, analysed units (words, or words joined) -> tokens."""

    def __init__(self, analyzer: Analyzer, steps: list):
        self.analyzer = analyzer
        joins = [i for i, step in enumerate(steps) if isinstance(step, JOIN_STEP)]
        self.before_join = steps[: joins[0]] if joins else None
        self.join = steps[joins[0]] if joins else None
        self.words: dict[str, _Word] = {}
        self.units: dict[str, tuple[tuple[str, int, int, float], ...]] = {}

    def word(self, word: str) -> _Word:
        found = self.words.get(word)
        if found is None:
            if len(self.words) >= MEMO_SIZE:
                self.words.clear()
            found = self.words[word] = self._place(word)
        return found

    def _place(self, word: str) -> _Word:
        """A word joins the previous one when it starts with an affix the join step attaches
        to the word before it, the next one when it ends with a prefix; a word without tokens
        (punctuation, ZWNJ) is kept with both, so the words around it meet as in the text."""
        if self.join is None:
            return _Word(False, False)
        tokens = self.before_join[0](word, chars=True, mode="query", removestops=False)
        for step in self.before_join[1:]:
            tokens = step(tokens)
        if not tokens:
            return _Word(True, True)
        first, last, script = tokens[0], tokens[-1], self.join.script
        affixes = self.join.suffixes | self.join.zwnj_suffixes
        joins_previous = (first.script == script and first.text in affixes
                          and not word[: first.startchar].strip(C.ZWNJ))
        joins_next = (last.script == script and last.text in self.join.prefixes
                      and not word[last.endchar:].strip(C.ZWNJ))
        return _Word(joins_previous, joins_next)

    def unit_tokens(self, unit: str, offset: int) -> list[_Token]:
        found = self.units.get(unit)
        if found is None:
            if len(self.units) >= MEMO_SIZE:
                self.units.clear()
            found = self.units[unit] = tuple(
                (t.text, t.startchar, t.endchar, t.boost)
                for t in self.analyzer(unit, chars=True, mode="query", removestops=False))
        return [_Token(text, start + offset, end + offset, boost) for text, start, end, boost in found]


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
