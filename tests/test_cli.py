"""The command line through the front door: exit codes, JSON shapes, error lines."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from conftest import SEEDS
from searcher.cli import main


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Runs ``searcher ARGS`` in an empty working directory; returns the click Result."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHER_INDEX", raising=False)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def indexed(run, tmp_path):
    """The seeds indexed into ./idx; returns the index path."""
    result = run("index", str(SEEDS), "--index", "idx", "--json")
    assert result.exit_code == 0, result.output
    return tmp_path / "idx"


def test_index_reports_counts_as_json(run):
    result = run("index", str(SEEDS), "--index", "idx", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"added": 5, "updated": 0, "unchanged": 0, "skipped": 0}
    again = run("index", str(SEEDS), "--index", "idx", "--json")
    assert json.loads(again.stdout) == {"added": 0, "updated": 0, "unchanged": 5, "skipped": 0}


def test_index_skips_unusable_files_with_one_line_each(run, tmp_path):
    drop = tmp_path / "drop"
    shutil.copytree(SEEDS, drop)
    (drop / "empty.txt").write_bytes(b"")
    (drop / "binary.txt").write_bytes(bytes(range(256)) * 4)
    result = run("index", str(drop), "--index", "idx")
    assert result.exit_code == 0
    skipped_lines = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert len(skipped_lines) == 2
    assert "added 5" in result.stdout and "skipped 2" in result.stdout


def test_index_exits_non_zero_when_nothing_could_be_indexed(run, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = run("index", str(tmp_path / "empty.txt"), "--index", "idx")
    assert result.exit_code == 1
    assert "nothing could be indexed" in result.stderr


def test_search_json_shape(run, indexed):
    result = run("search", "Oekraine", "--index", str(indexed), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"query", "total", "hits"}
    assert data["query"] == "Oekraine" and data["total"] == 1
    hit = data["hits"][0]
    assert {"id", "title", "lang", "date", "path", "score", "snippet"} <= set(hit)  # keys may be added, never removed
    assert hit["id"] == "004_7c82a9d19096d9a2" and hit["lang"] == "nl"
    assert "**Oekraïne**" in hit["snippet"]


def test_search_text_output_and_lang_filter(run, indexed):
    result = run("search", "ترامپ", "--index", str(indexed), "--lang", "fa", "--limit", "2")
    assert result.exit_code == 0
    assert "1. " in result.stdout and "2. " in result.stdout and "3. " not in result.stdout
    assert "\u2067" in result.stdout  # Persian lines are wrapped in a right-to-left isolate


def test_search_with_no_hits_exits_zero(run, indexed):
    result = run("search", "xylofoonconcert", "--index", str(indexed), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["total"] == 0


def test_search_on_missing_index_says_how_to_create_one(run):
    result = run("search", "Trump", "--index", "nowhere")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no index at nowhere")
    assert "searcher index" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_search_without_words_is_an_error(run, indexed):
    result = run("search", "((( )))", "--index", str(indexed))
    assert result.exit_code == 1
    assert "no words to search for" in result.stderr


def test_default_index_comes_from_the_environment(run, tmp_path, monkeypatch):
    monkeypatch.setenv("SEARCHER_INDEX", str(tmp_path / "from-env"))
    assert run("index", str(SEEDS)).exit_code == 0
    assert (tmp_path / "from-env").is_dir()
    assert json.loads(run("search", "onderhandeling", "--json").stdout)["total"] == 1


def test_default_index_is_indexes_default(run, tmp_path):
    assert run("index", str(SEEDS)).exit_code == 0
    assert (tmp_path / "indexes" / "default").is_dir()


def test_stats(run, indexed):
    result = run("stats", "--index", str(indexed), "--json")
    assert result.exit_code == 0
    stats = json.loads(result.stdout)
    assert stats["documents"] == 5
    assert stats["languages"] == {"fa": 4, "nl": 1}
    assert stats["size_bytes"] > 0
    assert stats["analysis_version"] and stats["last_update"]
    text = run("stats", "--index", str(indexed)).stdout
    assert "documents:  5 (fa 4, nl 1)" in text


def test_mismatched_analysis_version_asks_for_a_rebuild(run, indexed):
    manifest = indexed / "searcher.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "analysis_version": "0-old"}))
    result = run("search", "Trump", "--index", str(indexed))
    assert result.exit_code == 1
    assert "rebuild" in result.stderr


def test_damaged_manifest_is_reported(run, indexed):
    (indexed / "searcher.json").write_text("{not json")
    result = run("stats", "--index", str(indexed))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")


def test_headlines_without_text_are_indexed_and_listed(run, tmp_path):
    records = [
        {"id": "h1", "lang": "nl", "title": "ADO verliest bij MVV ook derde wedstrijd onder Kuijt", "text": ""},
        {"id": "h2", "lang": "nl", "title": "Kuijt zag vernedering met ADO niet aankomen", "text": ""},
        {"id": "full", "lang": "nl", "title": "Trainer na de nederlaag",
         "text": "De trainer van ADO Den Haag, Dirk Kuijt, sprak na de nederlaag tegen MVV over zijn ploeg."},
        {"id": "empty", "lang": "nl", "title": " ", "text": ""},
    ]
    (tmp_path / "nunl.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = run("index", str(tmp_path / "nunl.jsonl"), "--index", "idx", "--json")
    assert json.loads(result.stdout) == {"added": 3, "updated": 0, "unchanged": 0, "skipped": 1}
    assert "line 4: record 'empty' has no usable 'text'" in result.stderr
    data = json.loads(run("search", "Kuijt ADO", "--index", "idx", "--json").stdout)
    snippets = {hit["id"]: hit["snippet"] for hit in data["hits"]}
    assert data["total"] == 3 and set(snippets) == {"h1", "h2", "full"}  # distinct headlines are not grouped
    assert snippets["h1"] == snippets["h2"] == "" and "**Kuijt**" in snippets["full"]
    assert [hit["id"] for hit in json.loads(run("search", "title:MVV", "--index", "idx", "--json").stdout)["hits"]] == ["h1"]
    text = run("search", "Kuijt", "--index", "idx").stdout
    assert "ADO verliest bij MVV ook derde wedstrijd onder Kuijt\n   undated · " in text
    similar = json.loads(run("similar", "h1", "--index", "idx", "--json").stdout)
    assert {hit["id"] for hit in similar["hits"]} == {"h2", "full"}
