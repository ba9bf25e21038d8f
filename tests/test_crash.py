"""Crash safety: a real indexing or rebuild process is SIGKILLed at a chosen point
(SEARCHER_TEST_PAUSE_AT, searcher.hooks); the last committed index must open, search and
verify, and the next run must finish the drop."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from searcher import open_index
from searcher.hooks import PAUSE_ENV
from test_drops import TEXTS, write_drop

NEW = {f"n{n}": f"Een nieuw bericht over de haven van de stad, nummer {n}." for n in range(3)}


def killed_at(point: str, *args: str) -> None:
    """Runs ``searcher ARGS`` until it pauses at ``point``, then kills it with SIGKILL."""
    process = subprocess.Popen([sys.executable, "-m", "searcher.cli", *args], env={**os.environ, PAUSE_ENV: point},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr.readline() == f"paused at {point}\n"
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    finally:
        process.kill()
        process.stderr.close()


@pytest.fixture
def indexed(tmp_path):
    """An index of one committed drop (4 articles); returns its path."""
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_paths([write_drop(tmp_path / "drop", TEXTS)])
    return tmp_path / "idx"


def assert_sound(index_dir, documents: int, verified: bool = True) -> None:
    with open_index(index_dir) as index:
        assert len(index) == documents
        assert index.search("bericht", limit=1).total == documents
        assert index.verify().ok is verified


# "record": the commit is done, its history entry not yet written.
@pytest.mark.parametrize("point, committed", [("analysis", False), ("commit", False), ("record", True)])
def test_indexing_killed_keeps_the_last_commit_and_a_rerun_finishes(indexed, tmp_path, point, committed):
    later = write_drop(tmp_path / "later", NEW)
    killed_at(point, "index", str(later), "--index", str(indexed))
    assert_sound(indexed, 4 + 3 * committed, verified=not committed)
    with open_index(indexed) as index:
        report = index.add_paths([later])
    assert (report.added, report.unchanged) == ((0, 3) if committed else (3, 0))
    assert_sound(indexed, 7)


@pytest.mark.parametrize("point", ["commit", "switch"])
def test_rebuild_killed_keeps_the_old_generation_and_a_rerun_switches(indexed, point):
    killed_at(point, "rebuild", "--index", str(indexed))
    assert_sound(indexed, 4)
    with open_index(indexed) as index:
        assert index.stats().generation == "gen-000001"
        assert index.rebuild().generation == "gen-000002"
    assert_sound(indexed, 4)
    assert sorted(entry.name for entry in indexed.iterdir() if entry.is_dir()) == ["gen-000002"]
