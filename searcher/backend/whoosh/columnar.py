"""Columnar ranking arrays of one Whoosh segment: per term its postings as plain arrays (with
each posting's positions in the title and the body, for phrases and proximity), per document its lengths, language, outlet, date and near-duplicate signature, memory-mapped for
vectorised ranking and folding, and per document a row of bytes the caller gives (the index keeps
the fields of an export row there).

Whoosh stays the index of record; a rank file is derived data, written once beside its segment
(``<segment id>.rank``) and rebuilt from the segment's documents when missing, damaged or stale.
Lucene keeps norms and doc values beside its postings for the same reason: scoring needs few
numbers per posting, read for many postings at once.

Writing keeps memory bounded: postings are buffered (counted at 44 bytes each, sorting included)
until ``limit_mb``, then sorted by term and spilled to a run file; ``finish`` merges the runs term
by term, about half the limit's worth of postings at a time. Measured: 30 million postings with
the default 64 MB peak at about 80 MB above the caller's own memory (1.2 GB without spilling)::

    with ColumnarWriter(tempdir, limit_mb=64) as writer:
        writer.add(0, "text", {"ایران": (4.0, 1, 1)}, title_len=3, body_len=120, ranking_len=123,
                   lang="fa", outlet="irna", date=20240131, minhash=signature_bytes,
                   title_positions={"ایران": [0]}, body_positions={"ایران": [17]},
                   row=b'["a1", "title"]')
        writer.add_segment(older, docmap)      # a merge: another segment's live documents
        size = writer.finish(path, segment_id="abc", signature="analysis 7")

    write_segment(path, documents, segment_id=..., signature=...)   # upgrade an existing segment
    verify_file(path, expect_segment=..., expect_signature=...)       # problems, [] when usable

Reading::

    with ColumnarSegment.open(path, expect_segment="abc", expect_signature="analysis 7") as segment:
        hits = segment.postings("text", "ایران")   # Postings (array views) or None
        segment.family("text").docs                 # every posting of a family, term by term
        segment.ranking_len, segment.totals("text") # per-document columns, per-family totals
        segment.minhash[docnums], segment.has_minhash  # near-duplicate signatures (searcher.dedup)
        segment.places("text", "body", "ایران", np.array([0]))  # ([0], [1], [17]): places, counts, positions
        segment.row(0)                              # b'["a1", "title"]'

Terms are ``str``; families are ``FAMILIES`` ("text": Persian and Dutch, "generic": any other
language); every document belongs to one family. A posting holds ``docs`` (int32, ascending
within a term), ``weight`` (float32, the ranking field's BM25F pseudo-frequency, given by the
caller), ``title_tf`` and ``body_tf`` (uint16, saturated at ``TF_MAX``).

File format (version 4, little-endian)::

    0       header, 64 bytes: magic b"SRCHRANK", version u32, 0 u32, file size u64,
            metadata offset u64, metadata length u64, metadata crc32 u32, header crc32 u32
    64      the arrays, raw, each starting on a 64-byte boundary
    end     metadata: UTF-8 JSON with the segment id, the analysis signature, the document
            count, the language and outlet tables, per family its counts and length totals, and
            per array its offset, dtype, length and crc32

Arrays: per document (D rows) ``doc.family`` u1 (index in FAMILIES), ``doc.title_len``,
``doc.body_len``, ``doc.ranking_len`` u4, ``doc.lang`` u2 (index in the language table),
``doc.outlet`` i4 (index in the outlet table, -1 for none), ``doc.date`` i4 (YYYYMMDD, 0 for
undated), ``doc.has_minhash`` u1 (1 for a document with a near-duplicate signature), and
``doc.minhash`` u4 (D * NUM_PERM: row d is document d's MinHash, searcher.dedup; zeros where it
has none). Per family F with T terms and P postings: ``F.terms`` u1 (the terms' UTF-8 bytes, in
byte order, concatenated), ``F.term_offsets`` (T + 1, u4 or u8), ``F.starts`` (T + 1, u4 or u8:
term i's postings are rows starts[i]:starts[i + 1]), ``F.title_df`` and ``F.body_df`` u4 (T),
``F.docs`` i4, ``F.weight`` f4, ``F.title_tf`` and ``F.body_tf`` u2 (P); ``F.title_positions``
and ``F.body_positions`` (u2 when every position in the file is below 65536, else u4): each
posting's positions in the field (title_tf and body_tf of them), posting after posting, with
``F.title_position_starts`` and ``F.body_position_starts`` (T + 1, u4 or u8) where each term's
begin (a posting's own place is its term's start plus the counts of the postings before it). Rows: ``rows.offsets``
u8 (D + 1) and ``rows.data`` u1: document d's row is ``data[offsets[d]:offsets[d + 1]]``.

Version 1 had no signatures (folding read them from a Whoosh column, a Python call per hit),
version 2 no rows, version 3 no positions (phrases decoded Whoosh's pickled posting blocks);
their files read as stale and are rebuilt.
"""
from __future__ import annotations

import bisect
import heapq
import itertools
import json
import mmap
import os
import struct
import tempfile
import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np

from searcher.dedup import NUM_PERM
from searcher.durable import fsync_path

FAMILIES = ("text", "generic")
TF_MAX = 65535  # title_tf and body_tf saturate here (uint16)
MAGIC = b"SRCHRANK"
VERSION = 4
ALIGN = 64  # every array starts on a cache line, so views are aligned for any dtype
HEADER = struct.Struct("<8sIIQQQII")
HEADER_SIZE = 64
CRC_BLOCK = 1 << 24  # bytes checksummed at a time: verify() reads through a mapping, not a copy

# Memory the writer counts per buffered posting: 12 bytes buffered (arrays grow by an eighth at
# a time) plus the workspace of sorting them into a run (ranks, the stable sort's permutation and
# buffer, one column repeated and permuted), so that ``limit_mb`` bounds the writer's peak, not
# just its buffer.
POSTING_BYTES = 44
TERM_BYTES = 160  # a distinct term of the buffer: its str, its dict slot, its id
DOCUMENT_BYTES = 8  # a buffered document's docnum and posting count

DOC_COLUMNS = {"family": "|u1", "title_len": "<u4", "body_len": "<u4", "ranking_len": "<u4",
               "lang": "<u2", "outlet": "<i4", "date": "<i4", "has_minhash": "|u1"}
_DOC_TYPECODES = {"family": "B", "title_len": "I", "body_len": "I", "ranking_len": "I",
                  "lang": "H", "outlet": "i", "date": "i", "has_minhash": "B"}
MINHASH_DTYPE = "<u4"  # doc.minhash: NUM_PERM values a document
MINHASH_BYTES = NUM_PERM * 4
_NO_MINHASH = bytes(MINHASH_BYTES)
COPY_BLOCK = 1 << 24  # bytes of spilled signatures copied into the file at a time
POSTING_COLUMNS = {"docs": "<i4", "weight": "<f4", "title_tf": "<u2", "body_tf": "<u2"}
POSITION_FIELDS = ("title", "body")  # F.title_positions, F.body_positions
POSITION_DTYPES = ("<u2", "<u4")  # 16 bits when every position of the file fits
POSITION_16_MAX = 2**16 - 1
POSITION_BYTES = 20  # a buffered position: 4 bytes, and its gather index and copy when sorted
ROW_COLUMNS = {"offsets": "<u8", "data": "|u1"}
ROW_BLOCK = 1 << 20  # bytes of rows buffered before they go to the writer's temporary rows file
INDEX_DTYPES = ("<u4", "<u8")  # term_offsets and starts: 32 bits when the values fit
INDEX_32_MAX = 2**32 - 1


class ColumnarError(Exception):
    """A rank file that cannot be used as it is; the caller rebuilds it from its segment."""

    def __init__(self, path: str | os.PathLike, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class ColumnarDamaged(ColumnarError):
    """The file is not a complete, consistent rank file (truncated, overwritten, not one)."""


class ColumnarStale(ColumnarError):
    """The file is intact but belongs to another segment, another analysis or another format
    version."""


@dataclass(frozen=True, slots=True)
class Postings:
    """A term's postings (read-only views into the mapped file) and its document frequencies."""

    docs: np.ndarray
    weight: np.ndarray
    title_tf: np.ndarray
    body_tf: np.ndarray
    df: int
    title_df: int
    body_df: int


@dataclass(frozen=True, slots=True)
class FamilyTotals:
    """A family's document count and the sums of its documents' field lengths."""

    documents: int
    title_len: int
    body_len: int
    ranking_len: int


class Document(NamedTuple):
    """One document, as ``ColumnarWriter.add`` takes it. ``postings`` maps a term to (weight,
    title_tf, body_tf); ``outlet`` is None when unknown; ``date`` is YYYYMMDD or 0;
    ``minhash`` is the near-duplicate signature (NUM_PERM little-endian uint32), None for none;
    ``title_positions`` and ``body_positions`` map a term to its positions in the field (as many
    as its count there; None: the document has none)."""

    docnum: int
    family: str
    postings: Mapping[str, tuple[float, int, int]]
    title_len: int
    body_len: int
    ranking_len: int
    lang: str
    outlet: str | None
    date: int
    minhash: bytes | None = None
    title_positions: Mapping[str, Sequence[int]] | None = None
    body_positions: Mapping[str, Sequence[int]] | None = None


def _umask() -> int:
    """The process's file creation mask (read by setting it, then setting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def date_number(iso: str | None) -> int:
    """The ``date`` column's value of an ISO date ("2024-01-31" -> 20240131); 0 for None or a
    value that is not one."""
    if not iso or len(iso) < 10 or not (iso[:4] + iso[5:7] + iso[8:10]).isdigit():
        return 0
    return int(iso[:4] + iso[5:7] + iso[8:10])


# Writing


class _Run(Protocol):
    """Postings of consecutive documents, sorted by term: a piece of what the writer merges."""

    counts: np.ndarray  # postings per term (int64), terms in byte order
    position_counts: tuple[np.ndarray, np.ndarray]  # title and body positions per term (int64)

    def term_table(self) -> tuple[bytes, np.ndarray]:
        """The terms' UTF-8 bytes concatenated, and their offsets (T + 1)."""

    def postings(self, first: int, last: int) -> tuple[np.ndarray, ...]:
        """docs, weight, title_tf, body_tf, title positions, body positions of the terms
        first..last - 1, term by term (a posting's positions as many as its count)."""


def _starts(counts: np.ndarray) -> np.ndarray:
    starts = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=starts[1:])
    return starts


def _gather(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``values[starts[i] : starts[i] + lengths[i]]`` for every i, end to end: one fancy index,
    made as the running sum of its steps (1 within a piece, a jump where the next begins), so
    that a merge's pieces of millions of positions cost one index array, not three."""
    lengths = np.asarray(lengths, np.int64)
    held = lengths > 0
    lengths, starts = lengths[held], np.asarray(starts, np.int64)[held]
    if not len(lengths):
        return values[:0]
    ends = np.cumsum(lengths)
    index = np.ones(int(ends[-1]), np.int64)
    index[0] = starts[0]
    index[ends[:-1]] = starts[1:] - (starts[:-1] + lengths[:-1] - 1)
    np.cumsum(index, out=index)
    return values[index]


def _permuted_positions(positions: np.ndarray, tf: np.ndarray, order: np.ndarray) -> np.ndarray:
    """The positions of postings (each ``tf`` of them, end to end) in the postings' new ``order``."""
    lengths = np.asarray(tf, np.int64)
    return _gather(positions, _starts(lengths)[:-1][order], lengths[order])


class _ArrayRun:
    """A run held in memory: the last buffer of a writer."""

    def __init__(self, blob: bytes, offsets: np.ndarray, counts: np.ndarray,
                 position_counts: tuple[np.ndarray, np.ndarray], columns: tuple[np.ndarray, ...]):
        self._blob, self._offsets, self.counts, self._columns = blob, offsets, counts, columns
        self.position_counts = position_counts
        self._starts = [_starts(counts), *map(_starts, position_counts)]

    def term_table(self) -> tuple[bytes, np.ndarray]:
        return self._blob, self._offsets

    def postings(self, first: int, last: int) -> tuple[np.ndarray, ...]:
        starts = [self._starts[0]] * len(POSTING_COLUMNS) + self._starts[1:]
        return tuple(column[begin[first]:begin[last]] for column, begin in zip(self._columns, starts))


class _FileRun:
    """A run spilled to a temporary file: the terms, then each posting column, then the
    positions, raw."""

    def __init__(self, path: Path, blob: bytes, offsets: np.ndarray, counts: np.ndarray,
                 position_counts: tuple[np.ndarray, np.ndarray], columns: Iterable[np.ndarray]):
        self.path = path
        self.counts = counts
        self.position_counts = position_counts
        self._starts = {**dict.fromkeys(POSTING_COLUMNS, _starts(counts)),
                        **{f"{field}_positions": _starts(c) for field, c in zip(POSITION_FIELDS, position_counts)}}
        self._positions: dict[str, int] = {}
        with open(path, "wb") as f:
            for name, data in (("blob", np.frombuffer(blob, np.uint8)), ("offsets", offsets),
                               *zip(self._starts, columns)):
                self._positions[name] = f.tell()
                f.write(memoryview(np.ascontiguousarray(data)).cast("B"))  # no bytes copy
        self._sizes = {"blob": len(blob), "offsets": len(offsets)}

    def term_table(self) -> tuple[bytes, np.ndarray]:
        with open(self.path, "rb") as f:
            f.seek(self._positions["blob"])
            blob = f.read(self._sizes["blob"])
            offsets = self._read(f, "offsets", np.int64, 0, self._sizes["offsets"])
        return blob, offsets

    def postings(self, first: int, last: int) -> tuple[np.ndarray, ...]:
        # Plain reads, not a mapping: the merge's memory stays its own chunk, not the run's pages.
        dtypes = {**POSTING_COLUMNS, **dict.fromkeys(("title_positions", "body_positions"), "<u4")}
        with open(self.path, "rb") as f:
            return tuple(self._read(f, name, dtypes[name], int(starts[first]), int(starts[last]))
                         for name, starts in self._starts.items())

    def _read(self, f, name: str, dtype, begin: int, end: int) -> np.ndarray:
        dtype = np.dtype(dtype)
        f.seek(self._positions[name] + begin * dtype.itemsize)
        return np.fromfile(f, dtype, end - begin)


class _SegmentRun:
    """Another segment's postings of one family with its deleted documents left out and the
    others renumbered, read from its mapped file when the merge reaches them."""

    def __init__(self, family: "FamilyIndex", docmap: np.ndarray, chunk: int):
        self._family, self._docmap = family, docmap
        if (docmap >= 0).all():
            live_counts = np.diff(family.starts.astype(np.int64))
        else:  # live postings per term, a chunk of postings at a time
            live_counts = np.zeros(family.term_count, np.int64)
            for first, last in _term_chunks(family.starts, chunk):
                begin, end = int(family.starts[first]), int(family.starts[last])
                live = (docmap[family.docs[begin:end]] >= 0).astype(np.int64)
                live_counts[first:last] = np.add.reduceat(live, family.starts[first:last].astype(np.int64) - begin)
        self._kept = np.flatnonzero(live_counts)  # terms left with a live posting
        self.counts = live_counts[self._kept]
        self.position_counts = tuple(self._live_positions(field, chunk)[self._kept] for field in POSITION_FIELDS)

    def _live_positions(self, field: str, chunk: int) -> np.ndarray:
        """The positions of live postings in ``field`` per term."""
        family, docmap = self._family, self._docmap
        position_starts = getattr(family, f"{field}_position_starts").astype(np.int64)
        if (docmap >= 0).all():
            return np.diff(position_starts)
        counts = np.zeros(family.term_count, np.int64)
        tf = getattr(family, f"{field}_tf")
        for first, last in _term_chunks(family.starts, chunk):
            begin, end = int(family.starts[first]), int(family.starts[last])
            live_tf = tf[begin:end].astype(np.int64) * (docmap[family.docs[begin:end]] >= 0)
            counts[first:last] = np.add.reduceat(live_tf, family.starts[first:last].astype(np.int64) - begin)
        return counts

    def term_table(self) -> tuple[bytes, np.ndarray]:
        blob, offsets = self._family.term_table()
        if len(self._kept) == self._family.term_count:
            return blob, offsets
        lengths = np.diff(offsets)
        keep = np.zeros(len(lengths), bool)
        keep[self._kept] = True
        kept_bytes = np.frombuffer(blob, np.uint8)[np.repeat(keep, lengths)]
        return kept_bytes.tobytes(), _starts(lengths[self._kept])

    def postings(self, first: int, last: int) -> tuple[np.ndarray, ...]:
        family = self._family
        begin, end = int(family.starts[self._kept[first]]), int(family.starts[self._kept[last - 1] + 1])
        docs = self._docmap[family.docs[begin:end]]
        live = docs >= 0
        positions = []
        for field in POSITION_FIELDS:
            tf = getattr(family, f"{field}_tf")[begin:end]
            starts = getattr(family, f"{field}_position_starts")
            held = getattr(family, f"{field}_positions")[int(starts[self._kept[first]]) : int(starts[self._kept[last - 1] + 1])]
            positions.append(held[np.repeat(live, tf)].astype(np.uint32))
        return (docs[live].astype(np.int32), family.weight[begin:end][live],
                family.title_tf[begin:end][live], family.body_tf[begin:end][live], *positions)


class _Buffer:
    """One family's postings added since the last spill, in compact arrays."""

    def __init__(self) -> None:
        self.term_ids: dict[str, int] = {}
        self.posting_terms = array("I")
        self.weight = array("f")
        self.title_tf = array("H")
        self.body_tf = array("H")
        self.docs = array("i")
        self.counts = array("I")  # postings of each buffered document
        self.positions = (array("I"), array("I"))  # title and body, posting after posting
        self.largest_position = 0

    def add(self, docnum: int, postings: Mapping[str, tuple[float, int, int]],
            positions: tuple[Mapping[str, Sequence[int]] | None, Mapping[str, Sequence[int]] | None]) -> None:
        """Adds a document's postings and their title and body positions, all or (on a bad
        value) none."""
        weights, titles, bodies = zip(*postings.values())
        # Converted before anything is appended, so a bad value leaves the buffer as it was.
        weights = array("f", weights)
        titles = array("H", titles if max(titles) <= TF_MAX else [min(tf, TF_MAX) for tf in titles])
        bodies = array("H", bodies if max(bodies) <= TF_MAX else [min(tf, TF_MAX) for tf in bodies])
        places = tuple(_positions_of(postings, field, counts)
                       for field, counts in zip(positions, (titles, bodies)))
        ids = self.term_ids
        # New terms by a set difference (it probes the dict for each of the document's terms)
        # and ids by map: both loops run in C. Ids come in any order; runs are sorted by bytes.
        new = set(postings).difference(ids)
        if new:
            if not all(type(term) is str for term in new):
                raise TypeError("terms must be str")
            ids.update(zip(new, range(len(ids), len(ids) + len(new))))
        self.posting_terms.extend(map(ids.__getitem__, postings))
        self.weight.extend(weights)
        self.title_tf.extend(titles)
        self.body_tf.extend(bodies)
        for buffered, added in zip(self.positions, places):
            buffered.extend(added)
            if added:
                self.largest_position = max(self.largest_position, max(added))
        self.docs.append(docnum)
        self.counts.append(len(postings))

    @property
    def nbytes(self) -> int:
        return (POSTING_BYTES * len(self.posting_terms) + TERM_BYTES * len(self.term_ids) + DOCUMENT_BYTES * len(self.docs)
                + POSITION_BYTES * sum(map(len, self.positions)))

    def sorted_columns(self) -> tuple[bytes, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray], Iterator[np.ndarray]]:
        """The buffer as a run: term blob, offsets, postings per term, title and body positions
        per term, and the posting columns then the positions (made one at a time, so only one
        permuted copy is alive while a spill writes)."""
        encoded = [term.encode("utf-8") for term in self.term_ids]  # in id order
        order = sorted(range(len(encoded)), key=encoded.__getitem__)
        rank = np.empty(len(order), np.uint32)
        rank[order] = np.arange(len(order), dtype=np.uint32)
        posting_rank = rank[np.frombuffer(self.posting_terms, np.uint32)]
        counts = np.bincount(posting_rank, minlength=len(order)).astype(np.int64)
        tfs = (np.frombuffer(self.title_tf, np.uint16), np.frombuffer(self.body_tf, np.uint16))
        position_counts = tuple(np.bincount(posting_rank, weights=tf, minlength=len(order)).astype(np.int64) for tf in tfs)
        # Stable: a term's postings stay in the order added, which is docnum order.
        permutation = np.argsort(posting_rank, kind="stable")
        del posting_rank
        sorted_terms = [encoded[i] for i in order]
        offsets = _starts(np.fromiter(map(len, sorted_terms), np.int64, len(sorted_terms)))

        def columns() -> Iterator[np.ndarray]:
            docs = np.repeat(np.frombuffer(self.docs, np.int32), np.frombuffer(self.counts, np.uint32))
            yield docs[permutation]
            del docs
            for values, dtype in ((self.weight, np.float32), (self.title_tf, np.uint16), (self.body_tf, np.uint16)):
                yield np.frombuffer(values, dtype)[permutation]
            for positions, tf in zip(self.positions, tfs):
                yield _permuted_positions(np.frombuffer(positions, np.uint32), tf, permutation)

        return b"".join(sorted_terms), offsets, counts, position_counts, columns()


def _positions_of(postings: Mapping[str, tuple[float, int, int]], positions: Mapping[str, Sequence[int]] | None,
                  counts: array) -> array:
    """The positions of each posting's term in one field, end to end, as many as its (saturated)
    count there; a ValueError when they are not."""
    if positions is None:
        given = array("I")
    elif max(counts) < TF_MAX:
        given = array("I", itertools.chain.from_iterable([positions.get(term, ()) for term in postings]))
    else:
        given = array("I", itertools.chain.from_iterable([positions.get(term, ())[:TF_MAX] for term in postings]))
    if len(given) != sum(counts):
        raise ValueError("a document's positions do not number its terms' counts")
    return given


class ColumnarWriter:
    """Writes the rank file of one segment: documents in docnum order (``add``), other
    segments' live documents (``add_segment``), then ``finish``. Postings past ``limit_mb``
    are spilled to sorted run files in ``tempdir``; ``cancel`` (or leaving a ``with`` block
    without ``finish``) removes every temporary file."""

    def __init__(self, tempdir: str | os.PathLike, limit_mb: float = 64):
        self._tempdir = Path(tempdir)
        self._limit = max(int(limit_mb * 2**20), 1)
        self._buffers = {family: _Buffer() for family in FAMILIES}
        self._runs: dict[str, list[_Run]] = {family: [] for family in FAMILIES}
        self._doc_columns = {name: array(code) for name, code in _DOC_TYPECODES.items()}
        self._langs: dict[str, int] = {}
        self._outlets: dict[str, int] = {}
        self._temp_files: list[Path] = []
        self._minhash = _SpilledBytes(self._tempdir, self._temp_files, ".rank-minhash-", COPY_BLOCK)  # 256 bytes a document
        self._sources: list[ColumnarSegment] = []  # segments whose postings a merge reads at finish
        self._rows = _Rows(self._tempdir, self._temp_files)
        self._closed = False
        self._largest_position = 0  # of the documents spilled or merged in: the positions' dtype
        self.spills = 0  # run files written so far

    @property
    def doc_count(self) -> int:
        """Documents added so far: the docnum the next ``add`` must have."""
        return len(self._doc_columns["family"])

    def add(self, docnum: int, family: str, postings: Mapping[str, tuple[float, int, int]], title_len: int,
            body_len: int, ranking_len: int, lang: str, outlet: str | None, date: int,
            minhash: bytes | None = None, title_positions: Mapping[str, Sequence[int]] | None = None,
            body_positions: Mapping[str, Sequence[int]] | None = None, row: bytes = b"") -> None:
        """Adds the document ``docnum`` (the next one: no gaps). ``postings`` maps each term of
        its ranking field to (weight, title_tf, body_tf); ``minhash`` is its near-duplicate
        signature (empty or None: it has none); ``title_positions`` and ``body_positions`` map
        each term of the title and the body to its positions (ascending, title_tf and body_tf
        of them; only the first ``TF_MAX`` are kept); ``row`` is the document's row."""
        self._check_open()
        if docnum != self.doc_count:
            raise ValueError(f"document {docnum} added where document {self.doc_count} was expected")
        family_code = _family_code(family)
        if not isinstance(lang, str) or not (outlet is None or isinstance(outlet, str)):
            raise TypeError("lang must be a str, outlet a str or None")
        if minhash and (not isinstance(minhash, bytes) or len(minhash) != MINHASH_BYTES):
            raise ValueError(f"a near-duplicate signature is {MINHASH_BYTES} bytes")
        values = (family_code, title_len, body_len, ranking_len, self._code(self._langs, lang),
                  -1 if outlet is None else self._code(self._outlets, outlet), date, int(bool(minhash)))
        appended = []
        try:  # a value out of its column's range leaves the document out entirely
            for column, value in zip(self._doc_columns.values(), values):
                column.append(value)
                appended.append(column)
            if postings:
                self._buffers[family].add(docnum, postings, (title_positions, body_positions))
        except BaseException:
            for column in appended:
                column.pop()
            raise
        self._minhash.add(minhash or _NO_MINHASH)
        self._rows.add(bytes(row))
        if sum(buffer.nbytes for buffer in self._buffers.values()) > self._limit:
            self._spill()

    def add_segment(self, segment: "ColumnarSegment", docmap: Mapping[int, int] | Sequence[int] | np.ndarray | None = None) -> None:
        """Appends the live documents of ``segment`` (kept open until ``finish``): ``docmap``
        maps each live old docnum to its new one (deleted documents absent, or -1 in an array),
        numbered on from the documents already added, in the old order; None keeps every
        document."""
        self._check_open()
        mapping = _docmap_array(docmap, segment.doc_count, self.doc_count)
        live = np.flatnonzero(mapping >= 0)
        # Runs concatenate in docnum order: what is buffered goes first.
        self._spill()
        for family in FAMILIES:
            run = _SegmentRun(segment.family(family), mapping, self._merge_chunk)
            if len(run.counts):
                self._runs[family].append(run)
            for field in POSITION_FIELDS:
                positions = getattr(segment.family(family), f"{field}_positions")
                if len(positions):
                    self._largest_position = max(self._largest_position, int(positions.max()))
        self._sources.append(segment)
        lang_codes = np.array([self._code(self._langs, name) for name in segment.langs], np.int64)
        # Outlet -1 (none) indexes the table's last entry, which is -1 again.
        outlet_codes = np.array([self._code(self._outlets, name) for name in segment.outlets] + [-1], np.int64)
        columns = {"family": segment.family_codes[live], "title_len": segment.title_len[live],
                   "body_len": segment.body_len[live], "ranking_len": segment.ranking_len[live],
                   "lang": lang_codes[segment.lang[live]], "outlet": outlet_codes[segment.outlet[live]],
                   "date": segment.date[live], "has_minhash": segment.has_minhash[live]}
        for name, values in columns.items():
            self._doc_columns[name].frombytes(values.astype(DOC_COLUMNS[name]).tobytes())
        rows = COPY_BLOCK // MINHASH_BYTES
        for first in range(0, len(live), rows):
            self._minhash.add(segment.minhash[live[first : first + rows]].astype(MINHASH_DTYPE).tobytes())
        for docnum in live.tolist():
            self._rows.add(segment.row(docnum))

    def finish(self, path: str | os.PathLike, *, segment_id: str, signature: str) -> int:
        """Writes the file at ``path`` atomically (a temporary file beside it, flushed to disk,
        then renamed over it) and returns its size. The writer cannot be used afterwards."""
        self._check_open()
        path = Path(path)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        self._temp_files.append(Path(temp_name))
        try:
            os.fchmod(fd, 0o666 & ~_umask())  # readable as the segment's other files are (mkstemp makes 0600)
            with os.fdopen(fd, "r+b") as f:
                size = self._write(f, segment_id, signature)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp_name, path)
            self._temp_files.remove(Path(temp_name))
            fsync_path(path.parent)
        finally:
            self.cancel()
        return size

    def cancel(self) -> None:
        """Removes the temporary files and ends the writer."""
        self._closed = True
        for temp in self._temp_files:
            try:
                temp.unlink()
            except FileNotFoundError:
                pass
        self._temp_files.clear()
        self._buffers.clear()
        self._runs.clear()
        self._sources.clear()

    def __enter__(self) -> "ColumnarWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        if not self._closed:
            self.cancel()

    # Internals

    @property
    def _merge_chunk(self) -> int:
        """Postings merged at a time: about half the limit, as merging a chunk takes about 80
        bytes per posting (read pieces, their term numbers, the sort, the sorted copies) and
        the last buffer's run stays in memory beside it."""
        return max(self._limit // 160, 1 << 15)

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("this ColumnarWriter was finished or cancelled")

    @staticmethod
    def _code(table: dict[str, int], name: str) -> int:
        return table.setdefault(name, len(table))

    def _spill(self) -> None:
        """Writes each family's buffer as a sorted run file and empties it."""
        for family, buffer in self._buffers.items():
            if not buffer.docs:
                continue
            blob, offsets, counts, position_counts, columns = buffer.sorted_columns()
            fd, name = tempfile.mkstemp(dir=self._tempdir, prefix=".rank-run-", suffix=".tmp")
            os.close(fd)
            self._temp_files.append(Path(name))
            self._runs[family].append(_FileRun(Path(name), blob, offsets, counts, position_counts, columns))
            self._largest_position = max(self._largest_position, buffer.largest_position)
            self._buffers[family] = _Buffer()
            self.spills += 1

    def _write(self, f, segment_id: str, signature: str) -> int:
        out = _ArrayFile(f)
        doc_count = self.doc_count
        families_meta = {}
        doc_values = {name: np.frombuffer(column, DOC_COLUMNS[name]) if len(column) else np.empty(0, DOC_COLUMNS[name])
                      for name, column in self._doc_columns.items()}
        for name, values in doc_values.items():
            out.add(f"doc.{name}", values, DOC_COLUMNS[name])
        self._minhash.copy_into(out.reserve("doc.minhash", MINHASH_DTYPE, doc_count * NUM_PERM), MINHASH_DTYPE)
        self._rows.write(out)
        largest = max(self._largest_position, *(buffer.largest_position for buffer in self._buffers.values()))
        position_dtype = POSITION_DTYPES[0] if largest <= POSITION_16_MAX else POSITION_DTYPES[1]
        for code, family in enumerate(FAMILIES):
            runs = list(self._runs[family])
            buffer = self._buffers[family]
            if buffer.docs:
                blob, offsets, counts, position_counts, columns = buffer.sorted_columns()
                runs.append(_ArrayRun(blob, offsets, counts, position_counts, tuple(columns)))
                self._buffers[family] = _Buffer()
            in_family = doc_values["family"] == code
            families_meta[family] = {
                "documents": int(in_family.sum()),
                **{name: int(doc_values[name][in_family].sum(dtype=np.int64)) for name in ("title_len", "body_len", "ranking_len")},
                **self._write_family(out, family, runs, position_dtype),
            }
        meta = {"segment": segment_id, "signature": signature, "documents": doc_count,
                "langs": list(self._langs), "outlets": list(self._outlets), "families": families_meta,
                "arrays": out.arrays}
        return out.close(json.dumps(meta, ensure_ascii=False).encode("utf-8"))

    def _write_family(self, out: "_ArrayFile", family: str, runs: list[_Run], position_dtype: str) -> dict:
        """Merges a family's runs into its arrays; returns its term, posting and position counts."""
        blob, offsets, term_maps = _merge_terms(runs)
        term_count = len(offsets) - 1
        df = np.zeros(term_count, np.int64)
        position_counts = [np.zeros(term_count, np.int64) for _ in POSITION_FIELDS]
        for run, term_map in zip(runs, term_maps):
            df[term_map] += run.counts  # each run's terms are distinct
            for total, counts in zip(position_counts, run.position_counts):
                total[term_map] += counts
        starts = _starts(df)
        posting_count = int(starts[-1])
        position_starts = [_starts(counts) for counts in position_counts]
        out.add(f"{family}.terms", np.frombuffer(blob, np.uint8), "|u1")
        out.add(f"{family}.term_offsets", offsets, _index_dtype(len(blob)))
        out.add(f"{family}.starts", starts, _index_dtype(posting_count))
        for field, field_starts in zip(POSITION_FIELDS, position_starts):
            out.add(f"{family}.{field}_position_starts", field_starts, _index_dtype(int(field_starts[-1])))
        title_df, body_df = np.zeros(term_count, np.uint32), np.zeros(term_count, np.uint32)
        columns = {name: out.reserve(f"{family}.{name}", dtype, posting_count) for name, dtype in POSTING_COLUMNS.items()}
        columns.update({f"{field}_positions": out.reserve(f"{family}.{field}_positions", position_dtype, int(field_starts[-1]))
                        for field, field_starts in zip(POSITION_FIELDS, position_starts)})
        run_starts = [_starts(run.counts) for run in runs]
        for first, last in _term_chunks(starts, self._merge_chunk):
            pieces = []
            for run, term_map, run_start in zip(runs, term_maps, run_starts):
                begin, end = np.searchsorted(term_map, [first, last])
                if begin < end:
                    terms = np.repeat(term_map[begin:end], run.counts[begin:end])
                    pieces.append((terms, *run.postings(begin, end)))
            if len(pieces) == 1:
                terms, *values = pieces[0]
            else:
                # Runs are in docnum order and a stable sort keeps it within each term.
                terms = np.concatenate([piece[0] for piece in pieces])
                order = np.argsort(terms, kind="stable")
                terms = terms[order]
                tfs = [np.concatenate([piece[i] for piece in pieces]) for i in (3, 4)]
                values = [np.concatenate([piece[i] for piece in pieces])[order] for i in range(1, 5)]
                values += [_permuted_positions(np.concatenate([piece[i] for piece in pieces]), tf, order)
                            for i, tf in zip((5, 6), tfs)]
            for column, data in zip(columns.values(), values):
                column.write(data)
            title_df[first:last] = np.bincount(terms[values[2] > 0] - first, minlength=last - first)
            body_df[first:last] = np.bincount(terms[values[3] > 0] - first, minlength=last - first)
        for column in columns.values():
            column.close()
        out.add(f"{family}.title_df", title_df, "<u4")
        out.add(f"{family}.body_df", body_df, "<u4")
        return {"terms": term_count, "postings": posting_count,
                **{f"{field}_positions": int(field_starts[-1]) for field, field_starts in zip(POSITION_FIELDS, position_starts)}}


class _SpilledBytes:
    """Bytes appended in order, held in memory up to ``block`` bytes at a time and then appended
    to a temporary file in ``tempdir`` (listed in ``temp_files``, which the writer removes), so
    that a large segment's signatures or rows do not count against the writer's memory limit."""

    def __init__(self, tempdir: Path, temp_files: list[Path], prefix: str, block: int):
        self._tempdir, self._temp_files, self._prefix, self._block = tempdir, temp_files, prefix, block
        self._pending = bytearray()
        self._file: Path | None = None

    def add(self, data: bytes) -> None:
        self._pending += data
        if len(self._pending) >= self._block:
            if self._file is None:
                fd, name = tempfile.mkstemp(dir=self._tempdir, prefix=self._prefix, suffix=".tmp")
                os.close(fd)
                self._file = Path(name)
                self._temp_files.append(self._file)
            with open(self._file, "ab") as f:
                f.write(self._pending)
            self._pending = bytearray()

    def copy_into(self, column: "_Column", dtype: str) -> None:
        """Writes every byte added, in order, as ``dtype`` values into ``column``, then closes it."""
        if self._file is not None:
            with open(self._file, "rb") as f:
                while block := f.read(self._block):
                    column.write(np.frombuffer(block, dtype))
        column.write(np.frombuffer(self._pending, dtype))
        column.close()


class _Rows:
    """The documents' rows in docnum order, as a writer collects them: the bytes go to a
    temporary file ``ROW_BLOCK`` at a time, the offsets stay (8 bytes a document)."""

    def __init__(self, tempdir: Path, temp_files: list[Path]):
        self._offsets = array("Q", [0])
        self._data = _SpilledBytes(tempdir, temp_files, ".rank-rows-", ROW_BLOCK)

    def add(self, row: bytes) -> None:
        self._data.add(row)
        self._offsets.append(self._offsets[-1] + len(row))

    def write(self, out: "_ArrayFile") -> None:
        out.add("rows.offsets", np.frombuffer(self._offsets, np.uint64), ROW_COLUMNS["offsets"])
        self._data.copy_into(out.reserve("rows.data", ROW_COLUMNS["data"], self._offsets[-1]), ROW_COLUMNS["data"])


def _merge_terms(runs: list[_Run]) -> tuple[bytes, np.ndarray, list[np.ndarray]]:
    """The sorted union of the runs' terms (blob and offsets), and for each run where each of
    its terms landed in it."""
    if not runs:
        return b"", np.zeros(1, np.int64), []
    if len(runs) == 1:
        blob, offsets = runs[0].term_table()
        return bytes(blob), np.asarray(offsets, np.int64), [np.arange(len(offsets) - 1, dtype=np.int64)]
    merged = bytearray()
    offsets = array("q", [0])
    term_maps = [array("q") for _ in runs]
    streams = [zip(_iter_terms(*run.term_table()), itertools.repeat(i)) for i, run in enumerate(runs)]
    last = None
    for term, i in heapq.merge(*streams):
        if term != last:
            merged += term
            offsets.append(len(merged))
            last = term
        term_maps[i].append(len(offsets) - 2)
    return bytes(merged), np.frombuffer(offsets, np.int64), [np.frombuffer(m, np.int64) for m in term_maps]


def _iter_terms(blob, offsets: np.ndarray, batch: int = 4096) -> Iterator[bytes]:
    """The terms of a blob, as bytes."""
    for first in range(0, len(offsets) - 1, batch):
        bounds = offsets[first : first + batch + 1].tolist()
        yield from (blob[begin:end] for begin, end in zip(bounds, bounds[1:]))


def _term_chunks(starts: np.ndarray, chunk: int) -> Iterator[tuple[int, int]]:
    """Ranges of terms holding about ``chunk`` postings each (a larger term alone)."""
    term_count = len(starts) - 1
    first = 0
    while first < term_count:
        last = int(np.searchsorted(starts, int(starts[first]) + chunk, side="right")) - 1
        last = min(max(last, first + 1), term_count)
        yield first, last
        first = last


def _index_dtype(largest: int) -> str:
    return INDEX_DTYPES[0] if largest <= INDEX_32_MAX else INDEX_DTYPES[1]


def _family_code(family: str) -> int:
    try:
        return FAMILIES.index(family)
    except ValueError:
        raise ValueError(f"unknown family {family!r}: use one of {', '.join(FAMILIES)}") from None


def _docmap_array(docmap: Mapping[int, int] | Sequence[int] | np.ndarray | None, old_count: int, first: int) -> np.ndarray:
    """old docnum -> new docnum, -1 for deleted, checked to number the live documents on from
    ``first`` in their old order."""
    if docmap is None:
        mapping = np.arange(first, first + old_count, dtype=np.int64)
    elif isinstance(docmap, Mapping):
        mapping = np.full(old_count, -1, np.int64)
        if docmap:
            old = np.fromiter(docmap.keys(), np.int64, len(docmap))
            if old.min() < 0 or old.max() >= old_count:
                raise ValueError(f"docmap names documents outside 0..{old_count - 1}")
            mapping[old] = np.fromiter(docmap.values(), np.int64, len(docmap))
    else:
        mapping = np.asarray(docmap, np.int64)
        if mapping.shape != (old_count,):
            raise ValueError(f"docmap has {len(mapping)} entries for {old_count} documents")
        mapping = np.where(mapping < 0, -1, mapping)
    live = mapping[mapping >= 0]
    if not np.array_equal(live, np.arange(first, first + len(live))):
        raise ValueError(f"docmap must number the live documents {first}, {first + 1}, ... in their old order")
    return mapping


class _ArrayFile:
    """The arrays of a file being written, each placed on an aligned offset and checksummed."""

    def __init__(self, f):
        self._fd = f.fileno()
        self._end = HEADER_SIZE
        self.arrays: dict[str, dict] = {}

    def add(self, name: str, values: np.ndarray, dtype: str) -> None:
        column = self.reserve(name, dtype, len(values))
        column.write(values)
        column.close()

    def reserve(self, name: str, dtype: str, length: int) -> "_Column":
        offset = _aligned(self._end)
        self._end = offset + length * np.dtype(dtype).itemsize
        self.arrays[name] = {"offset": offset, "dtype": dtype, "length": length, "crc32": 0}
        return _Column(self._fd, self.arrays[name])

    def close(self, meta: bytes) -> int:
        """Writes the metadata and the header; returns the file size."""
        meta_offset = _aligned(self._end)
        size = meta_offset + len(meta)
        os.pwrite(self._fd, meta, meta_offset)
        os.ftruncate(self._fd, size)
        os.pwrite(self._fd, _header(size, meta_offset, meta), 0)
        return size


class _Column:
    """An array written in pieces, in order."""

    def __init__(self, fd: int, spec: dict):
        self._fd, self._spec = fd, spec
        self._dtype = np.dtype(spec["dtype"])
        self._position = spec["offset"]
        self._written = 0

    def write(self, values: np.ndarray) -> None:
        data = memoryview(np.ascontiguousarray(values, self._dtype)).cast("B")  # no bytes copy
        written = 0
        while written < len(data):  # pwrite may write less than asked
            written += os.pwrite(self._fd, data[written:], self._position + written)
        self._spec["crc32"] = zlib.crc32(data, self._spec["crc32"])
        self._position += len(data)
        self._written += len(values)

    def close(self) -> None:
        if self._written != self._spec["length"]:
            raise AssertionError(f"{self._written} rows written where {self._spec['length']} were counted")


def _aligned(offset: int) -> int:
    return -(-offset // ALIGN) * ALIGN


def _header(size: int, meta_offset: int, meta: bytes) -> bytes:
    fields = HEADER.pack(MAGIC, VERSION, 0, size, meta_offset, len(meta), zlib.crc32(meta), 0)
    header = fields[:-4] + struct.pack("<I", zlib.crc32(fields[:-4]))
    return header.ljust(HEADER_SIZE, b"\0")


def write_segment(path: str | os.PathLike, documents: Iterable[Document | tuple], *, segment_id: str, signature: str,
                  tempdir: str | os.PathLike | None = None, limit_mb: float = 64) -> int:
    """Writes the rank file of an existing segment from its documents (``Document`` rows, or
    tuples in its order, docnums 0, 1, ...: deleted documents included, they are masked at
    search time); returns the file's size. Temporary runs go to ``tempdir`` (default: the
    file's folder)."""
    path = Path(path)
    with ColumnarWriter(tempdir if tempdir is not None else path.parent, limit_mb) as writer:
        for document in documents:
            writer.add(*document)
        return writer.finish(path, segment_id=segment_id, signature=signature)


# Reading


class FamilyIndex:
    """One family's terms and postings in a mapped file: the whole posting columns (term i's
    rows are ``starts[i]:starts[i + 1]``) and term lookup by binary search over the sorted
    term table, through a sample of every ``SAMPLE_EVERY``-th term made at the first lookup."""

    SAMPLE_EVERY = 16

    def __init__(self, segment: "ColumnarSegment", name: str, arrays: dict[str, np.ndarray], meta: dict):
        self.name = name
        self._segment = segment
        self._mm = segment._mm
        self._terms_offset = segment._spec(f"{name}.terms")["offset"]
        self._term_offsets: np.ndarray = arrays["term_offsets"]
        self.starts: np.ndarray = arrays["starts"]
        self.title_df: np.ndarray = arrays["title_df"]
        self.body_df: np.ndarray = arrays["body_df"]
        self.docs: np.ndarray = arrays["docs"]
        self.weight: np.ndarray = arrays["weight"]
        self.title_tf: np.ndarray = arrays["title_tf"]
        self.body_tf: np.ndarray = arrays["body_tf"]
        self.title_positions: np.ndarray = arrays["title_positions"]
        self.body_positions: np.ndarray = arrays["body_positions"]
        self.title_position_starts: np.ndarray = arrays["title_position_starts"]
        self.body_position_starts: np.ndarray = arrays["body_position_starts"]
        self.term_count: int = meta["terms"]
        self.posting_count: int = meta["postings"]
        self.totals = FamilyTotals(meta["documents"], meta["title_len"], meta["body_len"], meta["ranking_len"])
        self._samples: list[bytes] | None = None

    def term_index(self, term: str) -> int:
        """The term's row in the term table, or -1."""
        try:
            key = term.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: no indexed term has one
            return -1
        index, found = self._lower_bound(key)
        return index if found else -1

    def postings(self, term: str) -> Postings | None:
        index = self.term_index(term)
        return None if index < 0 else self.postings_at(index)

    def postings_at(self, index: int) -> Postings:
        begin, end = self.starts[index : index + 2].tolist()  # one call, not two numpy scalars
        return Postings(self.docs[begin:end], self.weight[begin:end], self.title_tf[begin:end], self.body_tf[begin:end],
                        end - begin, int(self.title_df[index]), int(self.body_df[index]))

    def places(self, term: str, field: str, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Of ``docs`` (ascending), the places of those holding ``term`` in ``field`` ("title" or
        "body"), how many positions each has there (at most ``TF_MAX`` are kept: a count of
        ``TF_MAX`` may stand for more) and the positions, document after document."""
        index = self.term_index(term)
        if index < 0 or not len(docs):
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
        begin, end = self.starts[index : index + 2].tolist()
        tf = getattr(self, f"{field}_tf")[begin:end].astype(np.int64)
        held_docs = self.docs[begin:end]
        at = np.searchsorted(held_docs, docs).clip(max=len(held_docs) - 1)
        places = np.flatnonzero((held_docs[at] == docs) & (tf[at] > 0))
        at = at[places]
        counts = tf[at]
        first = int(getattr(self, f"{field}_position_starts")[index])
        starts = first + (np.cumsum(tf) - tf)[at]
        return places, counts, _gather(getattr(self, f"{field}_positions"), starts, counts).astype(np.int64)

    def doc_frequency(self, term: str) -> int:
        index = self.term_index(term)
        return 0 if index < 0 else int(self.starts[index + 1] - self.starts[index])

    def terms(self, prefix: str = "") -> Iterator[str]:
        """The terms starting with ``prefix``, in byte (code point) order."""
        key = prefix.encode("utf-8", "surrogatepass")
        first, _ = self._lower_bound(key)
        for index, term in enumerate(_iter_terms(self._blob_reader(), self._term_offsets[first:]), first):
            if not term.startswith(key):
                return
            try:
                yield term.decode("utf-8")
            except UnicodeDecodeError:
                raise ColumnarDamaged(self._segment.path, f"{self.name}.terms: term {index} is not UTF-8") from None

    def term_table(self) -> tuple[bytes, np.ndarray]:
        """The term blob (copied) and its offsets."""
        begin = self._terms_offset
        return self._mm[begin : begin + int(self._term_offsets[-1])], np.asarray(self._term_offsets, np.int64)

    def _blob_reader(self) -> "_Slicer":
        return _Slicer(self._mm, self._terms_offset)

    def _lower_bound(self, key: bytes) -> tuple[int, bool]:
        """The index of the first term >= ``key``, and whether it is ``key``."""
        if self._samples is None:
            self._samples = self._make_samples()
        block = bisect.bisect_right(self._samples, key) - 1
        if block < 0:
            return 0, False
        first = block * self.SAMPLE_EVERY
        bounds = self._term_offsets[first : first + self.SAMPLE_EVERY + 1].tolist()
        mm, base = self._mm, self._terms_offset
        low, high = 0, len(bounds) - 1
        while low < high:
            middle = (low + high) // 2
            if mm[base + bounds[middle] : base + bounds[middle + 1]] < key:
                low = middle + 1
            else:
                high = middle
        found = low < len(bounds) - 1 and mm[base + bounds[low] : base + bounds[low + 1]] == key
        return first + low, found

    def _make_samples(self) -> list[bytes]:
        every, base, mm = self.SAMPLE_EVERY, self._terms_offset, self._mm
        begins = self._term_offsets[0 : self.term_count : every].tolist()
        ends = self._term_offsets[1 : self.term_count + 1 : every].tolist()
        return [mm[base + begin : base + end] for begin, end in zip(begins, ends)]


class _Slicer:
    """Slices of the mapped file relative to an offset (the term blob as ``_iter_terms`` reads it)."""

    def __init__(self, mm: mmap.mmap, base: int):
        self._mm, self._base = mm, base

    def __getitem__(self, item: slice) -> bytes:
        return self._mm[self._base + item.start : self._base + item.stop]


class ColumnarSegment:
    """A rank file, memory-mapped: nothing is read whole. Arrays handed out stay valid after
    ``close`` for as long as they are referenced (the mapping is released with the last one)."""

    def __init__(self, path: Path, mm: mmap.mmap, meta: dict):
        self.path = path
        self._mm = mm
        self._meta = meta
        self.segment_id: str = meta["segment"]
        self.signature: str = meta["signature"]
        self.doc_count: int = meta["documents"]
        self.langs: tuple[str, ...] = tuple(meta["langs"])
        self.outlets: tuple[str, ...] = tuple(meta["outlets"])
        arrays = {name: self._view(name) for name in meta["arrays"]}
        self.family_codes: np.ndarray = arrays["doc.family"]
        self.title_len: np.ndarray = arrays["doc.title_len"]
        self.body_len: np.ndarray = arrays["doc.body_len"]
        self.ranking_len: np.ndarray = arrays["doc.ranking_len"]
        self.lang: np.ndarray = arrays["doc.lang"]
        self.outlet: np.ndarray = arrays["doc.outlet"]
        self.date: np.ndarray = arrays["doc.date"]
        self.has_minhash: np.ndarray = arrays["doc.has_minhash"]
        self.minhash: np.ndarray = arrays["doc.minhash"].reshape(-1, NUM_PERM)  # (doc_count, NUM_PERM)
        self._row_offsets: np.ndarray = arrays["rows.offsets"]
        self._row_data: np.ndarray = arrays["rows.data"]
        self._families = {
            name: FamilyIndex(self, name, {key.split(".", 1)[1]: value for key, value in arrays.items()
                                           if key.startswith(f"{name}.")}, meta["families"][name])
            for name in FAMILIES
        }

    @classmethod
    def open(cls, path: str | os.PathLike, *, expect_segment: str | None = None,
             expect_signature: str | None = None) -> "ColumnarSegment":
        """Maps the file after checking its header and the place of every array. Raises
        ColumnarDamaged when it is not a complete rank file, ColumnarStale when it is one of
        another format version or (given the expectations) of another segment or analysis."""
        path = Path(path)
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                head = f.read(HEADER_SIZE)
                meta_offset, meta_length, meta_crc = _check_header(path, head, size)
                f.seek(meta_offset)
                meta_bytes = f.read(meta_length)
                if zlib.crc32(meta_bytes) != meta_crc:
                    raise ColumnarDamaged(path, "the metadata's checksum does not match")
                meta = _parse_meta(path, meta_bytes, meta_offset)
                mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except FileNotFoundError:
            raise
        except OSError as error:
            raise ColumnarDamaged(path, f"cannot be read ({error.strerror or error})") from error
        try:
            segment = cls(path, mm, meta)
        except BaseException:
            mm.close()
            raise
        segment._check_bounds()
        if expect_segment is not None and segment.segment_id != expect_segment:
            segment.close()
            raise ColumnarStale(path, f"written for segment {segment.segment_id!r}, not {expect_segment!r}")
        if expect_signature is not None and segment.signature != expect_signature:
            segment.close()
            raise ColumnarStale(path, f"written with analysis {segment.signature!r}, not {expect_signature!r}")
        return segment

    def row(self, docnum: int) -> bytes:
        """The row the writer was given for document ``docnum``."""
        return self._row_data[int(self._row_offsets[docnum]) : int(self._row_offsets[docnum + 1])].tobytes()

    def family(self, name: str) -> FamilyIndex:
        try:
            return self._families[name]
        except KeyError:
            if not self._families:
                raise ValueError(f"{self.path} is closed") from None
            raise ValueError(f"unknown family {name!r}: use one of {', '.join(FAMILIES)}") from None

    def postings(self, family: str, term: str) -> Postings | None:
        """The term's postings in the family, or None when it has none."""
        return self.family(family).postings(term)

    def doc_frequency(self, family: str, term: str) -> int:
        return self.family(family).doc_frequency(term)

    def places(self, family: str, field: str, term: str, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The positions of ``term`` in ``field`` of ``docs`` (see ``FamilyIndex.places``)."""
        return self.family(family).places(term, field, docs)

    def terms(self, family: str, prefix: str = "") -> Iterator[str]:
        """The family's terms starting with ``prefix``, in code point order."""
        return self.family(family).terms(prefix)

    def totals(self, family: str) -> FamilyTotals:
        return self.family(family).totals

    def lang_code(self, lang: str) -> int:
        """The ``lang`` column's value for a language, -1 when no document has it."""
        return self.langs.index(lang) if lang in self.langs else -1

    def outlet_code(self, outlet: str) -> int:
        """The ``outlet`` column's value for an outlet, -2 when no document has it (-1 is none)."""
        return self.outlets.index(outlet) if outlet in self.outlets else -2

    def verify(self) -> list[str]:
        """Reads every array through: checksums, then the structure (terms sorted, postings
        within their family's documents and ascending, frequencies and totals as counted).
        Returns the problems found, each naming its array."""
        problems = []
        for name, spec in self._meta["arrays"].items():
            begin, end = spec["offset"], spec["offset"] + spec["length"] * np.dtype(spec["dtype"]).itemsize
            crc = 0
            with memoryview(self._mm) as view:
                for block in range(begin, end, CRC_BLOCK):
                    crc = zlib.crc32(view[block : min(block + CRC_BLOCK, end)], crc)
            if crc != spec["crc32"]:
                problems.append(f"{name}: checksum does not match")
        if problems:  # the structure of damaged bytes says nothing more
            return problems
        return self._check_structure()

    def close(self) -> None:
        """Releases the mapping (at once when no array is referenced any more)."""
        self._families = {}
        for name in ("family_codes", "title_len", "body_len", "ranking_len", "lang", "outlet", "date", "has_minhash",
                     "minhash"):
            setattr(self, name, None)
        self._row_offsets = self._row_data = None
        try:
            self._mm.close()
        except BufferError:  # views are still held: the mapping goes with the last of them
            pass

    def __enter__(self) -> "ColumnarSegment":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # Internals

    def _spec(self, name: str) -> dict:
        return self._meta["arrays"][name]

    def _view(self, name: str) -> np.ndarray:
        spec = self._spec(name)
        if spec["length"] == 0:
            empty = np.empty(0, spec["dtype"])
            empty.flags.writeable = False
            return empty
        return np.frombuffer(self._mm, spec["dtype"], spec["length"], spec["offset"])

    def _check_bounds(self) -> None:
        """First and last values of the index arrays, which views of the postings and rows rely on."""
        if self._row_offsets[0] != 0 or self._row_offsets[-1] != len(self._row_data):
            self.close()
            raise ColumnarDamaged(self.path, "rows.offsets does not span its data")
        for name, family in self._families.items():
            for array_name, values, last in (("term_offsets", family._term_offsets, self._spec(f"{name}.terms")["length"]),
                                             ("starts", family.starts, family.posting_count),
                                             ("title_position_starts", family.title_position_starts, len(family.title_positions)),
                                             ("body_position_starts", family.body_position_starts, len(family.body_positions))):
                if values[0] != 0 or values[-1] != last:
                    self.close()
                    raise ColumnarDamaged(self.path, f"{name}.{array_name} does not span its data")

    def _check_structure(self) -> list[str]:
        problems = []
        families = self.family_codes
        if len(families) and families.max() >= len(FAMILIES):
            problems.append("doc.family: unknown family codes")
        if len(self.lang) and self.lang.max() >= len(self.langs):
            problems.append("doc.lang: codes outside the language table")
        if len(self.outlet) and (self.outlet.min() < -1 or self.outlet.max() >= len(self.outlets)):
            problems.append("doc.outlet: codes outside the outlet table")
        if len(self.has_minhash) and self.has_minhash.max() > 1:
            problems.append("doc.has_minhash: values other than 0 and 1")
        elif self.minhash[self.has_minhash == 0].any():
            problems.append("doc.minhash: a signature where the document has none")
        if np.any(np.diff(self._row_offsets.astype(np.int64)) < 0):
            problems.append("rows.offsets: not ascending")
        for code, (name, family) in enumerate(self._families.items()):
            in_family = families == code
            counted = FamilyTotals(int(in_family.sum()), *(int(column[in_family].sum(dtype=np.int64))
                                                           for column in (self.title_len, self.body_len, self.ranking_len)))
            if counted != family.totals:
                problems.append(f"{name}: totals {family.totals} where the documents add up to {counted}")
            problems += _check_family(family, in_family)
        return problems


def verify_file(path: str | os.PathLike, *, expect_segment: str | None = None,
                expect_signature: str | None = None) -> list[str]:
    """The problems of a rank file, read through: ``[]`` when it is usable as it is; else the
    reason it cannot be opened (damaged, stale, missing) or what ``verify`` found."""
    try:
        segment = ColumnarSegment.open(path, expect_segment=expect_segment, expect_signature=expect_signature)
    except ColumnarError as error:
        return [str(error)]
    except FileNotFoundError:
        return [f"{path}: missing"]
    with segment:
        return [f"{path}: {problem}" for problem in segment.verify()]


def _check_family(family: FamilyIndex, in_family: np.ndarray) -> list[str]:
    """A family's terms sorted and distinct, its postings ascending within each term and in
    the family's documents, its frequencies as counted."""
    name, problems = family.name, []
    if np.any(np.diff(family._term_offsets.astype(np.int64)) < 0):
        return [f"{name}.term_offsets: not ascending"]
    if np.any(np.diff(family.starts.astype(np.int64)) <= 0):
        return [f"{name}.starts: a term without postings"]
    previous = None
    for index, term in enumerate(_iter_terms(family._blob_reader(), family._term_offsets)):
        if previous is not None and term <= previous:
            problems.append(f"{name}.terms: term {index} is out of order")
            break
        try:
            term.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"{name}.terms: term {index} is not UTF-8")
            break
        previous = term
    for first, last in _term_chunks(family.starts, 1 << 22):
        begin, end = int(family.starts[first]), int(family.starts[last])
        docs = family.docs[begin:end].astype(np.int64)
        if docs.min() < 0 or docs.max() >= len(in_family) or not in_family[docs].all():
            problems.append(f"{name}.docs: postings of documents outside the family")
            break
        rising = np.diff(docs) > 0
        rising[family.starts[first + 1 : last].astype(np.int64) - begin - 1] = True  # a new term may start lower
        if not rising.all():
            problems.append(f"{name}.docs: postings out of order within a term")
            break
        terms_of = np.repeat(np.arange(last - first), np.diff(family.starts[first : last + 1].astype(np.int64)))
        for column, df in (("title", family.title_df), ("body", family.body_df)):
            tf = getattr(family, f"{column}_tf")[begin:end]
            counted = np.bincount(terms_of[tf > 0], minlength=last - first)
            if not np.array_equal(counted, df[first:last]):
                problems.append(f"{name}.{column}_df: not the postings counted")
                return problems
            positions = np.bincount(terms_of, weights=tf, minlength=last - first).astype(np.int64)
            if not np.array_equal(positions, np.diff(getattr(family, f"{column}_position_starts")[first : last + 1].astype(np.int64))):
                problems.append(f"{name}.{column}_position_starts: not the positions counted")
                return problems
    return problems


def _check_header(path: Path, head: bytes, size: int) -> tuple[int, int, int]:
    """The metadata's offset, length and checksum, from a header checked against the file."""
    if len(head) < HEADER_SIZE:
        raise ColumnarDamaged(path, f"{size} bytes is too short for a rank file")
    magic, version, _, recorded_size, meta_offset, meta_length, meta_crc, header_crc = HEADER.unpack_from(head)
    if magic != MAGIC:
        raise ColumnarDamaged(path, "not a rank file (wrong magic bytes)")
    if zlib.crc32(head[: HEADER.size - 4]) != header_crc:
        raise ColumnarDamaged(path, "the header's checksum does not match")
    if version != VERSION:
        raise ColumnarStale(path, f"format version {version}, this searcher reads version {VERSION}")
    if recorded_size != size:
        raise ColumnarDamaged(path, f"{size} bytes where {recorded_size} were written (truncated or extended)")
    if meta_offset < HEADER_SIZE or meta_offset + meta_length != size:
        raise ColumnarDamaged(path, "the metadata lies outside the file")
    return meta_offset, meta_length, meta_crc


def _parse_meta(path: Path, data: bytes, data_end: int) -> dict:
    """The metadata, checked: every array present once, of its dtype and length, inside the
    file's array area, aligned, not overlapping another."""
    try:
        meta = json.loads(data.decode("utf-8"))
        documents = _count(meta["documents"])
        families = {name: meta["families"][name] for name in FAMILIES}
        lengths = ({f"doc.{name}": documents for name in DOC_COLUMNS} | {"doc.minhash": documents * NUM_PERM}
                   | {"rows.offsets": documents + 1, "rows.data": None})
        for name, family in families.items():
            terms, postings = _count(family["terms"]), _count(family["postings"])
            for key in ("documents", "title_len", "body_len", "ranking_len"):
                _count(family[key])
            lengths.update({f"{name}.term_offsets": terms + 1, f"{name}.starts": terms + 1, f"{name}.title_df": terms,
                            f"{name}.body_df": terms, f"{name}.terms": None,
                            **{f"{name}.{column}": postings for column in POSTING_COLUMNS},
                            **{f"{name}.{field}_position_starts": terms + 1 for field in POSITION_FIELDS},
                            **{f"{name}.{field}_positions": _count(family[f"{field}_positions"]) for field in POSITION_FIELDS}})
        arrays = meta["arrays"]
        if set(arrays) != set(lengths):
            raise ColumnarDamaged(path, f"the metadata lists arrays {sorted(set(arrays) ^ set(lengths))} wrongly")
        if not (isinstance(meta["segment"], str) and isinstance(meta["signature"], str)
                and all(isinstance(name, str) for name in meta["langs"] + meta["outlets"])):
            raise ColumnarDamaged(path, "the metadata's names are not strings")
        if sum(family["documents"] for family in families.values()) != documents:
            raise ColumnarDamaged(path, "the families' document counts do not add up")
        extents = []
        for name, spec in arrays.items():
            dtype, offset, length = spec["dtype"], _count(spec["offset"]), _count(spec["length"])
            _count(spec["crc32"])
            allowed = _allowed_dtypes(name)
            if dtype not in allowed:
                raise ColumnarDamaged(path, f"{name} has dtype {dtype}, not {' or '.join(allowed)}")
            if lengths[name] is not None and length != lengths[name]:
                raise ColumnarDamaged(path, f"{name} has {length} rows, not {lengths[name]}")
            extents.append((offset, offset + length * np.dtype(dtype).itemsize, name))
    except ColumnarDamaged:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ColumnarDamaged(path, f"the metadata cannot be read ({type(error).__name__}: {error})") from None
    end = HEADER_SIZE
    for begin, stop, name in sorted(extents):
        if begin % ALIGN or begin < end or stop > data_end:
            raise ColumnarDamaged(path, f"{name} lies outside its place in the file")
        end = stop
    return meta


def _allowed_dtypes(name: str) -> tuple[str, ...]:
    group, column = name.split(".", 1)
    if group == "doc":
        return (MINHASH_DTYPE,) if column == "minhash" else (DOC_COLUMNS[column],)
    if group == "rows":
        return (ROW_COLUMNS[column],)
    if column in ("term_offsets", "starts", "title_position_starts", "body_position_starts"):
        return INDEX_DTYPES
    if column in ("title_positions", "body_positions"):
        return POSITION_DTYPES
    return {"terms": ("|u1",), "title_df": ("<u4",), "body_df": ("<u4",)}.get(column) or (POSTING_COLUMNS[column],)


def _count(value) -> int:
    """A non-negative integer from the metadata (bool is not one)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{value!r} is not a count")
    return value


__all__ = ["FAMILIES", "TF_MAX", "ColumnarDamaged", "ColumnarError", "ColumnarSegment", "ColumnarStale",
           "ColumnarWriter", "Document", "FamilyIndex", "FamilyTotals", "Postings", "date_number", "verify_file",
           "write_segment"]
