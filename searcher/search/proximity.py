"""Term proximity: the best-ranked matches whose query words stand close together move up.

BM25F scores each query word on its own, so an article that mentions the words far apart
ranks with one that uses them side by side (a headline's words in the article's lead, a
question's words around its answer). As in the sequential dependence model (Metzler and Croft
2005), the pairs are the query's neighbouring content words; as in Rasolofo and Savoy (2003),
each occurrence of a pair within ``window`` positions in an article's body adds
``1 / distance**2`` to the pair's count, and the pair adds ``idf * count / (1 + count)`` to the
article's score, with the idf of the rarer word. Neighbouring pairs keep the bonus in step
with BM25F as queries grow (all pairs would grow with the square of the query's length and
swamp it on long headlines). Stop words take no part: in questions they are question words,
close to everything. Only the head of the BM25F ranking is rescored: the bonus reorders it and
brings in no match of its own. Chosen by measurement: docs/relevance.md.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

import numpy as np

from searcher.query.plan import Plan
from searcher.search.collection import Collection, Statistics
from searcher.search.scoring import Positions, body_rarities, positions_by_document

Pair = tuple[str, str, float]  # two neighbouring query words and the idf of the rarer one


def pairs(plan: Plan, stats: Statistics) -> dict[str, list[Pair]]:
    """Per family, the pairs of neighbouring content words of the plan that occur in bodies
    (empty: the query gets no bonus, e.g. a single word)."""
    found = {}
    for family, rarity in body_rarities(plan, stats).items():
        words = list(rarity)
        neighbours = [(first, second, min(rarity[first], rarity[second])) for first, second in zip(words, words[1:])]
        if neighbours:
            found[family] = neighbours
    return found


def bonuses(positions: Positions, collection: Collection, found: dict[str, list[Pair]], docnums: Iterable[int],
            window: int) -> dict[int, float]:
    """The proximity bonus of each of ``docnums`` for the word pairs ``found``. Positions are
    read only for the documents whose body holds both words of a pair (the arrays tell)."""
    docnums = sorted(set(docnums))
    total = dict.fromkeys(docnums, 0.0)
    head = np.array(docnums, dtype=np.int64)
    for family, neighbours in found.items():
        holding = {word: set(head[collection.postings_at("body", family, word, head)[0]].tolist())
                   for word in dict.fromkeys(word for first, second, _ in neighbours for word in (first, second))}
        needed: dict[str, set[int]] = {word: set() for word in holding}
        for first, second, _ in neighbours:
            both = holding[first] & holding[second]
            needed[first] |= both
            needed[second] |= both
        where: dict[int, dict[str, list[int]]] = {docnum: {} for docnum in docnums}
        for word, wanted in needed.items():
            if wanted:
                asked = np.array(sorted(wanted), dtype=np.int64)
                found = positions_by_document(positions.places("body", family, word, asked), asked)
                for docnum, places in found.items():
                    where[docnum][word] = places
        for docnum, places in where.items():
            if places:
                total[docnum] += _bonus(neighbours, places, window)
    return total


def _bonus(neighbours: list[Pair], positions: dict[str, list[int]], window: int) -> float:
    """The sum over the pairs found in a document of ``idf * count / (1 + count)``."""
    total = 0.0
    for first, second, rarity in neighbours:
        if first in positions and second in positions:
            closeness = _closeness(positions[first], positions[second], window)
            total += rarity * closeness / (1.0 + closeness)
    return total


def _closeness(first: list[int], second: list[int], window: int) -> float:
    """The sum of ``1 / distance**2`` over the pairs of positions (sorted lists) at most
    ``window`` apart."""
    total = 0.0
    for a in first:
        for b in second[bisect_left(second, a - window) : bisect_right(second, a + window)]:
            if b != a:
                total += 1.0 / (a - b) ** 2
    return total
