"""More like this: the query of an article's key terms (the Bo1 expansion model).

The terms of the article's title and body are weighed by Bo1 (Amati's divergence from
randomness, as Whoosh's ``key_terms`` computes it) against their frequency in the index's
bodies; the ``KEY_TERMS`` best that are not stop words make an OR query on the ranking field,
each term boosted by its weight, and the article itself is left out.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

from searcher.errors import ArticleNotFound, SearcherError
from searcher.query.plan import Constraints, Or, Plan, Term, Tier, normalize

if TYPE_CHECKING:
    from searcher.search.engine import Engine

KEY_TERMS = 12


def like(engine: "Engine", article_id: str) -> Plan:
    """The plan of the articles like ``article_id``."""
    docnum = engine.source.docnum(article_id)
    if docnum is None:
        raise ArticleNotFound(article_id)
    stored, family, tokens = engine.article_tokens(docnum)
    field = "body" if stored.get("stored_body") else "title"  # headlines may have no body
    stop_words = {token.text for token in tokens if token.is_stop}
    weights = _key_terms(engine, family, field, Counter(token.text for token in tokens if not token.part),
                         KEY_TERMS + len(stop_words))
    terms = [(term, weight) for term, weight in weights if term not in stop_words][:KEY_TERMS]
    if not terms:
        raise SearcherError(f"the article {article_id!r} has no words to compare others with")
    query = normalize(Or(tuple(Term("ranking", family, term, weight) for term, weight in terms)))
    return Plan(f"similar:{article_id}", query, (Tier(query),), False, 0,
                constraints=Constraints(excluded=(("id", article_id),)))


def _key_terms(engine: "Engine", family: str, field: str, counts: Counter, number: int) -> list[tuple[str, float]]:
    """The ``number`` terms of ``counts`` most typical of it against the index, with their
    normalised Bo1 weights, best first."""
    collection = engine.collection
    size = collection.size
    scored, best = [], 0.0
    for term, weight in counts.items():
        if not collection.doc_frequency(field, family, term):
            continue
        frequency = collection.frequency(field, family, term) / size
        score = weight * math.log((1.0 + frequency) / frequency, 2) + math.log(1.0 + frequency, 2)
        best = max(best, score)
        scored.append((score, term))
    if not scored:
        return []
    share = best / size
    norm = (best * math.log((1.0 + share) / share) + math.log(1.0 + share)) / math.log(2.0) if best else best
    ranked = sorted(((score / norm, term) for score, term in scored), key=lambda item: (-item[0], item[1]))
    return [(term, weight) for weight, term in ranked[:number]]
