"""One commit of a Whoosh index as the search engine reads it (searcher.search.engine.Source):
the ranking arrays of its segments as one collection (near-duplicate signatures and positions
included), and Whoosh for stored fields, ids and spelling candidates."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from functools import cached_property
from heapq import nlargest
from pathlib import Path

import numpy as np
from whoosh.columns import ColumnReader, MultiColumnReader
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.support.levenshtein import distance as edit_distance

from searcher.backend.whoosh.columnar import TF_MAX
from searcher.backend.whoosh.schema import POSITION_FIELDS
from searcher.backend.whoosh.writer import fields_of_row, segment_arrays
from searcher.config import IndexConfig
from searcher.dedup import NUM_PERM
from searcher.search.collection import Collection, Leaf

SPELLING_CANDIDATES = 5  # per field and edit distance


def _whoosh_places(reader, name: str, term: str, docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``ColumnarSegment.places`` read from a Whoosh segment's postings (every position)."""
    places, counts, positions = [], [], []
    try:
        matcher = reader.postings(name, term)
    except TermNotFound:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    for place, docnum in enumerate(docnums.tolist()):
        if not matcher.is_active():
            break
        matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            held = matcher.value_as("positions")
            places.append(place)
            counts.append(len(held))
            positions += held
    return np.array(places, np.int64), np.array(counts, np.int64), np.array(positions, np.int64)


class Snapshot:
    """A reader on one commit (see the module docstring); close it to let its files go."""

    def __init__(self, searcher: Searcher, folder: Path, index_config: IndexConfig, signature: str):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.generation = self.reader.generation()
        # The segments holding documents: Whoosh's reader of each and, in the same order, its arrays.
        self._leaves = [(leaf, offset) for leaf, offset in self.reader.leaf_readers() if leaf.doc_count_all()]
        leaves = [Leaf(segment_arrays(folder, leaf, index_config, signature), offset,
                       frozenset(leaf.segment().deleted_docs()))
                  for leaf, offset in self._leaves]
        self.collection = Collection(leaves, self.reader.doc_count_all())
        self._vocabulary: dict[tuple[str, str], list[str]] = {}

    def close(self) -> None:
        for leaf in self.collection.leaves:
            leaf.arrays.close()
        self.searcher.close()

    def places(self, field: str, family: str, term: str, docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Read from the ranking arrays; a posting with more positions than they keep
        (``TF_MAX``) is read from Whoosh's."""
        docnums = np.asarray(docnums, dtype=np.int64)
        parts = []
        for (reader, offset), leaf in zip(self._leaves, self.collection.leaves):
            first, last = np.searchsorted(docnums, [offset, offset + reader.doc_count_all()])
            if first == last:
                continue
            local = docnums[first:last] - offset
            places, counts, positions = leaf.arrays.places(family, field, term, local)
            if len(counts) and counts.max() >= TF_MAX:
                places, counts, positions = _whoosh_places(reader, POSITION_FIELDS[field, family], term, local)
            parts.append((places + first, counts, positions))
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
        return tuple(np.concatenate(column) for column in zip(*parts))

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
