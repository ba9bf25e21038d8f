"""Near-duplicates: syndicated copies of one story, re-sent articles, light edits.

Each article gets a MinHash signature of the 3-word shingles of its analysed title and body
at index time (searcher.analysis.article: its content words, stop words left out), so
spelling variants the analysis folds (letter forms, half-spaces, digits) do not tell copies
apart. At search time, hits whose signatures agree on at least a threshold of their values
(searcher.config.RankingConfig.near_duplicate_threshold: an estimate of the shingles' Jaccard
similarity) form one group, led by the best-ranked of them.

The signature is computed with numpy in a few array operations per article: each distinct
term is hashed once (CRC-32, remembered), a shingle's hash is a polynomial of its terms'
hashes, and each of ``NUM_PERM`` universal hash functions ``(a * h + b) mod p`` keeps its
minimum over the shingles (Broder 1997). Signatures are compared only within one index.
"""
from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Sequence

import numpy as np

NUM_PERM = 64  # signature values: the similarity estimate's error is about 1/sqrt(NUM_PERM)
SHINGLE_WORDS = 3
SEED = 1  # fixed: signatures of one index must be comparable
PRIME = (1 << 61) - 1  # a Mersenne prime above every 32-bit hash
_VALUES = struct.Struct(f"<{NUM_PERM}I")  # a signature: NUM_PERM little-endian uint32
_SHINGLE_MULTIPLIERS = np.array([1_000_003 ** k % (1 << 32) for k in range(SHINGLE_WORDS)], dtype=np.uint64)


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The fixed coefficients ``a`` (non-zero) and ``b`` of the hash functions."""
    generator = np.random.RandomState(SEED)
    a = generator.randint(1, 1 << 31, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
    b = generator.randint(0, 1 << 31, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
    return a, b


@functools.lru_cache(maxsize=1 << 18)
def _term_hash(term: str) -> int:
    return zlib.crc32(term.encode("utf-8"))


def shingle_hashes(terms: Sequence[str], size: int = SHINGLE_WORDS) -> np.ndarray:
    """The distinct 32-bit hashes of the runs of ``size`` consecutive terms (of the terms
    together, in a shorter text)."""
    hashes = np.fromiter((_term_hash(term) for term in terms), dtype=np.uint64, count=len(terms))
    width = min(size, len(hashes))
    windows = len(hashes) - width + 1
    combined = np.zeros(windows, dtype=np.uint64)
    for k in range(width):
        combined = (combined + hashes[k : k + windows] * _SHINGLE_MULTIPLIERS[k]) % (1 << 32)
    return np.unique(combined)


def signature(terms: Sequence[str]) -> bytes | None:
    """The MinHash signature of the terms' shingles, as bytes; None for a text without terms."""
    if not terms:
        return None
    hashes = shingle_hashes(terms)
    a, b = _permutations()
    # (a * h + b) mod p, then the low 32 bits; a * h < 2**63, so uint64 never overflows.
    values = ((np.outer(a, hashes) + b[:, None]) % PRIME) & 0xFFFFFFFF
    return values.min(axis=1).astype("<u4").tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """The estimated Jaccard similarity of two signatures' shingle sets."""
    return _agreement(_VALUES.unpack(a), _VALUES.unpack(b))


def _agreement(a: Sequence[int], b: Sequence[int]) -> float:
    """The share of positions where two signatures hold the same value."""
    return sum(x == y for x, y in zip(a, b)) / NUM_PERM


def group_leaders(signatures: Sequence[bytes | None], threshold: float) -> list[int]:
    """For items in rank order, the position of the item leading each one's group: the first
    item whose signature is similar enough to its own (itself when there is none)."""
    leaders: list[tuple[int, tuple[int, ...]]] = []
    assigned = []
    for position, value in enumerate(signatures):
        if value is None:
            assigned.append(position)
            continue
        values = _VALUES.unpack(value)
        best = max(leaders, key=lambda leader: _agreement(leader[1], values), default=None)
        if best is not None and _agreement(best[1], values) >= threshold:
            assigned.append(best[0])
            continue
        leaders.append((position, values))
        assigned.append(position)
    return assigned
