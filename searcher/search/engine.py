"""A plan answered over one index: filters, tiers, the head's rescoring, pages, facets, folding.

``Engine`` reads one commit of one index through a ``Source`` (the ranking arrays, and the
index of record for positions, stored fields and ids) and answers in two steps, so that a
sharded index can run them on every shard with statistics summed over all of them:

1. ``statistics(plan)``: the BM25F statistics of the plan's terms in this index;
2. ``rank(plan, request, stats)``: every match scored with ``stats``, filtered, and the best
   ``offset + limit`` of them in ranking order (ties by id, so that any split of the articles
   into shards ranks alike), with the total, the count of articles holding all of a keyword
   query's words, and facet counts.

How matches are ranked: by tier (a short keyword query's all-words matches first), within a
tier by score; the head of the ranking (``proximity_depth`` matches) is rescored by the query's
stop words and the proximity bonus (searcher.search.proximity), both of which only raise scores,
so every page is cut from the same order. ``sort="date"`` orders every match newest first,
undated last. With folding, near-duplicates (searcher.dedup) among the ranked matches are
folded into the best-ranked of them.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from searcher import dedup
from searcher.analysis.article import FAMILIES, chain, family_of
from searcher.config import Config
from searcher.errors import SearcherError
from searcher.filters import LANGUAGES, Filters, date_bounds
from searcher.model import Hit, Snippet
from searcher.query import plan as planning
from searcher.query.plan import Phrase, Plan, Prefix, Term, positive_terms
from searcher.search import proximity, snippets, suggest
from searcher.search.collection import Collection, Statistics
from searcher.search.scoring import Matches, Positions, Scorer
from searcher.search.variants import variants

NO_VALUE = "none"  # the facet value of articles without a source or a date


class Source(Positions, Protocol):
    """One commit of one index, as the engine reads it."""

    collection: Collection

    def stored(self, docnum: int) -> dict:
        """The stored fields of a document."""

    def ids(self, docnums: Sequence[int]) -> list[str]:
        """The ids of documents."""

    def docnum(self, article_id: str) -> int | None:
        """The live document with this id, if any."""

    def signatures(self, docnums: Sequence[int]) -> list[bytes | None]:
        """The near-duplicate signatures of documents (None for an article without words)."""

    def spellings(self, field: str, family: str, term: str, distance: int) -> list[str]:
        """Terms of a title or body field within ``distance`` edits of ``term`` (same first letter)."""

    def runs(self) -> np.ndarray:
        """Each document's run number: the indexing run that wrote it (Filters.after_run)."""


@dataclass(frozen=True)
class Request:
    """Which page of which ranking to return, and how."""

    offset: int = 0
    limit: int = 10
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    group: bool = False
    with_snippets: bool = True
    facets: bool = False


@dataclass(frozen=True)
class Ranked:
    """Phase two of a search in one index: the best matches and what is counted over all."""

    total: int
    docs: list[tuple[int, float]]  # (docnum, score), in ranking order
    all_words: int | None = None  # articles holding every content word of a keyword query
    facets: dict[str, dict[str, int]] | None = None
    notes: tuple[str, ...] = ()
    # Undated articles matching the query and every other filter that a date filter left out
    # (None: no date filter).
    undated_left_out: int | None = None


@dataclass(frozen=True)
class Answer:
    """A page of hits and what goes with it."""

    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] | None = None
    suggestion: str | None = None
    all_words: int | None = None
    notes: tuple[str, ...] = ()
    undated_left_out: int | None = None


class Engine:
    """Answers plans over one commit of one index (see the module docstring)."""

    def __init__(self, source: Source, config: Config):
        self.source = source
        self.config = config
        self.collection = source.collection
        self._id_order: np.ndarray | None = None

    # The two phases

    def statistics(self, plan: Plan, extra: Sequence[tuple[str, str, str]] = ()) -> Statistics:
        """This index's statistics of every term the plan may score (wildcards and phrases
        expanded here)."""
        plan = self.expanded(plan)
        keys = set(extra)
        for query in [plan.query] + [tier.stop_words for tier in plan.tiers]:
            keys.update(positive_terms(query))
        keys.update(("body", family, word) for family in FAMILIES for word in plan.proximity_words(family))
        return Statistics.of(self.collection, sorted(keys))

    def rank(self, plan: Plan, request: Request, stats: Statistics | None = None) -> Ranked:
        """The best ``offset + limit`` matches (more with folding: enough groups), ranked."""
        plan = self.expanded(plan)
        stats = stats or self.statistics(plan)
        scorer = _MemoScorer(self.collection, stats, self.config.ranking, self.source)
        allowed, undated = self._filtered(request.filters, plan)
        found = [scorer.match(tier.matching) if tier.matching is not None else _everything(self.collection)
                 for tier in plan.tiers] or [_everything(self.collection)]
        undated_left_out = None if undated is None else 0
        for part in found:
            if undated is not None:
                undated_left_out += int((part.mask & undated).sum())
            part.mask &= allowed
        total = int(sum(part.mask.sum() for part in found))
        all_words = None
        if plan.keyword and plan.all_words is not None:
            all_words = int((scorer.match(plan.all_words).mask & allowed).sum())
        facets = self._facets(np.logical_or.reduce([part.mask for part in found])) if request.facets else None
        wanted = request.offset + request.limit
        if request.group:
            wanted *= self.config.ranking.grouping_depth
        if request.sort == "date":
            docs = self._by_date(np.logical_or.reduce([part.mask for part in found]), wanted, request.group)
        else:
            docs = self._by_relevance(plan, found, scorer, stats, wanted, request.group)
        return Ranked(total, docs, all_words, facets, tuple(scorer.notes), undated_left_out)

    # Single index

    def search(self, plan: Plan, request: Request, suggest_correction: bool = False) -> Answer:
        """A page of hits for ``plan``, with a did-you-mean when asked and the query finds little."""
        plan = self.expanded(plan)
        ranked = self.rank(plan, request)
        hits = self.hits(ranked.docs, plan, request)
        suggestion = None
        if suggest_correction and ranked.total < self.config.ranking.suggest_below and plan.suggestible:
            suggestion = suggest.better_query(self, plan, request, ranked.total)
        return Answer(ranked.total, hits, ranked.facets, suggestion, ranked.all_words, plan.notes + ranked.notes,
                      ranked.undated_left_out)

    def hits(self, docs: list[tuple[int, float]], plan: Plan | None, request: Request) -> list[Hit]:
        """The page ``request`` asks for of ranked ``docs``, folded if asked, with snippets."""
        if request.group:
            groups = self._grouped(docs)
        else:
            groups = [(doc, []) for doc in docs]
        page = groups[request.offset : request.offset + request.limit]
        return [self.hit(docnum, score, plan, request.with_snippets, [other for other, _ in others])
                for (docnum, score), others in page]

    def hit(self, docnum: int, score: float, plan: Plan | None, with_snippets: bool, similar: list[int]) -> Hit:
        """One hit: stored fields, snippet and title matches."""
        stored = self.source.stored(docnum)
        title, body = stored.get("stored_title", ""), stored.get("stored_body", "")
        snippet, title_matches = Snippet(), ()
        if with_snippets and plan is not None:
            family = family_of(stored["lang"])
            analyzer = chain(family, self.config.index)
            snippet = snippets.best_snippet(analyzer, body, plan.snippet_terms(family))
            title_matches = snippets.spans(analyzer, title, plan.title_terms(family))
        elif with_snippets:
            snippet = snippets.best_snippet(chain("generic", self.config.index), body, frozenset())
        return Hit(id=stored["id"], title=title, lang=stored["lang"], date=stored.get("date"), path=stored.get("path", ""),
                   score=score, snippet=snippet, source=stored.get("outlet") or stored.get("source"), url=stored.get("url"),
                   similar=tuple(self.source.ids(similar)), title_matches=title_matches)

    def count(self, plan: Plan, filters: Filters) -> int:
        """How many articles ``plan`` matches among those ``filters`` allow."""
        plan = self.expanded(plan)
        stats = self.statistics(plan)
        scorer = Scorer(self.collection, stats, self.config.ranking, self.source)
        allowed = self._allowed(filters, plan)
        if plan.query is None:
            return int(allowed.sum())
        return int((scorer.match(plan.query).mask & allowed).sum())

    def expand(self, query):
        """``query`` with its wildcards replaced by the terms they stand for in this index, and
        its phrases by their variants across spelling conventions (searcher.search.variants)."""
        if query is None:
            return None
        scorer = Scorer(self.collection, Statistics(0, {}, {}), self.config.ranking, self.source)

        def replaced(leaf):
            if isinstance(leaf, Prefix):
                return scorer.expanded(leaf)
            if isinstance(leaf, Phrase) and leaf.written:
                return variants(leaf, chain(leaf.family, self.config.index),
                                lambda term: self.collection.postings(leaf.field, leaf.family, term) is not None)
            return leaf

        return _replace_leaves(query, replaced)

    def expanded(self, plan: Plan) -> Plan:
        """``plan`` with its wildcards and phrases expanded in this index (``expand``)."""
        if plan.expanded:
            return plan
        return replace(plan, expanded=True, query=self.expand(plan.query),
                       tiers=tuple(planning.Tier(self.expand(tier.matching), self.expand(tier.stop_words))
                                   for tier in plan.tiers),
                       all_words=self.expand(plan.all_words))

    def overview(self) -> dict[str, dict[str, int]]:
        """Every live article counted by language, source and month (``none``: undated)."""
        return self._facets(self.collection.live)

    # Ranking

    def _by_relevance(self, plan: Plan, found: list[Matches], scorer: Scorer, stats: Statistics, wanted: int,
                      everything: bool) -> list[tuple[int, float]]:
        ranking = self.config.ranking
        pairs = proximity.pairs(plan, stats) if ranking.proximity_depth else {}
        rescoring = bool(pairs) or any(tier.stop_words is not None for tier in plan.tiers)
        if rescoring:
            wanted = max(wanted, ranking.proximity_depth)
        ranked: list[tuple[int, float]] = []
        for tier, part in zip(plan.tiers or [None], found):
            if len(ranked) >= wanted and not everything:
                break
            docs = self._top(part, None if everything else wanted - len(ranked))
            depth = ranking.proximity_depth - len(ranked)
            if rescoring and depth > 0 and docs:
                docs = self._rescored(docs, depth, tier.stop_words if tier else None, pairs, scorer)
            ranked += docs
        return ranked

    def _rescored(self, docs: list[tuple[int, float]], depth: int, stop_words, pairs, scorer: Scorer) -> list:
        """``docs`` with the first ``depth`` rescored by the stop words and the proximity bonus."""
        head = docs[:depth]
        docnums = [docnum for docnum, _ in head]
        extra = dict.fromkeys(docnums, 0.0)
        if stop_words is not None and (stop_words.children if isinstance(stop_words, planning.Or) else True):
            stop_scores = scorer.match(stop_words).scores
            for docnum in docnums:
                extra[docnum] += float(stop_scores[docnum])
        if pairs:
            for docnum, bonus in proximity.bonuses(self.source, self.collection, pairs, docnums, self.config.ranking.proximity_window).items():
                extra[docnum] += bonus
        rescored = [(docnum, score + extra[docnum]) for docnum, score in head]
        order = self._id_rank()
        return sorted(rescored, key=lambda doc: (-doc[1], order[doc[0]])) + docs[depth:]

    def _top(self, part: Matches, count: int | None) -> list[tuple[int, float]]:
        """The ``count`` best of ``part``'s matches (all of them for None), by score then id."""
        candidates = np.flatnonzero(part.mask)
        if not len(candidates):
            return []
        scores = part.scores[candidates]
        if count is not None and count < len(candidates):
            cut = np.partition(scores, len(scores) - count)[len(scores) - count]
            keep = scores >= cut
            candidates, scores = candidates[keep], scores[keep]
        order = np.lexsort((self._id_rank()[candidates], -scores))
        if count is not None:
            order = order[:count]
        return list(zip(candidates[order].tolist(), scores[order].tolist()))

    def _by_date(self, mask: np.ndarray, wanted: int, everything: bool) -> list[tuple[int, float]]:
        """The matches newest first, undated last, ties by id."""
        candidates = np.flatnonzero(mask)
        order = np.lexsort((self._id_rank()[candidates], -self.collection.date[candidates].astype(np.int64)))
        if not everything:
            order = order[:wanted]
        return [(docnum, 0.0) for docnum in candidates[order].tolist()]

    def _id_rank(self) -> np.ndarray:
        """Each document's place in the order of ids (ties rank by id)."""
        if self._id_order is None:
            ids = self.source.ids(range(self.collection.size))
            order = np.empty(len(ids), dtype=np.int64)
            order[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
            self._id_order = order
        return self._id_order

    # Filters, facets, folding

    def _allowed(self, filters: Filters, plan: Plan | None) -> np.ndarray:
        """The live documents ``filters`` and the query's own filters (``lang:``...) allow."""
        return self._filtered(filters, plan)[0]

    def _filtered(self, filters: Filters, plan: Plan | None) -> tuple[np.ndarray, np.ndarray | None]:
        """The documents ``_allowed`` allows, and the undated ones that only a date filter
        (``--from``/``--to``, ``date:``) left out (None without a date filter)."""
        allowed = self.collection.live.copy()
        typed = plan.constraints if plan is not None else planning.Constraints()
        for name, values in (("lang", filters.lang), ("lang", typed.lang), ("source", filters.source),
                             ("source", typed.source), ("id", typed.ids)):
            if values:
                allowed &= self._mask(name, values)
        for name, value in typed.excluded:
            allowed &= ~self._mask(name, (value,))
        if filters.after_run is not None:
            allowed &= self.source.runs() > filters.after_run
        dated = None
        if filters.date_from or filters.date_to:
            dated = self._dated(filters.date_from, filters.date_to)
        for value in typed.date:
            in_range = self._mask("date", (value,))
            dated = in_range if dated is None else dated & in_range
        if dated is None:
            return allowed, None
        return allowed & dated, allowed & (self.collection.date == 0)

    def _mask(self, name: str, values: Sequence[str]) -> np.ndarray:
        """The documents whose ``name`` (lang, source, date or id) is any of ``values``."""
        collection = self.collection
        if name == "lang":
            unknown = [value for value in values if value not in LANGUAGES]
            if unknown:
                raise SearcherError(f"unknown language {unknown[0]!r}: use one of {', '.join(LANGUAGES)}")
            codes, table = collection.langs
            return np.isin(codes, [i for i, lang in enumerate(table) if lang in values])
        if name == "source":
            return np.isin(collection.outlets[0], self._outlet_codes(values))
        if name == "date":
            found = np.zeros(collection.size, dtype=bool)
            for value in values:
                found |= self._dated(*date_bounds(value))
            return found
        chosen = np.zeros(collection.size, dtype=bool)
        for article_id in values:
            docnum = self.source.docnum(article_id)
            if docnum is not None:
                chosen[docnum] = True
        return chosen

    def _dated(self, start: str | None, end: str | None) -> np.ndarray:
        """The documents dated from ``start`` to ``end`` (ISO, inclusive; None: open); never undated ones."""
        dates = self.collection.date
        low = int(start.replace("-", "")) if start else 1
        high = int(end.replace("-", "")) if end else 99_999_999
        return (dates >= low) & (dates <= high)

    def _outlet_codes(self, names: Sequence[str]) -> list[int]:
        """The collection's outlet codes equal to any of ``names`` but for case."""
        codes, table = self.collection.outlets
        found = []
        for name in names:
            same = [i for i, outlet in enumerate(table) if outlet.casefold() == name.casefold()]
            if not same:
                listed = ", ".join(sorted(table)[:20]) or "none"
                raise SearcherError(f"no articles from source {name!r}: the index knows {listed}")
            found += same
        return found

    def _facets(self, mask: np.ndarray) -> dict[str, dict[str, int]]:
        """Matches per language, source and month (``YYYY-MM``)."""
        collection = self.collection
        lang_codes, langs = collection.langs
        outlet_codes, outlets = collection.outlets
        counts = {"lang": Counter(), "source": Counter(), "month": Counter()}
        for code, count in zip(*np.unique(lang_codes[mask], return_counts=True)):
            counts["lang"][langs[code]] += int(count)
        for code, count in zip(*np.unique(outlet_codes[mask], return_counts=True)):
            counts["source"][outlets[code] if code >= 0 else NO_VALUE] += int(count)
        for month, count in zip(*np.unique(collection.date[mask] // 100, return_counts=True)):
            counts["month"][f"{month // 100:04d}-{month % 100:02d}" if month else NO_VALUE] += int(count)
        return {name: dict(counter.most_common()) for name, counter in counts.items()}

    def _grouped(self, docs: list[tuple[int, float]]) -> list[tuple[tuple[int, float], list[tuple[int, float]]]]:
        """The ranked documents as (leader, near-duplicates ranked below it), in rank order."""
        signatures = self.source.signatures([docnum for docnum, _ in docs])
        leaders = dedup.group_leaders(signatures, self.config.ranking.near_duplicate_threshold)
        groups: dict[int, tuple] = {}
        for doc, leader in zip(docs, leaders):
            if leader in groups:
                groups[leader][1].append(doc)
            else:
                groups[leader] = (doc, [])
        return list(groups.values())


class _MemoScorer(Scorer):
    """A scorer that matches each distinct clause once per search (tiers share their parts)."""

    def __init__(self, *args):
        super().__init__(*args)
        self._memo: dict = {}

    def _match(self, query) -> Matches:
        if isinstance(query, (Term, Prefix)) or query is None:
            return super()._match(query)
        if query not in self._memo:
            self._memo[query] = super()._match(query)
        found = self._memo[query]
        return Matches(found.mask.copy(), found.scores.copy())


def _everything(collection: Collection) -> Matches:
    return Matches(collection.live.copy(), np.zeros(collection.size, dtype=np.float64))


def _replace_leaves(query, replace_leaf):
    """``query`` with each leaf replaced by ``replace_leaf(leaf)``."""
    if isinstance(query, (planning.Or, planning.And)):
        return type(query)(tuple(_replace_leaves(child, replace_leaf) for child in query.children))
    if isinstance(query, planning.AndNot):
        return planning.AndNot(_replace_leaves(query.positive, replace_leaf), _replace_leaves(query.negative, replace_leaf))
    if isinstance(query, planning.AndMaybe):
        return planning.AndMaybe(_replace_leaves(query.required, replace_leaf),
                                 _replace_leaves(query.optional, replace_leaf))
    if isinstance(query, planning.Not):
        return planning.Not(_replace_leaves(query.child, replace_leaf))
    return replace_leaf(query) if query is not None else None
