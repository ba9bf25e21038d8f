"""A Whoosh index on disk: open or create it, write articles to it, open searchers on it.

A ``WhooshStore`` is one generation of a searcher index (searcher.generations); it knows
nothing of generations, locks or manifests. Its writers skip Whoosh's own write lock: the
index's writer lock (searcher.locking) already serialises writers, and Whoosh keeps its lock
held when a writer fails to start (a full disk), which would block the process's next writer.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from whoosh import index as windex
from whoosh import query as wq
from whoosh.index import EmptyIndexError, IndexError as WhooshIndexError
from whoosh.searching import Searcher

from searcher import hooks
from searcher.backend.whoosh import parsing, searching, similar, snippets, suggest
from searcher.backend.whoosh.codec import SearcherCodec
from searcher.backend.whoosh.collecting import Collector, collecting_by_hand
from searcher.backend.whoosh.derived import derived_fields
from searcher.backend.whoosh.schema import GENERIC_FIELDS, TEXT_FIELDS, TEXT_LANGUAGES, build_schema, weighting
from searcher.model import Article, Span
from searcher.errors import IndexDamaged, IndexNotFound

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

    def __init__(self, ix: windex.Index):
        self._ix = ix
        self._parser = parsing.make_parser(ix.schema)
        self._searcher: Searcher | None = None  # kept open between searches (see _ranking)
        self._searching = threading.Lock()

    @classmethod
    def create(cls, directory: Path) -> "WhooshStore":
        """Makes a new, empty index in ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        return cls(windex.create_in(str(directory), build_schema(), indexname=INDEX_NAME))

    @classmethod
    def open(cls, directory: Path) -> "WhooshStore":
        """Opens the index in ``directory``. A commit of another process may delete the table of
        contents being read (Whoosh's clean-up); that is retried, as Whoosh's ``reader()`` does."""
        for attempt in itertools.count(1):
            try:
                return cls(windex.open_dir(str(directory), indexname=INDEX_NAME))
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
        with self._searching:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
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

    def articles(self) -> Iterator[Article]:
        """Every live article, rebuilt from the stored fields."""
        with self._ix.searcher() as searcher:
            for _, stored in searcher.reader().iter_docs():
                yield _article_of(stored)

    @contextmanager
    def writer(self, procs: int = 1) -> Iterator["StoreWriter"]:
        """Yields a StoreWriter; commits on success, cancels on error so the last committed
        index stays as it was. With ``procs`` > 1, articles are analysed in that many worker
        processes (each writes its own segment; only this process commits)."""
        if procs > 1:
            from searcher.backend.whoosh.parallel import ParallelWriter  # multiprocessing: not for searches

            writer = ParallelWriter(self._ix, procs, **SEGMENT_OPTIONS)
        else:
            from searcher.backend.whoosh.postings import with_batched_runs  # for writers only

            writer = with_batched_runs(self._ix.writer(_lk=False, **SEGMENT_OPTIONS))
        with collecting_by_hand() as collector:
            try:
                yield StoreWriter(writer, collector)
            except BaseException:
                writer.cancel()
                raise
            _commit(writer)

    def optimize(self) -> None:
        """Merges all segments into one."""
        _commit(self._ix.writer(_lk=False, **SEGMENT_OPTIONS), optimize=True)

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
            unique = len(self.content_hashes())
            if unique != searcher.doc_count():
                problems.append(f"{searcher.doc_count()} documents but {unique} distinct ids")
        return len(readers), problems

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
        with self._ranking() as searcher:
            stored = searcher.document(id=article_id)
        return _article_of(stored) if stored is not None else None

    def highlight(self, article: Article, text: str) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
        """Where the words of the query ``text`` match in ``article``: spans of its title and of
        ``article.text``, found as snippets find them."""
        query = parsing.parse(self._parser, text).query
        family = TEXT_FIELDS if article.lang in TEXT_LANGUAGES else GENERIC_FIELDS
        schema = self._ix.schema
        return (snippets.spans(schema, query, (family["title"], family["combined"]), article.title),
                snippets.spans(schema, query, (family["body"], family["combined"]), article.text))

    def search(self, text: str, request: searching.Request, facets: bool = False, suggest: bool = False,
               literal: bool = False) -> searching.Answer:
        """The page of hits ``request`` asks for; with ``suggest``, a corrected query when this
        one finds fewer than ``searching.FEW_HITS`` articles and the correction finds more."""
        parsed = parsing.parse(self._parser, text, literal)
        if parsed.stop_words is not None and searching.STOP_WORDS_IN_HEAD:
            tiers = [searching.Tier(parsed.content, parsed.stop_words)]
        elif parsed.required is not None:
            tiers = [searching.Tier(parsed.required), searching.Tier(wq.AndNot(parsed.query, parsed.required))]
        else:
            tiers = [searching.Tier(parsed.query)]
        with self._ranking() as searcher:
            answer = searching.answer(searcher, parsed.query, tiers, request, facets)
            if suggest and answer.total < searching.FEW_HITS:
                answer = replace(answer, suggestion=self._better_query(searcher, text, request, answer.total))
        return answer

    def similar(self, article_id: str, request: searching.Request, facets: bool = False) -> searching.Answer:
        """The articles most like the article ``article_id``, as ``search`` pages them."""
        with self._ranking() as searcher:
            query = similar.like_query(searcher, article_id)
            return searching.answer(searcher, query, [searching.Tier(query)], request, facets)

    @contextmanager
    def _ranking(self) -> Iterator[Searcher]:
        """The ranking searcher on the latest commit, one search at a time. It is kept open between
        searches, so its readers' caches (term infos, field lengths) stay warm, and replaced by a
        new one when a commit (of any process) has made it stale: a Whoosh directory listing per
        search. Whoosh's own ``Searcher.refresh`` is not used: it reuses segment readers by segment
        id, so it would keep a segment's old deletions and the segments a merge removed."""
        with self._searching:
            searcher = self._searcher
            if searcher is not None and searcher.reader().generation() != self._ix.latest_generation():
                searcher.close()
                searcher = None
            if searcher is None:
                searcher = self._searcher = self._ix.searcher(weighting=weighting())
            yield searcher

    def _better_query(self, searcher, text: str, request: searching.Request, total: int) -> str | None:
        corrected = suggest.corrected_query(searcher, text)
        if corrected is None:
            return None
        query = parsing.parse(self._parser, corrected).query
        found = len(searcher.search(query, limit=None, filter=searching.restriction(searcher, request.filters), scored=False))
        return corrected if found > total else None


class StoreWriter:
    """Adds, replaces and deletes articles; nothing is visible before the commit."""

    def __init__(self, writer, collector: Collector):
        self._writer = writer
        self._collector = collector

    @property
    def analysing(self) -> bool:
        """Whether analysis has begun: always in one process; once a worker runs in several."""
        return not hasattr(self._writer, "tasks") or bool(self._writer.tasks)

    def add(self, article: Article) -> None:
        """Adds an article whose id is not in the index."""
        self._writer.add_document(**_fields_of(article))
        self._collector.add()

    def replace(self, article: Article) -> None:
        """Adds an article, deleting any article with its id."""
        self._writer.update_document(**_fields_of(article))
        self._collector.add()

    def delete(self, ids: Iterable[str]) -> None:
        for article_id in ids:
            self._writer.delete_by_term("id", article_id)


def _commit(writer, **options) -> None:
    """Commits, releasing Whoosh's own lock even when the commit fails (disk full...)."""
    if hooks.armed("commit"):
        commit_toc = writer._commit_toc
        writer._commit_toc = lambda segments: (hooks.pause("commit"), commit_toc(segments))
    try:
        writer.commit(**options)
    except BaseException:
        with contextlib.suppress(Exception):
            writer.cancel()
        raise


def _article_of(stored: dict) -> Article:
    """An article from its stored fields."""
    return Article(
        id=stored["id"], title=stored.get("stored_title", ""), body=stored.get("stored_body", ""),
        lang=stored["lang"], date=stored.get("date"), path=stored.get("path", ""),
        source=stored.get("source"), url=stored.get("url"), content_hash=stored["content_hash"],
        derived_title=stored.get("derived_title", False), page=stored.get("stored_page"),
    )


def _fields_of(article: Article) -> dict:
    """The index fields of an article."""
    family = TEXT_FIELDS if article.lang in TEXT_LANGUAGES else GENERIC_FIELDS
    fields = {
        "id": article.id,
        "lang": article.lang,
        "path": article.path,
        "content_hash": article.content_hash,
        "stored_title": article.title,
        "stored_body": article.body,
        "derived_title": article.derived_title,
        family["body"]: article.body,
    }
    if not article.derived_title:
        fields[family["title"]] = article.title
    optional = {"date": article.date, "source": article.source, "url": article.url, "stored_page": article.page}
    fields.update({name: value for name, value in optional.items() if value})
    fields.update(derived_fields(article, family["combined"]))
    return fields


def directory_size(directory: Path) -> int:
    """Bytes used by the files of an index directory, its generations included."""
    return sum(
        directory_size(Path(entry.path)) if entry.is_dir(follow_symlinks=False) else entry.stat().st_size
        for entry in os.scandir(directory)
    )


__all__ = ["WhooshStore", "directory_size"]
