"""Term weights: how often a word occurs in a document, and how long the document is, become a
score (``RankingConfig.tf_model``), over a term's postings at once.

- ``bm25``: Robertson's BM25, ``idf * tf * (k1 + 1) / (tf + k1 * norm)``, ``norm = 1 - b + b *
  dl / avgdl``: every word saturates at the same rate, ``k1``.
- ``bm25t``: BM25 with a ``k1`` of each word's own (Lv and Zhai, "A log-logistic model-based
  interpretation of TF normalization of BM25", ECIR 2012). Read as a log-logistic model, BM25
  with ``k1`` expects the mean of ``log(tf) + 1`` over the documents holding a word to be ``k1
  log(k1) / (k1 - 1)``; the word's ``k1`` is the one whose expectation is that mean in the
  collection. A word that the articles about it repeat (a topic's noun, a name) saturates later
  than one that an article names once. The mean counts ``prior_documents`` more documents at the
  global ``k1``'s expectation (shrinkage), so that a word seen in a few documents keeps about the
  global saturation.

The score's tf is the field's (for the ranking field, BM25F's pseudo-frequency, where a title
word counts ``title_weight`` body words); the mean is read from the word's counts in bodies, since
a title mention is a field weight, not a repetition, and without length normalisation (Lv and Zhai
normalise), so that it is a sum that the shards of a sharded index add up (``Statistics``):
measured, docs/relevance.md.
"""
from __future__ import annotations

import numpy as np


def _expectation(k1: np.ndarray) -> np.ndarray:
    """The mean elite ``log(c) + 1`` that BM25 with ``k1`` assumes, ``k1 log(k1) / (k1 - 1)``
    (1 at k1 = 1): increasing in k1."""
    near_one = np.isclose(k1, 1.0)
    return np.where(near_one, 1.0, k1 * np.log(k1) / np.where(near_one, 2.0, k1 - 1.0))


_GRID = np.geomspace(0.1, 10.0, 400)  # a word's k1 is the first of these whose expectation its mean reaches
_EXPECTED = _expectation(_GRID)


def word_k1(logs: float, count: int, k1: float, prior_documents: float) -> float:
    """BM25T's ``k1`` of a word held by ``count`` documents whose ``log(tf)`` add up to ``logs``,
    with ``prior_documents`` documents at the expectation of ``k1``."""
    prior = float(_expectation(np.float64(k1)))
    mean = (logs + count + prior_documents * prior) / (count + prior_documents)
    return float(_GRID[min(int(np.searchsorted(_EXPECTED, mean)), len(_GRID) - 1)])


def bm25(tf: np.ndarray, lengths: np.ndarray, avg_length: float, idf: float, k1: float, b: float) -> np.ndarray:
    """BM25's weights of a word's postings (frequencies ``tf`` in documents of ``lengths``)."""
    return idf * (tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths / avg_length))
