"""Drops through the front door: incremental runs, removals, rebuilds, the writer lock,
history, verify, and write failures that must leave the index as it was."""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher import open_index
from searcher.cli import main
from searcher.manifest import MANIFEST_NAME


def write_drop(folder: Path, articles: dict[str, str]) -> Path:
    """One .jsonl file per article id: {id: text}."""
    folder.mkdir(parents=True, exist_ok=True)
    for article_id, text in articles.items():
        record = {"id": article_id, "title": f"Nieuws {article_id}", "text": text, "lang": "nl"}
        (folder / f"{article_id}.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    return folder


TEXTS = {f"a{n}": f"De gemeente opent een nieuwe brug over de rivier, bericht nummer {n}." for n in range(4)}


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHER_INDEX", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def counts(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_incremental_runs_count_added_updated_unchanged(run, tmp_path):
    drop = write_drop(tmp_path / "drop", TEXTS)
    assert counts(run("index", str(drop), "--index", "idx", "--json"))["added"] == 4
    write_drop(drop, {"a1": "Een ander bericht over de brug.", "a9": "Een nieuw bericht over de haven."})
    assert counts(run("index", str(drop), "--index", "idx", "--json")) == {"added": 1, "updated": 1, "unchanged": 3, "skipped": 0}


def test_an_article_delivered_again_in_a_later_drop_is_not_indexed_twice(run, tmp_path):
    run("index", str(write_drop(tmp_path / "monday", TEXTS)), "--index", "idx")
    later = write_drop(tmp_path / "tuesday", {"a2": TEXTS["a2"]})
    assert counts(run("index", str(later), "--index", "idx", "--json"))["unchanged"] == 1
    with open_index(tmp_path / "idx") as index:
        assert len(index) == 4


def test_remove_by_id_reports_ids_not_found(run, tmp_path):
    run("index", str(write_drop(tmp_path / "drop", TEXTS)), "--index", "idx")
    result = run("remove", "a1", "zz", "--index", "idx", "--json")
    assert json.loads(result.stdout) == {"removed": ["a1"], "not_found": ["zz"]}
    assert result.stderr == "not found: zz\n"
    with open_index(tmp_path / "idx") as index:
        assert len(index) == 3 and index.search("bericht", limit=10).total == 3


def test_sync_removes_articles_whose_files_are_gone_from_that_drop_only(run, tmp_path):
    drop = write_drop(tmp_path / "drop", TEXTS)
    other = write_drop(tmp_path / "other", {"b1": "Een bericht uit een andere map."})
    run("index", str(drop), str(other), "--index", "idx")
    (drop / "a0.jsonl").unlink()
    (drop / "a1.jsonl").rename(drop / "moved.jsonl")  # moved, not gone: kept with its new path
    result = counts(run("index", "--sync", str(drop), "--index", "idx", "--json"))
    assert result == {"added": 0, "updated": 1, "unchanged": 2, "skipped": 0, "removed": 1}
    with open_index(tmp_path / "idx") as index:
        assert len(index) == 4
        assert [hit.path for hit in index.search("bericht", limit=10).hits if hit.id == "a1"] == [str(drop / "moved.jsonl")]


def test_rebuild_switches_generation_and_keeps_articles_of_missing_sources(run, tmp_path):
    drop = write_drop(tmp_path / "drop", TEXTS)
    run("index", str(drop), "--index", "idx")
    (drop / "a3.jsonl").unlink()
    write_drop(drop, {"a2": "Herschreven: de brug gaat dicht."})  # re-read from its source
    with open_index(tmp_path / "idx") as reader:  # an open reader keeps the old generation alive
        before = reader.search("herschreven").total
        result = run("rebuild", "--index", "idx", "--json")
        assert result.stderr == f"missing source {drop / 'a3.jsonl'}: its articles were kept from the old generation\n"
        assert json.loads(result.stdout) == {"generation": "gen-000002", "reread": 3, "kept": 1,
                                             "missing_sources": [str(drop / "a3.jsonl")], "skipped": 0, "lost": []}
        assert (tmp_path / "idx" / "gen-000001").is_dir()
        assert before == 0 and reader.search("herschreven").total == 1  # the reader moved on
    assert sorted(os.listdir(tmp_path / "idx")) == ["gen-000002", MANIFEST_NAME, "writer.lock"]
    assert counts(run("verify", "--index", "idx", "--json"))["ok"] is True


def test_rebuild_after_an_analysis_upgrade(run, tmp_path):
    run("index", str(write_drop(tmp_path / "drop", TEXTS)), "--index", "idx")
    manifest = tmp_path / "idx" / MANIFEST_NAME
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "analysis_version": "0-old"}))
    assert "searcher rebuild" in run("search", "brug", "--index", "idx").stderr
    verify = run("verify", "--index", "idx")
    assert verify.exit_code == 1 and "problem: built with analysis 0-old" in verify.stdout
    assert run("rebuild", "--index", "idx").exit_code == 0
    assert counts(run("search", "brug", "--index", "idx", "--json"))["total"] == 4


def test_flat_index_of_format_1_opens_and_moves_into_a_generation(run, tmp_path):
    """The first indexes kept Whoosh's files beside a format-1 manifest."""
    from searcher.backend.whoosh import WhooshStore
    from searcher.config import IndexConfig
    from searcher.drops import read_paths
    from searcher.folder import arrays_signature, index_version
    from searcher.index import ingest

    flat = tmp_path / "idx"
    WhooshStore.create(flat)
    store = WhooshStore.open(flat, IndexConfig(), arrays_signature(IndexConfig()))
    ingest(store, read_paths([write_drop(tmp_path / "drop", TEXTS)]))
    store.close()
    (flat / MANIFEST_NAME).write_text(json.dumps({"format_version": 1, "analysis_version": index_version(IndexConfig()),
                                                  "created": "2025-01-01T00:00:00+00:00", "last_update": "2025-01-01T00:00:00+00:00"}))
    assert counts(run("search", "brug", "--index", "idx", "--json"))["total"] == 4
    assert counts(run("index", str(tmp_path / "drop"), "--index", "idx", "--json"))["unchanged"] == 4
    assert sorted(os.listdir(flat)) == ["gen-000001", MANIFEST_NAME, "writer.lock"]
    assert counts(run("search", "brug", "--index", "idx", "--json"))["total"] == 4


def test_history_lists_each_run(run, tmp_path):
    drop = write_drop(tmp_path / "drop", TEXTS)
    run("index", str(drop), "--index", "idx")
    run("index", str(drop), "--index", "idx")
    run("remove", "a0", "--index", "idx")
    history = counts(run("stats", "--index", "idx", "--json"))["history"]
    assert [(entry["action"], entry["added"], entry["unchanged"], entry["removed"], entry["documents"]) for entry in history] == [
        ("index", 4, 0, 0, 4), ("index", 0, 4, 0, 4), ("remove", 0, 0, 1, 3)]
    assert history[0]["paths"] == [str(drop)]
    text = run("stats", "--index", "idx").stdout
    assert f"index {drop}: added 4, updated 0, unchanged 0, skipped 0, removed 0 -> 4 documents" in text


def test_verify_finds_a_commit_missing_from_the_history(run, tmp_path):
    run("index", str(write_drop(tmp_path / "drop", TEXTS)), "--index", "idx")
    manifest = tmp_path / "idx" / MANIFEST_NAME
    data = json.loads(manifest.read_text())
    data["history"][-1]["documents"] = 3
    manifest.write_text(json.dumps(data))
    result = run("verify", "--index", "idx")
    assert result.exit_code == 1
    assert "a run was interrupted after its commit" in result.stdout
    assert result.stderr == "Error: the index at idx has 1 problem(s)\n"


def test_optimize_merges_segments(run, tmp_path):
    for n in range(3):
        run("index", str(write_drop(tmp_path / f"drop{n}", {f"d{n}": TEXTS["a0"]})), "--index", "idx")
    assert counts(run("verify", "--index", "idx", "--json"))["segments"] == 3
    assert run("optimize", "--index", "idx").stdout == "optimized the index at idx\n"
    assert counts(run("verify", "--index", "idx", "--json"))["segments"] == 1
    assert counts(run("search", "brug", "--index", "idx", "--json"))["total"] == 3


HOLD_LOCK = """
import sys, time
from searcher.locking import acquire_writer
from pathlib import Path
acquire_writer(Path(sys.argv[1]), 0)
print("locked", flush=True)
time.sleep(30)
"""


def test_a_second_writer_waits_then_names_the_holder(run, tmp_path):
    run("index", str(write_drop(tmp_path / "drop", TEXTS)), "--index", "idx")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(tmp_path / "idx")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        started = time.monotonic()
        result = run("index", str(tmp_path / "drop"), "--index", "idx", "--wait", "0.3")
        assert 0.3 <= time.monotonic() - started < 3
        assert result.exit_code == 1
        assert result.stderr == (f"Error: process {holder.pid} is writing to the index at idx (waited 0.3 s): "
                                 "try again when it is done, or wait longer with --wait SECONDS\n")
        assert run("search", "brug", "--index", "idx").exit_code == 0  # readers are not blocked
    finally:
        holder.kill()
        holder.wait()
    result = run("index", str(tmp_path / "drop"), "--index", "idx")  # the kernel dropped the dead holder's lock
    assert result.exit_code == 0
    assert f"took over the writer lock of process {holder.pid}" in result.stderr


@contextmanager
def failing(target: str, code: int) -> Iterator[None]:
    """A context in which ``target`` raises OSError(code)."""
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(target, fail)
        yield


# Whoosh's files fail: nothing is committed. The manifest's flush fails: the run is committed
# but not recorded, which verify reports until the next run records it.
@pytest.mark.parametrize("target, committed", [("whoosh.filedb.filestore.FileStorage.create_file", False),
                                               ("searcher.folder.write_manifest", True)])
def test_disk_full_ends_with_a_clear_message_and_no_damage(run, tmp_path, target, committed):
    run("index", str(write_drop(tmp_path / "drop", TEXTS)), "--index", "idx")
    more = write_drop(tmp_path / "more", {"m1": "Een bericht over de haven."})
    with failing(target, errno.ENOSPC):
        result = run("index", str(more), "--index", "idx")
    assert result.exit_code == 1
    assert result.stderr == ("Error: cannot write to the index at idx: the disk is full. "
                             "The index keeps its last committed state: free some space and run again\n")
    assert counts(run("search", "brug OR haven", "--index", "idx", "--json"))["total"] == 4 + committed
    assert run("verify", "--index", "idx").exit_code == committed
    assert counts(run("index", str(more), "--index", "idx", "--json"))["added"] == (not committed)
    assert counts(run("verify", "--index", "idx", "--json"))["ok"] is True
    actions = [entry["action"] for entry in counts(run("stats", "--index", "idx", "--json"))["history"]]
    assert actions == (["index", "unrecorded", "index"] if committed else ["index", "index"])


def test_permission_denied_ends_with_a_clear_message(run, tmp_path):
    run("index", str(write_drop(tmp_path / "drop", TEXTS)), "--index", "idx")
    with failing("searcher.folder.acquire_writer", errno.EACCES):  # as in a folder we may not write to
        result = run("remove", "a1", "--index", "idx")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot write to the index at idx: permission denied.")
    assert counts(run("search", "brug", "--index", "idx", "--json"))["total"] == 4
