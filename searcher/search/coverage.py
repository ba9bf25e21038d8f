"""Coverage: a keyword query's matches weighed by how much of the query they hold.

BM25 adds its words' scores, so an article that repeats the query's common words can outrank
one about the query's rare word that lacks the common ones: on `علل مرگ و مير نهنگ ها` (causes
of whale deaths) articles about deaths of anything, which say علل, مرگ and مير often, outrank
the whale articles. A soft conjunction over the query's information, not its word count: each
match's score is multiplied by ``share ** power``, where ``share`` is the part of the query's
idf mass (its content words' idf, searcher.search.scoring.body_rarities) the article holds in
title or body, in its own analysis family's words (an article has one family). Lucene's classic coordination factor is
the same product with every word weighing one (round 2 of docs/relevance.md: worse); the
axiomatic retrieval constraints of Fang, Tao and Zhai (2004) ask that of two articles alike
otherwise, the one holding the rarer of two query words win, which a share of idf mass does
and a share of words does not.

The idf come from the statistics handed in (a sharded index's sums), so every shard weighs a
match as one index would.
"""
from __future__ import annotations

import numpy as np

from searcher.search.collection import Collection

Rarity = dict[str, float]  # a family's query content words found in bodies -> idf


def shares(collection: Collection, rarities: dict[str, Rarity]) -> np.ndarray | None:
    """Of every document, the share of its family's part of the query's idf mass it holds in
    title or body (None when the query has fewer than two content words: every match holds it
    all)."""
    if not any(len(rarity) > 1 for rarity in rarities.values()):
        return None
    best = np.zeros(collection.size)
    for family, rarity in rarities.items():
        held = np.zeros(collection.size)
        for word, weight in rarity.items():
            postings = collection.postings("ranking", family, word)
            if postings is not None:
                held[postings.docs] += weight
        np.maximum(best, held / sum(rarity.values()), out=best)
    return best

