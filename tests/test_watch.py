"""Standing queries (searcher watch, index --report, Index.watches, Index.new_matches): each run's
new and changed articles reported once per watch, across drops, rebuilds and killed runs."""
from __future__ import annotations

import errno
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from searcher import open_index
from searcher.errors import SearcherError
from searcher.locking import acquire_writer
from searcher.watches import WATCHES_LOCK
from test_crash import killed_at
from test_drops import write_drop

HAVEN = "De haven van de stad krijgt een nieuwe kade, bericht"
OTHER = "De gemeente opent een nieuwe brug over de rivier, bericht"
FIRST = {"a": f"{HAVEN} a.", "b": f"{OTHER} b.", "c": f"{HAVEN} c."}
# a changed (still about the harbour), b and c unchanged, d new about the harbour, e new about the bridge
SECOND = {**FIRST, "a": f"{HAVEN} a, met een nieuwe alinea over de haven en de kade.", "d": f"{HAVEN} d.",
          "e": f"{OTHER} e."}
THIRD = {**SECOND, "f": f"{HAVEN} f.", "g": f"{HAVEN} g, de haven groeit."}


def as_json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def reported(result, name: str = "haven") -> list[str]:
    """The ids `index --report --json` or `watch new --json` reported for the watch ``name``."""
    data = as_json(result)
    watches = (data["new"] if "new" in data else data)["watches"]
    report = next(report for report in watches if report["name"] == name)
    assert report["total"] == len(report["hits"])
    return [hit["id"] for hit in report["hits"]]


@pytest.fixture
def watched(run, tmp_path):
    """An index of the first drop with the watches "haven" (harbour) and "brug" (bridge)."""
    run("index", str(write_drop(tmp_path / "d1", FIRST)), "--index", "idx", "-q")
    assert run("watch", "add", "haven", "haven kade", "--index", "idx").exit_code == 0
    assert run("watch", "add", "brug", "brug", "--index", "idx").exit_code == 0
    return tmp_path / "idx"


def test_three_drops_report_new_and_changed_articles_once(run, tmp_path, watched):
    first = run("index", str(tmp_path / "d1"), "--index", "idx", "--report", "--json", "-q")
    assert reported(first) == [] and reported(first, "brug") == []  # a watch reports the runs after it was added

    second = run("index", str(write_drop(tmp_path / "d2", SECOND)), "--index", "idx", "--report", "--json", "-q")
    assert as_json(second)["updated"] == 1 and as_json(second)["added"] == 2
    assert sorted(reported(second)) == ["a", "d"]  # the changed one and the new one, not the unchanged c
    assert reported(second)[0] == "a"  # ranked: "haven" and "kade" twice in a
    assert reported(second, "brug") == ["e"]

    assert reported(run("watch", "new", "--index", "idx", "--json")) == []  # reported already
    third = run("index", str(write_drop(tmp_path / "d3", THIRD)), "--index", "idx", "--report", "--json", "-q")
    assert sorted(reported(third)) == ["f", "g"] and reported(third, "brug") == []


def test_the_text_report_names_each_watch_and_lists_its_hits(run, tmp_path, watched):
    result = run("index", str(write_drop(tmp_path / "d2", SECOND)), "--index", "idx", "--report", "-q")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("added 2, updated 1, unchanged 2")
    assert "haven (runs after 1): 2 new articles, for: haven kade" in lines
    assert "brug (runs after 1): 1 new article, for: brug" in lines
    assert run("watch", "new", "--index", "idx").output.splitlines() == [
        "haven (runs after 2): nothing new for: haven kade", "", "brug (runs after 2): nothing new for: brug"]


def test_a_rebuild_reports_nothing_and_keeps_the_watches_and_their_marks(run, tmp_path, watched):
    run("index", str(write_drop(tmp_path / "d2", SECOND)), "--index", "idx", "-q")
    assert run("rebuild", "--index", "idx").exit_code == 0
    assert sorted(reported(run("watch", "new", "--index", "idx", "--json"))) == ["a", "d"]  # run 2's, not yet reported
    assert reported(run("watch", "new", "--index", "idx", "--json")) == []
    assert run("rebuild", "--index", "idx").exit_code == 0
    assert reported(run("watch", "new", "--index", "idx", "--json")) == []  # a rebuild adds and changes nothing
    # the articles keep their run numbers: run 2's are still run 2's
    assert sorted(reported(run("watch", "new", "--since", "1", "--index", "idx", "--json"))) == ["a", "d"]
    assert [watch["name"] for watch in as_json(run("watch", "list", "--index", "idx", "--json"))["watches"]] == [
        "haven", "brug"]
    third = run("index", str(write_drop(tmp_path / "d3", THIRD)), "--index", "idx", "--report", "--json", "-q")
    assert sorted(reported(third)) == ["f", "g"]


def test_an_article_a_rebuild_finds_changed_in_its_source_is_reported(run, tmp_path, watched):
    write_drop(tmp_path / "d1", {"b": f"{OTHER} b, en nu ook over de haven en de kade."})
    assert run("rebuild", "--index", "idx").exit_code == 0
    assert reported(run("watch", "new", "--index", "idx", "--json")) == ["b"]


@pytest.mark.parametrize("point", ["analysis", "commit", "record"])
def test_a_killed_run_in_between_reports_nothing_twice_and_misses_nothing(run, tmp_path, watched, point):
    second = run("index", str(write_drop(tmp_path / "d2", SECOND)), "--index", "idx", "--report", "--json", "-q")
    assert sorted(reported(second)) == ["a", "d"]
    killed_at(point, "index", str(write_drop(tmp_path / "d3", THIRD)), "--index", str(watched), "--report")
    # the next cron run: the same drop again, then a report
    third = run("index", str(tmp_path / "d3"), "--index", "idx", "--report", "--json", "-q")
    assert sorted(reported(third)) == ["f", "g"]
    assert reported(run("watch", "new", "--index", "idx", "--json")) == []
    history = as_json(run("stats", "--index", "idx", "--json"))["history"]
    assert [entry["action"] for entry in history][-2:] == (["unrecorded", "index"] if point == "record" else
                                                           ["index", "index"])
    runs = [entry["run"] for entry in history]
    assert runs == sorted(set(runs))  # numbered in order, none twice


def test_a_run_killed_after_its_commit_is_reported_by_the_next_report(run, tmp_path, watched):
    killed_at("record", "index", str(write_drop(tmp_path / "d2", SECOND)), "--index", str(watched))
    assert sorted(reported(run("watch", "new", "--index", "idx", "--json"))) == ["a", "d"]
    assert reported(run("watch", "new", "--index", "idx", "--json")) == []


def test_a_run_that_only_changed_articles_killed_after_its_commit_is_recorded(run, tmp_path, watched):
    """The document count stays, so only the run number of its articles tells the run happened."""
    killed_at("record", "index", str(write_drop(tmp_path / "d2", {"a": SECOND["a"]})), "--index", str(watched))
    assert run("index", str(tmp_path / "d2"), "--index", "idx", "-q").exit_code == 0
    history = as_json(run("stats", "--index", "idx", "--json"))["history"]
    assert [(entry["action"], entry["run"]) for entry in history] == [("index", 1), ("unrecorded", 2), ("index", 3)]
    assert reported(run("watch", "new", "--index", "idx", "--json")) == ["a"]


def test_parallel_runs_record_their_run_number(run, tmp_path, watched):
    result = run("index", str(write_drop(tmp_path / "d2", SECOND)), "--index", "idx", "--procs", "2", "--report",
                 "--json", "-q")
    assert sorted(reported(result)) == ["a", "d"]


def test_since_a_run_or_a_date_leaves_the_marks(run, tmp_path, watched):
    run("index", str(write_drop(tmp_path / "d2", SECOND)), "--index", "idx", "-q")
    everything = run("watch", "new", "haven", "--since", "0", "--index", "idx", "--json")
    assert sorted(reported(everything)) == ["a", "c", "d"]
    assert [report["name"] for report in as_json(everything)["watches"]] == ["haven"]
    today = datetime.now(timezone.utc).date().isoformat()
    assert sorted(reported(run("watch", "new", "--since", today, "--index", "idx", "--json"))) == ["a", "c", "d"]
    assert sorted(reported(run("watch", "new", "--since", "7d", "--index", "idx", "--json"))) == ["a", "c", "d"]
    tomorrow = (datetime.now(timezone.utc).date() + timedelta(days=1)).isoformat()
    assert reported(run("watch", "new", "--since", tomorrow, "--index", "idx", "--json")) == []
    assert sorted(reported(run("watch", "new", "--index", "idx", "--json"))) == ["a", "d"]  # the mark stayed
    bad = run("watch", "new", "--since", "yesterday", "--index", "idx")
    assert bad.exit_code == 1 and "since date 'yesterday' is not a date" in bad.output


def test_watch_filters_and_a_source_that_has_no_articles_yet(run, tmp_path, watched):
    assert run("watch", "add", "nos", "haven", "--source", "NOS", "--index", "idx").exit_code == 0
    assert run("watch", "add", "fa", "haven", "--lang", "fa", "--index", "idx").exit_code == 0
    run("index", str(write_drop(tmp_path / "d2", SECOND)), "--index", "idx", "-q")
    result = run("index", str(write_drop(tmp_path / "nos", {"n": f"{HAVEN} n."})), "--index", "idx", "--source", "nos",
                 "--report", "--json", "-q")
    assert reported(result, "nos") == ["n"] and reported(result, "fa") == []
    assert sorted(reported(result)) == ["a", "d", "n"]


def test_watch_add_list_remove_and_their_errors(run, watched):
    listed = run("watch", "list", "--index", "idx")
    assert listed.output.splitlines() == ["haven: haven kade, reported up to run 1", "brug: brug, reported up to run 1"]
    again = run("watch", "add", "haven", "iets anders", "--index", "idx")
    assert again.exit_code == 1 and "a watch named 'haven' exists" in again.output
    assert run("watch", "add", "haven", "kade", "--lang", "nl", "--replace", "--index", "idx").exit_code == 0
    assert "haven: kade --lang nl, reported up to run 1" in run("watch", "list", "--index", "idx").output
    bad_query = run("watch", "add", "kapot", "date:gisteren haven", "--index", "idx")
    assert bad_query.exit_code == 1 and bad_query.output.startswith("Error: date 'gisteren' is not a date")
    assert run("watch", "add", "leeg", "", "--index", "idx").output == "Error: the query '' has no words to search for\n"
    bad_date = run("watch", "add", "datum", "haven", "--from", "gisteren", "--index", "idx")
    assert bad_date.exit_code == 1 and "is not a date" in bad_date.output
    assert run("watch", "add", " ", "haven", "--index", "idx").exit_code == 1
    assert run("watch", "remove", "brug", "--index", "idx").output == "removed the watch brug: brug\n"
    unknown = run("watch", "remove", "brug", "--index", "idx")
    assert unknown.exit_code == 1 and unknown.output == "Error: no watch named 'brug': the index has haven\n"
    assert run("watch", "new", "brug", "--index", "idx").exit_code == 1
    assert run("watch", "list", "--index", "nothere").output.startswith("Error: no index at nothere")


def test_a_damaged_watch_list_is_one_error_line(run, watched):
    (watched / "watches.json").write_text("{not json", encoding="utf-8")
    result = run("watch", "list", "--index", "idx")
    assert result.exit_code == 1 and result.output.startswith("Error: the watch list ") and result.output.count("\n") == 1
    (watched / "watches.json").unlink()
    (watched / "watches.lock").unlink()
    (watched / "watches.lock").mkdir()  # the list cannot be locked
    locked = run("watch", "new", "--index", "idx")
    assert locked.exit_code == 1 and locked.output.startswith("Error: cannot change the watch list ")


def test_a_watch_list_write_that_fails_leaves_the_old_list_whole(run, watched, monkeypatch):
    """Written as a temporary file, then renamed: a write failing half-way (here the disk full
    at its fsync) leaves the list as it was, and no temporary file."""
    before = (watched / "watches.json").read_bytes()

    def disk_full(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patched:
        patched.setattr(os, "fsync", disk_full)
        result = run("watch", "add", "kade", "kade", "--index", "idx")
    assert result.exit_code == 1
    assert result.output == "Error: cannot change the watch list idx/watches.json: No space left on device\n"
    assert (watched / "watches.json").read_bytes() == before
    assert sorted(path.name for path in watched.iterdir() if "watches" in path.name) == ["watches.json", "watches.lock"]
    assert run("watch", "add", "kade", "kade", "--index", "idx").exit_code == 0
    assert [watch["name"] for watch in as_json(run("watch", "list", "--index", "idx", "--json"))["watches"]] == [
        "haven", "brug", "kade"]


def test_no_watches_is_said(run, tmp_path):
    run("index", str(write_drop(tmp_path / "d1", FIRST)), "--index", "idx", "-q")
    assert run("watch", "list", "--index", "idx").output.startswith("no standing queries in the index idx")
    result = run("index", str(tmp_path / "d1"), "--index", "idx", "--report", "-q")
    assert result.output.splitlines()[-1] == "no standing queries: add one with `searcher watch add NAME QUERY`"


def test_library_watches_and_new_matches(tmp_path):
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_paths([write_drop(tmp_path / "d1", FIRST)])
        watch = index.watches.add("haven", "haven", lang="nl")
        assert (watch.lang, watch.reported) == (("nl",), 1)
        assert [w.name for w in index.watches.list()] == ["haven"]
        index.add_paths([write_drop(tmp_path / "d2", SECOND)])
        peek = index.new_matches(mark=False)
        assert peek.upto == 2 and sorted(hit.id for hit in peek.reports[0].hits) == ["a", "d"]
        new = index.new_matches(limit=1)
        assert new.reports[0].total == 2 and len(new.reports[0].hits) == 1
        assert index.new_matches().reports[0].total == 0
        assert index.new_matches(since=0).reports[0].total == 3
        index.watches.remove("haven")
        assert index.new_matches().reports == []
        with pytest.raises(SearcherError, match="no watch named 'haven'"):
            index.watches.remove("haven")


def finishes_within(seconds: float, call):
    """``call()``'s result, or a failure when it has not returned after ``seconds`` (it may be
    waiting for a lock: the thread is left behind, and ends when the test lets the locks go)."""
    result = []
    worker = threading.Thread(target=lambda: result.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still waiting after {seconds} s"
    return result[0]


@contextmanager
def locks_held(index_path: Path) -> Iterator[None]:
    """The index's writer lock and its watch list's lock, held as another process indexing with
    `--report` (or running `searcher watch new`) holds them (flock: another descriptor conflicts
    as another process's does)."""
    writer = acquire_writer(index_path, wait=0)
    watches = os.open(index_path / WATCHES_LOCK, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(watches, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(watches)
        writer.release()


def test_new_matches_without_marking_never_waits_for_a_lock(tmp_path):
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_paths([write_drop(tmp_path / "d1", FIRST)])
        index.watches.add("haven", "haven", lang="nl")
        index.add_paths([write_drop(tmp_path / "d2", SECOND)])
        with locks_held(index.path):
            peek = finishes_within(10, lambda: index.new_matches(mark=False))
            since = finishes_within(10, lambda: index.new_matches(since=1, mark=False))
        assert sorted(hit.id for hit in peek.reports[0].hits) == sorted(hit.id for hit in since.reports[0].hits) \
            == ["a", "d"]
        assert index.watches.get("haven").reported == 1  # no mark moved
