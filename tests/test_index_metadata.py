"""What the index says about its articles' metadata (sources, undated articles, the undated ones
a date filter leaves out), a run that indexes nothing leaving nothing behind, and a rebuild
reading each drop with the options it was indexed with."""
from __future__ import annotations

import json

import pytest

from searcher import open_index
from searcher.errors import IndexNotFound
from test_drops import write_drop

HAVEN = "Een bericht over de haven van de stad en de nieuwe kade."


@pytest.fixture
def mixed(run, tmp_path):
    """An index "idx": 2 dated articles of the source nos, 3 undated ones from the folder "los"."""
    dated = tmp_path / "nos"
    dated.mkdir()
    for n, day in enumerate(["2025-06-14", "2025-06-15"]):
        record = {"id": f"d{n}", "title": "Haven", "text": HAVEN, "date": day, "source": "nos"}
        (dated / f"d{n}.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    write_drop(tmp_path / "los", {f"u{n}": f"{HAVEN} Nummer {n}." for n in range(3)})
    assert run("index", str(dated), str(tmp_path / "los"), "--index", "idx", "-q").exit_code == 0
    return tmp_path / "idx"


def test_stats_count_sources_and_undated_articles(run, mixed):
    data = json.loads(run("stats", "--index", "idx", "--json").stdout)
    assert data["sources"] == {"los": 3, "nos": 2} and data["undated"] == 3
    lines = run("stats", "--index", "idx").output.splitlines()
    assert "sources:    los 3, nos 2" in lines and "undated:    3" in lines
    run("remove", "u0", "--index", "idx")
    assert json.loads(run("stats", "--index", "idx", "--json").stdout)["undated"] == 2


@pytest.mark.parametrize("args", [("haven", "--from", "2025-06-15"), ("haven", "--to", "1404-03-25"),
                                  ("haven date:2025-06",), ("haven date:>2025-06-14",)])
def test_a_date_filter_says_how_many_undated_matches_it_left_out(run, mixed, args):
    result = run("search", *args, "--index", "idx", "--all")
    assert result.exit_code == 0
    assert result.stderr == "Note: the date filter left out 3 undated articles matching the query\n"
    data = json.loads(run("search", *args, "--index", "idx", "--all", "--json").stdout)
    assert data["undated_left_out"] == 3 and 1 <= data["total"] <= 2


def test_no_note_without_a_date_filter_or_undated_matches(run, mixed):
    result = run("search", "haven", "--index", "idx", "--json")
    assert result.stderr == "" and "undated_left_out" not in json.loads(result.stdout)
    other = run("search", "haven", "--source", "nos", "--from", "2025-01-01", "--index", "idx", "--json")
    assert other.stderr == "" and json.loads(other.stdout)["undated_left_out"] == 0
    excluded = run("search", "haven NOT date:2025-06-14", "--index", "idx", "--json")
    assert excluded.stderr == "" and json.loads(excluded.stdout)["total"] == 4  # undated ones stay


def test_library_page_counts_undated_left_out(mixed):
    with open_index(mixed) as index:
        assert index.search("haven", date_from="2025-01-01", group=False).undated_left_out == 3
        assert index.search("haven", group=False).undated_left_out is None
        assert index.search("nummer", date_to="2025-12-31").undated_left_out == 3


def test_a_run_that_indexes_nothing_makes_no_index(run, tmp_path):
    result = run("index", "/nothere", "--index", "X")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "Error: nothing could be indexed from /nothere; no index was made at X"
    assert not (tmp_path / "X").exists()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.jsonl").write_text("{broken\n", encoding="utf-8")
    (bad / "b.txt").write_bytes(b"\x00\x01binary")
    assert run("index", str(bad), "--index", "deep/X").exit_code == 1
    assert not (tmp_path / "deep").exists()
    assert run("index", str(write_drop(tmp_path / "good", {"g": HAVEN})), str(bad), "--index", "deep/X").exit_code == 0
    assert json.loads(run("stats", "--index", "deep/X", "--json").stdout)["documents"] == 1


def test_the_library_makes_the_index_at_the_first_article(tmp_path):
    with open_index(tmp_path / "idx", create=True) as index:
        report = index.add_documents([{"id": "x"}])  # no title, no text: skipped
        assert (report.indexed, len(report.skipped)) == (0, 1)
        assert not (tmp_path / "idx").exists()
        with pytest.raises(IndexNotFound, match="nothing has been indexed into it"):
            index.search("haven")
        index.add_documents([{"id": "y", "text": HAVEN}])
        assert index.search("haven").total == 1
    with open_index(tmp_path / "idx") as index:
        assert len(index) == 1


def test_an_index_made_meanwhile_by_another_process_is_used(tmp_path):
    with open_index(tmp_path / "idx", create=True) as waiting:
        with open_index(tmp_path / "idx", create=True) as other:
            other.add_documents([{"id": "y", "text": HAVEN}])
        assert waiting.search("haven").total == 1
        waiting.add_documents([{"id": "z", "text": HAVEN}])
        assert len(waiting) == 2


def test_a_rebuild_reads_each_drop_with_the_options_it_was_indexed_with(run, tmp_path):
    dated = tmp_path / "2025-06-14"
    dated.mkdir()
    (dated / "a.txt").write_text("De haven van de stad krijgt een nieuwe kade en een loods.", encoding="utf-8")
    plain = write_drop(tmp_path / "plain", {"p": HAVEN})
    assert run("index", str(dated), "--source", "fars", "--lang", "fa", "--date-from-name", "%Y-%m-%d",
               "--index", "idx", "-q").exit_code == 0
    assert run("index", str(plain), "--index", "idx", "-q").exit_code == 0

    def metadata() -> dict[str, tuple]:
        hits = json.loads(run("search", "haven OR کاخ", "--index", "idx", "--json", "--all").stdout)["hits"]
        return {hit["id"]: (hit["source"], hit["lang"], hit["date"]) for hit in hits}

    before = metadata()
    assert before == {"a": ("fars", "fa", "2025-06-14"), "p": ("plain", "nl", None)}
    rebuilt = json.loads(run("rebuild", "--index", "idx", "--json").stdout)
    assert rebuilt["reread"] == 2 and rebuilt["kept"] == 0
    assert metadata() == before
    assert run("search", "haven", "--source", "fars", "--index", "idx").exit_code == 0
