"""The index writer's posting pool: Whoosh's, with its temporary runs written in batches.

A writer collects its postings in memory and, once they pass its limit (``limitmb``), sorts and
writes them to a temporary run file; the runs are merged when the segment is written. Whoosh
writes and reads a run one posting at a time, a pickle call each, which cost about a fifth of
indexing time on large runs. Here a run is a series of marshalled lists of postings, each
after its length, and adding a posting skips the type checks of what the writer itself made.
"""
from __future__ import annotations

import itertools
import marshal
import struct
from collections.abc import Iterable, Iterator

from whoosh.writing import PostingPool, SegmentWriter

RUN_BATCH = 20_000  # postings per marshalled list
# Each list is preceded by its length, so it is read whole and unmarshalled from bytes:
# marshal.load reads a file a few bytes at a time, 15 times slower.
BATCH_LENGTH = struct.Struct("<Q")
# Whoosh's estimate of a posting's memory beyond its term and value bytes (PostingPool.add).
POSTING_BYTES = 28 + 4 * 5 + 21 + 26 + 18 + 16 + 21


class BatchedPostingPool(PostingPool):
    """A PostingPool whose runs are marshalled lists of postings (``RUN_BATCH`` at a time)."""

    def add(self, item: tuple) -> None:
        """Adds (fieldname, term bytes, docnum, weight, value bytes or None), counting its
        memory as Whoosh does."""
        self.fieldnames.add(item[0])
        self.currentsize += POSTING_BYTES + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)

    def _write_run(self, f, items: Iterable[tuple]) -> None:
        items = iter(items)
        while batch := list(itertools.islice(items, RUN_BATCH)):
            data = marshal.dumps(batch)
            f.write(BATCH_LENGTH.pack(len(data)))
            f.write(data)
        f.close()

    def _read_run(self, path: str) -> Iterator[tuple]:
        f = self._open_run(path)
        try:
            while header := f.read(BATCH_LENGTH.size):
                (length,) = BATCH_LENGTH.unpack(header)
                yield from marshal.loads(f.read(length))
        finally:
            f.close()
            self._remove_run(path)


def with_batched_runs(writer: SegmentWriter) -> SegmentWriter:
    """``writer`` with its posting pool, still empty, replaced by a BatchedPostingPool of the
    same limit (Whoosh's writers take no pool class)."""
    pool = writer.pool
    if not isinstance(pool, BatchedPostingPool):
        writer.pool = BatchedPostingPool(pool.tempstore, pool.segment, limitmb=pool.limit / (1024 * 1024))
    return writer

