"""A sharded index across processes (issue 20), marked slow (``pytest -m slow``, run by .ci/run):
a scheduler and two workers started with the dask commands on loopback, used through the CLI;
a worker killed during a query and started again; the CLI killed (SIGKILL, with its local
cluster) during shard writes, between shard commits and just before the manifest switch."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from conftest import SEEDS

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
QUIET = {"DASK_LOGGING__DISTRIBUTED": "error"}


def searcher(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([str(BIN / "searcher"), *args], capture_output=True, text=True, timeout=300,
                            env={**os.environ, **QUIET, **(env or {})})
    if check:
        assert result.returncode == 0, result.stderr[-2000:]
    return result


def wait_for(path: Path, text: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared in {path}: {path.read_text(errors='replace')[-2000:]}")


def drop(folder: Path, first: int, count: int) -> Path:
    folder.mkdir(parents=True)
    records = [{"id": f"art-{n:04d}", "title": f"Bericht {n} over de haven", "lang": "nl", "source": "nos",
                "text": f"De haven van Rotterdam meldt bericht nummer {n}; de storm houdt aan."} for n in range(first, first + count)]
    (folder / "drop.jsonl").write_text("\n".join(json.dumps(record) for record in records), encoding="utf-8")
    return folder


class DaskProcesses:
    """``dask scheduler`` and ``dask worker`` processes of a test, ended by it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.processes: dict[str, subprocess.Popen] = {}
        scheduler_file = folder / "scheduler.json"
        self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(scheduler_file)])
        wait_for(scheduler_file, "address")
        self.address = json.loads(scheduler_file.read_text())["address"]

    def worker(self, name: str, env: dict | None = None) -> None:
        self._start(name, ["worker", self.address, "--name", name, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                           "--preload", "searcher.cluster.preload", "--shard-dir", str(self.folder / name)], env)
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            deadline = time.monotonic() + 60
            while name not in {info["name"] for info in client.scheduler_info(n_workers=-1)["workers"].values()}:
                assert time.monotonic() < deadline, f"worker {name} did not register"
                time.sleep(0.2)

    def kill(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes.pop(name).wait()

    def log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def _start(self, name: str, args: list[str], env: dict | None = None) -> None:
        with open(self.log(name), "w") as log:
            self.processes[name] = subprocess.Popen([str(BIN / "dask"), *args], stdout=log, stderr=subprocess.STDOUT,
                                                    env={**os.environ, **QUIET, **(env or {})})

    def close(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def dask_cluster(tmp_path):
    processes = DaskProcesses(tmp_path)
    yield processes
    processes.close()


def test_the_cli_on_a_scheduler_and_workers_started_with_the_dask_commands(dask_cluster, tmp_path):
    dask_cluster.worker("shard-0")
    dask_cluster.worker("shard-1")
    index = ["--index", str(tmp_path / "index")]
    scheduler = ["--scheduler", dask_cluster.address]
    added = json.loads(searcher(*scheduler, "index", str(SEEDS), *index, "--shards", "2", "--json").stdout)
    assert added["added"] == 5
    assert (tmp_path / "shard-0" / "cluster-shard.json").exists() and (tmp_path / "shard-1" / "searcher.json").exists()
    everything = json.loads(searcher(*scheduler, "search", "ترامپ", *index, "--json").stdout)
    assert everything["shards"] == {"total": 2, "failed": 0} and everything["total"] == 3
    assert "documents:  5" in searcher(*scheduler, "stats", *index).stdout

    # A worker killed while it answers a query: a one-line error naming its shard ...
    dask_cluster.kill("shard-1")
    dask_cluster.worker("shard-1", env={"SEARCHER_TEST_PAUSE_AT": "shard-rank"})
    query = subprocess.Popen([str(BIN / "searcher"), *scheduler, "search", "ترامپ", *index, "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **QUIET})
    wait_for(dask_cluster.log("shard-1"), "paused at shard-rank")
    dask_cluster.kill("shard-1")
    out, err = query.communicate(timeout=120)
    assert query.returncode == 1
    assert err.strip().splitlines()[-1].startswith("Error: shard shard-1 did not answer")
    # ... or, with --allow-partial, the other shard's hits
    partial = json.loads(searcher(*scheduler, "search", "ترامپ", *index, "--json", "--allow-partial").stdout)
    assert partial["shards"] == {"total": 2, "failed": 1}
    assert {hit["id"] for hit in partial["hits"]} < {hit["id"] for hit in everything["hits"]}
    # A worker started again opens its shard from its disk
    dask_cluster.worker("shard-1")
    assert json.loads(searcher(*scheduler, "search", "ترامپ", *index, "--json").stdout) == everything


@pytest.mark.parametrize("point", ["analysis", "cluster-commit", "cluster-switch"])
def test_a_run_killed_at_any_point_leaves_the_previous_state_and_the_next_run_completes_it(tmp_path, point):
    index = ["--index", str(tmp_path / "index")]
    first, second = drop(tmp_path / "first", 0, 30), drop(tmp_path / "second", 30, 30)
    searcher("index", str(first), *index, "--shards", "2", "-q")
    run = subprocess.Popen([str(BIN / "searcher"), "index", str(second), *index, "-q"], stdout=subprocess.PIPE,
                           stderr=open(tmp_path / "run.log", "w"), start_new_session=True,
                           env={**os.environ, **QUIET, "SEARCHER_TEST_PAUSE_AT": point})
    wait_for(tmp_path / "run.log", f"paused at {point}")
    os.killpg(run.pid, signal.SIGKILL)  # the CLI and its local cluster: scheduler and workers
    run.wait()

    found = json.loads(searcher("search", "haven", *index, "--json", "--limit", "100").stdout)
    assert found["total"] == 30 and all(int(hit["id"][4:]) < 30 for hit in found["hits"])
    searcher("verify", *index)
    report = json.loads(searcher("index", str(second), *index, "--json").stdout)
    assert report["added"] == 30  # the killed run's commits were rolled back: nothing of it counted
    assert json.loads(searcher("search", "haven", *index, "--json").stdout)["total"] == 60
    assert "problem" not in searcher("verify", *index).stdout
