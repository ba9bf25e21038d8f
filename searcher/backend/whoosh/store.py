"""A Whoosh index on disk: open or create it, write articles to it, read one commit of it.

A ``WhooshStore`` is one generation of a searcher index (searcher.folder); it knows nothing of
generations, locks or manifests. Its writers skip Whoosh's own write lock: the index's writer
lock (searcher.locking) already serialises writers, and Whoosh keeps its lock held when a
writer fails to start (a full disk), which would block the process's next writer.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as windex
from whoosh import query as wq
from whoosh.index import EmptyIndexError, IndexError as WhooshIndexError

from searcher.backend.whoosh.codec import SearcherCodec
from searcher.backend.whoosh.collecting import Collector, collecting_by_hand
from searcher.backend.whoosh.columnar import ColumnarError, ColumnarSegment
from searcher.backend.whoosh.schema import build_schema
from searcher.backend.whoosh.snapshot import Snapshot
from searcher.backend.whoosh.stored import article_of, provenance_of
from searcher.backend.whoosh.writer import ArticleWriter, arrays_path
from searcher.config import IndexConfig
from searcher.errors import IndexDamaged, IndexNotFound
from searcher.model import Article, Provenance

INDEX_NAME = "articles"
# Segments are written as separate files, not as one compound file: Whoosh opens a compound file
# by copying each of its parts into memory (a BytesIO over the mmap), for every reader, so a
# writer (the id hashes, merges, the history's count) and every search held a copy of the whole
# index. Separate files are read through the page cache. Compound segments of older indexes are
# still read (and copied) until a merge or `optimize` rewrites them. The codec keeps field lengths
# in memory (searcher.backend.whoosh.codec).
SEGMENT_OPTIONS = {"compound": False, "codec": SearcherCodec()}
OPEN_ATTEMPTS = 10
OPEN_RETRY_SECONDS = 0.02


class WhooshStore:
    """One Whoosh index directory."""

    def __init__(self, ix: windex.Index, directory: Path, index_config: IndexConfig, signature: str):
        self._ix = ix
        self.directory = directory
        self.index_config = index_config
        self.signature = signature  # what the ranking arrays of this index are written with
        self._snapshot: Snapshot | None = None  # kept open between searches (see reading)
        self._reading = threading.Lock()

    @classmethod
    def create(cls, directory: Path) -> None:
        """Makes a new, empty index in ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        windex.create_in(str(directory), build_schema(), indexname=INDEX_NAME).close()

    @classmethod
    def open(cls, directory: Path, index_config: IndexConfig, signature: str) -> "WhooshStore":
        """Opens the index in ``directory``. A commit of another process may delete the table of
        contents being read (Whoosh's clean-up); that is retried, as Whoosh's ``reader()`` does."""
        for attempt in itertools.count(1):
            try:
                return cls(windex.open_dir(str(directory), indexname=INDEX_NAME), directory, index_config, signature)
            except EmptyIndexError as error:
                raise IndexNotFound(f"no index at {directory}") from error
            except FileNotFoundError as error:
                if not directory.is_dir():
                    raise IndexNotFound(f"no index at {directory}") from error
                if attempt == OPEN_ATTEMPTS:
                    raise IndexDamaged(f"the index at {directory} cannot be read ({error})") from error
                time.sleep(OPEN_RETRY_SECONDS)
            except (WhooshIndexError, OSError, EOFError, ValueError) as error:
                raise IndexDamaged(f"the index at {directory} cannot be read ({error})") from error

    @staticmethod
    def exists(directory: Path) -> bool:
        return windex.exists_in(str(directory), indexname=INDEX_NAME)

    def close(self) -> None:
        with self._reading:
            if self._snapshot is not None:
                self._snapshot.close()
                self._snapshot = None
        self._ix.close()

    # Writing

    def content_hashes(self) -> dict[str, str]:
        """id -> content hash of every live article."""
        with self._ix.searcher() as searcher:
            reader = searcher.reader()
            if reader.doc_count() == 0:
                return {}
            ids = reader.column_reader("id")
            hashes = reader.column_reader("content_hash")
            return {ids[n]: hashes[n] for n in reader.all_doc_ids()}

    def ids_by_source(self, keep: Callable[[str], bool]) -> dict[str, list[str]]:
        """source path -> ids of the live articles read from it, for the paths ``keep`` accepts."""
        with self._ix.searcher() as searcher:
            if searcher.doc_count() == 0:
                return {}
            ids = searcher.reader().column_reader("id")
            paths = (term.decode() if isinstance(term, bytes) else term for term in searcher.lexicon("path"))
            found = {path: [ids[n] for n in searcher.docs_for_query(wq.Term("path", path))] for path in paths if keep(path)}
        return {path: found_ids for path, found_ids in found.items() if found_ids}

    def articles(self) -> Iterator[tuple[Article, Provenance]]:
        """Every live article, rebuilt from the stored fields, and how it was written."""
        with self._ix.searcher() as searcher:
            for _, stored in searcher.reader().iter_docs():
                yield article_of(stored), provenance_of(stored)

    def provenances(self) -> dict[str, Provenance]:
        """id -> how each live article was written (its run, the options it was read with)."""
        with self._ix.searcher() as searcher:
            return {stored["id"]: provenance_of(stored) for _, stored in searcher.reader().iter_docs()}

    def last_run(self) -> int:
        """The highest run number any article of this index was written by (0: none). Deleted
        articles count too: their run numbers were used."""
        with self._ix.searcher() as searcher:
            reader = searcher.reader()
            field = reader.schema["run"] if "run" in reader.schema else None
            if field is None:
                return 0
            return max((field.from_bytes(term) for term in reader.lexicon("run")), default=0)

    @contextmanager
    def writer(self, procs: int = 1, before_commit: Callable[[], None] | None = None) -> Iterator["StoreWriter"]:
        """Yields a StoreWriter; commits on success, cancels on error so the last committed
        index stays as it was. With ``procs`` > 1, articles are analysed in that many worker
        processes (each writes its own segment; only this process commits). ``before_commit``
        is called once the new segments are written, just before the commit is made."""
        if procs > 1:
            from searcher.backend.whoosh.parallel import ParallelWriter  # multiprocessing: not for searches

            writer = ParallelWriter(self._ix, procs, self.index_config, self.signature, **SEGMENT_OPTIONS)
        else:
            writer = self._writer()
        writer.before_commit = before_commit
        with collecting_by_hand() as collector:
            try:
                yield StoreWriter(writer, collector)
            except BaseException:
                writer.cancel()
                raise
            _commit(writer)

    def optimize(self) -> None:
        """Merges all segments into one."""
        _commit(self._writer(), optimize=True)

    def _writer(self) -> ArticleWriter:
        return ArticleWriter(self._ix, self.index_config, self.signature, _lk=False, **SEGMENT_OPTIONS)

    def check(self) -> tuple[int, list[str]]:
        """Reads every segment through (postings of the id field, stored fields); returns the
        number of segments and the problems found."""
        problems = []
        with self._ix.searcher() as searcher:
            readers = [reader for reader, _ in searcher.reader().leaf_readers()]
            for reader in readers:
                try:
                    live = sum(1 for _ in reader.iter_docs())
                    ids = sum(1 for _ in reader.all_doc_ids())
                    if live != ids or live != reader.doc_count():
                        problems.append(f"segment {reader.segment().segment_id()} counts {reader.doc_count()} documents, reads {live}")
                except (OSError, EOFError, ValueError, KeyError) as error:
                    problems.append(f"a segment cannot be read ({error})")
                problems += self._check_arrays(reader)
            unique = len(self.content_hashes())
            if unique != searcher.doc_count():
                problems.append(f"{searcher.doc_count()} documents but {unique} distinct ids")
        return len(readers), problems

    def _check_arrays(self, reader) -> list[str]:
        """The problems of a segment's ranking arrays (missing or stale ones are rebuilt when read)."""
        path = arrays_path(self.directory, reader.segment())
        try:
            arrays = ColumnarSegment.open(path, expect_segment=reader.segment().segment_id(), expect_signature=self.signature)
        except FileNotFoundError:
            return [f"the ranking arrays {path.name} are missing (they are rebuilt when the index is next read)"]
        except ColumnarError as error:
            return [f"the ranking arrays {path.name}: {error}"]
        try:
            return [f"the ranking arrays {path.name}: {problem}" for problem in arrays.verify()]
        finally:
            arrays.close()

    # Reading

    def document_count(self) -> int:
        return self._ix.doc_count()

    def language_counts(self) -> dict[str, int]:
        """Live articles per language (languages whose articles were all removed are left out)."""
        with self._ix.searcher() as searcher:
            counts = {
                lang.decode() if isinstance(lang, bytes) else lang: sum(1 for _ in searcher.docs_for_query(wq.Term("lang", lang)))
                for lang in sorted(searcher.lexicon("lang"))
            }
        return {lang: count for lang, count in counts.items() if count}

    def get(self, article_id: str) -> Article | None:
        """The article with this id, from its stored fields; None when there is none."""
        with self.reading() as snapshot:
            stored = snapshot.searcher.document(id=article_id)
        return article_of(stored) if stored is not None else None

    @contextmanager
    def reading(self) -> Iterator[Snapshot]:
        """The latest commit, one reader at a time. The snapshot is kept open between reads, so
        its arrays stay mapped and Whoosh's caches warm, and replaced when a commit (of any
        process) has made it stale: a Whoosh directory listing per read. Whoosh's own
        ``Searcher.refresh`` is not used: it reuses segment readers by segment id, so it would
        keep a segment's old deletions and the segments a merge removed."""
        with self._reading:
            snapshot = self._snapshot
            if snapshot is not None and snapshot.generation != self._ix.latest_generation():
                snapshot.close()
                snapshot = self._snapshot = None
            if snapshot is None:
                snapshot = self._snapshot = Snapshot(self._ix.searcher(), self.directory, self.index_config, self.signature)
            yield snapshot


class StoreWriter:
    """Adds, replaces and deletes articles; nothing is visible before the commit."""

    def __init__(self, writer, collector: Collector):
        self._writer = writer
        self._collector = collector

    @property
    def analysing(self) -> bool:
        """Whether analysis has begun: always in one process; once a worker runs in several."""
        return not hasattr(self._writer, "tasks") or bool(self._writer.tasks)

    def add(self, article: Article, provenance: Provenance) -> None:
        """Adds an article whose id is not in the index."""
        self._writer.add_article(article, provenance)
        self._collector.add()

    def replace(self, article: Article, provenance: Provenance) -> None:
        """Adds an article, deleting any article with its id."""
        self._writer.delete_by_term("id", article.id)
        self._writer.add_article(article, provenance)
        self._collector.add()

    def delete(self, ids: Iterable[str]) -> None:
        for article_id in ids:
            self._writer.delete_by_term("id", article_id)


def _commit(writer, **options) -> None:
    """Commits, releasing Whoosh's own lock even when the commit fails (disk full...)."""
    try:
        writer.commit(**options)
    except BaseException:
        with contextlib.suppress(Exception):
            writer.cancel()
        raise


def directory_size(directory: Path) -> int:
    """Bytes used by the files of an index directory, its generations included."""
    return sum(
        directory_size(Path(entry.path)) if entry.is_dir(follow_symlinks=False) else entry.stat().st_size
        for entry in os.scandir(directory)
    )


__all__ = ["WhooshStore", "directory_size"]
