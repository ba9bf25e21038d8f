"""A plan answered over one index: filters, tiers, the head's rescoring, pages, facets, folding.

``Engine`` reads one commit of one index through a ``Source`` (the ranking arrays, positions
included, and the index of record for stored fields and ids) and answers in two steps, so that a
sharded index can run them on every shard with statistics summed over all of them:

1. ``statistics(plan)``: the BM25F statistics of the plan's terms in this index;
2. ``rank(plan, request, stats)``: every match scored with ``stats``, filtered, and the best
   ``offset + limit`` of them in ranking order (ties by id, so that any split of the articles
   into shards ranks alike), with the total, the count of articles holding all of a keyword
   query's words, and facet counts.

How matches are ranked: by tier (a short keyword query's all-words matches first), within a
tier by score; the head of the ranking (``proximity_depth`` matches) is rescored by the query's
stop words, the proximity bonus (searcher.search.proximity) and, when on, passage evidence
(searcher.search.passages), all of which only raise scores, so every page is cut from the same
order. ``sort="date"`` orders every match newest first, undated last. With folding,
near-duplicates (searcher.dedup) among the ranked matches are folded into the best-ranked of
them, reading the ranking as a stream: a page folds the ranking
a chunk at a time up to its last hit, ``stream`` (an export) folds all of it and then reads
the hits one by one; an engine that has folded as many matches as its index holds then folds
from the similar pairs of the whole index, found once (the same groups, without signatures).
With ``Request.explain`` a search also says how its query was read (searcher.query.explain)
and which terms each hit holds, in which words.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from searcher import dedup
from searcher.analysis.article import FAMILIES, chain, family_of
from searcher.analysis.steps import Token
from searcher.config import Config
from searcher.errors import SearcherError
from searcher.filters import LANGUAGES, Filters, date_bounds
from searcher.model import Explanation, Hit, Matched, MatchedWord, Snippet
from searcher.query import plan as planning
from searcher.query.explain import explanation
from searcher.query.plan import Phrase, Plan, Prefix, Term, positive_terms
from searcher.query.tree import map_leaves
from searcher.search import feedback, passages, proximity, snippets, suggest
from searcher.search.collection import Collection, Statistics
from searcher.search.scoring import Matches, Positions, Scorer, body_rarities
from searcher.search.variants import needed, variants

NO_VALUE = "none"  # the facet value of articles without a source or a date
GROUP_CHUNK = 256  # ranked documents folded at first for a page of grouped hits (see Engine._groups)
LEADERS_CHUNK = dedup.PACKED_ROWS  # signatures folded at a time in a stream: as many as fold fastest
ID_RANK_AFTER = 2048  # tied documents beyond which an engine reads every id once to break ties
VARIANTS_CACHED = 1024  # phrases whose variants an engine keeps


class Source(Positions, Protocol):
    """One commit of one index, as the engine reads it."""

    collection: Collection

    def stored(self, docnum: int) -> dict:
        """The stored fields of a document."""

    def row(self, docnum: int) -> dict:
        """The stored fields of a document that a hit without snippets shows (id, title,
        language, date, path, source, outlet and url), read without its text."""

    def ids(self, docnums: Sequence[int]) -> list[str]:
        """The ids of documents."""

    def docnum(self, article_id: str) -> int | None:
        """The live document with this id, if any."""

    def signatures(self, docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The near-duplicate signatures of documents as ``dedup.Grouper.add`` takes them: a
        (len, NUM_PERM) uint32 matrix and whether each has one (an article without words has none)."""

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
    explain: bool = False  # the query's explanation, and the terms each hit holds


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
    explain: Explanation | None = None


class Engine:
    """Answers plans over one commit of one index (see the module docstring)."""

    def __init__(self, source: Source, config: Config):
        self.source = source
        self.config = config
        self.collection = source.collection
        self._id_order: np.ndarray | None = None
        self._folded = 0  # documents folded from their signatures (see _fold_by_pairs)
        self._pairs: dedup.Pairs | None = None  # the similar pairs of the whole index, once found
        self._variants: dict[Phrase, object] = {}

    # The two phases

    def statistics(self, plan: Plan, extra: Sequence[tuple[str, str, str]] = ()) -> Statistics:
        """This index's statistics of every term the plan may score (wildcards and phrases
        expanded here). Of a plan not yet expanded (phase one of indexes ranked together), also
        those of every term whose presence decides its phrases' variants: expanded with the
        summed statistics, the phrases take the variants of all the indexes' vocabulary."""
        keys = set(extra) | (set() if plan.expanded else self._variant_terms(plan))
        plan = self.expanded(plan)
        for query in [plan.query] + [part for tier in plan.tiers for part in (tier.matching, tier.stop_words)]:
            keys.update(positive_terms(query))
        keys.update(("body", family, word) for family in FAMILIES for word in plan.proximity_words(family))
        return Statistics.of(self.collection, sorted(keys), repetitions=self.config.ranking.tf_model == "bm25t")

    def rank(self, plan: Plan, request: Request, stats: Statistics | None = None) -> Ranked:
        """The best ``offset + limit`` matches (all of them with folding, which reads the
        ranking as a stream), ranked."""
        counted, docnums, scores = self._ranking(self.expanded(plan, stats), request, stats, everything=request.group)
        return replace(counted, docs=list(zip(docnums.tolist(), scores.tolist())))

    def _ranking(self, plan: Plan, request: Request, stats: Statistics | None,
                 everything: bool) -> tuple[Ranked, np.ndarray, np.ndarray]:
        """What is counted over every match (``docs`` left empty), and the matches' document
        numbers and scores in ranking order: the best ``offset + limit``, or all of them.
        ``plan`` is expanded (``expanded``). With pseudo-relevance feedback (``feedback_docs``,
        searcher.search.feedback), a keyword query ranked by relevance in one index (no
        statistics handed in: a sharded index ranks without it) is ranked twice, the second time
        with the feedback terms of the first ranking's best matches."""
        docs = self.config.ranking.feedback_docs
        if docs and plan.keyword and stats is None and request.sort == "relevance":
            _, docnums, scores = self._ranked(plan, replace(request, offset=0, limit=docs), None, False)
            plan = feedback.expanded(self, plan, list(zip(docnums.tolist(), scores.tolist())))
        return self._ranked(plan, request, stats, everything)

    def _ranked(self, plan: Plan, request: Request, stats: Statistics | None,
                everything: bool) -> tuple[Ranked, np.ndarray, np.ndarray]:
        """``_ranking`` without feedback."""
        counted, found, scorer, stats = self._counted(plan, request, stats)
        wanted = request.offset + request.limit
        if request.sort == "date":
            docnums, scores = self._by_date(np.logical_or.reduce([part.mask for part in found]), wanted, everything)
        else:
            docnums, scores = self._by_relevance(plan, found, scorer, stats, wanted, everything)
        return counted, docnums, scores

    def rank_parts(self, plan: Plan, request: Request, stats: Statistics) -> tuple[Ranked, list[tuple[int, int, float, float]]]:
        """Phase two for indexes ranked together (searcher.cluster): what is counted over every
        match, and of each tier its best ``offset + limit`` matches (at least the head's
        ``proximity_depth``; all of them with folding) as (tier, docnum, score, head bonus):
        the score before the head is rescored, and what the rescoring adds to it. Merged by
        tier, score and id, with the bonuses added to the first ``proximity_depth`` matches
        only, they rank as one index would."""
        plan = self.expanded(plan, stats)
        counted, found, scorer, stats = self._counted(plan, request, stats)
        depth = self.config.ranking.proximity_depth
        evidence = self._evidence(plan, stats)
        wanted = max(request.offset + request.limit, depth)
        parts = []
        for number, (tier, part) in enumerate(zip(plan.tiers or [None], found)):
            docnums, scores = self._top(part, None if request.group else wanted)
            stop_words = tier.stop_words if tier else None
            bonus = self._bonuses(docnums[:depth].tolist(), stop_words, evidence, scorer) if depth else {}
            parts += [(number, docnum, score, bonus.get(docnum, 0.0))
                      for docnum, score in zip(docnums.tolist(), scores.tolist())]
        return counted, parts

    def _counted(self, plan: Plan, request: Request, stats: Statistics | None):
        """What is counted over every match (total, all-words count, facets, undated left out),
        the matches of each tier, the scorer and the statistics."""
        stats = stats or self.statistics(plan)
        scorer = _MemoScorer(self.collection, stats, self.config.ranking, self.source)
        allowed, undated = self._filtered(request.filters, plan)
        found = [scorer.match(tier.matching) if tier.matching is not None else _everything(self.collection)
                 for tier in plan.tiers] or [_everything(self.collection)]
        undated_left_out = None if undated is None else sum(np.count_nonzero(part.mask & undated) for part in found)
        found = [Matches(part.mask & allowed, part.scores) for part in found]
        total = sum(np.count_nonzero(part.mask) for part in found)
        all_words = None
        if plan.every_word is not None:
            all_words = np.count_nonzero(scorer.match(plan.every_word).mask & allowed)
        facets = self._facets(np.logical_or.reduce([part.mask for part in found])) if request.facets else None
        counted = Ranked(total, [], all_words, facets, tuple(scorer.notes), undated_left_out)
        return counted, found, scorer, stats

    # Single index

    def search(self, plan: Plan, request: Request, suggest_correction: bool = False) -> Answer:
        """A page of hits for ``plan``, with a did-you-mean when asked and the query finds little."""
        plan = self.expanded(plan)
        ranked, docnums, scores = self._ranking(plan, request, None, everything=request.group)
        hits = self.hits(docnums, scores, plan, request)
        suggestion = None
        if suggest_correction and ranked.total < self.config.ranking.suggest_below and plan.suggestible:
            suggestion = suggest.better_query(self, plan, request, ranked.total)
        explained = self.explain(plan) if request.explain else None
        return Answer(ranked.total, hits, ranked.facets, suggestion, ranked.all_words, plan.notes + ranked.notes,
                      ranked.undated_left_out, explained)

    def hits(self, docnums: np.ndarray, scores: np.ndarray, plan: Plan | None, request: Request) -> list[Hit]:
        """The page ``request`` asks for of the ranked documents ``docnums`` (with their
        ``scores``), folded if asked, with snippets (``plan`` expanded, as ``search`` hands it)."""
        if request.group:
            page = self._groups(docnums, request.offset, request.limit)
        else:
            last = min(request.offset + request.limit, len(docnums))
            page = [(position, []) for position in range(request.offset, last)]
        return [self.hit(int(docnums[position]), float(scores[position]), plan, request.with_snippets,
                         docnums[others].tolist(), request.explain)
                for position, others in page]

    def stream(self, plan: Plan, request: Request, stats: Statistics | None = None) -> tuple[Ranked, Iterator[Hit]]:
        """Every match of ``plan``: what is counted over them (``docs`` left empty), and their
        hits in ranking order from ``request.offset`` on, read from the index as they are
        taken. Folded if asked: each hit then lists its near-duplicates among all the matches
        (all of them are folded first, from their signatures: no stored fields are read)."""
        plan = self.expanded(plan)
        counted, docnums, scores = self._ranking(plan, request, stats, everything=True)
        return counted, self._streamed(plan, request, docnums, scores)

    def _streamed(self, plan: Plan, request: Request, docnums: np.ndarray, scores: np.ndarray) -> Iterator[Hit]:
        if request.group:
            leaders = self._leaders(docnums)
            members, bounds = _members(leaders)
            heads = np.flatnonzero(leaders == np.arange(len(leaders)))[request.offset:]
        else:
            heads = np.arange(request.offset, len(docnums))
        for position in heads.tolist():
            similar = docnums[members[bounds[position] + 1 : bounds[position + 1]]].tolist() if request.group else []
            yield self.hit(int(docnums[position]), float(scores[position]), plan, request.with_snippets, similar,
                           request.explain)

    def article_tokens(self, docnum: int) -> tuple[dict, str, list[Token]]:
        """An indexed article's stored fields, its family and the tokens of its title and body,
        analysed as the index analysed them (more-like-this and feedback read its terms)."""
        stored = self.source.stored(docnum)
        family = family_of(stored["lang"])
        text = f"{stored.get('stored_title', '')}\n{stored.get('stored_body', '')}"
        return stored, family, chain(family, self.config.index)(text)

    def hit(self, docnum: int, score: float, plan: Plan | None, with_snippets: bool, similar: list[int],
            explain: bool = False) -> Hit:
        """One hit: stored fields, snippet and title matches; with ``explain``, the query terms
        the article holds and the words that hold them."""
        stored = self.source.stored(docnum) if with_snippets or explain else self.source.row(docnum)
        title, body = stored.get("stored_title", ""), stored.get("stored_body", "")
        snippet, title_matches, matched = Snippet(), (), ()
        family = family_of(stored["lang"])
        analyzer = chain(family, self.config.index)
        if with_snippets and plan is not None:
            snippet = snippets.best_snippet(analyzer, body, plan.snippet_terms(family))
            title_matches = snippets.spans(analyzer, title, plan.title_terms(family))
        elif with_snippets:
            snippet = snippets.best_snippet(chain("generic", self.config.index), body, frozenset())
        if explain and plan is not None:
            matched = self._matched(docnum, family, analyzer, title, body, plan)
        return Hit(id=stored["id"], title=title, lang=stored["lang"], date=stored.get("date"), path=stored.get("path", ""),
                   score=score, snippet=snippet, source=stored.get("outlet") or stored.get("source"), url=stored.get("url"),
                   similar=tuple(self.source.ids(similar)), title_matches=title_matches, matched=matched)

    def _matched(self, docnum: int, family: str, analyzer, title: str, body: str, plan: Plan) -> tuple[Matched, ...]:
        """The terms of ``plan`` (expanded) the document holds, in query order, each with the
        field it was searched in and the words of the title and body holding it."""
        terms = [(searched, term) for searched, fam, term in dict.fromkeys(positive_terms(plan.query))
                 if fam == family]
        wanted = frozenset(term for _, term in terms)
        written = {name: [(text[start:end], term) for start, end, term in analyzer.matches(text, wanted)]
                   for name, text in ((planning.TITLE, title), (planning.BODY, body))}
        found = []
        for searched, term in terms:
            postings = self.collection.postings(searched, family, term)
            if postings is None:
                continue
            at = int(np.searchsorted(postings.docs, docnum))
            if at == len(postings.docs) or postings.docs[at] != docnum:
                continue
            words = [MatchedWord(word, name, _only_a_part(analyzer, word, term))
                     for name in ((planning.TITLE, planning.BODY) if searched == planning.RANKING else (searched,))
                     for word in dict.fromkeys(word for word, found_term in written[name] if found_term == term)]
            found.append(Matched(term, searched, tuple(words)))
        return tuple(found)

    def explain(self, plan: Plan) -> Explanation:
        """How ``plan``'s query was read (searcher.query.explain), for this index."""
        codes = np.unique(self.collection.family[self.collection.live])
        return explanation(plan, self.config, self.expand, [FAMILIES[code] for code in codes.tolist()] or ["text"])

    def count(self, plan: Plan, filters: Filters) -> int:
        """How many articles ``plan`` matches among those ``filters`` allow."""
        plan = self.expanded(plan)
        stats = self.statistics(plan)
        scorer = Scorer(self.collection, stats, self.config.ranking, self.source)
        allowed = self._allowed(filters, plan)
        if plan.query is None:
            return int(allowed.sum())
        return np.count_nonzero(scorer.match(plan.query).mask & allowed)

    def expand(self, query, notes: list[str] | None = None, stats: Statistics | None = None):
        """``query`` with its wildcards replaced by the terms they stand for in this index, and
        its phrases by their variants across spelling conventions (searcher.search.variants)
        in this index's vocabulary, or in that of the indexes whose summed ``stats`` (phase
        one's, ``statistics``) are given; a wildcard cut to its most frequent words adds a line
        to ``notes``."""
        if query is None:
            return None
        scorer = Scorer(self.collection, Statistics(0, {}, {}), self.config.ranking, self.source)
        scorer.notes = notes if notes is not None else []

        def replaced(leaf):
            if isinstance(leaf, Prefix):
                return scorer.expanded(leaf)
            if isinstance(leaf, Phrase) and leaf.written:
                return self._variants_of(leaf, stats)
            return leaf

        return map_leaves(query, replaced)

    def _variants_of(self, phrase: Phrase, stats: Statistics | None):
        """``phrase`` with its variants (searcher.search.variants) in this commit, or in the
        vocabulary of the indexes whose summed ``stats`` are given: a term is known when a
        document holds it in the phrase's field. Kept for the next ``VARIANTS_CACHED``
        phrases: a search expands its query and its tiers, which share their phrases, and
        finding the variants analyses every way to cut a word in two."""
        if stats is None:
            key, known = (phrase, None), (lambda term: self.collection.postings(phrase.field, phrase.family, term) is not None)
        else:
            known_terms = frozenset(term for term in self._needed(phrase)
                                    if stats.doc_frequency(phrase.field, phrase.family, term))
            key, known = (phrase, known_terms), known_terms.__contains__
        found = self._variants.get(key)
        if found is None:
            found = variants(phrase, chain(phrase.family, self.config.index), known)
            if len(self._variants) >= VARIANTS_CACHED:
                self._variants.clear()
            self._variants[key] = found
        return found

    def _needed(self, phrase: Phrase) -> set[str]:
        """The terms whose presence decides ``phrase``'s variants (searcher.search.variants)."""
        return needed(phrase, chain(phrase.family, self.config.index))

    def _variant_terms(self, plan: Plan) -> set[tuple[str, str, str]]:
        """(field, family, term) of every term whose presence decides the variants of the
        phrases ``expanded`` would expand in ``plan``."""
        found: set[tuple[str, str, str]] = set()

        def collect(leaf):
            if isinstance(leaf, Phrase) and leaf.written:
                found.update((leaf.field, leaf.family, term) for term in self._needed(leaf))
            return leaf

        # The parts of the plan ``expanded`` expands.
        for query in [plan.query, plan.all_words, plan.every_word, *(part for tier in plan.tiers
                                                                     for part in (tier.matching, tier.stop_words))]:
            if query is not None:
                map_leaves(query, collect)
        return found

    def expanded(self, plan: Plan, stats: Statistics | None = None) -> Plan:
        """``plan`` with its wildcards and phrases expanded (``expand``: its phrases' variants
        in this index's vocabulary, or in that of the indexes of the summed ``stats``), and the
        notes of the expansion added to its own."""
        if plan.expanded:
            return plan
        notes: list[str] = []
        expanded = replace(plan, expanded=True, query=self.expand(plan.query, notes, stats),
                           tiers=tuple(planning.Tier(self.expand(tier.matching, None, stats),
                                                     self.expand(tier.stop_words, None, stats))
                                       for tier in plan.tiers),
                           all_words=self.expand(plan.all_words, None, stats),
                           every_word=self.expand(plan.every_word, None, stats))
        return replace(expanded, notes=tuple(dict.fromkeys(plan.notes + tuple(notes))))

    def overview(self) -> dict[str, dict[str, int]]:
        """Every live article counted by language, source and month (``none``: undated)."""
        return self._facets(self.collection.live)

    # Ranking

    def _by_relevance(self, plan: Plan, found: list[Matches], scorer: Scorer, stats: Statistics, wanted: int,
                      everything: bool) -> tuple[np.ndarray, np.ndarray]:
        ranking = self.config.ranking
        evidence = self._evidence(plan, stats)
        rescoring = any(evidence) or any(tier.stop_words is not None for tier in plan.tiers)
        if rescoring:
            wanted = max(wanted, ranking.proximity_depth)
        ranked: list[tuple[np.ndarray, np.ndarray]] = []
        count = 0
        for tier, part in zip(plan.tiers or [None], found):
            if count >= wanted and not everything:
                break
            docnums, scores = self._top(part, None if everything else wanted - count)
            depth = ranking.proximity_depth - count
            if rescoring and depth > 0 and len(docnums):
                docnums, scores = self._rescored(docnums, scores, depth, tier.stop_words if tier else None, evidence, scorer)
            ranked.append((docnums, scores))
            count += len(docnums)
        if not ranked:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return np.concatenate([docnums for docnums, _ in ranked]), np.concatenate([scores for _, scores in ranked])

    def _evidence(self, plan: Plan, stats: Statistics) -> tuple[dict, dict]:
        """What the head's rescoring reads of the query beyond its stop words: the proximity
        bonus's words and the passage evidence's words (each empty when off)."""
        ranking = self.config.ranking
        if not ranking.proximity_depth:
            return {}, {}
        rarities = body_rarities(plan, stats)
        return proximity.words(rarities), rarities if ranking.passage_weight or ranking.lead_weight else {}

    def _rescored(self, docnums: np.ndarray, scores: np.ndarray, depth: int, stop_words, evidence: tuple[dict, dict],
                  scorer: Scorer) -> tuple[np.ndarray, np.ndarray]:
        """The ranking with its first ``depth`` rescored by the stop words, the proximity bonus
        and the passage evidence."""
        head = docnums[:depth]
        extra = self._bonuses(head.tolist(), stop_words, evidence, scorer)
        rescored = scores[:depth] + np.array([extra[docnum] for docnum in head.tolist()], dtype=np.float64)
        order = self._ordered(head, -rescored, None)
        return np.concatenate((head[order], docnums[depth:])), np.concatenate((rescored[order], scores[depth:]))

    def _bonuses(self, head: list[int], stop_words, evidence: tuple[dict, dict], scorer: Scorer) -> dict[int, float]:
        """What the head's rescoring adds to each of its documents: the query's stop words'
        score, the proximity bonus and the passage evidence."""
        proximate, words = evidence
        ranking = self.config.ranking
        extra = dict.fromkeys(head, 0.0)
        if stop_words is not None and (stop_words.children if isinstance(stop_words, planning.Or) else True):
            ordered = np.array(sorted(head), dtype=np.int64)
            for docnum, score in zip(ordered.tolist(), scorer.scores_at(stop_words, ordered).tolist()):
                extra[docnum] += score
        if proximate:
            for docnum, bonus in proximity.bonuses(scorer.positions, self.collection, proximate, head, ranking).items():
                extra[docnum] += bonus
        if words:
            ordered = sorted(head)
            lengths = self.collection.lengths("body")[ordered]
            for docnum, bonus in passages.bonuses(scorer.positions, words, ordered, lengths, ranking.passage_window,
                                                  ranking.k1, ranking.b_body, ranking.passage_weight,
                                                  ranking.lead_length, ranking.lead_weight).items():
                extra[docnum] += bonus
        return extra

    def _top(self, part: Matches, count: int | None) -> tuple[np.ndarray, np.ndarray]:
        """The ``count`` best of ``part``'s matches (all of them for None), by score then id."""
        candidates = np.flatnonzero(part.mask)
        scores = part.scores[candidates]
        if count is not None and count < len(candidates):
            cut = np.partition(scores, len(scores) - count)[len(scores) - count]
            keep = scores >= cut
            candidates, scores = candidates[keep], scores[keep]
        order = self._ordered(candidates, -scores, count)
        return candidates[order], scores[order]

    def _by_date(self, mask: np.ndarray, wanted: int, everything: bool) -> tuple[np.ndarray, np.ndarray]:
        """The matches newest first, undated last, ties by id."""
        candidates = np.flatnonzero(mask)
        order = self._ordered(candidates, -self.collection.date[candidates].astype(np.int64), None if everything else wanted)
        return candidates[order], np.zeros(len(order), dtype=np.float64)

    def _ordered(self, docnums: np.ndarray, keys: np.ndarray, count: int | None) -> np.ndarray:
        """The positions of ``docnums`` by ascending ``keys``, ties by article id, the first
        ``count`` of them (all for None). Only the ids of ties that reach the first ``count`` are
        read, so a cold search does not read every id of the index."""
        order = np.argsort(keys, kind="stable")
        head = len(order) if count is None else min(count, len(order))
        ranked = keys[order]
        starts = np.flatnonzero(np.concatenate(([True], ranked[1:] != ranked[:-1])))
        ends = np.append(starts[1:], len(order))
        runs = (ends - starts > 1) & (starts < head)  # the runs of ties that reach the first ``count``
        if int((ends - starts)[runs].sum()) > ID_RANK_AFTER or (runs.any() and self._id_order is not None):
            # One sort by key then id: a deep ranking has hundreds of runs of ties, each a sort of its own.
            return np.lexsort((self._id_rank()[docnums], keys))[:head]
        for start, end in zip(starts[runs].tolist(), ends[runs].tolist()):
            tied = order[start:end]
            ids = self.source.ids(docnums[tied].tolist())
            order[start:end] = tied[sorted(range(len(ids)), key=ids.__getitem__)]
        return order[:head]

    def _id_rank(self) -> np.ndarray:
        """Each document's place in the order of ids, read once for engines that break many ties."""
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

    def _groups(self, docnums: np.ndarray, offset: int, limit: int) -> list[tuple[int, np.ndarray]]:
        """Groups ``offset`` to ``offset + limit`` of the ranked documents ``docnums`` as (the
        leader's position, the positions of its near-duplicates ranked below it), in rank order.
        The ranking is folded a chunk at a time (``grouping_depth`` times the groups up to the
        page's last, at least ``GROUP_CHUNK``, each chunk twice the last), up to the chunk that
        completes the page's groups: their near-duplicates are those in the chunks read. From
        the index's similar pairs (``_fold_by_pairs``) every match is folded at once, and the
        groups are cut where the chunks would have ended."""
        wanted = offset + limit
        ends = _chunk_ends(max(GROUP_CHUNK, self.config.ranking.grouping_depth * wanted), len(docnums))
        if not ends:
            return []
        if self._fold_by_pairs(len(docnums)):
            leaders = dedup.leaders_from_pairs(docnums, self._pairs)
            groups = np.cumsum(leaders == np.arange(len(leaders)))
            leaders = leaders[: next(end for end in ends if groups[end - 1] >= wanted or end == len(docnums))]
        else:
            grouper = dedup.Grouper(self.config.ranking.near_duplicate_threshold)
            parts, groups, start = [], 0, 0
            for end in ends:
                part = grouper.add(*self.source.signatures(docnums[start:end]))
                groups += int(np.count_nonzero(part == np.arange(start, end)))
                parts.append(part)
                start = end
                if groups >= wanted:
                    break
            leaders = np.concatenate(parts)
        members, bounds = _members(leaders)
        heads = np.flatnonzero(leaders == np.arange(len(leaders)))[offset:wanted].tolist()
        return [(head, members[bounds[head] + 1 : bounds[head + 1]]) for head in heads]

    def _leaders(self, docnums: np.ndarray) -> np.ndarray:
        """The position of each ranked document's group leader (searcher.dedup), over all of them."""
        if self._fold_by_pairs(len(docnums)):
            return dedup.leaders_from_pairs(docnums, self._pairs)
        grouper = dedup.Grouper(self.config.ranking.near_duplicate_threshold)
        leaders = [grouper.add(*self.source.signatures(docnums[start : start + LEADERS_CHUNK]))
                   for start in range(0, len(docnums), LEADERS_CHUNK)]
        return np.concatenate(leaders) if leaders else np.zeros(0, dtype=np.int64)

    def _fold_by_pairs(self, items: int) -> bool:
        """Whether to fold ``items`` ranked documents from the similar pairs of the whole index
        (``self._pairs``, searcher.dedup.similar_pairs) rather than from their signatures: once
        the documents folded by this engine (these included) reach the index's size, the pairs
        are found, which costs about what folding every document from its signatures does
        (14-17 against 15-20 ms at 11,866 articles, 0.3-0.6 against 0.55-0.8 s at 100,000), so an engine
        spends at most about twice what folding from signatures alone would have; every later
        folding is a look-up of each document. A single search (the command line's) does not
        pay for the whole index unless it folds as many matches. Both fold alike."""
        threshold = self.config.ranking.near_duplicate_threshold
        if self._pairs is None:
            self._folded += items
            if self._folded < self.collection.size or dedup.agreements_needed(threshold) == 0:
                return False  # with a threshold of 0 every pair is similar: the Grouper needs none
            self._pairs = dedup.similar_pairs(*self.source.signatures(np.arange(self.collection.size)), threshold)
        return True


def _chunk_ends(first: int, count: int) -> list[int]:
    """Where the chunks of a folded ranking of ``count`` documents end: the first ``first``
    long, each next one twice the last."""
    ends, end, size = [], 0, first
    while end < count:
        end = min(end + size, count)
        ends.append(end)
        size *= 2
    return ends


def _members(leaders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each group's members together, in rank order (``members``; the leader first, as it
    ranks first), and where the group led by position ``p`` lies in them:
    ``members[bounds[p] : bounds[p + 1]]`` (empty for a position that leads no group)."""
    members = np.argsort(leaders, kind="stable")
    return members, np.searchsorted(leaders[members], np.arange(len(leaders) + 1))


def _only_a_part(analyzer, word: str, term: str) -> bool:
    """Whether ``word`` holds ``term`` only as one of its compound parts."""
    tokens = [token for token in analyzer(word) if token.text == term]
    return bool(tokens) and all(token.part for token in tokens)


class _MemoScorer(Scorer):
    """A scorer that matches each distinct clause once per search (tiers share their parts);
    what it hands out again is never changed (``Scorer._match``)."""

    def __init__(self, *args):
        super().__init__(*args)
        self._memo: dict = {}

    def _match(self, query) -> Matches:
        if isinstance(query, (Term, Prefix)) or query is None:
            return super()._match(query)
        if query not in self._memo:
            self._memo[query] = super()._match(query)
        return self._memo[query]


def _everything(collection: Collection) -> Matches:
    return Matches(collection.live.copy(), np.zeros(collection.size, dtype=np.float64))
