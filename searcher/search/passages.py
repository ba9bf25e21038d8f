"""Passage evidence: the best-ranked matches whose query words gather in one part of the body
move up.

BM25F scores a whole article: a long article that names each of the query's words in passing,
hundreds of words apart, can outrank a short article about them. As in passage retrieval
(Callan 1994; Kaszkiel and Zobel 1997; Bendersky and Kurland 2008), the body is cut into
windows of ``window`` positions overlapping by half, each window is scored as BM25 scores a
document of that fixed length (collection idf, term frequency saturated by ``k1``), and the best
window's score, times ``weight``, is added to the article's score. A short article is one
window, so its bonus grows with its matches as its own score does. The lead is scored alike: a
news article says what it is about first (the inverted pyramid; Troy and Zhang 2007 rank terms
by where they first occur), so its first ``lead`` positions count ``lead_weight`` extra. Only the
head of the ranking is rescored, as the proximity bonus is (searcher.search.proximity): the
bonuses reorder it and bring in no match of their own. Both are off by default: measured in
docs/relevance.md.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from searcher.search import weighting
from searcher.search.scoring import Positions


def bonuses(positions: Positions, words: dict[str, dict[str, float]], docnums: Iterable[int], lengths: np.ndarray,
            window: int, k1: float, b: float, weight: float, lead: int = 0, lead_weight: float = 0.0) -> dict[int, float]:
    """``weight`` times the score of the best window of each of ``docnums`` (ascending) for the
    content words ``words`` (searcher.search.scoring.body_rarities), plus ``lead_weight`` times the score of its first
    ``lead`` positions, scored alike. ``lengths``: the documents' body lengths; a window is as
    long as the body lets it be, and scored against the nominal ``window`` as BM25's average
    length (so a short article is one window, scored as BM25 scores it among windows)."""
    docnums = list(docnums)
    total = dict.fromkeys(docnums, 0.0)
    if not docnums or not (weight or lead_weight):
        return total
    head = np.array(docnums, dtype=np.int64)
    step = max(window // 2, 1)
    lengths = np.maximum(np.asarray(lengths, dtype=np.int64), 1)
    for family, rarity in words.items():
        # Each word's count in each half-window ("chunk") of each document; window i covers
        # chunks i and i + 1, and the windows go on until one reaches the body's end.
        read = [(rarity[word], positions.places("body", family, word, head)) for word in rarity]
        chunks = 1 + max((int(found[2].max()) // step for _, found in read if len(found[2])), default=-1)
        if not chunks:
            continue
        starts = np.arange(chunks) * step
        spans = np.clip(lengths[:, None] - starts[None, :], 1, window)
        last = np.maximum(0, -(-(lengths - window) // step))
        scores = np.zeros((len(head), chunks), dtype=np.float64)
        first = np.zeros(len(head), dtype=np.float64)
        for rare, (held, counts, places) in read:
            owners = np.repeat(held, counts)
            keys = owners * (chunks + 1) + places // step
            counted = np.bincount(keys, minlength=len(head) * (chunks + 1)).reshape(len(head), chunks + 1)
            scores += weighting.bm25(counted[:, :-1] + counted[:, 1:], spans, window, rare, k1, b)
            led = np.bincount(owners[places < lead], minlength=len(head))
            first += weighting.bm25(led, np.minimum(lengths, lead), max(lead, 1), rare, k1, b)
        scores[np.arange(chunks)[None, :] > last[:, None]] = 0.0
        for docnum, score in zip(docnums, (weight * scores.max(axis=1) + lead_weight * first).tolist()):
            total[docnum] += score
    return total

