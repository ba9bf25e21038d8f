"""The command line through the front door: exit codes, JSON shapes, error lines."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

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
    assert set(data) == {"query", "total", "hits", "notes"}
    assert data["query"] == "Oekraine" and data["total"] == 1
    hit = data["hits"][0]
    assert {"id", "title", "lang", "date", "path", "score", "snippet"} <= set(hit)  # keys may be added, never removed
    assert hit["id"] == "004_7c82a9d19096d9a2" and hit["lang"] == "nl"
    assert "**" not in hit["snippet"] and "snippet_marked" not in hit and "title_marked" not in hit
    assert [hit["snippet"][start:end] for start, end in hit["snippet_matches"]] == ["Oekraïne"]
    assert hit["title_matches"] == []


def test_search_json_marks_only_when_asked(run, indexed):
    hit = json.loads(run("search", "Trump Oekraine", "--index", str(indexed), "--json", "--marks").stdout)["hits"][0]
    assert "**Oekraïne**" in hit["snippet_marked"] and "**Trump**" in hit["title_marked"]
    assert hit["snippet_marked"].replace("**", "") == hit["snippet"]
    assert [hit["title"][start:end] for start, end in hit["title_matches"]] == ["Trump"]


def test_search_text_output_and_lang_filter(run, indexed):
    result = run("search", "ترامپ", "--index", str(indexed), "--lang", "fa", "--limit", "2")
    assert result.exit_code == 0
    assert "1. " in result.stdout and "2. " in result.stdout and "3. " not in result.stdout
    assert not set("\u2066\u2067\u2068\u2069") & set(result.stdout)  # isolates only on a terminal


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
    assert snippets["h1"] == snippets["h2"] == "" and "Kuijt" in snippets["full"]
    assert [hit["id"] for hit in json.loads(run("search", "title:MVV", "--index", "idx", "--json").stdout)["hits"]] == ["h1"]
    text = run("search", "Kuijt", "--index", "idx").stdout
    assert "ADO verliest bij MVV ook derde wedstrijd onder **Kuijt**\n   undated · " in text  # titles marked too
    similar = json.loads(run("similar", "h1", "--index", "idx", "--json").stdout)
    assert {hit["id"] for hit in similar["hits"]} == {"h2", "full"}


@pytest.fixture
def news(run, tmp_path):
    """Three Dutch articles indexed into ./news."""
    records = [
        {"id": "both", "lang": "nl", "title": "Rutte spreekt Trump", "text": "Rutte en Trump spraken over de NAVO."},
        {"id": "trump", "lang": "nl", "title": "Trump in Den Haag", "text": "Trump kwam naar de NAVO-top."},
        {"id": "rutte", "lang": "nl", "title": "Rutte op bezoek", "text": "Rutte bezocht Kyiv."},
    ]
    (tmp_path / "news.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert run("index", str(tmp_path / "news.jsonl"), "--index", "news").exit_code == 0
    return "news"


@pytest.mark.parametrize("args", [
    ["search", "-Rutte Trump", "--index", "news", "--json"],
    ["search", "--index", "news", "-Rutte Trump", "--json"],
    ["search", "--json", "--limit=5", "-Rutte Trump", "--index", "news"],
    ["search", "--index", "news", "--json", "--", "-Rutte Trump"],
])
def test_a_query_may_start_with_a_dash(run, news, args):
    result = run(*args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["query"] == "-Rutte Trump" and [hit["id"] for hit in data["hits"]] == ["trump"]


def test_dash_queries_leave_real_options_alone(run, news):
    assert run("search", "-h").stdout.startswith("Usage: ")
    mistyped = run("search", "Trump", "--limt", "5", "--index", news)
    assert mistyped.exit_code == 2 and "No such option '--limt'" in mistyped.stderr
    negative = run("search", "Trump", "--limit", "-1", "--index", news)
    assert negative.exit_code == 2 and "-1 is not in the range" in negative.stderr  # a value, not a query
    alone = run("search", "-Rutte", "--index", news)
    assert alone.exit_code == 1 and "only excludes words" in alone.stderr  # searched, not an option


def test_search_help_shows_how_to_start_a_query_with_a_dash(run):
    help_text = run("search", "--help").stdout
    assert 'searcher search -- "-Rutte Trump"' in help_text and 'searcher search "-Rutte Trump"' in help_text


def test_count_line_echoes_the_query_as_typed(run, news, tmp_path):
    assert run("search", "Kyiv", "--index", news).stdout.split("\n")[0] == "1 hit for: Kyiv"
    assert run("search", "Trump", "--index", news).stdout.split("\n")[0] == "2 hits for: Trump"
    paged = run("search", "Trump OR Rutte", "--index", news, "--limit", "2", "--page", "2").stdout
    assert paged.split("\n")[0] == "3 hits, 1 with all the words, showing 3, for: Trump OR Rutte"
    half_space = run("search", "هسته‌ای", "--index", news).stdout
    assert half_space.split("\n")[0] == "No hits for: هسته‌ای"


def test_shell_completion_script_is_produced(run):
    result = CliRunner().invoke(main, [], prog_name="searcher", env={"_SEARCHER_COMPLETE": "bash_source"})
    assert result.exit_code == 0
    assert "_searcher_completion()" in result.stdout
    assert "complete -o nosort -F _searcher_completion searcher" in result.stdout
    for shell in ("zsh", "fish"):
        script = CliRunner().invoke(main, [], prog_name="searcher", env={"_SEARCHER_COMPLETE": f"{shell}_source"})
        assert script.exit_code == 0 and "_SEARCHER_COMPLETE" in script.stdout


@pytest.mark.parametrize("words, expected", [
    ("searcher sh", ["plain,show"]),
    ("searcher search x --la", ["plain,--lang"]),
    ("searcher search x --lang ", ["plain,fa", "plain,nl", "plain,und"]),
])
def test_shell_completion_completes_commands_options_and_choices(words, expected):
    env = {"_SEARCHER_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}
    result = CliRunner().invoke(main, [], prog_name="searcher", env=env)
    assert result.exit_code == 0 and result.stdout.split() == expected


def test_bash_completes_with_the_produced_script(tmp_path):
    """The script bash sources completes ``searcher sh`` to ``show`` through the installed command."""
    bash, command = shutil.which("bash"), Path(sys.executable).with_name("searcher")
    if bash is None or not command.exists():
        pytest.skip("needs bash and the installed searcher command")
    script = ('eval "$(_SEARCHER_COMPLETE=bash_source searcher)"; COMP_WORDS=(searcher sh); COMP_CWORD=1; '
              '_searcher_completion searcher; echo "${COMPREPLY[@]}"')
    env = {**os.environ, "PATH": f"{command.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run([bash, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0 and result.stdout.split() == ["show"], result.stderr
