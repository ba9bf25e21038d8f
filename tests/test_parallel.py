"""Indexing with several processes (procs), its crash safety, and the indexing progress bar."""
from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from searcher import index as ingest_module
from searcher import open_index
from searcher.backend.whoosh import writer as writer_module
from searcher.errors import WorkerFailed
from searcher.cli import PROGRESS_ENV, main
from test_crash import killed_at

ARTICLES = 250  # more than one batch of the parallel writer (100 articles)


def records(n: int, start: int = 0) -> list[dict]:
    return [{"id": f"p{k}", "title": f"Bericht {k}", "lang": "nl",
             "text": f"De gemeente opent brug nummer {k} over de rivier; de haven groeit."} for k in range(start, start + n)]


def write_jsonl(path, rows: list[dict]):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_two_processes_index_what_one_does(tmp_path):
    with open_index(tmp_path / "one", create=True) as one, open_index(tmp_path / "two", create=True) as two:
        assert one.add_documents(records(ARTICLES), procs=1).added == ARTICLES
        assert two.add_documents(records(ARTICLES), procs=2).added == ARTICLES
        changed = [{**row, "text": row["text"] + " Gewijzigd."} for row in records(5)]
        report = two.add_documents(changed + records(20, start=ARTICLES), procs=2)
        assert (report.added, report.updated) == (20, 5)
        assert len(two) == ARTICLES + 20
        assert two.search("gewijzigd", limit=1).total == 5
        assert two.search("brug", limit=1).total == ARTICLES + 20
        assert two.search("brug 17", limit=1).hits[0].id == one.search("brug 17", limit=1).hits[0].id == "p17"
        assert two.verify().ok


def test_procs_default_to_all_cores_only_for_large_runs(tmp_path, monkeypatch):
    chosen = []
    original = ingest_module.WhooshStore.writer

    def spy(store, procs=1, **options):
        chosen.append(procs)
        return original(store, procs, **options)

    monkeypatch.setattr(ingest_module.WhooshStore, "writer", spy)
    monkeypatch.setattr(ingest_module, "PARALLEL_FROM", 10)
    monkeypatch.setattr(ingest_module.os, "cpu_count", lambda: 2)
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents(records(9))
        index.add_documents(records(10, start=9))
        index.add_documents(records(30, start=19), procs=1)
        assert len(index) == 49
    assert chosen == [1, 2, 1]


def test_a_failed_parallel_run_commits_nothing(tmp_path):
    def failing():
        yield from records(ARTICLES)
        raise RuntimeError("source broke")

    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents(records(3, start=1000))
        with pytest.raises(RuntimeError):
            index.add_documents(failing(), procs=2)
        assert len(index) == 3
        assert index.add_documents(records(ARTICLES), procs=2).added == ARTICLES


def test_a_failing_worker_ends_the_run_with_an_error_not_a_hang(tmp_path, monkeypatch):
    """Workers that die on an article (a bug in the analysis) no longer take jobs; the parent
    must notice instead of waiting for room in their queue for ever."""
    def broken(value):
        raise RuntimeError("analysis bug")

    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents(records(3, start=1000))
        monkeypatch.setattr(writer_module, "analyse", lambda article, config: broken(article))
        with pytest.raises(WorkerFailed, match="worker process failed"):
            index.add_documents(records(ARTICLES * 8), procs=2)  # more batches than the queue holds
        monkeypatch.undo()
        assert len(index) == 3
        assert index.add_documents(records(ARTICLES), procs=2).added == ARTICLES


def test_killed_parallel_run_keeps_the_last_commit_and_frees_the_lock(tmp_path):
    """The parent is SIGKILLed while its workers analyse: they end too (no orphan keeps the
    inherited writer lock) and the next run, waiting at most a few seconds, finishes the drop."""
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents(records(4, start=1000))
    drop = write_jsonl(tmp_path / "drop.jsonl", records(ARTICLES))
    killed_at("analysis", "index", str(drop), "--index", str(tmp_path / "idx"), "--procs", "2")
    started = time.monotonic()
    with open_index(tmp_path / "idx", wait=10) as index:
        assert len(index) == 4
        assert index.add_paths([drop], procs=2).added == ARTICLES
        assert index.verify().ok
    assert time.monotonic() - started < 10


@pytest.fixture
def drop(tmp_path):
    return write_jsonl(tmp_path / "drop.jsonl", records(30))


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, drop, monkeypatch):
    monkeypatch.delenv(PROGRESS_ENV, raising=False)
    result = CliRunner().invoke(main, ["index", str(drop), "--index", str(tmp_path / "idx")], catch_exceptions=False)
    assert result.exit_code == 0
    assert "articles/s" not in result.stderr and "it/s" not in result.stderr


def test_forced_progress_bar_shows_rate_and_total_and_quiet_hides_it(tmp_path, drop, monkeypatch):
    monkeypatch.setenv(PROGRESS_ENV, "1")
    runner = CliRunner()
    shown = runner.invoke(main, ["index", str(drop), "--index", str(tmp_path / "a")], catch_exceptions=False)
    assert shown.exit_code == 0
    assert "/30 " in shown.stderr and "articles/s" in shown.stderr
    quiet = runner.invoke(main, ["index", str(drop), "--index", str(tmp_path / "b"), "--quiet"], catch_exceptions=False)
    assert quiet.exit_code == 0 and "articles/s" not in quiet.stderr
