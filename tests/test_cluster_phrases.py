"""A quoted phrase's spelling variants on a sharded index (issue 20): found over every shard's
vocabulary, so the ranking is the single index's even when a variant's terms are spread
unevenly over the shards."""
from __future__ import annotations

import pytest

pytest.importorskip("distributed")

from searcher import open_index
from searcher.cluster.layout import shard_of
from searcher.cluster.sharded import ShardedIndex

SHARDS = 2


def on_shard(shard: int, count: int) -> list[str]:
    """The first ``count`` ids the router sends to ``shard``."""
    found = (f"phrase-{n}" for n in range(1000) if shard_of(f"phrase-{n}", SHARDS) == shard)
    return [next(found) for _ in range(count)]


def articles() -> list[dict]:
    """On shard 0 the phrase with its first word written solid and written apart; on shard 1
    the first piece of that word alone, never with the second: shard 1 alone finds no variant
    with the word apart, though it holds most of the articles with its first piece."""
    first, second = on_shard(0, 3), on_shard(1, 3)
    texts = [
        (first[0], "خبرهای غیرقابل باور از منطقه"),
        (first[1], "گزارشی غیر قابل باور از بازار"),
        (first[2], "بازار امروز آرام بود"),
        (second[0], "هیچ راهی غیر از این نبود"),
        (second[1], "نیروهای غیر نظامی باور نکردند"),
        (second[2], "باور مردم به بازار"),
    ]
    return [{"id": article_id, "title": "خبر", "text": text, "lang": "fa"} for article_id, text in texts]


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    single = open_index(tmp_path_factory.mktemp("single") / "index", create=True)
    sharded = ShardedIndex.open(tmp_path_factory.mktemp("sharded") / "index", shards=SHARDS, create=True,
                                processes=False)
    single.add_documents(articles())
    sharded.add_documents(articles())
    yield single, sharded
    sharded.close()
    single.close()


@pytest.mark.parametrize("query", ['"غیرقابل باور"', '"غیر قابل باور"'])
@pytest.mark.parametrize("snippets", [False, True])
def test_a_phrase_whose_variant_one_shard_cannot_find_ranks_as_one_index(indexes, query, snippets):
    single, sharded = indexes
    mine, theirs = sharded.search(query, snippets=snippets), single.search(query, snippets=snippets)
    assert [hit.id for hit in mine.hits] == [hit.id for hit in theirs.hits]
    assert len(mine.hits) == 2  # written solid and written apart
    assert all(abs(a.score - b.score) <= 1e-9 for a, b in zip(mine.hits, theirs.hits))
    assert mine.total == theirs.total


@pytest.mark.parametrize("query", ['"غیرقابل باور"', "غیر*"])
def test_the_shards_snippets_mark_what_the_variants_and_wildcards_matched(indexes, query):
    single, sharded = indexes
    mine, theirs = sharded.search(query), single.search(query)
    assert [(hit.id, hit.snippet) for hit in mine.hits] == [(hit.id, hit.snippet) for hit in theirs.hits]
    assert all(any(matched for _, matched in hit.snippet.parts) for hit in mine.hits)
