"""Near-duplicates: syndicated copies of one story, re-sent articles, light edits.

Each article gets a MinHash signature (datasketch) of the word shingles of its analysed body
at index time, so spelling variants the analysis folds (letter forms, half-spaces, digits)
do not tell copies apart. At search time, hits whose signatures agree on at least
``THRESHOLD`` of their values (an estimate of the shingles' Jaccard similarity) form one
group, led by the best-ranked of them.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from datasketch import MinHash

from searcher.analysis import registry

NUM_PERM = 64  # signature values: the similarity estimate's error is about 1/sqrt(NUM_PERM)
SHINGLE_WORDS = 3
THRESHOLD = 0.5  # estimated Jaccard similarity of the shingle sets from which hits are grouped
SEED = 1  # fixed: signatures of one index must be comparable
_DTYPE = np.dtype("<u4")  # MinHash values are below 2**32
SCHEME = "affine32"  # datasketch 2's default; signatures of other schemes are not comparable
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)  # its permutations, made once


def article_terms(lang: str, title: str, body: str) -> list[str]:
    """The analysed content words of an article's body (of its title when the body has none)."""
    analyzer = registry.analyzer("text" if lang in ("fa", "nl") else "generic")
    for text in (body, title):
        terms = [token.text for token in analyzer(text) if not getattr(token, "stopped", False)]
        if terms:
            return terms
    return []


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
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_TEMPLATE.permutations, scheme=SCHEME)
    minhash.update_batch([shingle.encode("utf-8") for shingle in found])
    return minhash.hashvalues.astype(_DTYPE).tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """The estimated Jaccard similarity of two signatures' shingle sets."""
    return float(np.mean(np.frombuffer(a, _DTYPE) == np.frombuffer(b, _DTYPE)))


def group_leaders(signatures: Sequence[bytes | None], threshold: float = THRESHOLD) -> list[int]:
    """For items in rank order, the position of the item leading each one's group: the first
    item whose signature is similar enough to its own (itself when there is none)."""
    leaders: list[int] = []
    leader_values: list[np.ndarray] = []
    assigned = []
    for position, value in enumerate(signatures):
        if value is None:
            assigned.append(position)
            continue
        values = np.frombuffer(value, _DTYPE)
        if leader_values:
            agreement = (np.vstack(leader_values) == values).mean(axis=1)
            best = int(np.argmax(agreement))
            if agreement[best] >= threshold:
                assigned.append(leaders[best])
                continue
        leaders.append(position)
        leader_values.append(values)
        assigned.append(position)
    return assigned
