"""An open index keeps its searcher between searches: every search still answers from the
latest commit, whoever made it (this handle, another handle or process), and totals stay exact."""
from __future__ import annotations

from conftest import ids
from searcher import open_index

TULIPS = {"id": "t", "title": "Tulpen", "text": "Tulpen bloeien in april in de polder."}
ROSES = {"id": "r", "title": "Rozen", "text": "Rozen bloeien in juni in de tuin."}
DAISIES = {"id": "d", "title": "Madeliefjes", "text": "Madeliefjes bloeien het hele jaar in het gras."}


def test_search_sees_the_writes_of_the_same_handle(tmp_path):
    with open_index(tmp_path / "ix", create=True) as index:
        index.add_documents([TULIPS])
        assert ids(index.search("bloeien")) == ["t"]
        index.add_documents([ROSES])
        assert sorted(ids(index.search("bloeien"))) == ["r", "t"]
        index.remove(["t"])  # a deletion inside a segment the searcher had open
        assert ids(index.search("bloeien")) == ["r"]
        index.add_documents([{**ROSES, "text": "Rozen staan in de tuin."}])  # replaced in place
        assert ids(index.search("bloeien")) == [] and ids(index.search("tuin")) == ["r"]


def test_search_sees_the_commits_of_another_writer(tmp_path):
    with open_index(tmp_path / "ix", create=True) as writer:
        writer.add_documents([TULIPS])
        with open_index(tmp_path / "ix") as reader:
            assert ids(reader.search("bloeien")) == ["t"]
            writer.add_documents([ROSES])
            writer.add_documents([DAISIES])
            assert sorted(ids(reader.search("bloeien"))) == ["d", "r", "t"]
            writer.optimize()  # the segments the reader had open are merged away
            writer.remove(["r"])
            assert sorted(ids(reader.search("bloeien"))) == ["d", "t"]
            assert reader.search("bloeien").total == 2
            writer.rebuild()  # a new generation
            writer.add_documents([ROSES])
            assert sorted(ids(reader.search("bloeien"))) == ["d", "r", "t"]


def test_totals_count_every_match_whichever_tiers_were_searched(tmp_path):
    # 20 articles have both words (the first tier), all 30 have "tulpen" (the second tier adds 10)
    articles = [{"id": f"a{n}", "title": f"Bericht {n}", "text": f"Tulpen {'en rozen ' * (n % 3)}groeien hier {n}.",
                 "lang": "nl", "date": f"2024-01-{n % 28 + 1:02d}"} for n in range(30)]
    with open_index(tmp_path / "ix", create=True) as index:
        index.add_documents(articles)
        assert index.search("tulpen rozen", limit=5).total == 30
        for query, options in [("tulpen rozen", {}), ("tulpen rozen", {"lang": "nl"}), ("rozen", {}),
                               ("tulpen OR rozen", {}), ("tulpen rozen", {"date_from": "1900-01-01"})]:
            everything = index.search(query, limit=100, snippets=False, **options)
            assert everything.total == len(everything.hits)
            for limit in (1, 5, 10, 25):
                assert index.search(query, limit=limit, snippets=False, **options).total == everything.total, (query, limit)
