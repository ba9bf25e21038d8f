"""One shard as the cluster uses it: every call into the library that a shard makes, in one place.

A shard is a complete index of its own (searcher.api). The cluster reads it at the commit the
cluster manifest names (``ShardReader``: a read-only, pinned ``Index`` and ``Engine`` over that
commit's snapshot) and writes it through the library's own write paths (``ShardWriter``), so locks,
generations and the shard's history are the library's.

A query is answered in the phases of a distributed search (Elasticsearch's DFS query-then-fetch):
the plan (made by the coordinator; for ``similar`` by the shard holding the article), every
shard's ``statistics`` of its terms, summed (with those of every term that decides its phrases'
spelling variants, so that each shard expands the phrases over every shard's vocabulary, as a
single index would: searcher.search.variants); ``rank`` on every shard with the sums, which for a
first page without snippets also returns the hits of the matches that may be on it; ``hits``
from the shards holding the hits kept, for the others. For the merged ranking to be a single
index's, a shard reports each match's tier and base score, and the bonus the head's rescoring
(stop words, proximity) adds to the matches of its own head (``Engine.rank_parts``): the
coordinator ranks by tier, score and id, and adds the bonus to the matches of the cluster's head
alone (searcher.cluster.merge).
"""
from __future__ import annotations

import itertools
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from searcher import api, generations, hooks
from searcher.backend.whoosh import WhooshStore
from searcher.cluster import merge, snapshots
from searcher.cluster.layout import ShardState
from searcher.config import Config, IndexConfig
from searcher.errors import IndexDamaged, SearcherError
from searcher.filters import Filters
from searcher.folder import Live, arrays_signature
from searcher.locking import acquire_writer, lease
from searcher.manifest import read_manifest, utc_now, write_manifest
from searcher.model import (
    Article, Hit, HistoryEntry, IndexReport, Page, Reading, RebuildReport, RemoveReport, Stats, VerifyReport,
)
from searcher.query import plan as planning
from searcher.query.plan import Plan
from searcher.search import similar, suggest
from searcher.search.collection import Statistics
from searcher.search.engine import Engine
from searcher.search.engine import Request as EngineRequest


class Gone(SearcherError):
    """The state asked for was retired (the cluster moved on): read the cluster manifest again."""


@dataclass(frozen=True)
class Query:
    """What a search asks: words (``text``), or the articles like the article ``like``."""

    text: str | None = None
    literal: bool = False
    like: str | None = None


@dataclass(frozen=True)
class Request:
    """Which part of the ranking a shard returns: its best ``depth`` matches of each tier (all
    of them with ``everything``, for folding), in the order ``sort`` asks, among those
    ``filters`` allow; with the hits, without snippets, of those of its matches that may be
    among the cluster's first ``fetch`` (none when 0), so that a first page without snippets
    needs no third call (Elasticsearch's query-and-fetch)."""

    depth: int
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    facets: bool = False
    everything: bool = False
    fetch: int = 0


class RankedDoc(NamedTuple):
    """A match as the coordinator merges it (searcher.cluster.merge)."""

    tier: int
    score: float  # before the head's rescoring
    bonus: float  # what the head's rescoring adds, should the match be in the cluster's head
    id: str
    date: int  # YYYYMMDD, 0 when undated
    signature: bytes | None  # the near-duplicate signature (searcher.dedup)


@dataclass(frozen=True)
class Ranked:
    """A shard's part of a ranking."""

    total: int
    docs: list[RankedDoc]
    all_words: int | None = None
    facets: dict[str, dict[str, int]] | None = None
    problem: str | None = None  # why this shard has nothing to say (a source it has no article from)
    hits: list[Hit] = field(default_factory=list)  # fetched with the ranking (``Request.fetch``)


class _PinnedFolder:
    """An index folder that stays at one commit: what ``api.Index`` reads a snapshot through."""

    def __init__(self, path: Path, live: Live):
        self.path = path
        self._live = live

    def fresh(self) -> Live:
        return self._live

    def close(self) -> None:
        self._live.close()


class ShardReader:
    """One shard at one committed state, read-only (``ShardState``)."""

    def __init__(self, folder: Path, state: ShardState, config: Config = Config()):
        """Opens the snapshot of ``state`` with leases on it and on its generation; raises
        ``Gone`` when it was retired."""
        generation = folder / state.generation
        snapshot = generation / state.snapshot
        self.state = state
        self._leases = [lease(generation / generations.READERS_LOCK), snapshots.lease_snapshot(snapshot)]
        if None in self._leases or not snapshot.is_dir():
            self._release()
            raise Gone(f"{folder.name} no longer holds {state.generation}/{state.snapshot}")
        try:
            manifest = read_manifest(folder)
            if manifest is None:
                raise IndexDamaged(f"the shard at {folder} has no manifest")
            index_config = IndexConfig.from_dict(manifest.index_config)
            store = WhooshStore.open(snapshot, index_config, arrays_signature(index_config))
        except BaseException:
            self._release()
            raise
        self._store = store
        self.config = replace(config, index=index_config)
        self.index = api.Index(_PinnedFolder(snapshot, Live(manifest, index_config, store, None)), self.config)
        with store.reading() as source:  # the store stays at its one commit: so does this source
            self._engine = Engine(source, self.config)
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
               suggest_correction: bool, snippets: bool) -> Page:
        """The whole answer in one call, for a cluster of one shard: its statistics are the
        cluster's, so the phases collapse into the single index's search (Elasticsearch's
        query-and-fetch)."""
        options = dict(limit=limit, page=page, lang=filters.lang, source=filters.source, date_from=filters.date_from,
                       date_to=filters.date_to, sort=sort, facets=facets, group=group, snippets=snippets)
        if query.like is not None:
            return self.index.similar(query.like, **options)
        return self.index.search(query.text, suggest=suggest_correction, literal=query.literal, **options)

    def like(self, article_id: str) -> Plan:
        """The plan of the articles like ``article_id``, which this shard holds."""
        return similar.like(self._engine, article_id)

    def statistics(self, plan: Plan) -> Statistics:
        """Phase one: this shard's statistics of ``plan``'s terms."""
        return self._engine.statistics(plan)

    def rank(self, plan: Plan, request: Request, stats: Statistics) -> Ranked:
        """Phase two: every match scored with ``stats`` (summed over the shards); the best
        ``request.depth`` of each tier (or all), with their tiers and head bonuses; the total,
        the all-words count and the facets."""
        hooks.pause("shard-rank")
        known = {outlet.casefold() for outlet in self._engine.collection.outlets[1]}
        sources = tuple(source for source in request.filters.source if source.casefold() in known)
        if request.filters.source and not sources:
            return Ranked(0, [], facets={} if request.facets else None,
                          problem=f"no articles from source {request.filters.source[0]!r}")
        asked = EngineRequest(offset=0, limit=request.depth, filters=replace(request.filters, source=sources),
                              sort=request.sort, group=request.everything, with_snippets=False, facets=request.facets)
        try:
            if request.sort == "date":
                whole = self._engine.rank(plan, asked, stats)
                found = self._ranked(whole, [(0, docnum, 0.0, 0.0) for docnum, _ in whole.docs])
            else:
                found = self._ranked(*self._engine.rank_parts(plan, asked, stats))
        except SearcherError as error:
            if plan.constraints.source:  # a source typed in the query that this shard has no article from
                return Ranked(0, [], facets={} if request.facets else None, problem=str(error))
            raise
        if not request.fetch:
            return found
        fetched = merge.may_lead(found.docs, request.fetch, request.sort, self.config.ranking.proximity_depth)
        return replace(found, hits=self.hits(plan, stats, [(doc.id, doc.score) for doc in fetched], False))

    def _ranked(self, whole, docs: list[tuple[int, int, float, float]]) -> Ranked:
        source = self._engine.source
        docnums = [docnum for _, docnum, _, _ in docs]
        ids, (values, present) = source.ids(docnums), source.signatures(np.array(docnums, dtype=np.int64))
        signatures = [row.astype("<u4").tobytes() if has else None for row, has in zip(values, present.tolist())]
        dates = self._engine.collection.date
        ranked = [RankedDoc(tier, score, bonus, article_id, int(dates[docnum]), signature)
                  for (tier, docnum, score, bonus), article_id, signature in zip(docs, ids, signatures)]
        return Ranked(whole.total, ranked, whole.all_words, whole.facets)

    def hits(self, plan: Plan, stats: Statistics, docs: list[tuple[str, float]], with_snippets: bool) -> list[Hit]:
        """Phase three: the hits of the documents ``docs`` (id, score), with their snippets,
        which mark the terms of ``plan`` expanded as phase two expands it."""
        source = self._engine.source
        plan = self._engine.expanded(plan, stats)
        return [self._engine.hit(docnum, score, plan, with_snippets, [])
                for article_id, score in docs if (docnum := source.docnum(article_id)) is not None]

    def correction(self, plan: Plan) -> str | None:
        """``plan``'s text with its misspelled-looking words corrected from this shard's vocabulary."""
        return suggest.corrected_text(self._engine, plan) if plan.suggestible else None

    def count(self, text: str, filters: Filters) -> int:
        """How many articles of this shard the query ``text`` finds among those ``filters`` allow."""
        try:
            return self._engine.count(planning.plan(text, self.config), filters)
        except SearcherError:
            return 0

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
            self._cursor = (0, (article for article, _ in self._store.articles()))
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
            write_manifest(folder, manifest.switched(state.generation, analysis_version, manifest.index_config)
                           .recorded(entry))
        return changed
    finally:
        lock.release()
