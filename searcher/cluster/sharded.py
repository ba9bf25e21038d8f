"""A sharded index: the library's ``Index`` over shards held by Dask workers.

Writing. A run holds the cluster's writer lock. Every shard first goes back to the state the
cluster manifest names (a run that died may have committed some shards), then the drop's
records are read here, routed by id (searcher.cluster.layout.shard_of) and streamed to the
shards' writers, which analyse and write them in parallel, each on the worker holding its
shard. The shards commit, each commit is snapshotted, and only then is the cluster manifest
replaced (one rename) by one naming the new states: readers see all of a run or none of it.
The snapshots of the previous states are removed once no reader holds them.

Reading. A query reads the cluster manifest once and asks every shard about the states it
names, in the phases of searcher.cluster.shard: the plan, the statistics of its terms summed
over shards, every shard's best matches scored with those sums and merged here by score then
id (searcher.cluster.merge), and the hits with their snippets from the shards holding them
(for a first page without snippets, fetched with the ranking: two round trips, not three).
A shard whose worker is lost fails the query with an error naming it, or with
``allow_partial`` leaves its hits out and is counted in ``Page.shards``.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

from searcher import drops, hooks
from searcher.api import DEFAULT_WAIT, _ordered_facets
from searcher.cluster import merge
from searcher.cluster.connect import ShardUnavailable, Workers
from searcher.cluster.layout import (
    MAX_SHARDS, ClusterManifest, ShardState, local_folder, read_cluster, shard_of, write_cluster,
)
from searcher.cluster.shard import Gone, Query, Request
from searcher.config import Config
from searcher.folder import IndexFolder, index_version
from searcher.query import plan as planning
from searcher.query.plan import Plan
from searcher.search.collection import Statistics
from searcher.errors import ArticleNotFound, IndexDamaged, IndexNotFound, SearcherError
from searcher.filters import SORTS, Filters, later_start
from searcher.locking import acquire_writer
from searcher.manifest import read_manifest, utc_now
from searcher.model import (
    Article, Export, HistoryEntry, Hit, IndexReport, Note, Page, Reading, RebuildReport, RemoveReport, Skipped, Stats, VerifyReport,
)

BATCH = 200  # articles per message to a shard's writer
EXPORT_BATCH = 200  # hits an export asks the shards for at a time
CONFIG = Config()  # shards are made with the default index-time settings, and searched with the default ranking
CURRENT_VERSION = index_version(CONFIG.index)
NO_EXPLAIN = "--explain does not work on a sharded index yet"
NO_WATCHES = "standing queries (searcher watch, index --report) do not run on a sharded index yet"
STATISTICS_KEPT = 256  # plans whose summed statistics are kept, for the cluster's states of their query
STATE_ATTEMPTS = 5  # a query reads the manifest again this often when the states it read are retired


class ShardedIndex:
    """An open sharded index (see the module docstring). Use it as a context manager."""

    def __init__(self, path: Path, workers: Workers, wait: float = DEFAULT_WAIT):
        self.path = path
        self._workers = workers
        self._wait = wait
        self._statistics: dict[tuple, Statistics] = {}  # (shard states, plan) -> summed statistics

    # Opening

    @classmethod
    def open(cls, path: str | os.PathLike, scheduler: str | None = None, shards: int | None = None,
             create: bool = False, wait: float = DEFAULT_WAIT, processes: bool = True) -> "ShardedIndex":
        """Opens the sharded index at ``path``; with ``create`` and ``shards`` makes one with that
        many shards when there is none. Without ``scheduler`` (a Dask scheduler's address) a
        local cluster of one worker per shard is started, in processes (``processes=False``:
        threads of this process)."""
        path = Path(path)
        manifest = read_cluster(path)
        if manifest is None:
            if not create or not shards:
                raise IndexNotFound(f"no sharded index at {path}: create one with "
                                    f"`searcher index PATH --index {path} --shards N`")
            if (path / "searcher.json").exists():
                raise SearcherError(f"{path} holds an index of one shard: `searcher reshard N --index {path}` "
                                    f"splits it into N shards")
            if not 1 <= shards <= MAX_SHARDS:
                raise SearcherError(f"a sharded index has 1 to {MAX_SHARDS} shards")
        elif shards is not None and shards != len(manifest.shards):
            raise SearcherError(f"the index at {path} has {len(manifest.shards)} shards, not {shards}: "
                                f"`searcher reshard {shards} --index {path}` rebuilds it into {shards}")
        made = manifest or ClusterManifest.new(shards, CURRENT_VERSION)
        index = cls(path, _connect(path, made, scheduler, processes), wait)
        try:
            if manifest is None:
                index._create(made)
        except BaseException:
            index.close()
            raise
        return index

    def _create(self, manifest: ClusterManifest) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        with self._locked() as found:
            if found is not None:
                raise SearcherError(f"another process created an index at {self.path} meanwhile: run again")
            outcome = self._workers.call({name: ("create", manifest.cluster_id, name)
                                          for name in manifest.shards})
            outcome.check()
            write_cluster(self.path, manifest.committed(outcome.results, None))

    def close(self) -> None:
        self._workers.close()

    def __enter__(self) -> "ShardedIndex":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def manifest(self) -> ClusterManifest:
        manifest = read_cluster(self.path)
        if manifest is None:
            raise IndexNotFound(f"the cluster manifest of {self.path} has gone")
        return manifest

    # Reading

    def search(self, query: str, limit: int = 10, page: int = 1, lang: str | Iterable[str] | None = None,
               snippets: bool = True, *, source: str | Iterable[str] | None = None,
               date_from: str | date | None = None, date_to: str | date | None = None,
               sort: str = "relevance", facets: bool = False, group: bool = False, suggest: bool = True,
               literal: bool = False, allow_partial: bool = False) -> Page:
        """As ``searcher.Index.search``, over every shard. ``allow_partial``: when a shard does not
        answer, the page of the others' hits (``Page.shards`` counts the failed) instead of an error."""
        filters = _checked(limit, page, sort, lang, source, date_from, date_to)
        return self._answer(Query(query, literal), query, limit, page, filters, sort, facets, group,
                            suggest, snippets, allow_partial)

    def export(self, query: str, lang: str | Iterable[str] | None = None, *, source: str | Iterable[str] | None = None,
               date_from: str | date | None = None, date_to: str | date | None = None, since: str | None = None,
               order: str = "relevance", snippets: bool = False, group: bool = False, literal: bool = False,
               explain: bool = False) -> Export:
        """As ``searcher.Index.export``, over every shard: the whole ranking merged here (ids,
        scores and signatures, for folding as a single index folds), then the hits fetched from
        the shards holding them, ``EXPORT_BATCH`` at a time as they are taken. The export reads
        the states the cluster manifest names when it starts; a write that retires them before
        the last hit is taken ends it with an error (run it again)."""
        if explain:
            raise SearcherError(NO_EXPLAIN)
        filters = _checked(1, 1, order, lang, source, later_start(date_from, since), date_to)
        for _ in range(STATE_ATTEMPTS):
            manifest = self.manifest()
            try:
                return self._export_at(manifest, query, literal, filters, order, snippets, group)
            except Gone:
                continue  # a write retired the states read: read the manifest again
        raise IndexDamaged(f"the index at {self.path} kept changing while it was searched: try again")

    def _export_at(self, manifest: ClusterManifest, query: str, literal: bool, filters: Filters, order: str,
                   snippets: bool, group: bool) -> Export:
        ask, _ = self._asker(manifest, False, quick=False)  # a whole ranking, batches of snippets: not quick calls
        plan = self._plan(manifest, Query(query, literal), ask)
        stats = self._statistics_of(manifest, plan, ask)
        answers, docs = self._ranking(manifest, plan, stats, Request(0, filters, order, everything=True), ask)
        groups = merge.grouped(docs, group, CONFIG.ranking.near_duplicate_threshold)
        parts = list(answers.values())
        all_words = None if any(part.all_words is None for part in parts) else sum(part.all_words for part in parts)

        def hits() -> Iterator[Hit]:
            for start in range(0, len(groups), EXPORT_BATCH):
                try:
                    batch = self._hits(manifest, plan, stats, groups[start:start + EXPORT_BATCH], snippets, {}, ask)
                except Gone as error:
                    raise SearcherError(f"the index at {self.path} changed during the export ({error}): "
                                        f"run it again") from error
                yield from batch

        return Export(query, sum(part.total for part in parts), all_words, plan.notes, hits(), lambda: None)

    def similar(self, article_id: str, limit: int = 10, page: int = 1, lang: str | Iterable[str] | None = None,
                snippets: bool = True, *, source: str | Iterable[str] | None = None,
                date_from: str | date | None = None, date_to: str | date | None = None,
                sort: str = "relevance", facets: bool = False, group: bool = False,
                allow_partial: bool = False) -> Page:
        """As ``searcher.Index.similar``, over every shard."""
        filters = _checked(limit, page, sort, lang, source, date_from, date_to)
        return self._answer(Query(like=article_id), f"similar:{article_id}", limit, page, filters, sort, facets,
                            group, False, snippets, allow_partial)

    def get(self, article_id: str) -> Article:
        """The stored article ``article_id``, from the shard holding it."""
        article = self._on_holder(article_id, "get", article_id)
        if article is None:
            raise ArticleNotFound(article_id)
        return article

    def read(self, article_id: str, query: str | None = None) -> Reading:
        self.get(article_id)
        return self._on_holder(article_id, "read", article_id, query)

    def stats(self) -> Stats:
        """Documents per language and size summed over the shards; the cluster's history."""
        manifest = self.manifest()
        parts = self._read_all(manifest, "stats").results.values()
        languages: dict[str, int] = {}
        for part in parts:
            for lang, count in part.languages.items():
                languages[lang] = languages.get(lang, 0) + count
        return Stats(path=str(self.path), documents=sum(part.documents for part in parts),
                     languages=dict(sorted(languages.items())), size_bytes=sum(part.size_bytes for part in parts),
                     analysis_version=manifest.analysis_version, created=manifest.created,
                     last_update=manifest.last_update, generation=f"{len(manifest.shards)} shards",
                     history=manifest.history)

    def verify(self) -> VerifyReport:
        """Every shard verified at the state the cluster names; their counts those it records."""
        manifest = self.manifest()
        problems, documents_count, segments = [], 0, 0
        for name, report in sorted(self._read_all(manifest, "verify").results.items()):
            documents_count += report.documents
            segments += report.segments
            problems += [f"{name}: {problem}" for problem in report.problems
                         if "the last recorded run" not in problem]  # a shard's history runs ahead of its cluster state until the next run
            if report.documents != manifest.states[name].documents:
                problems.append(f"{name}: {report.documents} documents, the cluster recorded {manifest.states[name].documents}")
        if manifest.analysis_version != CURRENT_VERSION:
            problems.append(f"built with analysis {manifest.analysis_version}, this searcher uses {CURRENT_VERSION}: "
                            f"run `searcher rebuild`")
        return VerifyReport(f"{len(manifest.shards)} shards", documents_count, segments, problems)

    def __len__(self) -> int:
        return self.manifest().documents

    @property
    def watches(self):
        raise SearcherError(NO_WATCHES)

    def new_matches(self, *args, **kwargs):
        raise SearcherError(NO_WATCHES)

    # Writing

    def add_paths(self, paths: Iterable[str | os.PathLike], on_skip: Callable[[Skipped], None] | None = None,
                  sync: bool = False, procs: int | None = None,
                  on_progress: Callable[[IndexReport], None] | None = None,
                  options: drops.ReadOptions = drops.DEFAULT_OPTIONS,
                  on_note: Callable[[Note], None] | None = None) -> IndexReport:
        """As ``searcher.Index.add_paths``: the files are read here, their articles written by the
        shards' workers. ``procs`` is not used: each shard has one writer, the shards write in
        parallel. ``on_progress`` gets the report so far, with the articles read as ``added``."""
        paths = [os.path.abspath(path) for path in paths]
        with self._locked() as manifest:
            vanished = self._vanished(manifest, paths) if sync else None
            return self._index(manifest, drops.read_paths(paths, options, on_note), on_skip, on_progress, vanished,
                               paths)

    def add_documents(self, records: Iterable[Article | dict], on_skip: Callable[[Skipped], None] | None = None,
                      procs: int | None = None, on_progress: Callable[[IndexReport], None] | None = None,
                      options: drops.ReadOptions = drops.DEFAULT_OPTIONS,
                      on_note: Callable[[Note], None] | None = None) -> IndexReport:
        """As ``searcher.Index.add_documents``."""
        with self._locked() as manifest:
            return self._index(manifest, drops.read_records(records, options, on_note), on_skip, on_progress, None,
                               ["<memory>"])

    def remove(self, ids: Iterable[str]) -> RemoveReport:
        """Removes the articles with these ids from the shards holding them, in one cluster commit."""
        with self._locked() as manifest:
            wanted: dict[str, list[str]] = {name: [] for name in manifest.shards}
            for article_id in dict.fromkeys(ids):
                wanted[manifest.shards[shard_of(article_id, len(manifest.shards))]].append(article_id)
            results = self._run(manifest, {name: ("remove", found) for name, found in wanted.items() if found})
            report = RemoveReport()
            for name in manifest.shards:
                if name in results:
                    report.removed += results[name][1].removed
                    report.not_found += results[name][1].not_found
            entry = HistoryEntry(utc_now(), "remove", tuple(report.removed), removed=len(report.removed))
            self._switch(manifest, {name: state for name, (state, _) in results.items()},
                         entry if report.removed else None)
        return report

    def rebuild(self, on_skip: Callable[[Skipped], None] | None = None) -> RebuildReport:
        """Every shard rebuilt into a new generation of its own (searcher.Index.rebuild: articles
        re-read from their source files, which must be readable at the same paths on the machine
        holding the shard, else kept from their stored fields); then one switch to all of them."""
        with self._locked() as manifest:
            results = self._run(manifest, {name: ("rebuild",) for name in manifest.shards})
            report = RebuildReport(generation=f"{len(manifest.shards)} shards")
            for name in manifest.shards:
                part = results[name][1]
                report.reread += part.reread
                report.kept += part.kept
                report.missing_sources += [path for path in part.missing_sources if path not in report.missing_sources]
                report.skipped += part.skipped
                report.lost += part.lost
                for skipped in part.skipped:
                    if on_skip:
                        on_skip(skipped)
            entry = HistoryEntry(utc_now(), "rebuild", added=report.reread + report.kept, skipped=len(report.skipped))
            self._switch(replace(manifest, analysis_version=CURRENT_VERSION),
                         {name: state for name, (state, _) in results.items()}, entry)
        return report

    def optimize(self) -> None:
        """Merges every shard's segments into one."""
        with self._locked() as manifest:
            results = self._run(manifest, {name: ("optimize",) for name in manifest.shards})
            self._switch(manifest, {name: state for name, (state, _) in results.items()},
                         HistoryEntry(utc_now(), "optimize"))

    # Queries, inside

    def _answer(self, query: Query, shown: str, limit: int, page: int, filters: Filters, sort: str, facets: bool,
                group: bool, suggest: bool, snippets: bool, allow_partial: bool) -> Page:
        for _ in range(STATE_ATTEMPTS):
            manifest = self.manifest()
            try:
                return self._answer_at(manifest, query, shown, limit, page, filters, sort, facets, group, suggest,
                                       snippets, allow_partial)
            except Gone:
                continue  # a write retired the states read: read the manifest again
        raise IndexDamaged(f"the index at {self.path} kept changing while it was searched: try again")

    def _answer_at(self, manifest: ClusterManifest, query: Query, shown: str, limit: int, page: int,
                   filters: Filters, sort: str, facets: bool, group: bool, suggest: bool, snippets: bool,
                   allow_partial: bool) -> Page:
        ask, failed = self._asker(manifest, allow_partial)
        if len(manifest.shards) == 1:  # one shard's statistics are the cluster's: one call does it all
            name = manifest.shards[0]
            found = ask({name: ("answer", query, limit, page, filters, sort, facets, group, suggest, snippets)})
            return replace(found.get(name) or Page(shown, 0, page, limit, [], sort=sort),
                           shards={"total": 1, "failed": len(failed)})
        plan = self._plan(manifest, query, ask)
        stats = self._statistics_of(manifest, plan, ask)
        wanted = (page - 1) * limit + limit
        # A first page's hits come with the ranking when they are rows alone: each shard then makes
        # the hits of every match that may be on the page, up to twice the page in all, which costs
        # more than a round trip once each needs a snippet (docs/scaling.md).
        request = Request(wanted, filters, sort, facets, everything=group,
                          fetch=limit if page == 1 and not snippets else 0)
        answers, docs = self._ranking(manifest, plan, stats, request, ask)
        groups = merge.grouped(docs, group, CONFIG.ranking.near_duplicate_threshold)
        total = sum(answer.total for answer in answers.values())
        fetched = {hit.id: hit for answer in answers.values() for hit in answer.hits}
        hits = self._hits(manifest, plan, stats, groups[(page - 1) * limit: wanted], snippets, fetched, ask)
        suggestion = self._suggestion(plan, filters, total, ask) if suggest else None
        return Page(query=shown, total=total, page=page, limit=limit, hits=hits,
                    facets=_ordered_facets(merge.facets(answer.facets for answer in answers.values())) if facets else None,
                    suggestion=suggestion, sort=sort, shards={"total": len(manifest.shards), "failed": len(failed)})

    def _asker(self, manifest: ClusterManifest, allow_partial: bool,
               quick: bool = True) -> tuple[Callable[[dict], dict], dict[str, str]]:
        """A function that calls the shards' readers at the states ``manifest`` names (shard ->
        (method, *args)) and returns their results; and the shards that failed (shard ->
        reason), left out of later calls (with ``allow_partial``; else a failure raises).
        ``quick``: as ``Workers.call``'s."""
        failed: dict[str, str] = {}

        def ask(calls: dict[str, tuple]) -> dict:
            outcome = self._workers.call({name: ("read", manifest.cluster_id, name, manifest.states[name], *call)
                                          for name, call in calls.items() if name not in failed}, quick)
            if not allow_partial:
                outcome.check()
            failed.update(outcome.failed)
            return outcome.results

        return ask, failed

    def _ranking(self, manifest: ClusterManifest, plan: Plan, stats: Statistics, request: Request,
                 ask) -> tuple[dict, list]:
        """Phase two on every shard: their answers, and their rankings merged as one."""
        answers = ask({name: ("rank", plan, request, stats) for name in manifest.shards})
        problems = [answer.problem for answer in answers.values() if answer.problem]
        if answers and len(problems) == len(answers):
            raise SearcherError(problems[0])
        return answers, merge.ranked([answer.docs for answer in answers.values()], request.sort,
                                     CONFIG.ranking.proximity_depth)

    def _statistics_of(self, manifest: ClusterManifest, plan: Plan, ask) -> Statistics:
        """The statistics of ``plan``'s terms summed over the shards; kept for the states the
        manifest names, so that a query asked again (a next page, a popular query) skips the
        round trip. Not kept when a shard did not answer."""
        key = (tuple(manifest.states.items()), plan)
        found = self._statistics.get(key)
        if found is None:
            parts = ask({name: ("statistics", plan) for name in manifest.shards})
            found = Statistics.summed(list(parts.values()))
            if len(parts) == len(manifest.shards):
                if len(self._statistics) >= STATISTICS_KEPT:
                    self._statistics.clear()
                self._statistics[key] = found
        return found

    def _suggestion(self, plan: Plan, filters: Filters, total: int, ask) -> str | None:
        """Did-you-mean, as a single index makes it: when the query finds few articles, its words
        corrected from the shards' vocabularies (the correction most shards make), if that finds
        more articles in all."""
        if total >= CONFIG.ranking.suggest_below or not plan.suggestible:
            return None
        names = list(self.manifest().shards)
        corrected = merge.most_common(ask({name: ("correction", plan) for name in names}).values())
        if corrected is None:
            return None
        found = sum(ask({name: ("count", corrected, filters) for name in names}).values())
        return corrected if found > total else None

    def _plan(self, manifest: ClusterManifest, query: Query, ask) -> Plan:
        if query.like is None:
            return planning.plan(query.text, CONFIG, query.literal)
        holder = manifest.shards[shard_of(query.like, len(manifest.shards))]
        found = ask({holder: ("like", query.like)})
        if holder not in found:
            raise ShardUnavailable(f"shard {holder}, which holds the article {query.like!r}, did not answer")
        return found[holder]

    def _hits(self, manifest: ClusterManifest, plan: Plan, stats: Statistics, groups: list[merge.Group],
              snippets: bool, fetched: dict[str, Hit], ask) -> list[Hit]:
        """The hits of the groups' leaders, with their merged scores: those ``fetched`` with the
        ranking, the others asked of the shards holding them."""
        wanted: dict[str, list[tuple[str, float]]] = {}
        for doc, _ in groups:
            if doc.id not in fetched:
                wanted.setdefault(manifest.shards[shard_of(doc.id, len(manifest.shards))], []).append((doc.id, doc.score))
        found = dict(fetched)
        if wanted:
            found |= {hit.id: hit for hits in ask({name: ("hits", plan, stats, docs, snippets)
                                                   for name, docs in wanted.items()}).values() for hit in hits}
        return [replace(found[doc.id], score=doc.score, similar=tuple(other.id for other in others))
                for doc, others in groups if doc.id in found]

    def _on_holder(self, article_id: str, method: str, *args):
        manifest = self.manifest()
        return self._on_shard(manifest, manifest.shards[shard_of(article_id, len(manifest.shards))], method, *args,
                              quick=True)

    def _on_shard(self, manifest: ClusterManifest, name: str, method: str, *args, quick: bool = False):
        outcome = self._workers.call({name: ("read", manifest.cluster_id, name, manifest.states[name], method, *args)},
                                     quick)
        outcome.check()
        return outcome.results[name]

    def _read_all(self, manifest: ClusterManifest, method: str, *args):
        outcome = self._workers.call({name: ("read", manifest.cluster_id, name, manifest.states[name], method, *args)
                                      for name in manifest.shards})
        outcome.check()
        return outcome

    # Writing, inside

    @contextmanager
    def _locked(self) -> Iterator[ClusterManifest]:
        """Holds the cluster's writer lock; yields the manifest."""
        try:
            lock = acquire_writer(self.path, self._wait)
        except OSError as error:
            raise SearcherError(f"cannot write to the index at {self.path}: {error.strerror or error}") from error
        try:
            yield read_cluster(self.path)
        finally:
            lock.release()

    def _begin(self, manifest: ClusterManifest) -> None:
        """Starts a write run on every shard, each back at the state the manifest names."""
        self._write_all(manifest, {name: ("begin", manifest.states[name], manifest.analysis_version, self._wait)
                                   for name in manifest.shards})

    def _write_all(self, manifest: ClusterManifest, calls: dict[str, tuple]) -> dict:
        """Calls the shards (shard -> (operation, *arguments)); a failure abandons the run on
        every shard."""
        outcome = self._workers.call({name: (op, manifest.cluster_id, name, *args) for name, (op, *args) in calls.items()})
        if outcome.failed:
            self._end(manifest)
            name, reason = next(iter(outcome.failed.items()))
            raise ShardUnavailable(f"shard {name} failed during the run: {reason}. Nothing of this run is "
                                   f"visible; run it again")
        return outcome.results

    def _end(self, manifest: ClusterManifest) -> None:
        self._workers.call({name: ("end", manifest.cluster_id, name) for name in manifest.shards})

    def _run(self, manifest: ClusterManifest, calls: dict[str, tuple]) -> dict:
        """A write run of one writer method per shard (``calls``: shard -> (method, *args)): each
        returns (its new state, its report)."""
        self._begin(manifest)
        try:
            return self._write_all(manifest, {name: ("write", *call) for name, call in calls.items()})
        except BaseException:
            self._end(manifest)
            raise

    def _index(self, manifest: ClusterManifest, items: Iterable[Article | Skipped], on_skip, on_progress,
               vanished: dict[str, set[str]] | None, paths: list[str], action: str = "index") -> IndexReport:
        """Routes the articles of ``items`` to the shards' writers, commits every shard, switches."""
        names = manifest.shards
        self._begin(manifest)
        try:
            self._write_all(manifest, {name: ("write", "start_indexing") for name in names})
            read = IndexReport()
            batches: dict[str, list[Article]] = {name: [] for name in names}
            sending: dict[str, object] = {}
            seen: set[str] = set()
            for item in items:
                if isinstance(item, Skipped):
                    read.skipped.append(item)
                    if on_skip:
                        on_skip(item)
                    continue
                name = names[shard_of(item.id, len(names))]
                batches[name].append(item)
                if vanished is not None:
                    seen.add(item.id)
                read.added += 1
                if on_progress:
                    on_progress(read)
                if len(batches[name]) >= BATCH:
                    self._send(manifest, name, batches, sending)
            for name in names:
                self._send(manifest, name, batches, sending)
            self._settle(manifest, sending)
            self._write_all(manifest, {name: ("write", "drain") for name in names})
            gone = {name: sorted((vanished or {}).get(name, set()) - seen) for name in names}
            # The shards commit in parallel but the last, so that a test can stop the run between two commits.
            results = self._write_all(manifest, {name: ("write", "commit", gone[name]) for name in names[:-1]})
            hooks.pause("cluster-commit")
            results |= self._write_all(manifest, {names[-1]: ("write", "commit", gone[names[-1]])})
        except BaseException:
            self._end(manifest)
            raise
        report = merge.report(report for _, report in results.values())
        report.skipped = read.skipped
        if vanished is None:
            report.removed = None
        entry = HistoryEntry(utc_now(), action, tuple(paths), **report.to_dict())
        self._switch(manifest, {name: state for name, (state, _) in results.items()}, entry)
        return report

    def _send(self, manifest: ClusterManifest, name: str, batches: dict[str, list], sending: dict) -> None:
        """Hands a shard its next batch; at most one batch per shard is on its way at a time."""
        if not batches[name]:
            return
        self._settle(manifest, {name: sending.pop(name)} if name in sending else {})
        sending[name] = self._workers.call_async(name, ("write", manifest.cluster_id, name, "feed", batches[name]))
        batches[name] = []

    def _settle(self, manifest: ClusterManifest, sending: dict) -> None:
        outcome = self._workers.settle(sending)
        sending.clear()
        if outcome.failed:
            name, reason = next(iter(outcome.failed.items()))
            raise ShardUnavailable(f"shard {name} failed during the run: {reason}. Nothing of this run is "
                                   f"visible; run it again")

    def _switch(self, manifest: ClusterManifest, states: dict[str, ShardState], entry: HistoryEntry | None) -> None:
        """The cluster's commit: the manifest names the new states (one rename); then the shards
        retire the states no one reads any more and end their runs."""
        hooks.pause("cluster-switch")
        write_cluster(self.path, manifest.committed(states, entry))
        self._workers.call({name: ("retire", manifest.cluster_id, name, state) for name, state in states.items()})
        self._end(manifest)

    def _vanished(self, manifest: ClusterManifest, roots: list[str]) -> dict[str, set[str]]:
        """Per shard, the ids of its articles whose source file under ``roots`` is gone (looked
        for on this machine, where the drops are read)."""
        found = self._read_all(manifest, "ids_by_source", roots).results
        return {name: {article_id for path, ids in sources.items() if not os.path.exists(path) for article_id in ids}
                for name, sources in found.items()}


def _checked(limit: int, page: int, sort: str, lang, source, date_from, date_to) -> Filters:
    if limit < 1 or page < 1:
        raise SearcherError("limit and page must be at least 1")
    if sort not in SORTS:
        raise SearcherError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    return Filters.of(lang, source, date_from, date_to)


def _connect(path: Path, manifest: ClusterManifest, scheduler: str | None, processes: bool) -> Workers:
    """The remote cluster at ``scheduler``, or a local one on the shard folders under ``path``."""
    try:
        import distributed  # noqa: F401
    except ImportError as error:
        raise SearcherError('a sharded index runs on Dask: pip install "searcher[cluster]"') from error
    if scheduler:
        return Workers.remote(scheduler)
    return Workers.local({name: local_folder(path, manifest, name) for name in manifest.shards}, processes)


def reshard(path: str | os.PathLike, count: int, wait: float = DEFAULT_WAIT, processes: bool = True) -> dict:
    """Rebuilds the index at ``path`` (sharded, or a single index) into ``count`` shards on a
    local cluster: every stored article is routed to its new shard, the new shards are written
    beside the old ones, and the cluster manifest switches to them in one rename. Returns
    ``{"shards", "documents"}``."""
    path = Path(path)
    try:
        lock = acquire_writer(path, wait)
    except FileNotFoundError as error:
        raise IndexNotFound(f"no index at {path}") from error
    try:
        old = read_cluster(path)
        target = ClusterManifest.new(count, CURRENT_VERSION)
        earlier = old if old is not None else read_manifest(path)
        if earlier is not None:
            target = replace(target, created=earlier.created, history=earlier.history)
        index = ShardedIndex(path, _connect(path, target, None, processes), wait)
        with index, _articles_of(path, old, processes) as articles:
            outcome = index._workers.call({name: ("create", target.cluster_id, name)
                                           for name in target.shards})
            outcome.check()
            target = target.committed(outcome.results, None)
            report = index._index(target, articles, None, None, None, [str(path)], action="reshard")
        documents_count = report.indexed
    finally:
        lock.release()
    _remove_old_layout(path, old)
    return {"shards": count, "documents": documents_count}


@contextmanager
def _articles_of(path: Path, manifest: ClusterManifest | None, processes: bool) -> Iterator[Iterator[Article]]:
    """Every stored article of the index at ``path``, shard after shard."""
    if manifest is None:
        folder = IndexFolder(path, DEFAULT_WAIT, check_version=False)
        try:
            yield (article for article, _ in folder.open().store.articles())
        finally:
            folder.close()
        return
    with ShardedIndex(path, _connect(path, manifest, None, processes)) as old:
        def articles() -> Iterator[Article]:
            for name in manifest.shards:
                start = 0
                while batch := old._on_shard(manifest, name, "articles", start, BATCH):
                    yield from batch
                    start += len(batch)

        yield articles()


def _remove_old_layout(path: Path, old: ClusterManifest | None) -> None:
    """After a reshard: the old shards' folders (or a single index's generations) go."""
    if old is not None:
        shutil.rmtree(path / old.layout, ignore_errors=True)
        return
    from searcher.manifest import MANIFEST_NAME

    (path / MANIFEST_NAME).unlink(missing_ok=True)
    for entry in os.scandir(path):
        if entry.is_dir() and entry.name.startswith("gen-"):
            shutil.rmtree(entry.path, ignore_errors=True)
