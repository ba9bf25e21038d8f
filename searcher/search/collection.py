"""The ranking arrays of every segment of one commit, read as one collection of documents.

Documents are numbered as Whoosh numbers them in a reader: each segment's documents follow
the previous segment's (its *offset*). A term's postings are the segments' postings with the
offsets added; per-document columns (lengths, language, outlet, date, family) are the
segments' columns end to end, with language and outlet codes made collection-wide. Deleted
documents stay in the arrays (segments never change) and are left out by ``live``.

Statistics are those Whoosh's BM25F reads: the number of documents including deleted ones,
document frequencies including deleted documents, field lengths summed over all documents,
and each document's field length as Whoosh's one-byte approximation (``length_byte``).
"""
from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from searcher.backend.whoosh.columnar import FAMILIES, ColumnarSegment

FIELDS = ("ranking", "title", "body")
POSTINGS_CACHED = 256  # terms whose collection-wide postings are kept between queries
REPETITIONS_CACHED = 16384  # terms whose repetitions (BM25T's statistic) are kept


@dataclass(frozen=True)
class Leaf:
    """One segment of a reader: its arrays, where its documents start, which are deleted."""

    arrays: ColumnarSegment
    offset: int
    deleted: frozenset[int]


@dataclass(frozen=True)
class TermPostings:
    """A term's postings over the whole collection, one field's view: ``docs`` ascending and
    each one's frequency (the ranking field's weight, or the title or body count)."""

    docs: np.ndarray
    tf: np.ndarray


_LENGTH_TABLE = None


def length_byte_table() -> np.ndarray:
    """Whoosh's field length approximation: length -> the length its byte stands for."""
    global _LENGTH_TABLE
    if _LENGTH_TABLE is None:
        from whoosh.util.numeric import byte_to_length

        _LENGTH_TABLE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
    return _LENGTH_TABLE


def approximate_lengths(lengths: np.ndarray) -> np.ndarray:
    """Each length as Whoosh stores it (one byte), and 1 where there is none, as BM25 reads it."""
    table = length_byte_table()
    bytes_ = np.searchsorted(table, lengths, side="left").clip(0, 255)  # bisect_left, as length_to_byte
    bytes_[lengths >= 106374] = 255
    approximated = table[bytes_]
    approximated[lengths == 0] = 1.0
    return approximated


class Collection:
    """The arrays of one reader's segments (see the module docstring)."""

    def __init__(self, leaves: Sequence[Leaf], size: int):
        self.leaves = list(leaves)
        self.size = size
        self._postings: OrderedDict[tuple[str, str], tuple | None] = OrderedDict()
        self._frequencies: OrderedDict[tuple[str, str], dict[str, int]] = OrderedDict()
        self._repetitions: OrderedDict[tuple[str, str, str], tuple[float, int]] = OrderedDict()

    # Documents

    @cached_property
    def live(self) -> np.ndarray:
        """True for each document that is not deleted."""
        live = np.ones(self.size, dtype=bool)
        for leaf in self.leaves:
            if leaf.deleted:
                live[np.fromiter(leaf.deleted, dtype=np.int64) + leaf.offset] = False
        return live

    @cached_property
    def all_live(self) -> bool:
        """Whether no document is deleted."""
        return bool(self.live.all())

    def _column(self, name: str) -> np.ndarray:
        return np.concatenate([getattr(leaf.arrays, name) for leaf in self.leaves]) if self.leaves else np.zeros(0)

    @cached_property
    def family(self) -> np.ndarray:
        return self._column("family_codes").astype(np.uint8)

    @cached_property
    def date(self) -> np.ndarray:
        """YYYYMMDD, 0 for undated."""
        return self._column("date").astype(np.int32)

    def _coded(self, name: str, tables: str) -> tuple[np.ndarray, list[str]]:
        """A string column's codes made collection-wide, and the table of its values."""
        values: dict[str, int] = {}
        parts = []
        for leaf in self.leaves:
            table = getattr(leaf.arrays, tables)
            mapping = np.array([values.setdefault(value, len(values)) for value in table] + [-1], dtype=np.int32)
            parts.append(mapping[getattr(leaf.arrays, name).astype(np.int64)])  # code -1 -> the last entry, -1
        codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        return codes, list(values)

    @cached_property
    def langs(self) -> tuple[np.ndarray, list[str]]:
        return self._coded("lang", "langs")

    @cached_property
    def outlets(self) -> tuple[np.ndarray, list[str]]:
        return self._coded("outlet", "outlets")

    def lengths(self, field: str) -> np.ndarray:
        """Each document's length in ``field`` as BM25 reads it (Whoosh's approximation)."""
        return self._lengths[field]

    @cached_property
    def _lengths(self) -> dict[str, np.ndarray]:
        return {field: approximate_lengths(self._column(f"{field}_len").astype(np.int64)) for field in FIELDS}

    # Statistics

    def total_length(self, field: str, family: str) -> int:
        """The sum of ``field``'s lengths over ``family``'s documents, deleted ones included."""
        return sum(getattr(leaf.arrays.totals(family), f"{field}_len") for leaf in self.leaves)

    def doc_frequency(self, field: str, family: str, term: str) -> int:
        """Documents (deleted ones included) with ``term`` in ``field``. The three fields' counts
        are read together and kept: a query's statistics ask for several fields of each term."""
        key = (family, term)
        if key in self._frequencies:
            self._frequencies.move_to_end(key)
            return self._frequencies[key][field]
        found = dict.fromkeys(FIELDS, 0)
        for leaf in self.leaves:
            postings = leaf.arrays.postings(family, term)
            if postings is not None:
                found["ranking"] += postings.df
                found["title"] += postings.title_df
                found["body"] += postings.body_df
        return _cached(self._frequencies, key, found)[field]

    def frequency(self, field: str, family: str, term: str) -> float:
        """The sum of ``term``'s frequencies in ``field`` over the collection (Bo1's collection weight)."""
        found = self.postings(field, family, term)
        return float(found.tf.sum()) if found is not None else 0.0

    def repetitions(self, field: str, family: str, term: str) -> tuple[float, int]:
        """The sum of ``log(tf)`` over the documents holding ``term`` in ``field``, counted in
        bodies for the ranking field (a title mention is a field weight, not a repetition), and
        how many they are: BM25T's statistic (searcher.search.weighting), which shards add up."""
        counted_in = "body" if field == "ranking" else field
        key = (counted_in, family, term)  # the ranking field and the body share their counts
        if key in self._repetitions:  # two numbers a word, kept for many more words than postings
            self._repetitions.move_to_end(key)
            return self._repetitions[key]
        found = self.postings(counted_in, family, term)
        counted = (float(np.log(found.tf).sum()), len(found.docs)) if found is not None else (0.0, 0)
        return _cached(self._repetitions, key, counted, REPETITIONS_CACHED)

    # Postings

    def postings(self, field: str, family: str, term: str) -> TermPostings | None:
        """``term``'s postings in ``field`` (documents where it occurs there), or None."""
        combined = self._combined(family, term)
        if combined is None:
            return None
        docs, weight, title_tf, body_tf = combined
        if field == "ranking":
            return TermPostings(docs, weight)
        tf = title_tf if field == "title" else body_tf
        present = tf > 0
        return TermPostings(docs[present], tf[present]) if present.any() else None

    def postings_at(self, field: str, family: str, term: str, docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Of ``docnums`` (ascending), the places of those holding ``term`` in ``field`` and
        its frequency in each: a few documents looked up in long postings, nothing copied."""
        combined = self._combined(family, term)
        if combined is None or not len(docnums):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        docs, weight, title_tf, body_tf = combined
        at = np.searchsorted(docs, docnums).clip(max=len(docs) - 1)
        tf = {"ranking": weight, "title": title_tf, "body": body_tf}[field][at]
        held = docs[at] == docnums
        if field != "ranking":  # the ranking field's postings are the documents holding it anywhere
            held &= tf > 0
        places = np.flatnonzero(held)
        return places, tf[places]

    def _combined(self, family: str, term: str) -> tuple | None:
        key = (family, term)
        if key in self._postings:
            self._postings.move_to_end(key)
            return self._postings[key]
        pieces = []
        for leaf in self.leaves:
            found = leaf.arrays.postings(family, term)
            if found is not None:
                pieces.append((found.docs.astype(np.int64) + leaf.offset, found.weight.astype(np.float64),
                               found.title_tf.astype(np.float64), found.body_tf.astype(np.float64)))
        combined = tuple(np.concatenate(column) for column in zip(*pieces)) if pieces else None
        return _cached(self._postings, key, combined)

    def terms(self, family: str, prefix: str) -> list[str]:
        """The ranking field's terms of ``family`` starting with ``prefix``, in order, each once."""
        found: set[str] = set()
        for leaf in self.leaves:
            found.update(leaf.arrays.terms(family, prefix))
        return sorted(found)


def _cached(cache: OrderedDict, key, value, limit: int = POSTINGS_CACHED):
    """``value`` kept under ``key`` as the newest of the last ``limit``."""
    cache[key] = value
    if len(cache) > limit:
        cache.popitem(last=False)
    return value


@dataclass(frozen=True)
class Statistics:
    """What BM25F needs to know about the whole collection: its size, field length totals,
    document frequencies and (for BM25T) repetitions. ``Collection`` answers for one index; a sharded index hands in the
    sums of its shards' answers, so every shard scores as one index would."""

    size: int
    totals: dict[tuple[str, str], int]  # (field, family) -> total length
    frequencies: dict[tuple[str, str, str], int]  # (field, family, term) -> document frequency
    # (field, family, term) -> Collection.repetitions, for BM25T (asked for with ``repetitions``)
    repetitions: dict[tuple[str, str, str], tuple[float, int]] = dataclasses.field(default_factory=dict)

    def avg_length(self, field: str, family: str) -> float:
        return (self.totals.get((field, family), 0) / (self.size or 1)) or 1.0

    def doc_frequency(self, field: str, family: str, term: str) -> int:
        return self.frequencies.get((field, family, term), 0)

    @classmethod
    def of(cls, collection: Collection, keys: Sequence[tuple[str, str, str]], repetitions: bool = False) -> "Statistics":
        """The statistics of ``collection`` for the terms ``keys`` (field, family, term), with
        their repetitions if asked."""
        totals = {(field, family): collection.total_length(field, family) for field in FIELDS for family in FAMILIES}
        return cls(collection.size, totals, {key: collection.doc_frequency(*key) for key in keys},
                   {key: collection.repetitions(*key) for key in keys} if repetitions else {})

    @classmethod
    def summed(cls, parts: Sequence["Statistics"]) -> "Statistics":
        """The statistics of shards together."""
        totals: dict = {}
        frequencies: dict = {}
        repetitions: dict = {}
        for part in parts:
            for key, value in part.totals.items():
                totals[key] = totals.get(key, 0) + value
            for key, value in part.frequencies.items():
                frequencies[key] = frequencies.get(key, 0) + value
            for key, (logs, count) in part.repetitions.items():
                summed_logs, summed_count = repetitions.get(key, (0.0, 0))
                repetitions[key] = (summed_logs + logs, summed_count + count)
        return cls(sum(part.size for part in parts), totals, frequencies, repetitions)
