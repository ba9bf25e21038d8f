"""Ingest: articles into the index, upserted by id and content hash, in one commit per run."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from searcher.backend.whoosh import WhooshStore
from searcher.documents import Article, Skipped
from searcher.results import IndexReport


def ingest(store: WhooshStore, items: Iterable[Article | Skipped], on_skip: Callable[[Skipped], None] | None = None) -> IndexReport:
    """Adds new articles, replaces changed ones and leaves unchanged ones alone.

    Everything is committed at once at the end; on any error nothing of the run is committed.
    An id met twice in one run with different contents keeps its first version (the second is
    reported as skipped), so a run never indexes two articles under one id.
    """
    known = store.content_hashes()
    seen_this_run: dict[str, str] = {}
    report = IndexReport()
    with store.writer() as put:
        for item in items:
            if isinstance(item, Article) and seen_this_run.get(item.id, item.content_hash) != item.content_hash:
                item = Skipped(item.path, f"id {item.id!r} appears twice in this run with different contents; kept the first")
            if isinstance(item, Skipped):
                report.skipped.append(item)
                if on_skip:
                    on_skip(item)
                continue
            seen_this_run[item.id] = item.content_hash
            previous = known.get(item.id)
            if previous == item.content_hash:
                report.unchanged += 1
                continue
            put(item)
            known[item.id] = item.content_hash
            if previous is None:
                report.added += 1
            else:
                report.updated += 1
    return report
