"""Ingest: articles into one generation of the index, upserted by id and content hash, in one
commit per run; removals; copying a generation into a new one for a rebuild.

Unchanged articles cost a hash comparison: the hashes of the whole index are read once (two
columns) and an article reaches Whoosh, which analyses it, only when it is new or changed.
New ids are added without Whoosh's delete-by-id lookup.
"""
from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from searcher import drops, hooks
from searcher.backend.whoosh import WhooshStore
from searcher.model import Article, Skipped
from searcher.model import IndexReport, RebuildReport, RemoveReport

OnSkip = Callable[[Skipped], None] | None
OnProgress = Callable[[IndexReport], None] | None
PARALLEL_FROM = 1000  # articles to write from which a run uses all cores by default


def ingest(store: WhooshStore, items: Iterable[Article | Skipped], on_skip: OnSkip = None,
           sync: Iterable[str | os.PathLike] | None = None, procs: int | None = None,
           on_progress: OnProgress = None) -> IndexReport:
    """Adds new articles, replaces changed ones and leaves unchanged ones alone; with ``sync``
    (drop folders or files) also removes the articles whose source file under them is gone.

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
    with store.writer(procs=procs) as writer:
        for article, previous in itertools.chain(head, changes):
            if previous is None:
                writer.add(article)
                report.added += 1
            else:
                writer.replace(article)
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


def copy_rebuilt(old: WhooshStore, new: WhooshStore, on_skip: OnSkip = None) -> RebuildReport:
    """Fills the empty store ``new`` with the articles of ``old``, each re-read from the source
    file it came from; articles whose source is gone, or no longer yields them, are copied from
    the stored fields. Articles a source holds but ``old`` does not are left out (a rebuild
    re-analyses the index, it does not index new drops)."""
    sources = old.ids_by_source(lambda path: True)
    present = [path for path in sources if os.path.isfile(path)]
    wanted = {article_id: path for path in present for article_id in sources[path]}
    report = RebuildReport(missing_sources=[path for path in sources if os.path.isabs(path) and path not in present])
    reread: set[str] = set()
    with new.writer() as writer:
        for item in drops.read_paths(present):
            if isinstance(item, Skipped):
                report.skipped.append(item)
                if on_skip:
                    on_skip(item)
            elif wanted.get(item.id) == item.path and item.id not in reread:
                writer.add(item)
                reread.add(item.id)
        for article in old.articles():
            if article.id not in reread:
                writer.add(article)
                report.kept += 1
    report.reread = len(reread)
    return report


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
