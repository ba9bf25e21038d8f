"""One shard as the cluster uses it: every call into the library that a shard makes, in one place.

A shard is a complete index of its own (searcher.api). The cluster reads it at the commit the
cluster manifest names (``ShardReader``: a pinned, read-only ``Index`` over that commit's
snapshot) and writes it through the library's own write paths (``ShardWriter``), so locks,
generations and the shard's history are the library's.

A query is answered in the phases of a distributed search (Elasticsearch's DFS query-then-fetch):

1. ``plan``: the query as the shards exchange it; for ``similar``, made by the shard holding the
   article (its key terms);
2. ``statistics(plan)``: this shard's term statistics; the coordinator sums them;
3. ``rank(plan, request, stats)``: every match scored with the summed statistics, the best
   ``offset + limit`` (more when folding) with their sort keys, the total and the facets;
4. ``hits(plan, docs)``: stored fields and snippets of the hits the coordinator kept.

THE PART TO SWITCH when the core restructure lands (marked ``INTERIM`` below): ``plan`` becomes
``searcher.query.plan.plan(text, config, literal)``, ``statistics`` the library's
``Index.statistics(plan)`` (``Statistics.of``), ``rank`` ``Index.rank(plan, request, stats)``,
``hits`` ``Index.hits(ids, plan)``. Until then a shard ranks with today's search, which scores
with the shard's own statistics: rankings equal a single index's only with one shard.
"""
from __future__ import annotations

import itertools
import os
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from searcher import api, generations, hooks
from searcher.backend.whoosh import WhooshStore
from searcher.backend.whoosh import searching, similar
from searcher.cluster import snapshots
from searcher.cluster.layout import ShardState
from searcher.errors import IndexDamaged, SearcherError
from searcher.filters import Filters
from searcher.locking import acquire_writer, lease
from searcher.manifest import read_manifest, utc_now, write_manifest
from searcher.model import (
    Article, Hit, HistoryEntry, IndexReport, Page, Reading, RebuildReport, RemoveReport, Stats, VerifyReport,
)


class Gone(SearcherError):
    """The state asked for was retired (the cluster moved on): read the cluster manifest again."""


@dataclass(frozen=True)
class Query:
    """What a search asks: words (``text``), or the articles like the article ``like``."""

    text: str | None = None
    literal: bool = False
    like: str | None = None


@dataclass(frozen=True)
class Plan:
    """The query as every shard answers it. INTERIM: the text, or the pickled Whoosh query of
    an article's key terms; a ``searcher.query.plan.Plan`` after the core restructure."""

    text: str | None = None
    literal: bool = False
    whoosh_query: Any = None


@dataclass(frozen=True)
class Request:
    """Which part of the ranking a shard returns: its best ``depth`` matches, in the order
    ``sort`` asks, among those ``filters`` allow."""

    depth: int
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    facets: bool = False


@dataclass(frozen=True)
class Statistics:
    """A shard's statistics of a plan, summed over shards by ``summed``. INTERIM: the document
    count alone; ``searcher.search.collection.Statistics`` (sizes, field length totals,
    document frequencies per field and term) after the core restructure."""

    documents: int

    @classmethod
    def summed(cls, parts: Iterable["Statistics"]) -> "Statistics":
        return cls(sum(part.documents for part in parts))


class RankedDoc(NamedTuple):
    """A match as the coordinator merges it: ranked by score then id, or by date then id."""

    score: float
    id: str
    date: str  # "" when undated
    signature: bytes | None  # the near-duplicate signature (searcher.dedup)


@dataclass(frozen=True)
class Ranked:
    """Phase 3 of a search on one shard."""

    total: int
    docs: list[RankedDoc]
    facets: dict[str, dict[str, int]] | None = None
    problem: str | None = None  # why this shard has nothing to say (an unknown source filter)


class ShardReader:
    """One shard at one committed state, read-only (``ShardState``)."""

    def __init__(self, folder: Path, state: ShardState):
        """Opens the snapshot of ``state`` with leases on it and on its generation; raises
        ``Gone`` when it was retired."""
        generation = folder / state.generation
        snapshot = generation / state.snapshot
        self.state = state
        self._leases = [held for held in (lease(generation / generations.READERS_LOCK),
                                          snapshots.lease_snapshot(snapshot))]
        if None in self._leases or not snapshot.is_dir():
            self._release()
            raise Gone(f"{folder.name} no longer holds {state.generation}/{state.snapshot}")
        manifest = read_manifest(folder)
        if manifest is None:
            self._release()
            raise IndexDamaged(f"the shard at {folder} has no manifest")
        try:
            self._store = WhooshStore.open(snapshot)
        except SearcherError:
            self._release()
            raise
        # A pinned Index: its folder (the snapshot) has no manifest to follow, so it stays at this commit.
        self.index = api.Index(snapshot, generations.Live(manifest, self._store, None), check_analysis=False)
        self._cursor: tuple[int, Iterator[Article]] | None = None  # where ``articles`` stopped

    def close(self) -> None:
        self.index.close()
        self._release()

    def _release(self) -> None:
        for held in self._leases:
            if held is not None:
                os.close(held)
        self._leases = []

    # The query phases

    def answer(self, query: Query, limit: int, page: int, filters: Filters, sort: str, facets: bool, group: bool,
               suggest: bool, snippets: bool) -> Page:
        """The whole answer in one call, for a cluster of one shard: its statistics are the
        cluster's, so the phases collapse into the single index's search (Elasticsearch's
        query-and-fetch)."""
        options = dict(limit=limit, page=page, lang=filters.lang, source=filters.source, date_from=filters.date_from,
                       date_to=filters.date_to, sort=sort, facets=facets, group=group, snippets=snippets)
        if query.like is not None:
            return self.index.similar(query.like, **options)
        return self.index.search(query.text, suggest=suggest, literal=query.literal, **options)

    def plan(self, query: Query) -> Plan:
        """The plan of ``query``; for ``like``, this shard must hold the article. INTERIM."""
        if query.like is None:
            return Plan(query.text, query.literal)
        with self._store._ranking() as searcher:
            return Plan(whoosh_query=similar.like_query(searcher, query.like))

    def statistics(self, plan: Plan) -> Statistics:
        """This shard's statistics of ``plan``'s terms. INTERIM: its document count."""
        return Statistics(self._store.document_count())

    def rank(self, plan: Plan, request: Request, stats: Statistics) -> Ranked:
        """The best ``request.depth`` matches, the total and the facets. INTERIM: scored with this
        shard's own statistics (``stats`` is not used yet)."""
        hooks.pause("shard-rank")
        backend_request = searching.Request(offset=0, limit=request.depth, filters=request.filters, sort=request.sort,
                                            with_snippets=False)
        try:
            if plan.whoosh_query is None:
                answer = self._store.search(plan.text, backend_request, facets=request.facets, literal=plan.literal)
            else:
                with self._store._ranking() as searcher:
                    answer = searching.answer(searcher, plan.whoosh_query, [searching.Tier(plan.whoosh_query)],
                                              backend_request, request.facets)
        except SearcherError as error:
            if request.filters.source:  # a source this shard has no article from: the others may
                return Ranked(0, [], {} if request.facets else None, problem=str(error))
            raise
        signatures = self._signatures([hit.id for hit in answer.hits])
        docs = [RankedDoc(hit.score, hit.id, hit.date or "", signature) for hit, signature in zip(answer.hits, signatures)]
        return Ranked(answer.total, docs, answer.facets)

    def hits(self, plan: Plan, docs: list[tuple[str, float]], with_snippets: bool) -> list[Hit]:
        """The hits of the documents ``docs`` (id, score) with their snippets. INTERIM."""
        with self._store._ranking() as searcher:
            query = plan.whoosh_query
            if query is None:
                query = self._store_query(plan)
            found = []
            for article_id, score in docs:
                docnum = searcher.document_number(id=article_id)
                if docnum is not None:
                    found.append(searching._hit(searcher, query, searching.RankedDoc(docnum, score), with_snippets, []))
            return found

    def suggestion(self, plan: Plan, filters: Filters, total: int) -> str | None:
        """A corrected query from this shard's vocabulary when the cluster found ``total``
        articles, if it finds more here. INTERIM."""
        if plan.text is None:
            return None
        request = searching.Request(offset=0, limit=1, filters=filters, with_snippets=False)
        try:
            with self._store._ranking() as searcher:
                return self._store._better_query(searcher, plan.text, request, total)
        except SearcherError:
            return None

    def _store_query(self, plan: Plan):
        from searcher.backend.whoosh import parsing

        return parsing.parse(self._store._parser, plan.text, plan.literal).query

    def _signatures(self, ids: list[str]) -> list[bytes | None]:
        if not ids:
            return []
        with self._store._ranking() as searcher:
            column = searching.column(searcher.reader(), "dup_signature")
            return [column[docnum] or None if docnum is not None else None
                    for docnum in (searcher.document_number(id=article_id) for article_id in ids)]

    # Articles

    def get(self, article_id: str) -> Article | None:
        try:
            return self.index.get(article_id)
        except SearcherError:
            return None

    def read(self, article_id: str, query: str | None) -> Reading:
        return self.index.read(article_id, query)

    def stats(self) -> Stats:
        return self.index.stats()

    def verify(self) -> VerifyReport:
        return self.index.verify()

    def ids_by_source(self, roots: list[str]) -> dict[str, list[str]]:
        """source path -> ids, for the sources under ``roots`` (absolute folders or files)."""
        def under(path: str) -> bool:
            return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)

        return self._store.ids_by_source(under)

    def articles(self, start: int, count: int) -> list[Article]:
        """Articles ``start`` to ``start + count`` in stored order (a reshard reads them all in turn)."""
        if self._cursor is None or self._cursor[0] != start:
            self._cursor = (0, self._store.articles())
            for _ in itertools.islice(self._cursor[1], start):
                pass
        found = list(itertools.islice(self._cursor[1], count))
        self._cursor = (start + len(found), self._cursor[1])
        return found


END = object()  # the end of a write run's records
POLL_SECONDS = 0.2  # how often a writer's threads look whether the other side failed or gave up


class ShardWriter:
    """One write run on a shard, through the library's write paths (its writer lock, its
    generations, its history). ``begin`` first rolls the shard back to the state the cluster
    manifest names: a run that died before the cluster switched may have committed here."""

    def __init__(self, folder: Path, state: ShardState, analysis_version: str, wait: float):
        self.folder = folder
        roll_back(folder, state, analysis_version, wait)
        self.index = api.open_index(folder, wait=wait, check_analysis=False)
        self._records = None
        self._thread = None
        self._result: IndexReport | BaseException | None = None
        self._drained = threading.Event()
        self._go = threading.Event()
        self._abandoned = False

    def start_indexing(self) -> None:
        """Starts the run's indexing thread: it indexes the records ``feed`` hands over, then
        waits for ``commit`` before committing."""
        self._records = queue.Queue(maxsize=4)
        self._thread = threading.Thread(target=self._index, name="searcher-shard-writer", daemon=True)
        self._thread.start()

    def feed(self, batch: list[Article]) -> None:
        self._put(batch)

    def drain(self) -> None:
        """Waits until every record fed is analysed: what is left is the commit."""
        self._put(END)
        while not self._drained.wait(POLL_SECONDS):
            self._check()
        self._check()

    def commit(self, vanished: list[str]) -> tuple[ShardState, IndexReport]:
        """Commits the records fed, then removes the ``vanished`` articles (a ``--sync``)."""
        self._go.set()
        self._thread.join()
        self._check()
        report = self._result
        report.removed = len(self.index.remove(vanished).removed) if vanished else 0
        return self.snapshot(), report

    def remove(self, ids: list[str]) -> tuple[ShardState, RemoveReport]:
        report = self.index.remove(ids)
        return self.snapshot(), report

    def rebuild(self) -> tuple[ShardState, RebuildReport]:
        report = self.index.rebuild()
        return self.snapshot(), report

    def optimize(self) -> tuple[ShardState, None]:
        self.index.optimize()
        return self.snapshot(), None

    def snapshot(self) -> ShardState:
        return take_state(self.folder, len(self.index))

    def close(self) -> None:
        """Ends the run; an indexing thread still running gives up without committing."""
        self._abandoned = True
        if self._thread is not None:
            self._thread.join()
        self.index.close()

    def _index(self) -> None:
        try:
            self._result = self.index.add_documents(self._fed(), procs=1)
        except BaseException as error:
            self._result = error
            self._drained.set()

    def _fed(self) -> Iterator[Article]:
        """The records fed, as they come; after the last, waits for ``commit``. An abandoned
        run raises here, so the library's writer cancels: nothing of it is committed."""
        while True:
            try:
                batch = self._records.get(timeout=POLL_SECONDS)
            except queue.Empty:
                self._check_abandoned()
                continue
            if batch is END:
                break
            yield from batch
        self._drained.set()
        while not self._go.wait(POLL_SECONDS):
            self._check_abandoned()

    def _put(self, item) -> None:
        """Hands ``item`` to the indexing thread, unless that thread has failed meanwhile."""
        while True:
            self._check()
            try:
                return self._records.put(item, timeout=POLL_SECONDS)
            except queue.Full:
                continue

    def _check(self) -> None:
        if isinstance(self._result, BaseException):
            raise self._result

    def _check_abandoned(self) -> None:
        if self._abandoned:
            raise SearcherError("the run was abandoned before its commit")


def take_state(folder: Path, documents: int) -> ShardState:
    """Snapshots the shard's newest commit (under its writer lock) as the state to switch to."""
    lock = acquire_writer(folder, 0)
    try:
        generation = read_manifest(folder).generation
        name, commit = snapshots.take(folder / generation)
        return ShardState(generation, commit, name, documents)
    finally:
        lock.release()


def roll_back(folder: Path, state: ShardState, analysis_version: str, wait: float) -> bool:
    """Puts the shard back at ``state`` when a run committed here after it and died before the
    cluster switched: its generation named live again, its files those of the snapshot. The
    shard's history gets a ``rollback`` entry. Returns whether anything changed."""
    lock = acquire_writer(folder, wait)
    try:
        manifest = read_manifest(folder)
        generation = folder / state.generation
        if manifest is None or not (generation / state.snapshot).is_dir():
            raise IndexDamaged(f"{folder} has lost {state.generation}/{state.snapshot}, the state of its last "
                               f"cluster commit: restore the shard's folder or rebuild the cluster")
        changed = manifest.generation != state.generation
        changed |= snapshots.roll_back(generation, state.snapshot)
        if changed:
            entry = HistoryEntry(utc_now(), "rollback", documents=state.documents, generation=state.generation)
            write_manifest(folder, manifest.switched(state.generation, analysis_version).recorded(entry))
        return changed
    finally:
        lock.release()
