"""A sharded index on a Dask cluster (issue 20), on local clusters of threads: routing, the
merged answer, writes committed on every shard and switched at once, runs that die before the
switch undone, shards that do not answer. Worker processes and the dask commands:
tests/test_cluster_processes.py (marked slow)."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from click.testing import CliRunner

from searcher import open_index
from searcher.cli import main
from searcher.cluster import merge, snapshots
from searcher.cluster.layout import read_cluster, shard_of
from searcher.cluster.shard import RankedDoc
from searcher.cluster.sharded import ShardedIndex, reshard
from searcher.errors import ArticleNotFound, SearcherError

from conftest import SEEDS, ids

QUERIES = ["رئیس جمهور", "ترامپ", '"رئیس جمهور" روسیه', "پوتین OR Trump", "Oekraine", "جمهوری اسلامی ایران"]


def articles(count: int, offset: int = 0) -> list[dict]:
    """Articles sharing words in varied proportions, dated, from two sources."""
    words = ["oorlog", "vrede", "kabinet", "verkiezing", "Oekraïne", "Rusland", "haven", "brug", "storm", "dijk"]
    return [{"id": f"doc-{n:04d}", "title": f"{words[n % 10]} en {words[(n * 3) % 10]}", "lang": "nl",
             "text": " ".join(words[(n * k) % 10] for k in range(1, 2 + n % 7)) + f" nummer {n}",
             "date": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}", "source": "nos" if n % 3 else "nu.nl"}
            for n in range(offset, offset + count)]


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    index = open_index(tmp_path_factory.mktemp("single") / "index", create=True)
    index.add_paths([SEEDS])
    index.add_documents(articles(60))
    yield index
    index.close()


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    """The same articles in 2 shards, on one local cluster of threads shared by the tests."""
    index = ShardedIndex.open(tmp_path_factory.mktemp("sharded") / "index", shards=2, create=True, processes=False)
    index.add_paths([SEEDS])
    index.add_documents(articles(60))
    yield index
    index.close()


def test_articles_are_routed_by_a_hash_every_process_computes_alike():
    here = [shard_of(f"doc-{n}", 7) for n in range(50)]
    code = "from searcher.cluster.layout import shard_of; print([shard_of(f'doc-{n}', 7) for n in range(50)])"
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout
    assert json.loads(there) == here
    assert len(set(here)) == 7  # every shard gets some


def test_every_shard_holds_its_articles_and_the_totals_add_up(sharded, single):
    manifest = read_cluster(sharded.path)
    assert len(manifest.shards) == 2 and all(state.documents > 0 for state in manifest.states.values())
    assert len(sharded) == len(single) == sharded.stats().documents
    assert sharded.stats().languages == single.stats().languages
    for query in QUERIES:
        assert sharded.search(query).total == single.search(query).total, query


def test_merged_pages_hold_every_match_once_in_ranking_order(sharded, single):
    for query in ["oorlog", "Rusland brug", "رئیس جمهور"]:
        everything = sharded.search(query, limit=200)
        assert sorted(ids(everything)) == sorted(ids(single.search(query, limit=200))), query
        scores = [hit.score for hit in everything.hits]
        assert scores == sorted(scores, reverse=True)
        pages = [sharded.search(query, limit=7, page=n) for n in (1, 2, 3)]
        assert sum((ids(page) for page in pages), []) == ids(everything)[:21]
        assert everything.shards == {"total": 2, "failed": 0}


def test_facets_filters_and_date_sort_over_the_shards(sharded, single):
    for options in ({"facets": True}, {"facets": True, "source": "nos"}, {"date_from": "2024-06-01", "lang": "nl"}):
        mine, theirs = sharded.search("oorlog vrede", limit=50, **options), single.search("oorlog vrede", limit=50, **options)
        assert (mine.total, mine.facets) == (theirs.total, theirs.facets), options
        assert sorted(ids(mine)) == sorted(ids(theirs))
    by_date = sharded.search("oorlog", sort="date", limit=100)
    dates = [hit.date or "" for hit in by_date.hits]
    assert dates == sorted(dates, reverse=True) and by_date.total == single.search("oorlog").total
    with pytest.raises(SearcherError, match="no articles from source"):
        sharded.search("oorlog", source="nowhere")


def test_near_duplicates_fold_across_shards(tmp_path):
    text = "De storm trok over de dijken van Zeeland en liet een spoor van vernieling achter in de havens. " * 3
    copies = [{"id": f"kopie{n}", "title": "Storm in Zeeland", "text": text + f"Bron {n}.", "lang": "nl"} for n in range(6)]
    assert len({shard_of(copy["id"], 2) for copy in copies}) == 2  # the copies lie on both shards
    with ShardedIndex.open(tmp_path / "index", shards=2, create=True, processes=False) as index:
        index.add_documents(copies + articles(10))
        folded = index.search("storm Zeeland", group=True)
        assert [hit.id for hit in folded.hits if hit.id.startswith("kopie")] == [folded.hits[0].id]
        assert len(folded.hits[0].similar) == 5 and folded.total == len(index.search("storm Zeeland", limit=50).hits)


def test_one_shard_ranks_as_a_single_index(tmp_path, single):
    with ShardedIndex.open(tmp_path / "index", shards=1, create=True, processes=False) as index:
        index.add_paths([SEEDS])
        index.add_documents(articles(60))
        for query in QUERIES + ["oorlog", "Rusland brug"]:
            mine, theirs = index.search(query, limit=10), single.search(query, limit=10)
            assert [(hit.id, hit.score) for hit in mine.hits] == [(hit.id, hit.score) for hit in theirs.hits], query
            assert [hit.snippet for hit in mine.hits] == [hit.snippet for hit in theirs.hits]


def test_two_shards_rank_as_a_single_index(sharded, single):
    """Statistics summed over the shards, tiers and the head's rescoring merged: the same ranking."""
    for query in QUERIES + ["oorlog", "Rusland brug", "storm dijk haven", "de oorlog en de vrede", "kabinet -brug"]:
        for options in ({}, {"snippets": False}, {"page": 2, "limit": 7}, {"group": True}, {"sort": "date"},
                        {"lang": "nl", "facets": True}):
            mine, theirs = sharded.search(query, **options), single.search(query, **options)
            assert ids(mine) == ids(theirs), (query, options)
            assert all(abs(a.score - b.score) <= 1e-9 for a, b in zip(mine.hits, theirs.hits)), (query, options)
            assert [hit.snippet for hit in mine.hits] == [hit.snippet for hit in theirs.hits]
            assert (mine.total, mine.facets, [hit.similar for hit in mine.hits]) == \
                   (theirs.total, theirs.facets, [hit.similar for hit in theirs.hits])


def test_a_first_page_comes_with_the_ranking_whatever_the_bonuses():
    """Each shard fetches the hits that may be on the cluster's first page (merge.may_lead):
    whatever the split, scores, tiers and head bonuses, every hit of that page is among them."""
    rng = random.Random(5)
    for _ in range(300):
        docs = [RankedDoc(rng.choice([0, 0, 1]), rng.choice([1.0, 2.0, rng.random() * 3]),
                          rng.choice([0.0, rng.random() * 4]), f"d{n}", rng.randrange(3), None) for n in range(40)]
        shards = [[doc for doc in docs if shard_of(doc.id, 3) == number] for number in range(3)]
        for wanted, head, sort in [(10, 20, "relevance"), (3, 20, "relevance"), (25, 20, "relevance"),
                                   (10, 0, "relevance"), (10, 20, "date")]:
            first = merge.ranked(shards, sort, head)[:wanted]
            fetched = {doc.id for shard in shards for doc in merge.may_lead(shard, wanted, sort, head)}
            assert {doc.id for doc in first} <= fetched


def test_similar_show_and_suggestions_come_from_the_right_shards(sharded, single):
    target = "doc-0007"
    assert sorted(ids(sharded.similar(target, limit=100))) == sorted(ids(single.similar(target, limit=100)))
    assert target not in ids(sharded.similar(target, limit=100))
    assert sharded.get(target) == single.get(target)
    assert sharded.read(target, "oorlog").to_dict() == single.read(target, "oorlog").to_dict()
    for call in (sharded.get, sharded.similar):
        with pytest.raises(ArticleNotFound, match="no article with id 'missing'"):  # from the shard holding it
            call("missing")
    assert sharded.search("oorlg", suggest=True).suggestion == "oorlog"


def test_a_query_asked_again_after_a_write_ranks_with_the_new_statistics(tmp_path):
    """Summed statistics are kept per query for the cluster's state: a write changes them."""
    single = open_index(tmp_path / "single", create=True)
    with single, ShardedIndex.open(tmp_path / "index", shards=2, create=True, processes=False) as index:
        for batch in (articles(40), articles(30, offset=40)):
            single.add_documents(batch)
            index.add_documents(batch)
            for _ in range(2):
                mine, theirs = index.search("storm dijk", limit=5), single.search("storm dijk", limit=5)
                assert [(hit.id, hit.score) for hit in mine.hits] == [(hit.id, hit.score) for hit in theirs.hits]


def test_writes_commit_on_every_shard_and_switch_at_once(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    for record in articles(30):
        (drop / f"{record['id']}.json").write_text(json.dumps(record), encoding="utf-8")
    with ShardedIndex.open(tmp_path / "index", shards=3, create=True, processes=False) as index:
        assert index.add_paths([drop]).to_dict() == {"added": 30, "updated": 0, "unchanged": 0, "skipped": 0}
        assert index.add_paths([drop]).unchanged == 30
        (drop / "doc-0003.json").unlink()
        changed = {**articles(1, offset=4)[0], "text": "een nieuwe tekst over de brug"}
        (drop / "doc-0004.json").write_text(json.dumps(changed), encoding="utf-8")
        report = index.add_paths([drop], sync=True)
        assert (report.updated, report.unchanged, report.removed) == (1, 28, 1)
        assert index.remove(["doc-0005", "nope"]).to_dict() == {"removed": ["doc-0005"], "not_found": ["nope"]}
        assert len(index) == 28 and index.search("nieuwe tekst").hits[0].id == "doc-0004"
        index.optimize()
        assert index.verify().ok and index.verify().segments == 3
        rebuilt = index.rebuild()
        assert (rebuilt.reread, rebuilt.kept) == (28, 0) and index.verify().ok
        assert [entry.action for entry in index.stats().history] == ["index", "index", "index", "remove", "optimize",
                                                                       "rebuild"]
        assert index.stats().history[-1].documents == 28
        generations = {state.generation for state in read_cluster(index.path).states.values()}
        assert generations == {"gen-000002"}


def test_a_run_that_dies_before_the_switch_is_invisible_and_undone(tmp_path):
    """Every shard committed, the cluster manifest not switched (as after a crash there): readers
    keep the previous state; the next run rolls the shards back, so no half run ever shows."""
    with ShardedIndex.open(tmp_path / "index", shards=2, create=True, processes=False) as index:
        index.add_documents(articles(20))
        before = read_cluster(index.path)
        index._switch = lambda manifest, states, entry: index._end(manifest)  # dies just before switching
        index.add_documents(articles(20, offset=100))
        assert read_cluster(index.path) == before
        assert len(index) == 20 and "doc-0105" not in ids(index.search("nummer 105", limit=100))
        del index._switch
        assert index.remove(["doc-0001"]).removed == ["doc-0001"]  # another run: the dead one stays undone
        assert len(index) == 19 and not any(hit.id.startswith("doc-01") for hit in index.search("oorlog", limit=100).hits)
        assert index.verify().ok
        assert index.add_documents(articles(20, offset=100)).added == 20  # and the next run of that drop completes it
        assert len(index) == 39


def test_snapshots_are_retired_once_the_cluster_moved_on(tmp_path):
    with ShardedIndex.open(tmp_path / "index", shards=2, create=True, processes=False) as index:
        for offset in (0, 10, 20):
            index.add_documents(articles(10, offset))
        for name, state in read_cluster(index.path).states.items():
            folder = index.path / read_cluster(index.path).layout / name / state.generation
            assert snapshots.snapshots(folder) == [state.snapshot]


def test_a_shard_that_does_not_answer_fails_the_query_or_is_left_out(tmp_path):
    with ShardedIndex.open(tmp_path / "index", shards=2, create=True, processes=False) as index:
        index.add_documents(articles(40))
        everything = index.search("oorlog", limit=100)
        index._workers.client.sync(index._workers._cluster.workers["shard-1"].close)
        with pytest.raises(SearcherError, match="shard shard-1 did not answer"):
            index.search("oorlog")
        partial = index.search("oorlog", limit=100, allow_partial=True)
        assert partial.shards == {"total": 2, "failed": 1}
        assert 0 < len(partial.hits) < len(everything.hits)
        assert all(shard_of(hit.id, 2) == 0 for hit in partial.hits)


def test_exports_stream_every_hit_as_a_single_index_does(sharded, single, monkeypatch):
    """The whole merged ranking, folded or not, by rank or date, its hits fetched from the
    shards a few at a time: the single index's export, hit for hit."""
    from searcher.cluster import sharded as sharded_module

    monkeypatch.setattr(sharded_module, "EXPORT_BATCH", 7)  # several rounds of hits for these few articles
    for query in QUERIES + ["oorlog", "Rusland brug", "storm dijk haven", "kabinet -brug"]:
        for options in ({}, {"group": True}, {"order": "date"}, {"order": "date", "group": True},
                        {"snippets": True}, {"lang": "nl", "source": "nos", "date_from": "2024-03-01"}):
            with sharded.export(query, **options) as mine, single.export(query, **options) as theirs:
                assert (mine.total, mine.all_words) == (theirs.total, theirs.all_words), (query, options)
                mine, theirs = list(mine), list(theirs)
            assert [hit.id for hit in mine] == [hit.id for hit in theirs], (query, options)
            assert all(abs(a.score - b.score) <= 1e-9 for a, b in zip(mine, theirs)), (query, options)
            assert [(hit.similar, hit.snippet) for hit in mine] == [(hit.similar, hit.snippet) for hit in theirs]
    assert len(list(sharded.export("oorlog"))) > 7
    with pytest.raises(SearcherError, match="--explain"):
        sharded.export("oorlog", explain=True)


def test_an_export_whose_states_a_write_retired_stops_with_an_error(tmp_path, monkeypatch):
    from searcher.cluster import sharded as sharded_module

    monkeypatch.setattr(sharded_module, "EXPORT_BATCH", 5)
    with ShardedIndex.open(tmp_path / "index", shards=2, create=True, processes=False) as index:
        index.add_documents(articles(40))
        exported = index.export("oorlog")
        first = [next(exported) for _ in range(5)]
        index.remove([hit.id for hit in first])  # both shards move on; their old states are retired
        with pytest.raises(SearcherError, match="changed during the export"):
            list(exported)
        assert len(list(index.export("oorlog"))) == exported.total - 5


def test_cli_creates_searches_and_reshards_a_sharded_index(tmp_path, monkeypatch):
    from searcher.cluster import sharded as sharded_module

    real_open = ShardedIndex.open.__func__
    monkeypatch.setattr(ShardedIndex, "open", classmethod(lambda cls, *a, **k: real_open(cls, *a, **{**k, "processes": False})))
    real_reshard = sharded_module.reshard
    monkeypatch.setattr(sharded_module, "reshard", lambda *a, **k: real_reshard(*a, **{**k, "processes": False}))
    runner, index = CliRunner(), str(tmp_path / "index")
    result = runner.invoke(main, ["index", str(SEEDS), "--index", index, "--shards", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["added"] == 5
    result = runner.invoke(main, ["search", "رئیس جمهور", "--index", index, "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["shards"] == {"total": 2, "failed": 0}
    result = runner.invoke(main, ["search", "رئیس جمهور", "--index", index, "--since", "7d", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["total"] == 0  # the seeds: 2021 or undated
    result = runner.invoke(main, ["search", "رئیس جمهور", "--index", index, "--explain"])
    assert result.exit_code == 1 and "does not work on a sharded index yet" in result.stderr
    result = runner.invoke(main, ["search", "رئیس جمهور", "--index", index, "--format", "jsonl", "--no-snippets"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 4 and len({line["id"] for line in lines}) == 4
    result = runner.invoke(main, ["index", str(SEEDS), "--index", index, "--shards", "3"])
    assert result.exit_code == 1 and "has 2 shards, not 3" in result.output
    result = runner.invoke(main, ["reshard", "3", "--index", index, "--json"])
    assert result.exit_code == 0 and json.loads(result.output) == {"shards": 3, "documents": 5}
    assert len(read_cluster(Path(index)).shards) == 3
    result = runner.invoke(main, ["search", "رئیس جمهور", "--index", index, "--json"])
    assert json.loads(result.output)["total"] == 4
    result = runner.invoke(main, ["verify", "--index", index])
    assert result.exit_code == 0, result.output


def test_a_single_index_reshards_into_shards(tmp_path):
    index = open_index(tmp_path / "index", create=True)
    index.add_paths([SEEDS])
    found = sorted(ids(index.search("ترامپ")))
    index.close()
    assert reshard(tmp_path / "index", 2, processes=False) == {"shards": 2, "documents": 5}
    with ShardedIndex.open(tmp_path / "index", processes=False) as sharded:
        assert sorted(ids(sharded.search("ترامپ"))) == found
        assert [entry.action for entry in sharded.stats().history][-2:] == ["index", "reshard"]
    assert not (tmp_path / "index" / "searcher.json").exists()


def test_cli_names_an_unreachable_scheduler(tmp_path, monkeypatch):
    from searcher.cluster import connect

    monkeypatch.setattr(connect, "CONNECT_TIMEOUT", 0.5)
    result = CliRunner().invoke(main, ["--scheduler", "tcp://127.0.0.1:9", "index", str(SEEDS), "--index",
                                       str(tmp_path / "index"), "--shards", "2"])
    assert result.exit_code == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output


def test_a_run_failing_midway_commits_nothing_and_frees_the_shards(tmp_path):
    def failing():
        yield from articles(500)
        raise OSError("the drop's disk went away")

    with ShardedIndex.open(tmp_path / "index", shards=2, create=True, processes=False) as index:
        index.add_documents(articles(10))
        with pytest.raises(OSError, match="went away"):
            index.add_documents(failing())
        assert len(index) == 10 and "doc-0300" not in ids(index.search("nummer 300", limit=100))
        assert index.add_documents(articles(500)).to_dict() == {"added": 490, "updated": 0, "unchanged": 10,
                                                                "skipped": 0}
