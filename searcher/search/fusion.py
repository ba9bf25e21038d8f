"""Fusing the head's ranking with a second retrieval model, query likelihood.

Two retrieval models err on different queries, so a combination of their scores tends to beat
either (Fox and Shaw 1994, CombSUM; Lee 1997; Cormack, Clarke and Buettcher 2009, reciprocal rank
fusion). The second model is query likelihood with Dirichlet smoothing (Zhai and Lafferty
2001), in its rank-equivalent form over the ranking field (a title word counts as BM25F counts it):

    sum over the query's content words w of log(1 + tf(w, d) / (mu * p(w | C)))
        + n * log(mu / (dl + mu))

with ``p(w | C)`` the word's share of the collection's ranking-field occurrences and ``n`` the
number of the query's words the collection holds. It rescores the head (``proximity_depth``
matches, after the stop words and the proximity bonus), fused by ``RankingConfig.fusion``:

- ``minmax`` / ``zscore``: CombSUM of the two scores, each min-max or z-score normalised over
  the head, ``(1 - w) * default + w * likelihood``;
- ``rrf``: ``(1 - w) / (60 + rank) + w / (60 + rank)`` of the two rankings of the head.
"""
from __future__ import annotations

import numpy as np

from searcher.analysis.article import FAMILIES
from searcher.search.collection import Collection, Statistics

RRF_K = 60  # Cormack et al.'s constant


def likelihood(collection: Collection, stats: Statistics, words: dict[str, list[str]], docnums: np.ndarray,
               mu: float) -> np.ndarray:
    """The query likelihood of each of ``docnums`` (ascending) for the content words ``words``
    of each family; a document scores with its own family's words."""
    scores = np.zeros(len(docnums), dtype=np.float64)
    lengths = collection.lengths("ranking")[docnums]
    for family, family_words in words.items():
        total = stats.totals.get(("ranking", family), 0)
        if not total:
            continue
        mine = collection.family[docnums] == FAMILIES.index(family)
        held = 0
        for word in family_words:
            occurrences = stats.occurrences.get(("ranking", family, word), 0.0)
            if not occurrences:
                continue
            held += 1
            places, tf = collection.postings_at("ranking", family, word, docnums)
            scores[places] += np.log1p(tf / (mu * occurrences / total))
        scores += np.where(mine, held * np.log(mu / (lengths + mu)), 0.0)
    return scores


def fused(default: np.ndarray, second: np.ndarray, method: str, weight: float) -> np.ndarray:
    """The fused score of the head's documents (higher first) from their two scores."""
    if method == "rrf":
        return (1 - weight) / (RRF_K + _ranks(default)) + weight / (RRF_K + _ranks(second))
    norm = _minmax if method == "minmax" else _zscore
    return (1 - weight) * norm(default) + weight * norm(second)


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Each score's rank, 1 for the highest (ties share the better rank)."""
    ordered = np.sort(-scores)
    return np.searchsorted(ordered, -scores, side="left") + 1.0


def _minmax(scores: np.ndarray) -> np.ndarray:
    spread = scores.max() - scores.min()
    return (scores - scores.min()) / spread if spread > 0 else np.zeros_like(scores)


def _zscore(scores: np.ndarray) -> np.ndarray:
    spread = scores.std()
    return (scores - scores.mean()) / spread if spread > 0 else np.zeros_like(scores)
