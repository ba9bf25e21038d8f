"""A phrase across spelling conventions: its words also tried written solid or apart.

Persian writes many compounds three ways: apart (``غیر قابل``), with a half-space, or solid
(``غیرقابل``). The analysis makes the half-space and apart spellings one (it splits at
half-spaces, and known compounds written solid are split by the compounds table), but a solid
spelling the table does not know stays one term, so a phrase written one way would miss an
article that writes it the other. A phrase's variants are every way to read its words where
two neighbouring words (or the parts of a word joined by half-spaces) are written solid, or one
word is written apart in two, such that every
term of the variant is a term of the field in this index (so no variant can match by chance on
a piece that is not a word there). The original comes first; at most ``MAX_VARIANTS`` are tried.
Snippets mark what a variant matched, since its terms are among the query's. Indexes ranked
together (the shards of a sharded index) are one index here: the terms that decide the variants
(``needed``) are counted in the statistics phase, and every index finds the variants from the
sums (Engine.expanded), so a shard lacking a term still finds the variants the others' articles
allow, and cuts them to ``MAX_VARIANTS`` as a single index would.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

from searcher.analysis.chars import ZWNJ
from searcher.analysis.registry import Analyzer
from searcher.analysis.steps import TOKEN_RE
from searcher.query.plan import Or, Phrase, normalize

MAX_VARIANTS = 8
MIN_PIECE = 2  # letters of each side of a word written apart


class Way(NamedTuple):
    """One way to read the written words from one of them: the words up to ``end`` (exclusive)
    read as ``terms``, tried when the index holds every term of ``needs``."""

    end: int
    terms: tuple[str, ...]
    needs: tuple[str, ...]


@functools.lru_cache(maxsize=1024)
def ways(phrase: Phrase, analyzer: Analyzer) -> tuple[tuple[Way, ...], ...]:
    """For each written word of ``phrase``, the ways to read on from it, as written first:
    what the variants are made of, whatever the index holds. Kept for the last 1,024 phrases:
    a sharded search asks for them in each phase (``needed``, then ``variants``), and finding
    them analyses every way to cut a word in two."""
    def terms(text: str) -> tuple[str, ...]:
        return tuple(token.text for token in analyzer(text) if not token.part)

    written = phrase.written
    found = []
    for i, word in enumerate(written):
        here = [Way(i + 1, terms(word), ())]
        if ZWNJ in word:  # its half-spaces left out: one word, solid
            solid = terms(word.replace(ZWNJ, ""))
            if len(solid) == 1:
                here.append(Way(i + 1, solid, solid))
        if i + 1 < len(written) and _arabic(word) and _arabic(written[i + 1]):
            solid = terms((word + written[i + 1]).replace(ZWNJ, ""))
            if len(solid) == 1:
                here.append(Way(i + 2, solid, solid))
        if _arabic(word) and len(terms(word)) == 1:
            for cut in range(MIN_PIECE, len(word) - MIN_PIECE + 1):
                first, second = terms(word[:cut]), terms(word[cut:])
                if len(first) == len(second) == 1:
                    here.append(Way(i + 1, first + second, first + second))
        found.append(tuple(here))
    return tuple(found)


def needed(phrase: Phrase, analyzer: Analyzer) -> set[str]:
    """The terms whose presence in the index decides ``phrase``'s variants."""
    return {term for here in ways(phrase, analyzer) for way in here for term in way.needs} if _tried(phrase) else set()


def variants(phrase: Phrase, analyzer: Analyzer, known: Callable[[str], bool]):
    """``phrase`` or an OR of it and its variants (see the module docstring); ``known`` tells
    whether a term is a term of the phrase's field in the index."""
    if not _tried(phrase):
        return phrase
    found: list[tuple[str, ...]] = []
    # The readings of the first i words: term sequences, the reading as written first.
    readings: dict[int, list[tuple[str, ...]]] = {0: [()]}
    for i, here in enumerate(ways(phrase, analyzer)):
        usable = [way for way in here if all(known(term) for term in way.needs)]
        for reading in readings.get(i, []):
            for way in usable:
                readings.setdefault(way.end, []).append(reading + way.terms)
        for key in list(readings):
            readings[key] = list(dict.fromkeys(readings[key]))[: MAX_VARIANTS * 4]
    for reading in readings.get(len(phrase.written), []):
        if reading and reading != phrase.words and len(reading) > 1 and reading not in found:
            found.append(reading)
    if not found:
        return phrase
    alternatives = [Phrase(phrase.field, phrase.family, words, phrase.slop, phrase.boost) for words in found[: MAX_VARIANTS - 1]]
    return normalize(Or((phrase, *alternatives)))


def _tried(phrase: Phrase) -> bool:
    """Whether ``phrase`` is short enough for its variants to be tried."""
    return 1 <= len(phrase.written) <= 8


def _arabic(word: str) -> bool:
    """Whether the word is a word of the Arabic script."""
    match = TOKEN_RE.search(word)
    return match is not None and match.lastgroup == "arabic"
