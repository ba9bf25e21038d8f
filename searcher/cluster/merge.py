"""Putting the shards' answers together: rankings merged, near-duplicates folded, counts added.

Pure functions over what shards return (searcher.cluster.shard). Rankings merge by tier, score
and id, and the head's bonuses go to the cluster's head, so the merged order is the one a single
index gives whatever the split into shards; by date, newest first, undated last, then by id.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from searcher import dedup
from searcher.model import IndexReport

if TYPE_CHECKING:  # a shard imports this module to choose the hits it fetches with its ranking
    from searcher.cluster.shard import RankedDoc

Group = tuple["RankedDoc", list["RankedDoc"]]  # a hit and the near-duplicates folded into it


def _by_date(doc: RankedDoc) -> tuple:
    return -doc.date, doc.id


def _by_score(doc: RankedDoc) -> tuple:
    return doc.tier, -doc.score, doc.id


def _by_rescored(doc: RankedDoc) -> tuple:
    return doc.tier, -(doc.score + doc.bonus), doc.id


def ranked(rankings: Iterable[Sequence[RankedDoc]], sort: str, head: int) -> list[RankedDoc]:
    """The shards' rankings as one, as a single index ranks: by date (newest first, undated
    last) then id; or by tier, then score, then id, the first ``head`` matches then rescored
    with their bonuses (within their tiers, by score then id)."""
    docs = [doc for ranking in rankings for doc in ranking]
    if sort == "date":
        return sorted(docs, key=_by_date)
    docs.sort(key=_by_score)
    rescored = sorted(docs[:head], key=_by_rescored)
    return [doc._replace(score=doc.score + doc.bonus, bonus=0.0) for doc in rescored] + docs[head:]


def may_lead(docs: Sequence[RankedDoc], wanted: int, sort: str, head: int) -> list[RankedDoc]:
    """Of one shard's ranking, the matches that may be among the cluster's first ``wanted``
    whatever the other shards hold (``ranked``): its own first ``wanted``, and the matches of
    its head whose bonus may lift them there. The cluster's head begins with a shard's first
    matches, so a match of the head is in the cluster's head only with every match this shard
    ranks above it; when ``wanted`` of those rank above it after rescoring too, it cannot
    reach the first ``wanted``."""
    if sort == "date":
        return sorted(docs, key=_by_date)[:wanted]
    order = sorted(docs, key=_by_score)
    chosen = order[:wanted]
    for place in range(wanted, min(head, len(order))):
        key = _by_rescored(order[place])
        if sum(_by_rescored(above) < key for above in order[:place]) < wanted:
            chosen.append(order[place])
    return chosen


def grouped(docs: Sequence[RankedDoc], fold: bool, threshold: float) -> list[Group]:
    """The ranked documents as (leader, near-duplicates ranked below it), in rank order; each a
    group of its own unless ``fold`` (``threshold``: searcher.dedup.group_leaders')."""
    if not fold:
        return [(doc, []) for doc in docs]
    leaders = dedup.group_leaders([doc.signature for doc in docs], threshold)
    groups: dict[int, Group] = {}
    for doc, leader in zip(docs, leaders):
        if leader in groups:
            groups[leader][1].append(doc)
        else:
            groups[leader] = (doc, [])
    return list(groups.values())


def facets(parts: Iterable[dict[str, dict[str, int]] | None]) -> dict[str, dict[str, int]] | None:
    """The shards' facet counts added up (None when no shard counted any)."""
    total: dict[str, Counter] = {}
    counted = False
    for part in parts:
        if part is None:
            continue
        counted = True
        for name, counts in part.items():
            total.setdefault(name, Counter()).update(counts)
    return {name: dict(counts) for name, counts in total.items()} if counted else None


def report(reports: Iterable[IndexReport]) -> IndexReport:
    """The shards' indexing reports of one run, added up (skipped records are the reader's)."""
    total = IndexReport()
    for part in reports:
        total.added += part.added
        total.updated += part.updated
        total.unchanged += part.unchanged
        if part.removed is not None:
            total.removed = (total.removed or 0) + part.removed
    return total


def most_common(values: Iterable[str | None]) -> str | None:
    """The value most shards gave (the first of those in shard order), None when none gave one."""
    counts = Counter(value for value in values if value)
    return counts.most_common(1)[0][0] if counts else None
