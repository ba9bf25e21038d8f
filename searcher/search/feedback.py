"""Pseudo-relevance feedback (RM3, Lavrenko and Croft's relevance model as Anserini applies it).

The best ``feedback_docs`` matches of a keyword query's first ranking are taken as relevant.
Each term of them (stop words, compound parts, digits and one-letter terms left out) gets the
relevance-model weight ``sum over those articles of P(term | article) * P(article | query)``:
its share of the article's terms, times the article's score turned into a share of all their
scores (a softmax over scores divided by the best). The ``feedback_terms`` heaviest terms that
are not the query's own become optional terms of the ranking field, weighing together
``feedback_weight`` times the query's content clauses: they reorder the query's matches and
match nothing by themselves, so totals, tiers and snippets stay those of the query.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from searcher.query.plan import AndMaybe, Or, Plan, Term, Tier, normalize, positive_terms

if TYPE_CHECKING:
    from searcher.search.engine import Engine


def expanded(engine: "Engine", plan: Plan, docs: list[tuple[int, float]]) -> Plan:
    """``plan`` with the feedback terms of ``docs`` (its best matches, with scores) as optional
    terms of every tier; ``plan`` itself when they give none."""
    ranking = engine.config.ranking
    own = {(family, term) for _, family, term in positive_terms(plan.query)}
    docs = docs[: ranking.feedback_docs]
    if not docs or plan.content_clauses == 0:
        return plan
    best = max(score for _, score in docs) or 1.0
    shares = [math.exp(score / best) for _, score in docs]
    model: Counter = Counter()
    for (docnum, _), share in zip(docs, shares):
        _, family, tokens = engine.article_tokens(docnum)
        terms = [token.text for token in tokens
                 if not token.is_stop and not token.part and len(token.text) > 1 and not token.text.isdigit()]
        weight = share / sum(shares) / (len(terms) or 1)
        for term, count in Counter(terms).items():
            model[(family, term)] += weight * count
    chosen = [(key, weight) for key, weight in sorted(model.items(), key=lambda item: (-item[1], item[0]))
              if key not in own][: ranking.feedback_terms]
    if not chosen:
        return plan
    total = sum(weight for _, weight in chosen)
    scale = ranking.feedback_weight * plan.content_clauses / total
    extra = normalize(Or(tuple(Term("ranking", family, term, weight * scale) for (family, term), weight in chosen)))
    tiers = tuple(Tier(normalize(AndMaybe(tier.matching, extra)), tier.stop_words) for tier in plan.tiers)
    return replace(plan, tiers=tiers)
