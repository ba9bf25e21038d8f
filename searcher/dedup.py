"""Near-duplicates: syndicated copies of one story, re-sent articles, light edits.

Each article gets a MinHash signature (datasketch) of the word shingles of its analysed title
and body at index time (searcher.analysis.article: its content words, stop words left out), so spelling variants the analysis folds (letter forms, half-spaces, digits)
do not tell copies apart. At search time, hits whose signatures agree on at least
``THRESHOLD`` of their values (an estimate of the shingles' Jaccard similarity) form one
group, led by the best-ranked of them.
"""
from __future__ import annotations

import functools
import struct
from collections.abc import Sequence


NUM_PERM = 64  # signature values: the similarity estimate's error is about 1/sqrt(NUM_PERM)
SHINGLE_WORDS = 3
THRESHOLD = 0.5  # estimated Jaccard similarity of the shingle sets from which hits are grouped
SEED = 1  # fixed: signatures of one index must be comparable
_VALUES = struct.Struct(f"<{NUM_PERM}I")  # a signature: NUM_PERM little-endian uint32 (MinHash values < 2**32)
SCHEME = "affine32"  # datasketch 2's default; signatures of other schemes are not comparable


@functools.cache
def _minhash_factory():
    """A maker of empty MinHashes sharing one set of permutations. datasketch (and numpy under
    it) is imported here, on first use at index time, not when a search starts."""
    from datasketch import MinHash

    template = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    return functools.partial(MinHash, num_perm=NUM_PERM, seed=SEED, permutations=template.permutations, scheme=SCHEME)


def shingles(terms: Sequence[str], size: int = SHINGLE_WORDS) -> set[str]:
    """The runs of ``size`` consecutive terms (the terms themselves in a shorter text)."""
    if len(terms) <= size:
        return {" ".join(terms)} if terms else set()
    return {" ".join(terms[i : i + size]) for i in range(len(terms) - size + 1)}


def signature(terms: Sequence[str]) -> bytes | None:
    """The MinHash signature of the terms' shingles, as bytes; None for a text without terms."""
    found = shingles(terms)
    if not found:
        return None
    minhash = _minhash_factory()()
    minhash.update_batch([shingle.encode("utf-8") for shingle in found])
    return _VALUES.pack(*(int(value) for value in minhash.hashvalues))


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
