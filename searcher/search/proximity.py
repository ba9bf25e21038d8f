"""Term proximity: the best-ranked matches whose query words stand close together move up.

BM25F scores each query word on its own, so an article that mentions the words far apart
ranks with one that uses them side by side (a headline's words in the article's lead, a
question's words around its answer). Only the head of the BM25F ranking is rescored: the bonus
reorders it and brings in no match of its own. Stop words take no part: in questions they are
question words, close to everything. The bonus is ``RankingConfig.proximity``:

- ``pairs``: as in the sequential dependence model (Metzler and Croft 2005), the pairs are the
  query's neighbouring content words; as in Rasolofo and Savoy (2003), each occurrence of a pair
  within ``window`` positions in an article's body adds ``1 / distance**2`` to the pair's count,
  and the pair adds ``idf * count / (1 + count)`` to the article's score, with the smaller of
  the two words' idf (the commoner word's). Neighbouring pairs keep the bonus in step with BM25F as queries grow (all pairs
  would grow with the square of the query's length and swamp it on long headlines).
- ``covered`` (the default): ``pairs`` times the share of the query's idf mass the article
  holds (title or body). Two words standing close say the article is about the query only when
  it holds the query as a whole (Tao and Zhai 2007 combine proximity with coverage): an
  article about deaths of anything that says the collocation ``مرگ و مير`` but not ``نهنگ``
  (whale) keeps only part of the pair's bonus on a query about whale deaths.

Chosen by measurement: docs/relevance.md.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

import numpy as np

from searcher.config import RankingConfig
from searcher.search.collection import Collection
from searcher.search.scoring import Positions, positions_by_document

Rarity = dict[str, float]  # a family's query content words found in bodies, in query order -> idf


def words(rarities: dict[str, Rarity]) -> dict[str, Rarity]:
    """Of the query's content words found in bodies (searcher.search.scoring.body_rarities), the
    families with two or more (empty: the query gets no bonus, e.g. a single word)."""
    return {family: rarity for family, rarity in rarities.items() if len(rarity) > 1}


def bonuses(positions: Positions, collection: Collection, found: dict[str, Rarity], docnums: Iterable[int],
            ranking: RankingConfig) -> dict[int, float]:
    """The proximity bonus of each of ``docnums`` for the query words ``found``. Positions are
    read only for the documents whose body holds both words of a pair (the arrays tell)."""
    docnums = sorted(set(docnums))
    total = dict.fromkeys(docnums, 0.0)
    head = np.array(docnums, dtype=np.int64)
    for family, rarity in found.items():
        holding = {word: set(head[collection.postings_at("body", family, word, head)[0]].tolist()) for word in rarity}
        neighbours = list(zip(rarity, list(rarity)[1:]))
        needed: dict[str, set[int]] = {word: set() for word in rarity}
        for first, second in neighbours:
            both = holding[first] & holding[second]
            needed[first] |= both
            needed[second] |= both
        where: dict[int, dict[str, list[int]]] = {}
        for word, wanted in needed.items():
            if wanted:
                asked = np.array(sorted(wanted), dtype=np.int64)
                places = positions.places("body", family, word, asked)
                for docnum, found_at in positions_by_document(places, asked).items():
                    where.setdefault(docnum, {})[word] = found_at
        scale = _coverage(collection, family, rarity, head) if ranking.proximity == "covered" else None
        for docnum, places in where.items():
            bonus = _pairs(neighbours, rarity, places, ranking.proximity_window)
            total[docnum] += bonus * (scale[docnum] if scale is not None else 1.0)
    return total


def _coverage(collection: Collection, family: str, rarity: Rarity, head: np.ndarray) -> dict[int, float]:
    """Of each document of ``head``, the share of the words' idf mass it holds in title or body."""
    held = np.zeros(len(head))
    for word, weight in rarity.items():
        held[collection.postings_at("ranking", family, word, head)[0]] += weight
    return dict(zip(head.tolist(), (held / sum(rarity.values())).tolist()))


def _pairs(neighbours: list[tuple[str, str]], rarity: Rarity, positions: dict[str, list[int]], window: int) -> float:
    """The sum over the neighbouring pairs found in a document of ``idf * count / (1 + count)``."""
    total = 0.0
    for first, second in neighbours:
        if first in positions and second in positions:
            closeness = _closeness(positions[first], positions[second], window)
            total += min(rarity[first], rarity[second]) * closeness / (1.0 + closeness)
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
