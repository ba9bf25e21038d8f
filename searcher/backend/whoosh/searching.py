"""Ranking: a parsed query -> ranked hits with snippets, from one open Whoosh searcher."""
from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as wq
from whoosh.searching import Searcher

from searcher.backend.whoosh import parsing, snippets
from searcher.backend.whoosh.schema import GENERIC_FIELDS, TEXT_FIELDS, TEXT_LANGUAGES
from searcher.results import Hit, Snippet


@dataclass(frozen=True)
class RankedDoc:
    """A matching document before its snippet is made."""

    docnum: int
    score: float
    fields: dict


def ranked_hits(
    searcher: Searcher, parsed: parsing.ParsedQuery, *, offset: int, limit: int, lang: str | None, with_snippets: bool = True
) -> tuple[int, list[Hit]]:
    """Total matches and the hits ranked ``offset`` to ``offset + limit`` (with empty snippets
    when ``with_snippets`` is false: making them is most of the cost of a deep page)."""
    restrict = wq.Term("lang", lang) if lang else None
    total, ranked = _tiered(searcher, parsed, restrict, offset + limit)
    return total, [_hit(searcher, parsed.query, doc, with_snippets) for doc in ranked[offset : offset + limit]]


def _tiered(searcher: Searcher, parsed: parsing.ParsedQuery, restrict, wanted: int) -> tuple[int, list[RankedDoc]]:
    """Ranks articles matching the first tier (if any) above those matching only some clauses."""
    tiers = [parsed.query] if parsed.required is None else [parsed.required, wq.AndNot(parsed.query, parsed.required)]
    total, ranked = 0, []
    for tier in tiers:
        results = searcher.search(tier, limit=max(wanted - len(ranked), 1), filter=restrict)
        total += len(results)
        ranked.extend(RankedDoc(hit.docnum, hit.score, hit.fields()) for hit in results if len(ranked) < wanted)
    return total, ranked


def _hit(searcher: Searcher, query: wq.Query, doc: RankedDoc, with_snippet: bool) -> Hit:
    fields = doc.fields
    snippet = Snippet()
    if with_snippet:
        family = TEXT_FIELDS if fields["lang"] in TEXT_LANGUAGES else GENERIC_FIELDS
        snippet = snippets.best_snippet(searcher, query, family["body"], fields.get("stored_body", ""))
    return Hit(
        id=fields["id"],
        title=fields.get("stored_title", ""),
        lang=fields["lang"],
        date=fields.get("date"),
        path=fields.get("path", ""),
        score=doc.score,
        snippet=snippet,
        source=fields.get("source"),
        url=fields.get("url"),
    )
