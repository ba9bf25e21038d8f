"""`searcher serve --workers 2` as a user starts it: a real uvicorn with two worker processes
sharing one index, seeing another process's commits without a restart, and answering every
request while a rebuild switches generations."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2
import pytest

from searcher import open_index
from serve_fixtures import build_news_index, free_port

START_SECONDS = 60
FRESH_SECONDS = 10  # the issue asks for "within a few seconds"; the library makes it the next request
TULIPS = {"id": "tulips", "title": "Tulpen", "text": "Tulpen bloeien in april in de polder.", "lang": "nl"}


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """(base URL, index path, server process) of `searcher serve --workers 2` on an index of its
    own, shared by this module's tests (its start costs a few seconds)."""
    tmp_path = tmp_path_factory.mktemp("two_workers")
    path = build_news_index(tmp_path / "index")
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "searcher.cli", "serve", "--index", str(path), "--port", str(port),
                                "--workers", "2"], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if httpx2.get(base + "/api/stats", timeout=5).status_code == 200:
                break
        except httpx2.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the server did not start: " + (tmp_path / "server.log").read_text())
        time.sleep(0.1)
    yield base, path, process
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def worker_pids(parent: int) -> list[int]:
    """The child processes of ``parent`` that run a uvicorn worker (started by multiprocessing.spawn)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def search(base: str, query: str) -> httpx2.Response:
    return httpx2.get(base + "/api/search", params={"q": query}, timeout=30)  # a new connection each time


def test_two_workers_answer_as_the_library_does(two_workers, news_index):
    base, _, process = two_workers
    assert len(worker_pids(process.pid)) == 2
    for query in ("هسته ای", "kabinet", '"برنامه هسته‌ای"'):
        assert search(base, query).json() == news_index.search(query, group=True).to_dict()


def test_commits_of_another_process_show_up_and_rebuilds_fail_no_request(two_workers):
    base, path, _ = two_workers
    expected = search(base, "kabinet").json()["total"]
    outcomes: list[tuple[int, int | None]] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                response = search(base, "kabinet")
                outcomes.append((response.status_code, response.json().get("total")))
            except httpx2.HTTPError as error:
                outcomes.append((0, repr(error)))

    clients = [threading.Thread(target=keep_searching) for _ in range(3)]
    for client in clients:
        client.start()
    try:
        with open_index(path) as writer:
            added = time.monotonic()
            writer.add_documents([TULIPS])
            seen_by = 0
            while seen_by < 10:  # ten new connections in a row, so both workers have answered
                assert time.monotonic() - added < FRESH_SECONDS, "the new article did not show up"
                seen_by = seen_by + 1 if search(base, "tulpen").json()["total"] == 1 else 0
            for _ in range(2):
                before = len(outcomes)
                writer.rebuild()
                while len(outcomes) < before + 10:
                    time.sleep(0.01)
    finally:
        stop.set()
        for client in clients:
            client.join()
    assert len(outcomes) >= 20
    assert [outcome for outcome in outcomes if outcome != (200, expected)] == []
    assert search(base, "tulpen").json()["total"] == 1  # the rebuilt generation kept it


def test_old_generations_are_removed_once_both_workers_moved_on(two_workers):
    base, path, _ = two_workers
    with open_index(path) as writer:
        live = writer.rebuild().generation
    deadline = time.monotonic() + FRESH_SECONDS
    while sorted(entry.name for entry in path.iterdir() if entry.name.startswith("gen-")) != [live]:
        assert time.monotonic() < deadline, os.listdir(path)
        search(base, "kabinet")
