"""The public library API: open or create an index, add drops or documents, search it.

>>> from searcher import open_index
>>> with open_index("indexes/demo", create=True) as index:      # doctest: +SKIP
...     index.add_paths(["seeds"])
...     page = index.search("رئیس جمهور", limit=5)

Every write (add_paths, add_documents, remove, rebuild, optimize) takes the index's writer
lock for its duration, waiting up to ``wait`` seconds (searcher.locking), re-opens the live
generation if another process switched it meanwhile, commits once, and then records itself in
the manifest's history. A run that dies between its commit and its record leaves a document
count the history does not explain: ``verify`` reports it, and the next write records it as
an ``unrecorded`` run. Reads follow the live generation: each one first checks whether the
manifest was replaced (a stat), and moves to the new generation if it was.
"""
from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from searcher import drops, generations, hooks
from searcher.backend.whoosh.schema import INDEX_VERSION
from searcher.backend.whoosh import WhooshStore
from searcher.backend.whoosh.store import directory_size
from searcher.model import Article, Note, Skipped
from searcher.filters import LANGUAGES, SORTS, Filters
from searcher.backend.whoosh.searching import Answer, Request
from searcher.drops.page import is_chrome
from searcher.errors import AnalyzerMismatch, IndexNotFound, SearcherError
from searcher.generations import Live
from searcher.index import copy_rebuilt, ingest, remove
from searcher.locking import acquire_writer
from searcher.manifest import Manifest, manifest_signature, read_manifest, utc_now, write_manifest
from searcher.model import (
    HistoryEntry, IndexReport, Line, Page, Reading, RebuildReport, RemoveReport, Span, Stats, VerifyReport,
)

DEFAULT_INDEX = Path("indexes") / "default"
INDEX_ENV = "SEARCHER_INDEX"
DEFAULT_WAIT = 5.0  # seconds a writer waits for another one to finish


def default_index_path() -> Path:
    """``$SEARCHER_INDEX`` if set, else ``indexes/default``."""
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


class Index:
    """An open search index. Use it as a context manager, or call ``close()``."""

    def __init__(self, path: Path, live: Live, wait: float = DEFAULT_WAIT, check_analysis: bool = True):
        self.path = path
        self._live = live
        self._signature = manifest_signature(path)
        self._wait = wait
        self._check_analysis = check_analysis

    # Writing

    def add_paths(self, paths: Iterable[str | os.PathLike], on_skip: Callable[[Skipped], None] | None = None,
                  sync: bool = False, procs: int | None = None,
                  on_progress: Callable[[IndexReport], None] | None = None,
                  options: drops.ReadOptions = drops.DEFAULT_OPTIONS,
                  on_note: Callable[[Note], None] | None = None) -> IndexReport:
        """Indexes the article files found in ``paths`` (files or folders, recursively). With
        ``sync``, also removes the articles whose source file under ``paths`` is gone.
        ``procs``: analysis processes (default: all cores for a run of at least
        ``searcher.index.PARALLEL_FROM`` new or changed articles, else one). ``on_progress``
        gets the run's report so far after each article read. ``options``: the drops' metadata
        (source, language, dates in names) and the reading limits (searcher.drops.ReadOptions);
        ``on_note`` gets what reading changed but kept (a text cut at the size limit)."""
        paths = [os.path.abspath(path) for path in paths]
        with self._writing() as store:
            report = ingest(store, drops.read_paths(paths, options, on_note), on_skip, sync=paths if sync else None,
                            procs=procs, on_progress=on_progress)
            self._record("index", paths, **report.to_dict())
        return report

    def add_documents(self, records: Iterable[Article | dict], on_skip: Callable[[Skipped], None] | None = None,
                      procs: int | None = None, on_progress: Callable[[IndexReport], None] | None = None,
                      options: drops.ReadOptions = drops.DEFAULT_OPTIONS,
                      on_note: Callable[[Note], None] | None = None) -> IndexReport:
        """Indexes articles given in memory (an iterable, read as a stream): Article objects, or
        dicts with ``id``, ``title``, ``text`` and optional ``lang``, ``date``, ``source``, ``url``,
        each checked as a record of a drop (a bad one is skipped as "record N: ...").
        ``procs``, ``on_progress``, ``options`` and ``on_note`` as for ``add_paths``."""
        with self._writing() as store:
            report = ingest(store, drops.read_records(records, options, on_note), on_skip, procs=procs,
                            on_progress=on_progress)
            self._record("index", ["<memory>"], **report.to_dict())
        return report

    def remove(self, ids: Iterable[str]) -> RemoveReport:
        """Removes the articles with these ids; reports the ids it did not find."""
        with self._writing() as store:
            report = remove(store, ids)
            if report.removed:
                self._record("remove", report.removed, removed=len(report.removed))
        return report

    def rebuild(self, on_skip: Callable[[Skipped], None] | None = None) -> RebuildReport:
        """Re-reads every article from its source into a new generation with the current
        analysis, then switches to it in one rename (searcher.generations). Articles whose
        source is gone are carried over from their stored fields (``missing_sources``)."""
        with self._writing() as store:
            with generations.building(self.path) as (name, folder):
                new = WhooshStore.open(folder)
                try:
                    report = copy_rebuilt(store, new, on_skip)
                    documents_count = new.document_count()
                finally:
                    new.close()
            hooks.pause("switch")
            manifest = self._manifest_now().switched(name, INDEX_VERSION)
            entry = HistoryEntry(utc_now(), "rebuild", added=report.reread + report.kept, skipped=len(report.skipped),
                                 documents=documents_count, generation=name)
            write_manifest(self.path, manifest.recorded(entry))
        report.generation = name
        return report

    def optimize(self) -> None:
        """Merges the live generation's segments into one."""
        with self._writing() as store:
            store.optimize()
            self._record("optimize", [])

    @contextmanager
    def _writing(self) -> Iterator[WhooshStore]:
        """Holds the writer lock, yields the live generation's store; I/O errors become one
        SearcherError saying the last committed state is intact."""
        try:
            lock = acquire_writer(self.path, self._wait)
        except OSError as error:
            raise SearcherError(_write_failure(self.path, error)) from error
        try:
            if lock.stale_pid:
                _warn(f"took over the writer lock of process {lock.stale_pid}, which ended without releasing it")
            live = self._fresh()
            if live.manifest.generation is None:
                generations.migrate_flat(self.path, live.manifest)
                live = self._fresh()
            generations.remove_unused(self.path, live.manifest.generation, writing=True)
            last = live.manifest.last_run()
            if last is not None and last.documents != live.store.document_count():
                self._record("unrecorded", [])  # a run committed, then died before recording itself
            yield live.store
        except OSError as error:
            raise SearcherError(_write_failure(self.path, error)) from error
        finally:
            lock.release()

    def _record(self, action: str, paths: Iterable[str], **counts: int) -> None:
        """Appends a run to the history in the manifest (the caller holds the writer lock)."""
        hooks.pause("record")
        live = self._fresh()
        entry = HistoryEntry(utc_now(), action, tuple(paths), documents=live.store.document_count(),
                             generation=live.manifest.generation, **counts)
        write_manifest(self.path, self._manifest_now().recorded(entry))

    def _manifest_now(self) -> Manifest:
        manifest = read_manifest(self.path)
        if manifest is None:
            raise IndexNotFound(f"the manifest of {self.path} has gone")
        return manifest

    def _fresh(self) -> Live:
        """The live generation: moves to a new one when the manifest names another."""
        signature = manifest_signature(self.path)
        if signature != self._signature:
            manifest = self._manifest_now()
            if manifest.generation != self._live.manifest.generation:
                old, self._live = self._live, generations.open_live(self.path)
                old.close()
                _remove_old_generations(self.path, self._live.manifest.generation)
            else:
                self._live.manifest = manifest
            self._signature = signature
            if self._check_analysis:
                _check_analysis(self.path, self._live.manifest)
        return self._live

    # Reading

    def search(self, query: str, limit: int = 10, page: int = 1, lang: str | Iterable[str] | None = None,
               snippets: bool = True, *, source: str | Iterable[str] | None = None,
               date_from: str | date | None = None, date_to: str | date | None = None,
               sort: str = "relevance", facets: bool = False, group: bool = False, suggest: bool = True,
               literal: bool = False) -> Page:
        """Ranked hits for ``query``: page ``page`` (from 1) of ``limit`` hits.

        Filters: ``lang`` ("fa", "nl" or "und"), ``source`` (the record's source, else the drop
        folder; any case), each one value or several (any of them), ``date_from``/``date_to``
        (inclusive; ISO or Jalali, e.g. "1403-06-31").
        ``sort="date"`` ranks newest first, undated last. ``facets`` counts every match by
        language, source and month. ``group`` folds near-duplicates into the best-ranked copy
        (``Hit.similar``). ``suggest``: a corrected query when this one finds few articles.
        ``snippets=False`` leaves the snippets empty, for callers that only need the ranking.
        ``literal=True`` reads the query as plain words (no phrases, operators or fields)."""
        request = _request(limit, page, lang, source, date_from, date_to, sort, group, snippets)
        answer = self._fresh().store.search(query, request, facets=facets, suggest=suggest, literal=literal)
        return _page(query, page, limit, sort, answer)

    def similar(self, article_id: str, limit: int = 10, page: int = 1, lang: str | Iterable[str] | None = None,
                snippets: bool = True, *, source: str | Iterable[str] | None = None,
                date_from: str | date | None = None, date_to: str | date | None = None,
                sort: str = "relevance", facets: bool = False, group: bool = False) -> Page:
        """The articles most like the article ``article_id`` (sharing its key terms), paged,
        filtered and grouped as ``search`` does."""
        request = _request(limit, page, lang, source, date_from, date_to, sort, group, snippets)
        answer = self._fresh().store.similar(article_id, request, facets=facets)
        return _page(f"similar:{article_id}", page, limit, sort, answer)

    def get(self, article_id: str) -> Article:
        """The stored article with this id: title, body, the page as read (``Article.page``),
        language, date, source, url, path. Raises SearcherError when the index has none."""
        article = self._fresh().store.get(article_id)
        if article is None:
            raise SearcherError(f"no article with id {article_id!r} in the index: `searcher search WORDS` shows "
                                f"each hit's id after its date and source (`--json`: \"id\")")
        return article

    def read(self, article_id: str, query: str | None = None) -> Reading:
        """The article ``article_id`` to read whole: its text (``Article.text``) line by line,
        with the page chrome lines marked; with ``query``, the spans of the words matching it
        in the title and in each line, as snippets mark them."""
        article = self.get(article_id)
        title_matches, text_matches = self._fresh().store.highlight(article, query) if query is not None else ((), ())
        return Reading(article, _lines(article, text_matches), query, title_matches)

    def stats(self) -> Stats:
        """Documents per language, size on disk, analysis version, last update, history."""
        live = self._fresh()
        return Stats(
            path=str(self.path),
            documents=live.store.document_count(),
            languages=live.store.language_counts(),
            size_bytes=directory_size(self.path),
            analysis_version=live.manifest.analysis_version,
            created=live.manifest.created,
            last_update=live.manifest.last_update,
            generation=live.manifest.generation,
            history=live.manifest.history,
        )

    def verify(self) -> VerifyReport:
        """Checks the live generation: every segment readable, ids unique, the document count
        the one the history's last run left, the analysis version this searcher's."""
        live = self._fresh()
        manifest = live.manifest
        segments, problems = live.store.check()
        documents_count = live.store.document_count()
        if manifest.analysis_version != INDEX_VERSION:
            problems.append(f"built with analysis {manifest.analysis_version}, this searcher uses "
                            f"{INDEX_VERSION}: run `searcher rebuild`")
        last = manifest.last_run()
        if last is not None and last.documents != documents_count:
            problems.append(f"{documents_count} documents, but the last recorded run ({last.action}, {last.when}) left "
                            f"{last.documents}: a run was interrupted after its commit; run it again")
        return VerifyReport(manifest.generation, documents_count, segments, problems)

    def __len__(self) -> int:
        return self._fresh().store.document_count()

    # Lifetime

    def close(self) -> None:
        self._live.close()
        _remove_old_generations(self.path, self._live.manifest.generation)

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def open_index(path: str | os.PathLike | None = None, create: bool = False, wait: float = DEFAULT_WAIT,
               check_analysis: bool = True) -> Index:
    """Opens the index at ``path`` (default: ``default_index_path()``); with ``create=True``
    an index is made there when none exists yet. Writes wait up to ``wait`` seconds for another
    writer. ``check_analysis=False`` opens an index built by another analysis version (to
    rebuild or verify it)."""
    directory = Path(path) if path is not None else default_index_path()
    if not generations.exists(directory):
        if not create:
            raise IndexNotFound(f"no index at {directory}: create one with `searcher index PATH --index {directory}`")
        _create(directory, wait)
    live = generations.open_live(directory)
    if check_analysis:
        try:
            _check_analysis(directory, live.manifest)
        except AnalyzerMismatch:
            live.close()
            raise
    return Index(directory, live, wait, check_analysis)


def _create(directory: Path, wait: float) -> None:
    """Makes the first generation and the manifest, under the writer lock (another process
    may be creating the same index)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        lock = acquire_writer(directory, wait)
    except OSError as error:
        raise SearcherError(f"cannot create an index at {directory}: {error.strerror or error}") from error
    try:
        if not generations.exists(directory):
            generations.remove_unused(directory, None, writing=True)
            generations.create(directory, INDEX_VERSION)
    except OSError as error:
        raise SearcherError(f"cannot create an index at {directory}: {error.strerror or error}") from error
    finally:
        lock.release()


def _check_analysis(directory: Path, manifest: Manifest) -> None:
    if manifest.analysis_version != INDEX_VERSION:
        raise AnalyzerMismatch(
            f"the index at {directory} was built with analysis {manifest.analysis_version}, this searcher uses "
            f"{INDEX_VERSION}: rebuild it with `searcher rebuild --index {directory}`"
        )


def _remove_old_generations(directory: Path, live: str | None) -> None:
    """Best effort: a reader may lack the right to delete, another process will do it."""
    with contextlib.suppress(OSError):
        generations.remove_unused(directory, live, writing=False)


def _write_failure(directory: Path, error: OSError) -> str:
    full = error.errno in (errno.ENOSPC, errno.EDQUOT)
    reason = "the disk is full" if full else (error.strerror or str(error)).lower()
    fix = "free some space" if full else "fix that"
    return f"cannot write to the index at {directory}: {reason}. The index keeps its last committed state: {fix} and run again"


def _warn(message: str) -> None:
    print(f"searcher: {message}", file=sys.stderr)


def _request(limit: int, page: int, lang: str | Iterable[str] | None, source: str | Iterable[str] | None,
             date_from: str | date | None, date_to: str | date | None, sort: str, group: bool,
             snippets: bool) -> Request:
    """Checks the paging and sorting options of a search and builds the backend request."""
    if limit < 1 or page < 1:
        raise SearcherError("limit and page must be at least 1")
    if sort not in SORTS:
        raise SearcherError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    filters = Filters.of(lang, source, date_from, date_to)
    return Request(offset=(page - 1) * limit, limit=limit, filters=filters, sort=sort, group=group, with_snippets=snippets)


def _page(query: str, page: int, limit: int, sort: str, answer: Answer) -> Page:
    return Page(query=query, total=answer.total, page=page, limit=limit, hits=answer.hits,
                facets=_ordered_facets(answer.facets), suggestion=answer.suggestion, sort=sort)


def _ordered_facets(facets: dict[str, dict[str, int]] | None) -> dict[str, dict[str, int]] | None:
    """Months in date order (undated last), other values by count, most first (then by name)."""
    if facets is None:
        return None
    return {name: dict(sorted(counts.items(), key=_by_month if name == "month" else _by_count))
            for name, counts in facets.items()}


def _by_month(item: tuple[str, int]) -> tuple:
    month, _ = item
    return (not month[:1].isdigit(), month)


def _by_count(item: tuple[str, int]) -> tuple:
    value, count = item
    return (-count, value)


def _lines(article: Article, matches: Iterable[Span]) -> tuple[Line, ...]:
    """``article.text`` cut into lines, each with the ``matches`` (spans of the whole text) in
    it; a page's chrome lines marked (a text without a page has none: it is what was indexed)."""
    matches = sorted(matches)
    lines, start, m = [], 0, 0
    for raw in article.text.splitlines(keepends=True):
        text = raw.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        end = start + len(text)
        while m < len(matches) and matches[m][0] < start:
            m += 1
        inside = []
        while m < len(matches) and matches[m][0] < end:
            inside.append((matches[m][0] - start, min(matches[m][1], end) - start))
            m += 1
        chrome = article.page is not None and bool(text.strip()) and is_chrome(text.strip())
        lines.append(Line(text, chrome, tuple(inside)))
        start += len(raw)
    return tuple(lines)
