"""Ranking: queries -> ranked hits with snippets, from one open Whoosh searcher.

Keyword queries rank in tiers (all content words first, then some); ``sort="date"`` orders
every match newest first, undated last. With grouping, near-duplicates (searcher.dedup) among
the ranked matches are folded into the best-ranked of them.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.columns import ColumnReader, MultiColumnReader
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from searcher import dedup
from searcher.backend.whoosh import proximity, snippets
from searcher.backend.whoosh.schema import GENERIC_FIELDS, TEXT_FIELDS, TEXT_LANGUAGES
from searcher.errors import SearcherError
from searcher.filters import Filters
from searcher.model import Hit, Snippet

NO_VALUE = "none"  # the facet value of articles without a source or a date
GROUPING_DEPTH = 3  # with grouping, first rank this many matches per hit wanted
FEW_HITS = 3  # a query finding fewer articles may get a did-you-mean suggestion
# A keyword query's stop words score only the head of its ranking (proximity.DEPTH matches),
# with the proximity bonus, instead of every match (docs/relevance.md, session 5).
STOP_WORDS_IN_HEAD = True


@dataclass(frozen=True)
class Request:
    """Which page of which ranking to return, and how."""

    offset: int
    limit: int
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    group: bool = False
    with_snippets: bool = True


@dataclass(frozen=True)
class Answer:
    """What the backend returns for a request."""

    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] | None = None
    suggestion: str | None = None


@dataclass(frozen=True)
class Tier:
    """One tier of a ranking: the articles ``matching`` matches, ranked on it; ``stop_words``
    (if any) add their score to the head of the ranking."""

    matching: wq.Query
    stop_words: wq.Query | None = None


@dataclass(frozen=True)
class RankedDoc:
    """A matching document, ranked; its stored fields are read only if it lands on the page."""

    docnum: int
    score: float


def answer(searcher: Searcher, query: wq.Query, tiers: list[Tier], request: Request, facets: bool) -> Answer:
    """The page of hits ``request`` asks for, with facet counts over every match if asked."""
    total, hits = ranked_hits(searcher, query, tiers, request)
    return Answer(total, hits, facet_counts(searcher, query, request.filters) if facets else None)


def ranked_hits(searcher: Searcher, query: wq.Query, tiers: list[Tier], request: Request) -> tuple[int, list[Hit]]:
    """Total matches of ``query`` and its hits ranked ``offset`` to ``offset + limit``: by
    relevance, the matches of each tier (together they match as ``query`` does) above those of
    the next; by date, newest first. Snippets mark the terms of ``query``."""
    restrict = restriction(searcher, request.filters)
    wanted = request.offset + request.limit
    if not request.group:
        total, ranked = _ranked(searcher, query, tiers, restrict, wanted, request.sort)
        groups = [(doc, []) for doc in ranked]
    else:
        depth = wanted * GROUPING_DEPTH
        while True:
            total, ranked = _ranked(searcher, query, tiers, restrict, depth, request.sort)
            groups = _grouped(searcher, ranked)
            if len(groups) >= wanted or len(ranked) >= total:
                break
            depth *= 4
    page = groups[request.offset : wanted]
    return total, [_hit(searcher, query, doc, request.with_snippets, others) for doc, others in page]


def restriction(searcher: Searcher, filters: Filters) -> wq.Query | None:
    """The Whoosh filter query of ``filters`` (None without any)."""
    clauses = []
    if filters.lang:
        clauses.append(wq.Or([wq.Term("lang", lang) for lang in filters.lang]))
    if filters.source:
        clauses.append(wq.Or([wq.Term("outlet", name) for source in filters.source
                              for name in _outlets_named(searcher, source)]))
    if filters.date_from or filters.date_to:
        clauses.append(wq.TermRange("date", filters.date_from, filters.date_to))
    return wq.And(clauses) if clauses else None


def facet_counts(searcher: Searcher, query: wq.Query, filters: Filters) -> dict[str, dict[str, int]]:
    """Matches of ``query`` per language, source and month (``YYYY-MM``), most first."""
    matches = searcher.search(query, limit=None, filter=restriction(searcher, filters), scored=False)
    columns = {name: column(searcher.reader(), name) for name in ("lang", "outlet", "date")}
    counts = {"lang": Counter(), "source": Counter(), "month": Counter()}
    for docnum in matches.docs():
        counts["lang"][columns["lang"][docnum]] += 1
        counts["source"][columns["outlet"][docnum] or NO_VALUE] += 1
        counts["month"][columns["date"][docnum][:7] or NO_VALUE] += 1
    return {name: dict(counter.most_common()) for name, counter in counts.items()}


def column(reader: IndexReader, fieldname: str) -> ColumnReader:
    """The column of ``fieldname`` over every segment, by document number; a segment without
    that column (none of its articles had the field, e.g. no source or no date) reads as the
    column's default (``""``). Whoosh's own multi-segment column reader leaves such segments
    out and then looks documents up in the wrong segment: wrong values or an IndexError. An
    empty index has no column to read."""
    leaves = [(leaf, offset) for leaf, offset in reader.leaf_readers() if leaf.doc_count_all()]
    return MultiColumnReader([leaf.column_reader(fieldname) for leaf, _ in leaves], [offset for _, offset in leaves])


def _outlets_named(searcher: Searcher, name: str) -> list[str]:
    """The indexed sources equal to ``name`` but for case."""
    known = [term.decode() if isinstance(term, bytes) else term for term in searcher.lexicon("outlet")]
    found = [outlet for outlet in known if outlet.casefold() == name.casefold()]
    if not found:
        listed = ", ".join(sorted(known)[:20]) or "none: index the drops again with this version"
        raise SearcherError(f"no articles from source {name!r}: the index knows {listed}")
    return found


def _ranked(searcher: Searcher, query: wq.Query, tiers: list[Tier], restrict: wq.Query | None, wanted: int,
            sort: str) -> tuple[int, list[RankedDoc]]:
    """Total matches and the best ``wanted`` of them: by tier then score, or newest first."""
    if sort == "date":
        results = searcher.search(query, limit=wanted, filter=restrict, sortedby="date", reverse=True)
        return len(results), [RankedDoc(hit.docnum, 0.0) for hit in results]  # no relevance score
    # A tier is searched only while the page is not full. The tiers partition the query's
    # matches, so when every tier was searched and each search counted its matches on the way
    # (no block-quality skipping), their counts add up to the total; else the total is counted
    # by one unscored walk of the query's matches. With a proximity bonus or stop words to
    # score, the head of the ranking (proximity.DEPTH) is always ranked whole, so that every
    # page is cut from the same order.
    pairs = proximity.pairs(searcher, query)
    if pairs or any(tier.stop_words is not None for tier in tiers):
        wanted = max(wanted, proximity.DEPTH)
    ranked: list[RankedDoc] = []
    counted: int | None = 0
    for tier in tiers:
        if len(ranked) >= wanted:
            counted = None
            break
        results = searcher.search(tier.matching, limit=wanted - len(ranked), filter=restrict)
        ranked.extend(_rescored(searcher, pairs, tier.stop_words, [RankedDoc(hit.docnum, hit.score) for hit in results],
                                proximity.DEPTH - len(ranked)))
        counted = counted + len(results) if counted is not None and results.has_exact_length() else None
    matching = tiers[0].matching if len(tiers) == 1 else query
    return (counted if counted is not None else _count(searcher, matching, restrict)), ranked


def _rescored(searcher: Searcher, pairs: dict[str, list[proximity.Pair]], stop_words: wq.Query | None,
              ranked: list[RankedDoc], depth: int) -> list[RankedDoc]:
    """``ranked`` (one tier's matches) with its first ``depth`` rescored, adding the score of
    the query's stop words and the proximity bonus (searcher.backend.whoosh.proximity), and
    reordered; both only raise scores, so the head stays above the rest. Equal scores (copies
    of one article) rank by article id, not by where the indexing processes put them."""
    if (not pairs and stop_words is None) or depth <= 0 or not ranked:
        return ranked
    head = ranked[:depth]
    docnums = [doc.docnum for doc in head]
    bonus = proximity.bonuses(searcher, pairs, docnums) if pairs else {}
    stop_scores = _scores(searcher, stop_words, sorted(docnums)) if stop_words is not None else {}
    ids = column(searcher.reader(), "id")
    rescored = [RankedDoc(doc.docnum, doc.score + stop_scores.get(doc.docnum, 0.0) + bonus.get(doc.docnum, 0.0))
                for doc in head]
    return sorted(rescored, key=lambda doc: (-doc.score, ids[doc.docnum])) + ranked[depth:]


def _scores(searcher: Searcher, query: wq.Query, docnums: list[int]) -> dict[int, float]:
    """The score of ``query`` in each of the documents ``docnums`` (ascending) it matches."""
    matcher = query.matcher(searcher)
    scores = {}
    for docnum in docnums:
        if not matcher.is_active():
            break
        matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            scores[docnum] = matcher.score()
    return scores


def _count(searcher: Searcher, query: wq.Query, restrict: wq.Query | None) -> int:
    """The number of matches of ``query`` among the documents ``restrict`` allows, unscored.
    A keyword query's words are an OR of terms: their documents are gathered term by term,
    without walking Whoosh's tree of union matchers document by document."""
    if restrict is not None:
        return len(searcher.search(query, limit=None, filter=restrict, scored=False))
    terms = _terms_of_or(query)
    if terms is None:
        return sum(1 for _ in searcher.docs_for_query(query))
    reader = searcher.reader()
    matched: set[int] = set()
    for fieldname, text in terms:
        if (fieldname, text) in reader:
            matched.update(reader.postings(fieldname, text).all_ids())
    if reader.has_deletions():
        return sum(1 for docnum in matched if not reader.is_deleted(docnum))
    return len(matched)


def _terms_of_or(query: wq.Query) -> list[tuple[str, str]] | None:
    """The (field, text) of every term of ``query`` when it is terms joined by OR, else None."""
    if type(query) is wq.Term:
        return [(query.fieldname, query.text)]
    if type(query) is not wq.Or:
        return None
    terms = []
    for child in query.subqueries:
        child_terms = _terms_of_or(child)
        if child_terms is None:
            return None
        terms += child_terms
    return terms


def _grouped(searcher: Searcher, ranked: list[RankedDoc]) -> list[tuple[RankedDoc, list[RankedDoc]]]:
    """The ranked documents as (leader, near-duplicates ranked below it), in rank order."""
    signatures = column(searcher.reader(), "dup_signature")
    leaders = dedup.group_leaders([signatures[doc.docnum] or None for doc in ranked])
    groups: dict[int, tuple[RankedDoc, list[RankedDoc]]] = {}
    for doc, leader in zip(ranked, leaders):
        if leader in groups:
            groups[leader][1].append(doc)
        else:
            groups[leader] = (doc, [])
    return list(groups.values())


def _hit(searcher: Searcher, query: wq.Query, doc: RankedDoc, with_snippet: bool, others: list[RankedDoc]) -> Hit:
    fields = searcher.stored_fields(doc.docnum)
    title = fields.get("stored_title", "")
    snippet, title_matches = Snippet(), ()
    if with_snippet:
        family = TEXT_FIELDS if fields["lang"] in TEXT_LANGUAGES else GENERIC_FIELDS
        snippet = snippets.best_snippet(searcher, query, (family["body"], family["combined"]), fields.get("stored_body", ""))
        title_matches = snippets.spans(searcher.schema, query, (family["title"], family["combined"]), title)
    return Hit(
        id=fields["id"],
        title=title,
        lang=fields["lang"],
        date=fields.get("date"),
        path=fields.get("path", ""),
        score=doc.score,
        snippet=snippet,
        source=fields.get("outlet") or fields.get("source"),
        url=fields.get("url"),
        similar=tuple(searcher.stored_fields(other.docnum)["id"] for other in others),
        title_matches=title_matches,
    )
