"""Term weights: how often a word occurs in a document, and how long the document is, become a
score (``RankingConfig.tf_model``), over a term's postings at once.

- ``bm25``: Robertson's BM25, ``idf * tf * (k1 + 1) / (tf + k1 * norm)``, ``norm = 1 - b + b *
  dl / avgdl``; every word saturates at the same rate (``k1``).
- ``bm25_adpt``: BM25 with a saturation of each word's own (Lv and Zhai, "Adaptive term
  frequency normalization for BM25", CIKM 2011). Over the documents holding the word, ``df_r``
  counts those whose length-normalised frequency ``tf / norm`` rounds to at least ``r``; the
  information gain of its r-th occurrence, ``G_r = log2((df_{r+1} + 0.5) / (df_r + 1)) -
  log2((df_1 + 0.5) / (N + 1))``, grows with ``r`` for a bursty word (a document that names it
  twice likely names it again) and stays flat for one that merely occurs. The word's ``k1`` is
  the one whose curve ``(k1 + 1) r / (k1 + r)`` fits ``G_r / G_1`` best (least squares), and
  ``G_1`` (in nats, as the idf) replaces the idf. No parameter but ``b``.
- ``bm25l``: BM25L (Lv and Zhai, "When documents are very long, BM25 fails!", SIGIR 2011): the
  normalised frequency ``c = tf / norm`` shifted by ``delta`` before saturation, ``idf * (k1 + 1)
  (c + delta) / (k1 + c + delta)``, so that a long document's one mention is not worth nothing.
- ``log_logistic``: the information-based model of Clinchant and Gaussier (SIGIR 2010), ``log(1
  + t / lambda)`` with ``t = tf * log(1 + avgdl / dl)`` and ``lambda = df / N``: a logarithmic
  tf with no saturation point.
- ``dph``: Amati's DPH from the divergence-from-randomness framework (hypergeometric model,
  Popper's normalisation), parameter-free; needs the word's frequency over the collection.

Every model scores a posting from the same statistics BM25 reads (the ranking field's tf is
BM25F's pseudo-frequency); the adaptive ``k1`` and the collection frequency come from the
word's postings in this collection.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TF_MODELS = ("bm25", "bm25_adpt", "bm25t", "bm25l", "log_logistic", "dph")
ADAPTIVE_MAX_OCCURRENCES = 20  # r up to which the information gain is fitted
_K1_GRID = np.geomspace(0.1, 10.0, 400)  # the adaptive k1 is the best of these


def _expectation(k1: np.ndarray) -> np.ndarray:
    """The mean elite ``log(c) + 1`` that BM25 with ``k1`` assumes: ``k1 log(k1) / (k1 - 1)``
    (1 at k1 = 1), increasing in k1."""
    near_one = np.isclose(k1, 1.0)
    return np.where(near_one, 1.0, k1 * np.log(k1) / np.where(near_one, 2.0, k1 - 1.0))


_T_GRID = np.geomspace(0.1, 10.0, 400)  # BM25T's k1 is the first of these whose expectation is reached
_T_CURVE = _expectation(_T_GRID)


@dataclass(frozen=True)
class TermStatistics:
    """What a model needs to know of one word over the collection."""

    documents: int  # N
    frequency: int  # df
    avg_length: float
    idf: float


def adaptive(normalised: np.ndarray, stats: TermStatistics) -> tuple[float, float]:
    """BM25-adpt's ``k1`` and ``G_1`` (in nats) for a word whose length-normalised frequencies
    in the documents holding it are ``normalised``."""
    df = np.zeros(ADAPTIVE_MAX_OCCURRENCES + 2)
    df[0], df[1] = stats.documents, stats.frequency
    occurrences = np.floor(normalised + 0.5).clip(1, ADAPTIVE_MAX_OCCURRENCES + 1).astype(np.int64)
    at_least = np.cumsum(np.bincount(occurrences, minlength=ADAPTIVE_MAX_OCCURRENCES + 2)[::-1])[::-1]
    df[2:] = at_least[2:]
    # G_r is measured while df_{r+1} counts documents; beyond that it only says the sample ended
    observed = int(np.flatnonzero(df > 0)[-1])
    r = np.arange(max(observed, 2))
    gain = np.log2((df[r + 1] + 0.5) / (df[r] + 1.0)) - math.log2((df[1] + 0.5) / (stats.documents + 1.0))
    if gain[1] <= 0:  # a word in most documents tells nothing
        return 1.2, 0.0
    ratio = gain / gain[1]
    curves = (_K1_GRID[:, None] + 1.0) * r / (_K1_GRID[:, None] + r)
    k1 = float(_K1_GRID[np.argmin(((curves - ratio) ** 2).sum(axis=1))])
    return k1, float(gain[1]) * math.log(2.0)


def eliteness_k1(normalised: np.ndarray, k1: float, prior_documents: float) -> float:
    """BM25T's ``k1`` for a word whose length-normalised frequencies in the documents holding it
    are ``normalised`` (Lv and Zhai, ECIR 2012): the k1 whose BM25 curve has the mean of ``log(c)
    + 1`` over those documents as its log-logistic expectation, ``k1 log(k1) / (k1 - 1)``. The
    mean counts ``prior_documents`` more documents at the expectation of the global ``k1``, so
    that a word seen in a few documents keeps about the global saturation."""
    prior = _expectation(np.array([k1]))[0]
    mean = (float(np.sum(np.log(normalised) + 1.0)) + prior_documents * prior) / (len(normalised) + prior_documents)
    return float(_T_GRID[min(int(np.searchsorted(_T_CURVE, mean)), len(_T_GRID) - 1)])


def weights(model: str, tf: np.ndarray, lengths: np.ndarray, stats: TermStatistics, k1: float, b: float,
            delta: float, collection_frequency: float = 0.0, adapted: tuple[float, float] | None = None) -> np.ndarray:
    """The weights of a word's postings (frequencies ``tf`` in documents of ``lengths``)."""
    if model not in TF_MODELS:
        raise ValueError(f"unknown tf_model {model!r}: one of {', '.join(TF_MODELS)}")
    if not len(tf):
        return np.zeros(0, dtype=np.float64)
    norm = (1.0 - b) + b * lengths / stats.avg_length
    if model == "bm25":
        return stats.idf * (tf * (k1 + 1)) / (tf + k1 * norm)
    if model == "bm25_adpt":
        own_k1, gain = adapted
        return gain * (tf * (own_k1 + 1)) / (tf + own_k1 * norm)
    if model == "bm25t":
        own_k1 = adapted[0]
        return stats.idf * (tf * (own_k1 + 1)) / (tf + own_k1 * norm)
    if model == "bm25l":
        shifted = tf / norm + delta
        return stats.idf * (shifted * (k1 + 1)) / (shifted + k1)
    if model == "log_logistic":
        rate = max(stats.frequency, 1) / stats.documents
        return np.log1p(tf * np.log1p(stats.avg_length / lengths) / rate)
    share = np.minimum(tf / lengths, 0.99)
    found = ((1.0 - share) ** 2 / (tf + 1.0)) * (  # dph
        tf * np.log2(tf * stats.avg_length / lengths * stats.documents / max(collection_frequency, 1.0))
        + 0.5 * np.log2(2.0 * math.pi * tf * (1.0 - share)))
    return np.maximum(found, 0.0) * math.log(2.0)
