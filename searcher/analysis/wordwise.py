"""Word-by-word analysis: a text's tokens from a memo of its words, equal to the whole text's.

A text is cut into words (runs of non-whitespace) in C (``re.split``), and each distinct word is
analysed once per process, so a text of known words costs a memo lookup per word instead of
an analysis. Unknown words are analysed together in one pass, a punctuation line between
them (no step joins across punctuation).

This gives the whole text's tokens because the analysis looks across whitespace only to join
a detached Persian affix to its word (``steps.AffixJoinFilter``): a word that may take part in
such a join is analysed together with its neighbours, as one *unit*. Chains made only of the
steps below qualify (``Wordwise.of`` returns None for any other chain, which is then analysed
whole); tests compare both ways on random and real texts.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from . import chars as C
from .steps import (
    AffixJoinFilter, CompoundPartsFilter, CompoundSplitFilter, FoldFilter, ScriptTokenizer, SplitFilter, StemFilter,
    StopFlagFilter,
)

WORD_SPLIT = re.compile(r"(\s+)")
WORD_SEPARATOR = "\n.\n"  # between words analysed in one pass
# Steps that look at one token at a time (the tokenizer never makes a token across whitespace),
# and the one that may join tokens across whitespace.
LOCAL_STEPS = (ScriptTokenizer, SplitFilter, FoldFilter, CompoundSplitFilter, CompoundPartsFilter, StopFlagFilter,
               StemFilter)
JOIN_STEP = AffixJoinFilter
MEMO_SIZE = 1 << 16  # words (and joined units) kept per chain; a memo restarts when full


class Term(NamedTuple):
    """A token as the memo keeps it: offsets within its word or unit."""

    text: str
    start: int
    end: int
    is_stop: bool
    part: bool


class Unit(NamedTuple):
    """A word, or words the analysis joins, of a text: where it starts and its terms."""

    start: int
    terms: tuple[Term, ...]


class Entry(NamedTuple):
    """What indexing reads of a word or unit: its terms as written (no compound parts), in
    order; those that are not stop words; its compound parts; and the terms of its half-space
    runs written solid (``تیم‌ملی`` -> ``تیمملی``) that are not the run's own."""

    words: tuple[str, ...]
    content: tuple[str, ...]
    parts: tuple[str, ...]
    solid: tuple[str, ...]


class _Word(NamedTuple):
    """A word's analysis alone, and whether it may join the word before or after it."""

    terms: tuple[Term, ...]
    texts: frozenset[str]
    joins_previous: bool
    joins_next: bool

    @property
    def joins(self) -> bool:
        return self.joins_previous or self.joins_next


class _Piece(NamedTuple):
    """What the join step sees of a token: its text, script and offsets within its word."""

    text: str
    script: str | None
    start: int
    end: int


class Wordwise:
    """Memos of one chain: words -> their analysis, units of joined words -> their terms."""

    def __init__(self, steps: Sequence):
        self.steps = list(steps)
        self.join_at = next((i for i, step in enumerate(steps) if isinstance(step, JOIN_STEP)), len(steps))
        self.join = steps[self.join_at] if self.join_at < len(steps) else None
        self.affixes = self.join.suffixes | self.join.zwnj_suffixes if self.join else frozenset()
        self.words: dict[str, _Word] = {}
        self.units: dict[str, tuple[Term, ...]] = {}
        self.entries: dict[str, Entry] = {}  # of words and joined units (their words separated by one space)
        # Of the words in the memo: those holding each term, and those that may join a neighbour.
        self.containing: dict[str, set[str]] = {}
        self.joining: set[str] = set()

    @classmethod
    def of(cls, steps: Sequence) -> "Wordwise | None":
        """The memo for a chain of ``steps``, or None when a step is not known to be local."""
        if (not steps or not all(isinstance(step, LOCAL_STEPS + (JOIN_STEP,)) for step in steps)
                or sum(isinstance(step, JOIN_STEP) for step in steps) > 1):
            return None
        return cls(steps)

    def word(self, word: str) -> _Word:
        """One word's analysis alone (memoised)."""
        if word not in self.words:
            self._learn([word], [])
        return self.words[word]

    def units_of(self, text: str) -> list[Unit]:
        """Every unit of ``text`` with its terms, in text order."""
        words, starts = _cut(text)
        if not words:
            return []
        self._learn(words, [])
        memo = self.words
        places = [memo[word] for word in words]
        spans = []
        first = 0
        for i in range(1, len(words) + 1):
            if i == len(words) or not (places[i - 1].joins_next or places[i].joins_previous):
                spans.append((first, i - 1))
                first = i
        return self._units(text, words, starts, dict(zip(words, places)), spans)

    def entries_of(self, text: str) -> list[Entry]:
        """What indexing reads of each unit of ``text``, in text order (offsets are not kept,
        so a unit's words are taken with one space between them: the analysis sees any run of
        whitespace alike). Units not met before are analysed together, in one pass."""
        words = text.split()
        self._learn(words, [])
        places = [self.words[word] for word in words]
        found: list[str] = []  # each unit's text: a word, or words joined by one space
        i, count = 0, len(words)
        while i < count:
            last = i
            while last + 1 < count and (places[last].joins_next or places[last + 1].joins_previous):
                last += 1
            found.append(words[i] if last == i else " ".join(words[i : last + 1]))
            i = last + 1
        entries = self.entries
        unknown = _unknown(entries, found)
        if unknown:
            self._learn([], [unit for unit in unknown if unit not in self.words])
            for unit in unknown:
                terms = self.words[unit].terms if unit in self.words else self.units[unit]
                entries[unit] = entry_of(unit, terms, self.solid_terms)
        return [entries[unit] for unit in found]

    def solid_terms(self, text: str) -> list[str]:
        """The terms of a text analysed whole (a half-space run written solid)."""
        tokens = self.steps[0](text)
        for step in self.steps[1:]:
            tokens = step(tokens)
        return [token.text for token in tokens]

    def matches(self, text: str, texts: frozenset[str]) -> list[tuple[int, int, str]]:
        """(start, end, term) of the tokens of ``text`` whose terms are in ``texts``, in text
        order; only the units that can hold such a term are looked at, and only their words
        are located in the text."""
        words = text.split()
        distinct = set(words)
        self._learn(distinct, [])
        holding = set().union(*(self.containing.get(term, ()) for term in texts))
        wanted = (distinct & holding) | (distinct & self.joining)
        if not wanted:
            return []
        memo = self.words
        spans: list[tuple[int, int]] = []
        for i in [i for i, word in enumerate(words) if word in wanted]:
            if spans and i <= spans[-1][1]:
                continue
            first = last = i
            while first > 0 and (memo[words[first - 1]].joins_next or memo[words[first]].joins_previous):
                first -= 1
            while last + 1 < len(words) and (memo[words[last]].joins_next or memo[words[last + 1]].joins_previous):
                last += 1
            spans.append((first, last))
        starts = _locate(text, words, [i for first, last in spans for i in range(first, last + 1)])
        places = {words[first]: memo[words[first]] for first, last in spans if first == last}
        found = []
        for unit in self._units(text, words, starts, places, spans):
            found += [(term.start + unit.start, term.end + unit.start, term.text)
                      for term in unit.terms if term.text in texts]
        return found

    def _units(self, text: str, words: list[str], starts: list[int], places, spans: list[tuple[int, int]]) -> list[Unit]:
        """The units of ``spans`` (first and last word of each); ``places`` maps (or lists) the
        analysis of the single words among them."""
        joined = [text[starts[first]:starts[last] + len(words[last])] for first, last in spans if first < last]
        self._learn([], joined)
        units = []
        for first, last in spans:
            if first == last:
                units.append(Unit(starts[first], places[words[first]].terms))
            else:
                units.append(Unit(starts[first], self.units[text[starts[first]:starts[last] + len(words[last])]]))
        return units

    def _learn(self, words: Iterable[str], units: list[str]) -> None:
        """Memoises the ``words`` and joined ``units`` not known yet, analysed in one pass with a
        punctuation line between them (no join crosses punctuation); one whose tokens cross its
        bounds there is analysed alone. A memo that would pass MEMO_SIZE starts again."""
        memo = self.words
        unknown_words = set(itertools.filterfalse(memo.__contains__, words))  # in C: most words are known
        if len(memo) + len(unknown_words) > MEMO_SIZE:
            memo.clear()
            self.containing.clear()
            self.joining.clear()
            unknown_words = set(words)
        units = _unknown(self.units, units)
        if not unknown_words and not units:
            return
        texts = [*unknown_words, *units]
        starts = list(itertools.accumulate((len(text) + len(WORD_SEPARATOR) for text in texts), initial=0))
        for text, terms, joinable in zip(texts, *self._analysed(WORD_SEPARATOR.join(texts), starts, texts)):
            if terms is None or joinable is None:
                (terms,), (joinable,) = self._analysed(text, [0, len(text)], [text])
            if text in unknown_words:
                place = self.words[text] = self._place(text, tuple(terms), joinable)
                for term in place.texts:
                    self.containing.setdefault(term, set()).add(text)
                if place.joins:
                    self.joining.add(text)
            else:
                self.units[text] = tuple(terms)

    def _analysed(self, text: str, starts: list[int], words: list[str]) -> tuple[list, list]:
        """Per word of ``text`` (words at ``starts``): its terms, and the pieces the join step
        sees (none without a join step), by the chain's steps run in one pass."""
        tokens = self.steps[0](text)
        for step in self.steps[1:self.join_at]:
            tokens = step(tokens)
        joinable = _per_word(tokens, starts, words, _piece) if self.join else [[] for _ in words]
        for step in self.steps[self.join_at:]:
            tokens = step(tokens)
        return _per_word(tokens, starts, words, _term), joinable

    def _place(self, word: str, terms: tuple[Term, ...], joinable: list[_Piece]) -> _Word:
        """A word joins the previous one when it starts with an affix the join step attaches
        to the word before it, the next one when it ends with a prefix; a word without tokens
        (punctuation, ZWNJ) is kept with both, so the words around it meet as in the text."""
        texts = frozenset(term.text for term in terms)
        if self.join is None:
            return _Word(terms, texts, False, False)
        if not joinable:
            return _Word(terms, texts, True, True)
        first, last, script = joinable[0], joinable[-1], self.join.script
        joins_previous = first.script == script and first.text in self.affixes and not word[:first.start].strip(C.ZWNJ)
        joins_next = last.script == script and last.text in self.join.prefixes and not word[last.end:].strip(C.ZWNJ)
        return _Word(terms, texts, joins_previous, joins_next)


def entry_of(text: str, terms: Sequence[Term], analyse: Callable[[str], list[str]]) -> Entry:
    """The Entry of a text (a word or a unit) whose terms are ``terms``; ``analyse`` gives the
    terms of a run written solid."""
    words = [term for term in terms if not term.part]
    solid: list[str] = []
    if C.ZWNJ in text:
        run = words[:1]
        for previous, term in zip(words, words[1:]):
            if term.start - previous.end == 1 and text[previous.end] == C.ZWNJ:
                run.append(term)
                continue
            solid += _solid(text, run, analyse)
            run = [term]
        solid += _solid(text, run, analyse)
    return Entry(tuple(term.text for term in words), tuple(term.text for term in words if not term.is_stop),
                 tuple(term.text for term in terms if term.part), tuple(solid))


def _solid(text: str, run: list[Term], analyse: Callable[[str], list[str]]) -> list[str]:
    """The terms of a run of two or more terms linked by half-spaces, written solid, that are
    not the run's own."""
    if len(run) < 2:
        return []
    own = {term.text for term in run}
    return [term for term in analyse(text[run[0].start : run[-1].end].replace(C.ZWNJ, "")) if term not in own]


def _locate(text: str, words: list[str], indices: list[int]) -> dict[int, int]:
    """Where the words ``words[i]`` for ``i`` in ``indices`` (ascending) start in ``text``, of
    which ``words`` is ``text.split()``: each found by skipping as many whole-word occurrences
    of it as the words before it hold, without walking the other words."""
    starts: dict[int, int] = {}
    cursor, after = 0, 0  # search from cursor; words before index ``after`` are behind it
    for i in indices:
        word = words[i]
        for _ in range(words[after:i].count(word) + 1):
            cursor = _whole_word(text, word, cursor)
            starts[i] = cursor
            cursor += len(word)
        after = i + 1
    return starts


def _whole_word(text: str, word: str, start: int) -> int:
    """The first occurrence of ``word`` at or after ``start`` with whitespace (or the text's
    ends) on both sides."""
    position = text.find(word, start)
    end = position + len(word)
    while (position > 0 and not text[position - 1].isspace()) or (end < len(text) and not text[end].isspace()):
        position = text.find(word, position + 1)
        end = position + len(word)
    return position


def _cut(text: str) -> tuple[list[str], list[int]]:
    """The words of ``text`` and where each starts."""
    pieces = WORD_SPLIT.split(text)  # word, whitespace, word, ...; the first and last may be ""
    starts = list(itertools.accumulate(map(len, pieces), initial=0))[0::2]
    words = pieces[0::2]
    if words and words[0] == "":
        del words[0], starts[0]
    if words and words[-1] == "":
        del words[-1], starts[-1]
    return words, starts


def _unknown(memo: dict, keys: Iterable[str]) -> list[str]:
    """The ``keys`` not in ``memo`` (each once); all of them when they would fill it (it starts again)."""
    keys = list(dict.fromkeys(keys))
    unknown = [key for key in keys if key not in memo]
    if len(memo) + len(unknown) > MEMO_SIZE:
        memo.clear()
        unknown = keys
    return unknown


def _piece(token, start: int, end: int) -> _Piece:
    return _Piece(token.text, token.script, start, end)


def _term(token, start: int, end: int) -> Term:
    return Term(token.text, start, end, token.is_stop, token.part)


def _per_word(tokens: Iterable, starts: list[int], words: list[str], make) -> list[list | None]:
    """The tokens of ``words`` joined (word i starting at ``starts[i]``), made into ``make(token,
    start, end)`` with offsets within their word and shared out to their words; None for a
    word whose bounds a token crosses."""
    shared: list[list | None] = [[] for _ in words]
    i = 0
    for token in tokens:
        while token.startchar >= starts[i + 1]:
            i += 1
        start, end = token.startchar - starts[i], token.endchar - starts[i]
        if end > len(words[i]):
            shared[i] = None
        elif shared[i] is not None:
            shared[i].append(make(token, start, end))
    return shared
