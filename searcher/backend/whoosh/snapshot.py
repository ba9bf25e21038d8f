"""One commit of a Whoosh index as the search engine reads it (searcher.search.engine.Source):
the ranking arrays of its segments as one collection (near-duplicate signatures included), and
Whoosh for positions, stored fields, ids and spelling candidates."""
from __future__ import annotations

import pickle
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from itertools import accumulate
from collections.abc import Sequence
from functools import cached_property
from heapq import nlargest
from pathlib import Path

import numpy as np
from whoosh import formats
from whoosh.columns import ColumnReader, MultiColumnReader
from whoosh.reading import TermNotFound
from whoosh.system import _INT_SIZE
from whoosh.searching import Searcher
from whoosh.support.levenshtein import distance as edit_distance

from searcher.backend.whoosh.schema import POSITION_FIELDS
from searcher.backend.whoosh.writer import fields_of_row, segment_arrays
from searcher.config import IndexConfig
from searcher.dedup import NUM_PERM
from searcher.search.collection import Collection, Leaf

SPELLING_CANDIDATES = 5  # per field and edit distance
CACHED_BLOCKS = 1024  # decoded posting blocks kept per commit, about 12 KB each


class Blocks:
    """Decoded posting blocks (their document numbers and values), the ``size`` most recently
    used kept. Decompressing and unpickling a block is most of a phrase's time, and the words
    of phrases are often frequent ones whose blocks the phrases before read. A block is known
    by its segment and its place in the postings file: a segment's files never change."""

    def __init__(self, size: int):
        self.size = size
        self._blocks: OrderedDict[tuple, tuple[Sequence[int], Sequence[bytes]]] = OrderedDict()
        self._lock = threading.Lock()  # a snapshot may serve several threads

    def get(self, key: tuple) -> tuple[Sequence[int], Sequence[bytes]] | None:
        with self._lock:
            found = self._blocks.get(key)
            if found is not None:
                self._blocks.move_to_end(key)
            return found

    def put(self, key: tuple, block: tuple[Sequence[int], Sequence[bytes]]) -> None:
        with self._lock:
            self._blocks[key] = block
            if len(self._blocks) > self.size:
                self._blocks.popitem(last=False)


def block_positions(postings, docnums: list[int], blocks: Blocks, segment: str):
    """(docnum, positions) of those of ``docnums`` (ascending, within the segment named
    ``segment``) the postings hold. Reads W3's posting blocks directly: a block whose last
    document comes before the next one wanted is passed over unread, and only the wanted
    postings' positions are decoded (going through Whoosh's matcher, each skip and each value
    is several calls); a block read before comes from ``blocks``. A segment with deletions wraps
    its postings in a filter: the documents asked for are live ones anyway."""
    while not hasattr(postings, "_maxid"):
        postings = postings.child
    i = 0
    while not postings._atend and i < len(docnums):
        if postings._maxid < docnums[i]:
            postings._next_block()
            continue
        key = (segment, postings._dataoffset)
        block = blocks.get(key)
        if block is None:
            block = _decoded(postings)
            blocks.put(key, block)
        ids, values = block
        found, at = [], []
        while i < len(docnums) and docnums[i] <= postings._maxid:
            j = bisect_left(ids, docnums[i])
            if j < len(ids) and ids[j] == docnums[i]:
                found.append(docnums[i])
                at.append(j)
            i += 1
        if found:
            yield from zip(found, _positions(values, at))
        postings._next_block()


def _decoded(postings) -> tuple[Sequence[int], Sequence[bytes]]:
    """The document numbers and values of the current block. Whoosh's ``_read_ids`` undoes
    the delta coding with a generator in Python, one call per posting; ``accumulate`` does it
    in C."""
    postings._read_data()
    ids = postings._data[0]
    postings._read_values()
    return ids if postings._byteids else tuple(accumulate(ids)), postings._values


def _positions(values: list[bytes], at: list[int]) -> list[list[int]]:
    """The positions of the Positions-format posting values ``values[j]`` for j in ``at``. Each
    value is its length, then a pickled list of the gaps between positions: without their STOPs
    and joined between a MARK and a LIST, the pickles unpickle in one call for the whole block
    as the list of those lists (Whoosh's ``decode_positions`` unpickles each on its own)."""
    gaps = formats.loads(b"(" + b"".join([values[j][_INT_SIZE:].rstrip(b".") for j in at]) + b"l.")
    if not isinstance(gaps, list) or len(gaps) != len(at) or not all(isinstance(g, list) for g in gaps):
        raise pickle.UnpicklingError("a posting block's positions do not read as positions")
    return [list(accumulate(g)) for g in gaps]


class Snapshot:
    """A reader on one commit (see the module docstring); close it to let its files go."""

    def __init__(self, searcher: Searcher, folder: Path, index_config: IndexConfig, signature: str):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.generation = self.reader.generation()
        leaves = []
        for leaf, offset in self.reader.leaf_readers():
            if leaf.doc_count_all():
                arrays = segment_arrays(folder, leaf, index_config, signature)
                leaves.append(Leaf(arrays, offset, frozenset(leaf.segment().deleted_docs())))
        self.collection = Collection(leaves, self.reader.doc_count_all())
        self._leaves = [(leaf, offset) for leaf, offset in self.reader.leaf_readers() if leaf.doc_count_all()]
        self._vocabulary: dict[tuple[str, str], list[str]] = {}
        self._blocks = Blocks(CACHED_BLOCKS)

    def close(self) -> None:
        for leaf in self.collection.leaves:
            leaf.arrays.close()
        self.searcher.close()

    def positions(self, field: str, family: str, term: str, docnums: np.ndarray) -> dict[int, list[int]]:
        name = POSITION_FIELDS[field, family]
        found: dict[int, list[int]] = {}
        wanted = docnums.tolist()
        for leaf, offset in self._leaves:
            end = offset + leaf.doc_count_all()
            local = [docnum - offset for docnum in wanted if offset <= docnum < end]
            if not local:
                continue
            try:  # one look-up in the term table, not a test and then another
                postings = leaf.postings(name, term)
            except TermNotFound:
                continue
            for docnum, positions in block_positions(postings, local, self._blocks, leaf.segment().segment_id()):
                found[docnum + offset] = positions
        return found

    def stored(self, docnum: int) -> dict:
        return self.reader.stored_fields(docnum)

    def row(self, docnum: int) -> dict:
        leaf = self.collection.leaves[bisect_right(self._offsets, docnum) - 1]
        return fields_of_row(leaf.arrays.row(docnum - leaf.offset))

    @cached_property
    def _offsets(self) -> list[int]:
        return [leaf.offset for leaf in self.collection.leaves]

    @cached_property
    def _ids(self) -> ColumnReader:
        return self._column("id")

    def ids(self, docnums: Sequence[int]) -> list[str]:
        column = self._ids
        return [column[docnum] for docnum in docnums]

    def docnum(self, article_id: str) -> int | None:
        return self.searcher.document_number(id=article_id)

    def signatures(self, docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gathered from each segment's ranking arrays (the Whoosh column holds the same values,
        but reading it is a Python call per document)."""
        docnums = np.asarray(docnums, dtype=np.int64)
        # Every row is filled: np.empty, as np.zeros of a large array maps fresh zeroed pages.
        values = np.empty((len(docnums), NUM_PERM), dtype=np.uint32)
        present = np.empty(len(docnums), dtype=bool)
        leaves = self.collection.leaves
        owner = np.searchsorted(self._offsets, docnums, side="right") - 1
        for number in np.unique(owner).tolist():
            leaf = leaves[number]
            rows = np.flatnonzero(owner == number)
            local = docnums[rows] - leaf.offset
            values[rows] = leaf.arrays.minhash[local]
            present[rows] = leaf.arrays.has_minhash[local].astype(bool)
        return values, present

    @cached_property
    def _runs(self) -> np.ndarray:
        leaves = [leaf.column_reader("run") for leaf, _ in self.reader.leaf_readers() if leaf.doc_count_all()]
        parts = [np.asarray(leaf.load() if hasattr(leaf, "load") else list(leaf), dtype=np.int64) for leaf in leaves]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def runs(self) -> np.ndarray:
        return self._runs

    def _column(self, name: str) -> ColumnReader:
        """The column ``name`` over every segment, by document number. Whoosh's own
        multi-segment column reader leaves out segments that lack the column and then looks
        documents up in the wrong segment; here a segment without it reads as its default."""
        leaves = [(leaf, offset) for leaf, offset in self.reader.leaf_readers() if leaf.doc_count_all()]
        return MultiColumnReader([leaf.column_reader(name) for leaf, _ in leaves], [offset for _, offset in leaves])

    def spellings(self, field: str, family: str, term: str, distance: int) -> list[str]:
        """The field's most frequent words (up to ``SPELLING_CANDIDATES``) within ``distance``
        Damerau-Levenshtein edits of ``term`` that start with its letter: what Whoosh's
        corrector gives, found without computing the distance to most words."""
        name = POSITION_FIELDS[field, family]
        if name not in self.reader.indexed_field_names():
            return []
        letters = set(term)
        near = [word for word in self._words_starting(name, term[:1])
                if abs(len(word) - len(term)) <= distance
                # An edit changes at most two members of a word's set of letters: a cheap bound.
                and len(letters.symmetric_difference(word)) <= 2 * distance
                and edit_distance(word, term, limit=distance) <= distance]
        frequency = self.reader.frequency
        return nlargest(SPELLING_CANDIDATES, near, key=lambda word: (frequency(name, word) or 1, word))

    def _words_starting(self, name: str, prefix: str) -> list[str]:
        """The field's vocabulary under ``prefix``, read once per commit (merging the segments'
        term lists is most of the cost of a lookup)."""
        key = (name, prefix)
        if key not in self._vocabulary:
            field_type = self.reader.schema[name]
            self._vocabulary[key] = [field_type.from_bytes(raw) for raw in self.reader.expand_prefix(name, prefix)]
        return self._vocabulary[key]
