"""The public library API: open or create an index, add drops or documents, search it.

>>> from searcher import open_index
>>> with open_index("indexes/demo", create=True) as index:      # doctest: +SKIP
...     index.add_paths(["seeds"])
...     page = index.search("رئیس جمهور", limit=5)

``Index`` is a facade: the index folder (manifest, generations, writer lock, version check)
is searcher.folder's, ingesting searcher.index's, query planning searcher.query's and ranking
searcher.search's. Every write (add_paths, add_documents, remove, rebuild, optimize) takes the
index's writer lock for its duration, waiting up to ``wait`` seconds, commits once, and then
records itself in the manifest's history. Reads follow the live generation: each one first
checks whether the manifest was replaced (a stat), and moves to the new generation if it was.
An index opened with ``create=True`` where none exists is made by the first write that has an
article to write: a run that finds nothing to index leaves nothing behind.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from searcher.analysis.article import chain, family_of
from searcher.backend.whoosh.store import directory_size
from searcher.config import Config, RankingConfig
from searcher.errors import ArticleNotFound, IndexDamaged, IndexNotFound, SearcherError
from searcher.filters import SORTS, Filters, iso_date, later_start
from searcher.folder import IndexFolder, index_version
from searcher.model import (
    Article, Export, IndexReport, Line, NewMatches, Note, Page, Provenance, Reading, RebuildReport, RemoveReport,
    Skipped, Span, Stats, VerifyReport, Watch, WatchReport,
)
from searcher.query import plan as planning
from searcher.query.plan import Plan
from searcher.search import similar as similarity
from searcher.search import snippets
from searcher.search.collection import Statistics
from searcher.search.engine import NO_VALUE, Answer, Engine, Ranked, Request
from searcher.watches import WatchList

if TYPE_CHECKING:
    from searcher.drops import ReadOptions

DEFAULT_INDEX = Path("indexes") / "default"
INDEX_ENV = "SEARCHER_INDEX"
DEFAULT_WAIT = 5.0  # seconds a writer waits for another one to finish


def default_index_path() -> Path:
    """``$SEARCHER_INDEX`` if set, else ``indexes/default``."""
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


class Index:
    """An open search index. Use it as a context manager, or call ``close()``."""

    def __init__(self, folder: IndexFolder, config: Config):
        self._folder = folder
        self.path = folder.path
        self._config = config
        self._engine: tuple[object, Engine] | None = None

    @property
    def config(self) -> Config:
        """The configuration searches use: the index's own index-time settings, and the
        ranking settings and limits it was opened with."""
        return replace(self._config, index=self._folder.fresh().config)

    # Writing

    def add_paths(self, paths: Iterable[str | os.PathLike], on_skip: Callable[[Skipped], None] | None = None,
                  sync: bool = False, procs: int | None = None,
                  on_progress: Callable[[IndexReport], None] | None = None,
                  options: ReadOptions | None = None,
                  on_note: Callable[[Note], None] | None = None) -> IndexReport:
        """Indexes the article files found in ``paths`` (files or folders, recursively). With
        ``sync``, also removes the articles whose source file under ``paths`` is gone.
        ``procs``: analysis processes (default: all cores for a run of at least
        ``searcher.index.PARALLEL_FROM`` new or changed articles, else one). ``on_progress``
        gets the run's report so far after each article read. ``options``: the drops' metadata
        (source, language, dates in names) and the reading limits (searcher.drops.ReadOptions);
        ``on_note`` gets what reading changed but kept (a text cut at the size limit)."""
        from searcher import drops

        paths = [os.path.abspath(path) for path in paths]
        return self._ingest(drops.read_paths(paths, options or drops.DEFAULT_OPTIONS, on_note), paths, on_skip,
                            paths if sync else None, procs, on_progress, options or drops.DEFAULT_OPTIONS)

    def add_documents(self, records: Iterable[Article | dict], on_skip: Callable[[Skipped], None] | None = None,
                      procs: int | None = None, on_progress: Callable[[IndexReport], None] | None = None,
                      options: ReadOptions | None = None,
                      on_note: Callable[[Note], None] | None = None) -> IndexReport:
        """Indexes articles given in memory (an iterable, read as a stream): Article objects, or
        dicts with ``id``, ``title``, ``text`` and optional ``lang``, ``date``, ``source``, ``url``,
        each checked as a record of a drop (a bad one is skipped as "record N: ...").
        ``procs``, ``on_progress``, ``options`` and ``on_note`` as for ``add_paths``."""
        from searcher import drops

        return self._ingest(drops.read_records(records, options or drops.DEFAULT_OPTIONS, on_note), [drops.MEMORY],
                            on_skip, None, procs, on_progress, options or drops.DEFAULT_OPTIONS)

    def _ingest(self, items: Iterable[Article | Skipped], paths: list[str], on_skip, sync: list[str] | None,
                procs: int | None, on_progress, options: ReadOptions) -> IndexReport:
        """One indexing run; makes the index first if it is still to be made and ``items``
        hold an article."""
        from searcher.index import ingest, peek_article, skipped_only

        if not self._folder.opened and not self._folder.exists():
            items, found = peek_article(items)
            if not found:
                return skipped_only(items, on_skip, on_progress, sync is not None)
            self._folder.create(self._config.index)
        with self._folder.writing() as store:
            provenance = Provenance(self._folder.run, options.recorded())
            report = ingest(store, items, on_skip, sync=sync, procs=procs, on_progress=on_progress,
                            provenance=provenance)
            self._folder.record("index", paths, **report.to_dict())
        return report

    def remove(self, ids: Iterable[str]) -> RemoveReport:
        """Removes the articles with these ids; reports the ids it did not find."""
        from searcher.index import remove

        with self._folder.writing() as store:
            report = remove(store, ids)
            if report.removed:
                self._folder.record("remove", report.removed, removed=len(report.removed))
        return report

    def rebuild(self, on_skip: Callable[[Skipped], None] | None = None) -> RebuildReport:
        """Re-reads every article from its source into a new generation with the current
        analysis (and the index-time settings the index was opened with, else its own), then
        switches to it in one rename. Articles whose source is gone are carried over from their
        stored fields (``missing_sources``). A damaged generation (a segment file that cannot
        be read) is rebuilt from what still reads, its lost articles looked for in the drops of
        the history's runs; those that cannot be recovered are listed (``lost``).
        ``rebuild_index`` also rebuilds an index too damaged to open."""
        from searcher.index import rebuilt

        with self._folder.writing() as store:
            live = self._folder.fresh()
            config = self._folder.wanted or live.config
            return self._folder.rebuild(config, lambda new: rebuilt(store, new, live.manifest.history, self._folder.run,
                                                                   on_skip))

    def optimize(self) -> None:
        """Merges the live generation's segments into one."""
        with self._folder.writing() as store:
            store.optimize()
            self._folder.record("optimize", [])

    # Reading

    def search(self, query: str, limit: int = 10, page: int = 1, lang: str | Iterable[str] | None = None,
               snippets: bool = True, *, source: str | Iterable[str] | None = None,
               date_from: str | date | None = None, date_to: str | date | None = None,
               since: str | None = None, sort: str = "relevance", facets: bool = False, group: bool = False,
               suggest: bool = True, literal: bool = False, explain: bool = False) -> Page:
        """Ranked hits for ``query``: page ``page`` (from 1) of ``limit`` hits.

        Filters: ``lang`` ("fa", "nl" or "und"), ``source`` (the record's source, else the drop
        folder; any case), each one value or several (any of them), ``date_from``/``date_to``
        (inclusive; ISO or Jalali, e.g. "1403-06-31"), ``since`` (a period up to today: "24h",
        "7d", "2w", "3m", "1y"). A query may hold filters of its own (``lang:nl``, ``date:2024-09``;
        see searcher.query.syntax); ``page.notes`` says what the query's reading changed or left out.
        ``sort="date"`` ranks newest first, undated last. ``facets`` counts every match by
        language, source and month. ``group`` folds near-duplicates into the best-ranked copy
        (``Hit.similar``). ``suggest``: a corrected query when this one finds few articles.
        ``snippets=False`` leaves the snippets empty, for callers that only need the ranking.
        ``literal=True`` reads the query as plain words (no phrases, operators or fields).
        ``explain=True``: ``page.explain`` says how the query was read (each clause's terms and
        where they came from) and each hit's ``matched`` which terms it holds, and where."""
        request = _request(limit, page, lang, source, date_from, date_to, sort, group, snippets, facets, since,
                           explain)
        plan = self.plan(query, literal)
        with self._reading() as engine:
            answer = engine.search(plan, request, suggest_correction=suggest)
        return _page(query, page, limit, sort, answer)

    def export(self, query: str, lang: str | Iterable[str] | None = None, *, source: str | Iterable[str] | None = None,
               date_from: str | date | None = None, date_to: str | date | None = None, since: str | None = None,
               order: str = "relevance", snippets: bool = False, group: bool = False, literal: bool = False,
               explain: bool = False) -> Export:
        """Every hit for ``query``, streamed in ranking order (``order="date"``: newest first,
        undated last): an iterator of ``Hit`` that reads each from the index as it is taken, so
        memory stays flat however many there are (the ranking itself is a few arrays: 16 bytes
        a match, and about 1 KB a match for folding). ``snippets``: with snippets (slower);
        ``group``: near-duplicates folded into the best-ranked copy, which lists all of them.
        Filters and ``explain`` (each hit's ``matched``) as for ``search``. The export reads one
        commit of the index (an index updated meanwhile is not seen) and lets it go when its
        last hit is taken or it is closed."""
        request = _request(1, 1, lang, source, date_from, date_to, order, group, snippets, False, since, explain)
        plan = self.plan(query, literal)
        live = self._folder.fresh()
        reading = ExitStack()
        try:
            snapshot = reading.enter_context(live.store.own_reading())
            counted, hits = Engine(snapshot, replace(self._config, index=live.config)).stream(plan, request)
        except BaseException:
            reading.close()
            raise
        return Export(query, counted.total, counted.all_words, plan.notes + counted.notes, hits, reading.close,
                      counted.undated_left_out)

    def similar(self, article_id: str, limit: int = 10, page: int = 1, lang: str | Iterable[str] | None = None,
                snippets: bool = True, *, source: str | Iterable[str] | None = None,
                date_from: str | date | None = None, date_to: str | date | None = None, since: str | None = None,
                sort: str = "relevance", facets: bool = False, group: bool = False) -> Page:
        """The articles most like the article ``article_id`` (sharing its key terms), paged,
        filtered and grouped as ``search`` does. Raises ArticleNotFound when the index has no
        such article."""
        request = _request(limit, page, lang, source, date_from, date_to, sort, group, snippets, facets, since)
        with self._reading() as engine:
            answer = engine.search(similarity.like(engine, article_id), request)
        return _page(f"similar:{article_id}", page, limit, sort, answer)

    def get(self, article_id: str) -> Article:
        """The stored article with this id: title, body, the page as read (``Article.page``),
        language, date, source, url, path. Raises ArticleNotFound when the index has none."""
        article = self._folder.fresh().store.get(article_id)
        if article is None:
            raise ArticleNotFound(article_id)
        return article

    def read(self, article_id: str, query: str | None = None) -> Reading:
        """The article ``article_id`` to read whole: its text (``Article.text``) line by line,
        with the page chrome lines marked; with ``query``, the spans of the words matching it
        in the title and in each line, as snippets mark them. Raises ArticleNotFound when the
        index has no such article."""
        article = self.get(article_id)
        if query is None:
            return Reading(article, _lines(article, ()), None, ())
        plan = self.plan(query)
        family = family_of(article.lang)
        analyzer = chain(family, self.config.index)
        title_matches = snippets.spans(analyzer, article.title, plan.title_terms(family))
        text_matches = snippets.spans(analyzer, article.text, plan.snippet_terms(family))
        return Reading(article, _lines(article, text_matches), query, title_matches)

    # The two phases of a search, for indexes searched together (searcher.cluster)

    def plan(self, query: str, literal: bool = False) -> Plan:
        """The plan of ``query`` under this index's configuration (searcher.query.plan)."""
        return planning.plan(query, self.config, literal)

    def statistics(self, plan: Plan) -> Statistics:
        """Phase one: this index's BM25F statistics of the plan's terms."""
        with self._reading() as engine:
            return engine.statistics(plan)

    def rank(self, plan: Plan, request: Request, stats: Statistics | None = None) -> Ranked:
        """Phase two: the best matches, scored with ``stats`` (summed over every index searched)."""
        with self._reading() as engine:
            return engine.rank(plan, request, stats)

    # Standing queries

    @property
    def watches(self) -> WatchList:
        """The index's standing queries (searcher.watches): ``list()``, ``add(name, query,
        ...)``, ``remove(name)``. A new watch reports the articles of the runs after it."""
        return WatchList(self.path, self._check_query, lambda: self._folder.fresh().manifest.run_number())

    def _check_query(self, query: str) -> None:
        """Raises SearcherError when ``query`` cannot be asked of this index (its syntax, or
        the values of its ``date:``, ``lang:`` or ``source:`` filters)."""
        with self._reading() as engine:
            engine.count(self.plan(query), Filters())

    def new_matches(self, since: int | str | date | None = None, limit: int = 10, names: Iterable[str] | None = None,
                    mark: bool | None = None) -> NewMatches:
        """Per standing query (``names``: only these), the articles that indexing runs added or
        changed and that match it, ranked as ``search`` ranks them (the best ``limit``,
        near-duplicates folded): of the runs after each watch's mark (the last run reported to
        it), or with ``since``, of the runs after that run number, or recorded on that day
        (ISO or Jalali, UTC) or later. ``mark`` (default: when ``since`` is None) moves the
        marks of the watches reported to the last run read, so that the next call reports what
        comes after: each run's articles once, those of a run killed after its commit included."""
        mark = since is None if mark is None else mark
        after = None if since is None else self._runs_before(since)
        watch_list = self.watches
        # Only moving the marks needs the list's lock; a reader (the server) must never wait
        # behind a `searcher watch new` or `index --report` asking every watch in another process.
        # No read takes the index's writer lock.
        watching = watch_list.changing() if mark else nullcontext(watch_list.by_name())
        with watching as watches, self._reading() as engine:
            chosen = list(watches) if names is None else list(dict.fromkeys(names))
            for name in chosen:
                if name not in watches:
                    raise SearcherError(f"no watch named {name!r}: the index has {', '.join(watches) or 'none'}")
            runs = engine.source.runs()
            upto = int(runs.max()) if len(runs) else 0
            reports = [self._watch_report(engine, watches[name], watches[name].reported if after is None else after,
                                          limit) for name in chosen]
            if mark:
                for name in chosen:
                    watches[name] = replace(watches[name], reported=max(watches[name].reported, upto))
        return NewMatches(upto, reports)

    def _watch_report(self, engine: Engine, watch: Watch, since: int, limit: int) -> WatchReport:
        """One watch's matches among the articles of the runs after ``since``."""
        known = {outlet.casefold() for outlet in engine.collection.outlets[1]}
        sources = [source for source in watch.source if source.casefold() in known]
        if watch.source and not sources:
            return WatchReport(watch, since)  # none of its sources has articles yet
        try:
            filters = replace(Filters.of(watch.lang, sources, watch.date_from, watch.date_to), after_run=since)
            answer = engine.search(self.plan(watch.query), Request(limit=limit, filters=filters, group=True))
        except SearcherError as error:
            return WatchReport(watch, since, error=str(error))
        return WatchReport(watch, since, answer.total, answer.hits)

    def _runs_before(self, since: int | str | date) -> int:
        """The run number after which runs count as new: ``since`` itself when a number, else
        the one before the first run recorded on the day ``since`` (UTC) or later."""
        if isinstance(since, int):
            return since
        day = iso_date(since, "since")
        manifest = self._folder.fresh().manifest
        later = [entry.run for entry in manifest.history if entry.when[:10] >= day and entry.run]
        return min(later) - 1 if later else manifest.run_number()

    # The index

    def stats(self) -> Stats:
        """Documents per language and per source, undated documents, size on disk, analysis
        version, last update, history."""
        live = self._folder.fresh()
        with self._reading() as engine:
            overview = _ordered_facets(engine.overview())
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
            sources=overview["source"],
            undated=overview["month"].get(NO_VALUE, 0),
        )

    def verify(self) -> VerifyReport:
        """Checks the live generation: every segment and its ranking arrays readable, ids
        unique, the document count the one the history's last run left, the analysis version
        this searcher's."""
        live = self._folder.fresh()
        manifest = live.manifest
        segments, problems = live.store.check()
        documents_count = live.store.document_count()
        if manifest.analysis_version != index_version(live.config):
            problems.append(f"built with analysis {manifest.analysis_version}, this searcher uses "
                            f"{index_version(live.config)}: run `searcher rebuild`")
        last = manifest.last_run()
        if last is not None and last.documents != documents_count:
            problems.append(f"{documents_count} documents, but the last recorded run ({last.action}, {last.when}) left "
                            f"{last.documents}: a run was interrupted after its commit; run it again")
        return VerifyReport(manifest.generation, documents_count, segments, problems)

    def __len__(self) -> int:
        return self._folder.fresh().store.document_count()

    @contextmanager
    def _reading(self) -> Iterator[Engine]:
        """The engine on the latest commit (kept between searches while the commit stays)."""
        live = self._folder.fresh()
        config = replace(self._config, index=live.config)
        with live.store.reading() as snapshot:
            if self._engine is None or self._engine[0] is not snapshot:
                self._engine = (snapshot, Engine(snapshot, config))
            yield self._engine[1]

    # Lifetime

    def close(self) -> None:
        self._engine = None
        self._folder.close()

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def open_index(path: str | os.PathLike | None = None, create: bool = False, wait: float = DEFAULT_WAIT,
               check_analysis: bool = True, config: Config | None = None,
               ranking: RankingConfig | None = None) -> Index:
    """Opens the index at ``path`` (default: ``default_index_path()``); with ``create=True``
    and no index there yet, the first ``add_paths`` or ``add_documents`` that has an article to
    write makes it (with ``config``'s index-time settings); until then reading it raises
    IndexNotFound. Writes wait up to ``wait`` seconds for another writer.
    ``check_analysis=False`` opens an index built by another analysis version (to rebuild or
    verify it). ``config`` (searcher.config): the ranking settings and limits searches use; its
    index-time part, when given, must be the index's own (else AnalyzerMismatch: rebuild to
    change them). ``ranking``: ranking settings that replace ``config``'s."""
    directory = Path(path) if path is not None else default_index_path()
    folder = IndexFolder(directory, wait, check_analysis, config.index if config is not None else None)
    if folder.exists():
        folder.open()
    elif not create:
        raise IndexNotFound(f"no index at {directory}: create one with `searcher index PATH --index {directory}`")
    config = config or Config()
    return Index(folder, config if ranking is None else replace(config, ranking=ranking))


def rebuild_index(path: str | os.PathLike | None = None, wait: float = DEFAULT_WAIT,
                  on_skip: Callable[[Skipped], None] | None = None, config: Config | None = None) -> RebuildReport:
    """Rebuilds the index at ``path`` as ``Index.rebuild`` does, also when it cannot be opened
    (a damaged manifest or table of contents): the runs of the history are replayed, the
    stored articles that still read kept, and the articles lost listed. Without a readable
    manifest the newest generation is recovered and a new history begun."""
    from searcher.index import rebuilt

    directory = Path(path) if path is not None else default_index_path()
    try:
        index = open_index(directory, wait=wait, check_analysis=False, config=config)
    except IndexDamaged:
        folder = IndexFolder(directory, wait, False, config.index if config is not None else None)
        return folder.recover(lambda old, new, manifest, run: rebuilt(old, new, manifest.history if manifest else (),
                                                                      run, on_skip))
    with index:
        return index.rebuild(on_skip)


def _request(limit: int, page: int, lang: str | Iterable[str] | None, source: str | Iterable[str] | None,
             date_from: str | date | None, date_to: str | date | None, sort: str, group: bool,
             snippets: bool, facets: bool, since: str | None = None, explain: bool = False) -> Request:
    """Checks the paging and sorting options of a search and builds the engine's request.
    ``since`` (``24h``, ``7d``, ``2w``...) and ``date_from`` together: the later start."""
    if limit < 1 or page < 1:
        raise SearcherError("limit and page must be at least 1")
    if sort not in SORTS:
        raise SearcherError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    filters = Filters.of(lang, source, later_start(date_from, since), date_to)
    return Request(offset=(page - 1) * limit, limit=limit, filters=filters, sort=sort, group=group,
                   with_snippets=snippets, facets=facets, explain=explain)


def _page(query: str, page: int, limit: int, sort: str, answer: Answer) -> Page:
    return Page(query=query, total=answer.total, page=page, limit=limit, hits=answer.hits,
                facets=_ordered_facets(answer.facets), suggestion=answer.suggestion, sort=sort,
                all_words=answer.all_words, notes=answer.notes, undated_left_out=answer.undated_left_out,
                explain=answer.explain)


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
    from searcher.drops.page import is_chrome

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
