"""Ingest: articles into one generation of the index, upserted by id and content hash, in one
commit per run; removals; copying a generation into a new one for a rebuild.

Every article written records its provenance (searcher.model.Provenance): the number of the run
that wrote it, which tells the articles a run added or changed (standing queries), and the
reading options it was read with, which a rebuild reads its source with again.

Unchanged articles cost a hash comparison: the hashes of the whole index are read once (two
columns) and an article reaches Whoosh, which analyses it, only when it is new or changed.
New ids are added without Whoosh's delete-by-id lookup.
"""
from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from searcher import drops, hooks
from searcher.backend.whoosh import WhooshStore
from searcher.model import Article, HistoryEntry, IndexReport, Provenance, RebuildReport, RemoveReport, Skipped

OnSkip = Callable[[Skipped], None] | None
OnProgress = Callable[[IndexReport], None] | None
PARALLEL_FROM = 1000  # articles to write from which a run uses all cores by default


def ingest(store: WhooshStore, items: Iterable[Article | Skipped], on_skip: OnSkip = None,
           sync: Iterable[str | os.PathLike] | None = None, procs: int | None = None,
           on_progress: OnProgress = None, provenance: Provenance = Provenance()) -> IndexReport:
    """Adds new articles, replaces changed ones and leaves unchanged ones alone; with ``sync``
    (drop folders or files) also removes the articles whose source file under them is gone.
    The articles written record ``provenance`` (this run's number and reading options).

    Everything is committed at once at the end; on any error nothing of the run is committed.
    An id met twice in one run with different contents keeps its first version (the second is
    reported as skipped), so a run never indexes two articles under one id. An article whose
    source is gone but which this run delivers again (a moved file) is kept with its new path.

    ``procs`` analysis processes (``None``: all cores when the run writes at least
    ``PARALLEL_FROM`` articles, else one, since starting workers costs more than a small run).
    ``on_progress`` is called with the report after every item read.
    """
    known = store.content_hashes()
    gone = _ids_from_gone_sources(store, sync) if sync is not None else set()
    seen_this_run: dict[str, str] = {}
    report = IndexReport(removed=None if sync is None else 0)
    changes = _changes(_first_versions(items, seen_this_run), known, gone, report, on_skip, on_progress)
    head = list(itertools.islice(changes, PARALLEL_FROM))
    if procs is None:
        procs = (os.cpu_count() or 1) if len(head) == PARALLEL_FROM else 1
    analysing = False
    with store.writer(procs=procs, before_commit=lambda: hooks.pause("commit")) as writer:
        for article, previous in itertools.chain(head, changes):
            if previous is None:
                writer.add(article, provenance)
                report.added += 1
            else:
                writer.replace(article, provenance)
                report.updated += 1
            if on_progress:
                on_progress(report)
            if not analysing and writer.analysing:
                analysing = True
                hooks.pause("analysis")
        if sync is not None:
            vanished = gone - seen_this_run.keys()
            writer.delete(vanished)
            report.removed = len(vanished)
    return report


def peek_article(items: Iterable[Article | Skipped]) -> tuple[Iterator[Article | Skipped], bool]:
    """``items`` as they were, and whether they hold an article: read up to the first one
    (the Skipped before it are kept)."""
    iterator = iter(items)
    head: list[Article | Skipped] = []
    for item in iterator:
        head.append(item)
        if isinstance(item, Article):
            return itertools.chain(head, iterator), True
    return iter(head), False


def skipped_only(items: Iterable[Skipped], on_skip: OnSkip = None, on_progress: OnProgress = None,
                 sync: bool = False) -> IndexReport:
    """The report of a run whose items were all skipped (it needs no index)."""
    report = IndexReport(removed=0 if sync else None)
    for _ in _changes(items, {}, set(), report, on_skip, on_progress):
        pass
    return report


def _changes(items: Iterable[Article | Skipped], known: dict[str, str], gone: set[str], report: IndexReport,
             on_skip: OnSkip, on_progress: OnProgress) -> Iterator[tuple[Article, str | None]]:
    """The new and changed articles among ``items``, each with its previous content hash
    (``None`` when new); skipped and unchanged items are counted in ``report``."""
    for item in items:
        if isinstance(item, Skipped):
            report.skipped.append(item)
            if on_skip:
                on_skip(item)
        elif known.get(item.id) == item.content_hash and item.id not in gone:
            report.unchanged += 1
        else:
            yield item, known.get(item.id)
            known[item.id] = item.content_hash
            gone.discard(item.id)
            continue
        if on_progress:
            on_progress(report)


def remove(store: WhooshStore, ids: Iterable[str]) -> RemoveReport:
    """Removes the articles with these ids, in one commit."""
    known = store.content_hashes()
    report = RemoveReport()
    for article_id in dict.fromkeys(ids):
        (report.removed if article_id in known else report.not_found).append(article_id)
    if report.removed:
        with store.writer() as writer:
            writer.delete(report.removed)
    return report


def rebuilt(old: WhooshStore | None, new: WhooshStore, history: Iterable[HistoryEntry], run: int,
            on_skip: OnSkip = None) -> RebuildReport:
    """Fills the empty store ``new`` for a rebuild (run ``run``): from a sound generation
    ``old`` as ``copy_rebuilt`` does, from a damaged one (or None: unreadable) as ``recovered``
    does."""
    if old is not None and not old.damaged():
        return copy_rebuilt(old, new, run, on_skip)
    return recovered(old, new, history, run, on_skip)


def copy_rebuilt(old: WhooshStore, new: WhooshStore, run: int, on_skip: OnSkip = None) -> RebuildReport:
    """Fills the empty store ``new`` with the articles of ``old``, each re-read from the source
    file it came from with the reading options it was read with; articles whose source is gone,
    or no longer yields them, are copied from the stored fields. Articles a source holds but
    ``old`` does not are left out (a rebuild re-analyses the index, it does not index new drops).
    Each article keeps the number of the run that wrote it, unless its source now gives other
    contents: then the rebuild (run ``run``) changed it."""
    return _reread(new, old.ids_by_source(lambda path: True), old.provenances(), old.content_hashes(), old.articles,
                   run, RebuildReport(), on_skip)


def recovered(old: WhooshStore | None, new: WhooshStore, history: Iterable[HistoryEntry], run: int,
              on_skip: OnSkip = None) -> RebuildReport:
    """Fills the empty store ``new`` from a damaged generation ``old`` as ``copy_rebuilt``
    does, from the articles whose stored fields still read; those whose stored fields are
    damaged are looked for in the drops of ``history``'s runs (their latest version), and
    reported ``lost`` when no drop delivers them. With ``old`` None (not even its table of
    contents reads) the runs of ``history`` are replayed in order: each index run's drops
    re-read as they are now (with the default reading options), each removal applied; the
    runs of articles given in memory are reported lost."""
    history = list(history)
    if old is None:
        return _replayed(new, history, run, on_skip)
    sources: dict[str, list[str]] = {}
    written: dict[str, Provenance] = {}
    hashes: dict[str, str] = {}
    lost = []
    for item in old.salvage():
        if isinstance(item, tuple):
            article, provenance = item
            sources.setdefault(article.path, []).append(article.id)
            written[article.id], hashes[article.id] = provenance, article.content_hash
        else:
            lost.append(item)
    for article in _latest_in_history(history, {item.article_id for item in lost if item.article_id}).values():
        sources.setdefault(article.path, []).append(article.id)
        written[article.id], hashes[article.id] = Provenance(run), article.content_hash
    report = RebuildReport(lost=[str(item) for item in lost if item.article_id not in written])

    def stored() -> Iterator[tuple[Article, Provenance]]:
        return (item for item in old.salvage() if isinstance(item, tuple))

    return _reread(new, sources, written, hashes, stored, run, report, on_skip)


def _reread(new: WhooshStore, sources: dict[str, list[str]], written: dict[str, Provenance], hashes: dict[str, str],
            articles: Callable[[], Iterable[tuple[Article, Provenance]]], run: int, report: RebuildReport,
            on_skip: OnSkip) -> RebuildReport:
    """Adds to ``new`` the articles ``sources`` names (source path -> ids), each re-read from
    its file with the options it was read with (``written``), then the stored ``articles`` that
    no source yielded; counts in ``report``."""
    present = [path for path in sources if os.path.isfile(path)]
    report.missing_sources += [path for path in sources if os.path.isabs(path) and path not in present]
    readings: dict[str, tuple[dict | None, dict[str, str]]] = {}  # options -> (options, id -> its file)
    for path in present:
        for article_id in sources[path]:
            read_with = written[article_id].read_with
            readings.setdefault(json.dumps(read_with, sort_keys=True), (read_with, {}))[1][article_id] = path
    reread: set[str] = set()
    with new.writer(before_commit=lambda: hooks.pause("commit")) as writer:
        for read_with, wanted in readings.values():
            files = list(dict.fromkeys(wanted.values()))
            for item in drops.read_paths(files, drops.ReadOptions.from_recorded(read_with)):
                if isinstance(item, Skipped):
                    report.skipped.append(item)
                    if on_skip:
                        on_skip(item)
                elif wanted.get(item.id) == item.path and item.id not in reread:
                    changed = item.content_hash != hashes.get(item.id)
                    writer.add(item, Provenance(run if changed else written[item.id].run, read_with))
                    reread.add(item.id)
        for article, provenance in articles():
            if article.id not in reread:
                writer.add(article, provenance)
                report.kept += 1
    report.reread += len(reread)
    return report


def _replayed(new: WhooshStore, history: list[HistoryEntry], run: int, on_skip: OnSkip) -> RebuildReport:
    """``new`` filled by replaying the runs of ``history`` (see ``recovered``)."""
    report = RebuildReport()
    for entry in history:
        if entry.action == "index":
            paths = [path for path in entry.paths if path != drops.MEMORY]
            if len(paths) < len(entry.paths):
                report.lost.append(f"the {entry.added + entry.updated} articles given in memory on {entry.when}")
            if paths:
                report.skipped += ingest(new, drops.read_paths(paths), on_skip,
                                         provenance=Provenance(entry.run or run)).skipped
        elif entry.action == "remove":
            remove(new, entry.paths)
    report.reread = len(new.content_hashes())
    return report


def _latest_in_history(history: list[HistoryEntry], ids: set[str]) -> dict[str, Article]:
    """The latest version of each article of ``ids`` that the drops of ``history``'s index runs
    deliver now (an id removed by a later run is left out)."""
    found: dict[str, Article] = {}
    if not ids:
        return found
    for entry in history:
        if entry.action == "index":
            paths = [path for path in entry.paths if path != drops.MEMORY]
            for item in drops.read_paths(paths) if paths else ():
                if isinstance(item, Article) and item.id in ids:
                    found[item.id] = item
        elif entry.action == "remove":
            for article_id in entry.paths:
                found.pop(article_id, None)
    return found


def _first_versions(items: Iterable[Article | Skipped], seen: dict[str, str]) -> Iterator[Article | Skipped]:
    """The items, with a second, different article under an id already met turned into a
    Skipped; ``seen`` collects id -> content hash of the articles let through."""
    for item in items:
        if isinstance(item, Article):
            if seen.setdefault(item.id, item.content_hash) != item.content_hash:
                item = Skipped(item.path, f"id {item.id!r} appears twice in this run with different contents; kept the first")
        yield item


def _ids_from_gone_sources(store: WhooshStore, roots: Iterable[str | os.PathLike]) -> set[str]:
    """Ids of the articles whose source file lies under ``roots`` and no longer exists."""
    folders = [Path(os.path.abspath(root)) for root in roots]

    def gone(path: str) -> bool:
        source = Path(path)
        return source.is_absolute() and any(source == root or source.is_relative_to(root) for root in folders) and not source.exists()

    return {article_id for ids in store.ids_by_source(gone).values() for article_id in ids}
