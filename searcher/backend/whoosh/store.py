"""A Whoosh index on disk: open or create it, write articles to it, read one commit of it.

A ``WhooshStore`` is one generation of a searcher index (searcher.folder); it knows nothing of
generations, locks or manifests. Its writers skip Whoosh's own write lock: the index's writer
lock (searcher.locking) already serialises writers, and Whoosh keeps its lock held when a
writer fails to start (a full disk), which would block the process's next writer.
"""
from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as windex
from whoosh import query as wq
from whoosh.codec.whoosh3 import STORED_COLUMN
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError

from searcher.backend.whoosh import check
from searcher.backend.whoosh.codec import SearcherCodec
from searcher.backend.whoosh.collecting import Collector, collecting_by_hand
from searcher.backend.whoosh.schema import build_schema
from searcher.backend.whoosh.snapshot import Snapshot
from searcher.backend.whoosh.stored import article_of, provenance_of
from searcher.backend.whoosh.writer import ArticleWriter
from searcher.config import IndexConfig
from searcher.errors import IndexDamaged, IndexNotFound, SearcherError
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
# A segment's files (``articles_<id>.trm``, ``.articles_<id>.rank.<random>.tmp``...), a table of
# contents being written (``_articles_<generation>.toc.<time>``), Whoosh's temporary folder.
SEGMENT_FILE = re.compile(rf"\.?({INDEX_NAME}_[0-9a-z]+)\.")
TEMPORARY_TOC = re.compile(rf"_{INDEX_NAME}_[0-9]+\.toc\.")
TEMPORARY_FOLDER = f"{INDEX_NAME}.tmp"
REPAIR = "`searcher verify` lists the damage; `searcher rebuild` re-reads the articles from their sources"
# Errors of the system, not of the index's files: never a reason to look for damage.
NOT_DAMAGE = {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EMFILE, errno.ENFILE}


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
            except Exception as error:  # the table of contents, damaged or hostile
                raise cls._damaged_toc(directory, error) from error

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
        with self._diagnosed(), self._ix.searcher() as searcher:
            reader = searcher.reader()
            if reader.doc_count() == 0:
                return {}
            ids = reader.column_reader("id")
            hashes = reader.column_reader("content_hash")
            return {ids[n]: hashes[n] for n in reader.all_doc_ids()}

    def ids_by_source(self, keep: Callable[[str], bool]) -> dict[str, list[str]]:
        """source path -> ids of the live articles read from it, for the paths ``keep`` accepts."""
        with self._diagnosed(), self._ix.searcher() as searcher:
            if searcher.doc_count() == 0:
                return {}
            ids = searcher.reader().column_reader("id")
            paths = (term.decode() if isinstance(term, bytes) else term for term in searcher.lexicon("path"))
            found = {path: [ids[n] for n in searcher.docs_for_query(wq.Term("path", path))] for path in paths if keep(path)}
        return {path: found_ids for path, found_ids in found.items() if found_ids}

    def articles(self) -> Iterator[tuple[Article, Provenance]]:
        """Every live article, rebuilt from the stored fields, and how it was written."""
        with self._diagnosed(), self._ix.searcher() as searcher:
            for _, stored in searcher.reader().iter_docs():
                yield article_of(stored), provenance_of(stored)

    def provenances(self) -> dict[str, Provenance]:
        """id -> how each live article was written (its run, the options it was read with)."""
        with self._diagnosed(), self._ix.searcher() as searcher:
            return {stored["id"]: provenance_of(stored) for _, stored in searcher.reader().iter_docs()}

    def last_run(self) -> int:
        """The highest run number any article of this index was written by (0: none). Deleted
        articles count too: their run numbers were used."""
        with self._diagnosed(), self._ix.searcher() as searcher:
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
        with self._diagnosed(), self._removing_partial_files():
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
                    _cancel(writer)
                    raise
                _commit(writer)

    def optimize(self) -> None:
        """Merges all segments into one."""
        with self._diagnosed(), self._removing_partial_files():
            _commit(self._writer(), optimize=True)

    @contextmanager
    def _removing_partial_files(self) -> Iterator[None]:
        """Runs a write (the caller holds the index's writer lock), first removing what writes
        killed before their commit left, and on failure (a full disk...) what this one wrote."""
        self.remove_partial_files()
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):
                self.remove_partial_files()
            raise

    def remove_partial_files(self) -> None:
        """Removes the files of writes that did not commit (the caller holds the writer lock):
        the files of segments the latest table of contents does not name, ranking arrays and
        their temporary files included, temporary tables of contents, and Whoosh's temporary
        folder (posting runs, queued articles). Files of committed segments stay, so a reader
        writing a missing ``.rank`` meanwhile is not disturbed."""
        current = {segment.segment_id() for segment in self._segments()}
        for entry in os.scandir(self.directory):
            segment = SEGMENT_FILE.match(entry.name)
            if entry.is_dir(follow_symlinks=False):
                if entry.name == TEMPORARY_FOLDER:
                    shutil.rmtree(entry.path, ignore_errors=True)
            elif (segment and segment.group(1) not in current) or TEMPORARY_TOC.match(entry.name):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)

    def _writer(self) -> ArticleWriter:
        return ArticleWriter(self._ix, self.index_config, self.signature, _lk=False, **SEGMENT_OPTIONS)

    def check(self) -> tuple[int, list[str]]:
        """Reads every file of every segment through (searcher.backend.whoosh.check) and counts
        the documents and ids; returns the number of segments and the problems found, one line
        each, naming the damaged file."""
        segments = self._segments()
        problems = [f"{self.directory / problem}" for problem in
                    check.problems(self._ix.storage, self._ix.schema, segments, self.directory, self.signature)]
        if problems:
            return len(segments), problems
        with self._diagnosed(), self._ix.searcher() as searcher:
            for reader, _ in searcher.reader().leaf_readers():
                live = sum(1 for _ in reader.iter_docs())
                if live != reader.doc_count():
                    problems.append(f"segment {reader.segment().segment_id()} counts {reader.doc_count()} documents, "
                                    f"reads {live}")
            unique = len(self.content_hashes())
            if unique != searcher.doc_count():
                problems.append(f"{searcher.doc_count()} documents but {unique} distinct ids")
        return len(segments), problems

    def damaged(self) -> bool:
        """Whether a segment file cannot be read through (the ranking arrays, rebuilt when
        read, left out)."""
        return bool(check.problems(self._ix.storage, self._ix.schema, self._segments(), self.directory,
                                   self.signature, first=True, arrays=False))

    def salvage(self) -> Iterator[tuple[Article, Provenance] | Lost]:
        """Every live article of a damaged generation whose stored fields still read, with how
        it was written, and a Lost for each one whose stored fields do not (with its id when the
        id column reads).
        Only the table of contents and the column files are read, not the terms."""
        schema, storage = self._ix.schema, self._ix.storage
        for segment in self._segments():
            try:
                perdoc = segment.codec().per_document_reader(check.segment_storage(storage, segment), segment)
            except Exception:
                yield from (Lost(None, segment.segment_id(), docnum) for docnum in range(segment.doc_count_all())
                            if not segment.is_deleted(docnum))
                continue
            try:
                stored = _column_or_none(perdoc, "_stored", STORED_COLUMN)
                id_field = schema["id"]
                ids = _column_or_none(perdoc, "id", id_field.column_type)
                for docnum in range(segment.doc_count_all()):
                    if segment.is_deleted(docnum):
                        continue
                    try:
                        fields = stored[docnum]
                        found = article_of(fields), provenance_of(fields)
                    except Exception:
                        article_id = _value_or_none(ids, docnum)
                        if article_id is not None:
                            article_id = id_field.from_column_value(article_id)
                        yield Lost(article_id, segment.segment_id(), docnum)
                    else:
                        yield found
            finally:
                perdoc.close()

    def _segments(self) -> list:
        """The segments of the latest commit, from its table of contents."""
        try:
            return self._ix._segments()
        except Exception as error:
            raise self._damaged_toc(self.directory, error) from error

    @contextmanager
    def _diagnosed(self) -> Iterator[None]:
        """Tells damage from bugs: an error met while reading the index (of any type: Whoosh's
        decoders raise what they meet) is IndexDamaged naming the damaged file when a check of
        the files finds one; else it is re-raised as it is."""
        try:
            yield
        except (SearcherError, MemoryError):
            raise
        except Exception as error:
            if isinstance(error, OSError) and error.errno in NOT_DAMAGE:
                raise
            # The ranking arrays are left out: damaged ones are rebuilt when read, never an error.
            damaged = check.problems(self._ix.storage, self._ix.schema, self._segments(), self.directory,
                                     self.signature, first=True, arrays=False)
            if not damaged:
                raise
            raise IndexDamaged(f"the index is damaged: {self.directory / damaged[0]}. {REPAIR}") from error

    @staticmethod
    def _damaged_toc(directory: Path, error: Exception) -> IndexDamaged:
        """The error for a table of contents that cannot be read (damaged, or hostile: a pickle
        the restricted unpickler refuses, searcher.backend.whoosh.unpickling)."""
        latest = windex.TOC._latest_generation(FileStorage(str(directory)), INDEX_NAME)
        toc = directory / windex.TOC._filename(INDEX_NAME, latest)
        return IndexDamaged(f"the index is damaged: {toc} cannot be read ({check.describe(error)}). {REPAIR}")

    # Reading

    def document_count(self) -> int:
        """Live documents, as the table of contents counts them (no segment file is read)."""
        return sum(segment.doc_count() for segment in self._segments())

    def language_counts(self) -> dict[str, int]:
        """Live articles per language (languages whose articles were all removed are left out)."""
        with self._diagnosed(), self._ix.searcher() as searcher:
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
        with self._reading, self._diagnosed():
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


@dataclass(frozen=True)
class Lost:
    """An article of a damaged segment whose stored fields cannot be read."""

    article_id: str | None  # None when its id cannot be read either
    segment: str
    docnum: int

    def __str__(self) -> str:
        return self.article_id if self.article_id is not None else f"document {self.docnum} of segment {self.segment}"


def _column_or_none(perdoc, name: str, column):
    """A segment's column reader, or None when its file cannot be opened."""
    try:
        return perdoc.column_reader(name, column)
    except Exception:
        return None


def _value_or_none(reader, docnum: int):
    try:
        return reader[docnum] if reader is not None else None
    except Exception:
        return None


def _commit(writer, **options) -> None:
    """Commits, releasing Whoosh's own lock even when the commit fails (disk full...)."""
    try:
        writer.commit(**options)
    except BaseException:
        _cancel(writer)
        raise


def _cancel(writer) -> None:
    """Cancels a failed writer, and closes the files it still holds open: Whoosh's cancel
    first writes the segment's buffered columns, which fails again on a full disk and leaves
    the files open, their space taken until the process ends (a server never does)."""
    with contextlib.suppress(Exception):
        writer.cancel()
    fieldwriter = getattr(writer, "fieldwriter", None)
    perdocwriter = getattr(writer, "perdocwriter", None)
    files = [getattr(getattr(fieldwriter, "_tindex", None), "dbfile", None), getattr(fieldwriter, "_postfile", None),
             getattr(getattr(perdocwriter, "_cols", None), "_temp", None), getattr(perdocwriter, "_vpostfile", None)]
    for file in files:
        if file is not None:
            with contextlib.suppress(Exception):
                file.close()


def directory_size(directory: Path) -> int:
    """Bytes used by the files of an index directory, its generations included."""
    return sum(
        directory_size(Path(entry.path)) if entry.is_dir(follow_symlinks=False) else entry.stat().st_size
        for entry in os.scandir(directory)
    )


__all__ = ["Lost", "WhooshStore", "directory_size"]
