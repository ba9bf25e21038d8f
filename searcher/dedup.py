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
from dataclasses import dataclass

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


def as_matrix(signatures: Sequence[bytes | None]) -> tuple[np.ndarray, np.ndarray]:
    """Signatures as bytes (None or empty for none) as ``Grouper.add`` takes them: a
    (len, NUM_PERM) uint32 matrix, zeros where there is none, and whether each has one."""
    present = np.array([bool(value) for value in signatures], dtype=bool)
    values = np.zeros((len(signatures), NUM_PERM), dtype=np.uint32)
    if present.any():
        values[present] = np.frombuffer(b"".join(value for value in signatures if value), dtype="<u4").reshape(-1, NUM_PERM)
    return values, present


def group_leaders(signatures: Sequence[bytes | None], threshold: float) -> list[int]:
    """For items in rank order, the position of the item leading each one's group: the first
    item whose signature is similar enough to its own (itself when there is none)."""
    return Grouper(threshold).add(*as_matrix(signatures)).tolist()


def agreements_needed(threshold: float) -> int:
    """The fewest agreeing positions of two signatures that are similar enough at ``threshold``
    (``NUM_PERM + 1``: none are)."""
    return next((count for count in range(NUM_PERM + 1) if count / NUM_PERM >= threshold), NUM_PERM + 1)


@dataclass(frozen=True)
class Pairs:
    """Every pair of items similar enough (``similar_pairs``), each once, under its first item:
    ``others[starts[i] : starts[i + 1]]`` are the items after item ``i`` paired with it, and
    ``agreement`` in how many positions each pair agrees. 24 bytes a pair, 8 an item."""

    starts: np.ndarray
    others: np.ndarray
    agreement: np.ndarray

    def among(self, items: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs whose first item is one of ``items``: (its place in ``items``, the other
        item, their agreement); a look-up of each item, whatever the pairs of the others."""
        counts = self.starts[items + 1] - self.starts[items]
        total = int(counts.sum())
        places = np.repeat(np.arange(len(items), dtype=np.int64), counts)
        found = np.repeat(self.starts[items] - np.cumsum(counts) + counts, counts) + np.arange(total)
        return places, self.others[found], self.agreement[found]


def similar_pairs(signatures: np.ndarray, present: np.ndarray, threshold: float) -> Pairs | None:
    """Every pair of items whose signatures agree in at least ``threshold`` of their positions,
    items numbered by their rows; found by ``Grouper``'s bands, so exactly those pairs. None
    with a threshold of 0, where every pair is similar enough (``Grouper`` folds them without
    pairs). Arguments as ``Grouper.add`` takes them."""
    grouper = Grouper(threshold)
    if grouper.need == 0:
        return None
    items = np.flatnonzero(present)
    first = second = shared = np.zeros(0, dtype=np.int64)
    if grouper.bands is not None and len(items) > 1:
        values = np.asarray(signatures[items], dtype=np.uint32)
        first, second, shared = _pairs_within(values, *_key_groups(grouper._keys(values)))
        similar = shared >= grouper.need
        first, second, shared = items[first[similar]], items[second[similar]], shared[similar]
    order = np.argsort(first, kind="stable")
    starts = np.searchsorted(first[order], np.arange(len(present) + 1))
    return Pairs(starts, second[order], shared[order])


def leaders_from_pairs(ranked: np.ndarray, pairs: Pairs) -> np.ndarray:
    """``Grouper``'s leader of each of the items ``ranked`` (item numbers in rank order, each
    once), as a position in ``ranked``, from ``similar_pairs`` of any set of items holding them
    (the pairs of other items are left out): each item in turn joins the earlier leader it
    agrees with most, the first on a tie. A loop in Python over the pairs among ``ranked``,
    which are few (25 pairs in all the 11,866 articles of fa_news_raw)."""
    leaders = np.arange(len(ranked), dtype=np.int64)
    first, others, agreement = pairs.among(ranked)
    if not len(others):
        return leaders
    order = np.argsort(ranked, kind="stable")
    items = ranked[order]
    at = np.searchsorted(items, others).clip(max=len(items) - 1)
    second = np.where(items[at] == others, order[at], -1)
    among = second >= 0
    first, second, agreement = first[among], second[among], agreement[among]
    earlier, later = np.minimum(first, second), np.maximum(first, second)
    by_item = np.lexsort((earlier, -agreement, later))  # per item: most agreement, then earliest
    leading = np.ones(len(ranked), dtype=bool)
    joined = -1  # the last item that joined a group: its other pairs are not looked at
    for a, b in zip(earlier[by_item].tolist(), later[by_item].tolist()):
        if b != joined and leading[a]:  # a < b: whether a leads was settled before b came
            leaders[b], leading[b], joined = a, False, b
    return leaders


class Grouper:
    """Groups items fed in rank order, a chunk at a time (``add``): each item joins the earlier
    leader whose signature agrees with its own in the most positions (the first such leader on
    a tie) when they agree in at least ``threshold`` of them, and else leads a group of its own.
    An item without a signature leads its own group, which no other item joins.

    Only leaders that can be similar enough are compared (exact, not an approximation): a
    signature is cut into ``d + 1`` bands of positions (all of them, so that bands of two
    positions rather than one make chance candidates rare), ``d`` being the disagreements the
    threshold allows, so two signatures that agree enough agree on a whole band (pigeonhole).
    A band's values make a 32-bit key (hashed when there are two: a collision only adds a
    candidate, compared in full). An item is compared only with the earlier leaders sharing
    one of its keys, and with the items of its own chunk that do.

    Within a chunk of up to ``PACKED_ROWS`` items, keys sharing their low bits are found by one
    sort of 32-bit numbers, each key's low bits above its row (numpy sorts 32-bit integers
    about ten times faster than 64-bit ones; at most about one chance candidate an item); a
    larger chunk's keys are ordered exactly, by a radix sort of 16 bits at a time (about three
    times faster than sorting 64-bit keys). The leaders' keys are kept sorted for the chunks
    after theirs, in runs merged as they double (a log-structured merge), sorted only when a
    later chunk comes: a page folded in one chunk never sorts nor copies them.
    Memory: about 0.6 KB a leader (its signature and its keys), nothing for the items that join
    a group."""

    def __init__(self, threshold: float):
        self.need = agreements_needed(threshold)
        # Disagreements allowed + 1 bands of consecutive positions (none when no two signatures
        # can be similar enough): the first ``NUM_PERM % bands`` one position wider than the rest.
        self.band_count = NUM_PERM - self.need + 1
        self.bands: list[tuple[int, int, int]] | None = None  # (first band, bands, width) for each width
        if 0 < self.band_count <= NUM_PERM:
            wide, width = NUM_PERM % self.band_count, NUM_PERM // self.band_count
            self.bands = [(first, count, size) for first, count, size in
                          ((0, wide, width + 1), (wide, self.band_count - wide, width)) if count]
        self.seen = 0  # items fed so far
        self.values = np.zeros((0, NUM_PERM), dtype=np.uint32)  # the leaders' signatures (capacity grows)
        self.leaders = np.zeros(0, dtype=np.int64)  # the leaders' item numbers
        self.count = 0  # leaders so far
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # sorted band keys of leaders, the leaders' indexes
        # The last chunk's keys, signatures, which of its items lead and their item numbers:
        # remembered only when a later chunk comes.
        self.pending: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self.first: int | None = None  # with a threshold of 0, the leader of every item

    def add(self, signatures: np.ndarray, present: np.ndarray) -> np.ndarray:
        """The leader of each of these items, as an item number counting from the first item
        ever fed. ``signatures``: one row of NUM_PERM values an item (uint32); ``present``:
        whether the item has a signature (its row is not read when it has none). The arrays are
        kept, unchanged, until the next ``add``."""
        start = self.seen
        self.seen += len(present)
        leaders = np.arange(start, self.seen, dtype=np.int64)
        items = np.flatnonzero(present)
        if not len(items):
            return leaders
        if self.need == 0:  # everything is similar enough: all join the first item with a signature
            self.first = start + int(items[0]) if self.first is None else self.first
            leaders[items] = self.first
            return leaders
        if self.bands is None:  # nothing is similar enough
            return leaders
        values = np.asarray(signatures if len(items) == len(present) else signatures[items], dtype=np.uint32)
        keys = self._keys(values)
        best, agreement = self._best_earlier(values, keys)
        earlier, later, shared = _pairs_within(values, *_key_groups(keys))
        similar = shared >= self.need  # a pair agreeing less can never fold one into the other
        earlier, later, shared = earlier[similar], later[similar], shared[similar]
        leading = agreement < self.need
        if len(later):
            # Items of this chunk that may join one of its earlier items: decided in rank order.
            by_later: dict[int, list[tuple[int, int]]] = {}
            for a, b, count in zip(earlier.tolist(), later.tolist(), shared.tolist()):
                by_later.setdefault(b, []).append((a, count))
            for row in sorted(by_later):
                chosen, agreeing = -1, int(agreement[row])
                for other, count in by_later[row]:  # earlier rows, in order
                    if leading[other] and count > agreeing:  # a tie keeps the earlier leader
                        chosen, agreeing = other, count
                if chosen >= 0 and agreeing >= self.need:
                    best[row] = start + items[chosen]
                    leading[row] = False
        joined = ~leading
        leaders[items[joined]] = best[joined]
        if leading.any():
            self.pending = (keys, values, leading, start + items)
        return leaders

    def _keys(self, values: np.ndarray) -> np.ndarray:
        """Each band's 32-bit key of each signature, as (bands, signatures): the value of a band
        of one position, a multiplicative hash of a wider band's values (modulo 2**32)."""
        # Computed in place: every large temporary array of a search is fresh memory from the
        # system, a page fault each 4 KB (about half of folding's time once, in a warm process).
        keys = np.empty((self.band_count, len(values)), dtype=np.uint32)
        position = 0
        for first, count, width in self.bands:
            block, mixed = values[:, position : position + count * width], keys[first : first + count]
            mixed[...] = block[:, ::width].T
            for column in range(1, width):
                mixed *= np.uint32(0x9E3779B1)  # odd: distinct first values stay distinct
                mixed += block[:, column::width].T
            position += count * width
        return keys

    def _best_earlier(self, values: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each signature, the leader fed before this chunk that agrees with it most (the
        earliest on a tie; -1 for none sharing a band) and in how many positions. ``keys``: the
        chunk's band keys (``_keys``)."""
        best = np.full(len(values), -1, dtype=np.int64)
        agreement = np.zeros(len(values), dtype=np.int64)
        if self.pending is not None:
            pending_keys, pending_values, leading, items = self.pending
            indexes = self._remember(pending_values[leading], items[leading])
            ordered, rows = _sorted_keys(pending_keys[:, leading])
            self._add_run(ordered, indexes[rows])
            self.pending = None
        if not self.runs:
            return best, agreement
        wanted, wanted_rows = _sorted_keys(keys)  # sorted: binary searches in order keep to the cache
        rows, found = [], []
        for run_keys, run_leaders in self.runs:
            low = np.searchsorted(run_keys, wanted, side="left")
            lengths = np.searchsorted(run_keys, wanted, side="right") - low
            total = int(lengths.sum())
            if total:
                rows.append(np.repeat(wanted_rows, lengths))
                found.append(run_leaders[np.repeat(low - np.cumsum(lengths) + lengths, lengths) + np.arange(total)])
        if not found:
            return best, agreement
        pairs = np.unique(np.concatenate(rows) * self.count + np.concatenate(found))
        pair_rows, pair_leaders = pairs // self.count, pairs % self.count
        counts = _agreements(values, pair_rows, self.values, pair_leaders)
        order = np.lexsort((pair_leaders, -counts, pair_rows))  # per row: most agreement, then earliest
        first = order[np.unique(pair_rows[order], return_index=True)[1]]
        best[pair_rows[first]] = self.leaders[pair_leaders[first]]
        agreement[pair_rows[first]] = counts[first]
        return best, agreement

    def _remember(self, values: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Adds leaders' signatures; returns their indexes among the leaders."""
        if self.count + len(values) > len(self.values):
            size = max(2 * len(self.values), self.count + len(values), 64)
            grown_values, grown_leaders = np.empty((size, NUM_PERM), np.uint32), np.empty(size, np.int64)
            grown_values[: self.count], grown_leaders[: self.count] = self.values[: self.count], self.leaders[: self.count]
            self.values, self.leaders = grown_values, grown_leaders
        end = self.count + len(values)
        self.values[self.count : end], self.leaders[self.count : end] = values, items
        indexes = np.arange(self.count, end, dtype=np.int64)
        self.count = end
        return indexes

    def _add_run(self, keys: np.ndarray, owners: np.ndarray) -> None:
        """Adds sorted band keys of leaders as a run, merging runs that are no longer at least
        twice the size of the run after them."""
        self.runs.append((keys, owners))
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (keys_b, owners_b), (keys_a, owners_a) = self.runs.pop(), self.runs.pop()
            at = np.searchsorted(keys_a, keys_b, side="right") + np.arange(len(keys_b))
            merged = np.empty(len(keys_a) + len(keys_b), dtype=keys_a.dtype)
            merged_owners = np.empty(len(merged), dtype=owners_a.dtype)
            from_a = np.ones(len(merged), dtype=bool)
            from_a[at] = False
            merged[at], merged_owners[at] = keys_b, owners_b
            merged[from_a], merged_owners[from_a] = keys_a, owners_a
            self.runs.append((merged, merged_owners))


PACKED_ROWS = 1 << 14  # chunks up to this many items find their shared keys by the packed sort
AGREEMENT_BLOCK = 2048  # pairs of signatures compared at a time (512 KB of copies)


def _band_numbers(bands: int) -> np.ndarray:
    """Each band's number above a 32-bit key, as a column to combine with (bands, n) keys."""
    return (np.arange(bands, dtype=np.uint64) << np.uint64(32))[:, None]


def _key_groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each band's keys ordered so that equal ones lie together, rows ascending among them, as
    (groups, rows), both (bands, n), for ``_pairs_within``: the exact keys from a radix sort,
    or, up to ``PACKED_ROWS`` items, their low bits from one sort of 32-bit numbers (keys that
    differ only above those bits fall into one group: chance candidates)."""
    bands, items = keys.shape
    if items > PACKED_ROWS:
        ordered, rows = _sorted_keys(keys)
        return ordered.reshape(bands, items), rows.reshape(bands, items)
    bits = max(items - 1, 1).bit_length()
    packed = keys << np.uint32(bits)
    packed |= np.arange(items, dtype=np.uint32)
    packed.sort(axis=1)
    rows = packed & np.uint32((1 << bits) - 1)
    packed >>= np.uint32(bits)
    return packed, rows


def _sorted_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bands, n) keys as one ascending array (band number above each key: band-major) and the
    row of each, rows ascending among equal keys."""
    bands, items = keys.shape
    order = _radix_order(keys).reshape(bands, items)
    ordered = (keys.ravel()[order].astype(np.uint64) | _band_numbers(bands)).ravel()
    return ordered, (order - (np.arange(bands, dtype=np.int64) * items)[:, None]).ravel()


def _radix_order(keys: np.ndarray) -> np.ndarray:
    """The positions in ``keys.ravel()`` (uint32, one row a band) ordering each row, row after
    row, equal keys in their order: a least-significant-digit radix sort, as numpy sorts 16-bit
    integers stably in linear time."""
    rows, width = keys.shape
    offsets = (np.arange(rows, dtype=np.int64) * width)[:, None]
    halves = np.ascontiguousarray(keys, dtype="<u4").view("<u2")  # each key's low then high 16 bits
    low = (np.argsort(halves[:, 0::2], axis=1, kind="stable") + offsets).ravel()
    high = halves.ravel()[2 * low + 1].reshape(rows, width)
    return low[(np.argsort(high, axis=1, kind="stable") + offsets).ravel()]


def _pairs_within(values: np.ndarray, groups: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of signatures of one chunk in one key group of a band (earlier row, later row,
    their agreement), ordered by the later row and then the earlier one (``_key_groups``: each
    band's groups in order, rows ascending in each; ``rows``: the signature of each)."""
    empty = np.zeros(0, dtype=np.int64)
    same = groups[:, 1:] == groups[:, :-1]
    if not same.any():
        return empty, empty, empty
    shared = np.zeros(groups.shape, dtype=bool)  # the keys that another signature has too
    shared[:, 1:] |= same
    shared[:, :-1] |= same
    # The band's number above each key, so that groups of two bands never run together.
    bands = np.repeat(np.arange(len(groups), dtype=np.uint64), np.count_nonzero(shared, axis=1))
    ordered = groups[shared].astype(np.uint64) | (bands << np.uint64(32))
    rows = rows[shared].astype(np.int64)
    starts = np.concatenate(([0], np.flatnonzero(ordered[1:] != ordered[:-1]) + 1))
    lengths = np.diff(np.concatenate((starts, [len(ordered)])))
    # Every pair (i, j), i < j, within each run of equal keys: i is paired with the rest of its run.
    later_in_run = np.repeat(starts + lengths, lengths) - np.arange(len(ordered)) - 1
    firsts = np.repeat(np.arange(len(ordered)), later_in_run)
    seconds = firsts + 1 + np.arange(len(firsts)) - np.repeat(np.cumsum(later_in_run) - later_in_run, later_in_run)
    size = len(values)
    pairs = np.unique(rows[firsts] * size + rows[seconds])
    earlier, later = pairs // size, pairs % size
    order = np.lexsort((earlier, later))
    earlier, later = earlier[order], later[order]
    return earlier, later, _agreements(values, earlier, values, later)


def _agreements(a: np.ndarray, rows_a: np.ndarray, b: np.ndarray, rows_b: np.ndarray) -> np.ndarray:
    """For each i, the positions where the signatures ``a[rows_a[i]]`` and ``b[rows_b[i]]``
    agree, compared ``AGREEMENT_BLOCK`` pairs at a time: small copies stay in the cache, where
    one large copy costs a page fault every few pairs (about ten times slower)."""
    counts = np.empty(len(rows_a), dtype=np.int64)
    for first in range(0, len(rows_a), AGREEMENT_BLOCK):
        last = first + AGREEMENT_BLOCK
        counts[first:last] = np.count_nonzero(np.take(a, rows_a[first:last], axis=0)
                                              == np.take(b, rows_b[first:last], axis=0), axis=1)
    return counts
