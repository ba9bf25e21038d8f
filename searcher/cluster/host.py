"""The worker side: the shard a Dask worker holds, and the actor through which clients reach it.

A worker started with the preload module (searcher.cluster.preload) keeps a ``ShardHost`` for
its shard folder, as the worker plugin ``searcher-shard``: it is made when the worker starts
(and so again when a worker is restarted) and opens the shard's newest committed state. Each
client reaches it through a ``ShardActor`` of its own, pinned to that worker: actor calls go
straight from the client to the worker. A worker's actor calls run one at a time in its actor
thread, except a query's calls, which the client has run on the worker's event loop (Dask's
``separate_thread=False``: two hand-overs between threads less a call, a query's work being a few
milliseconds); a lock keeps reads from meeting a write's changes to the open readers. Every call
names the cluster, so that a worker started on the wrong folder refuses to answer.
"""
from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from pathlib import Path

from distributed import WorkerPlugin, get_worker

from searcher import api
from searcher.api import DEFAULT_WAIT
from searcher.cluster import snapshots
from searcher.cluster.layout import ShardState
from searcher.cluster.shard import Gone, ShardReader, ShardWriter, take_state
from searcher.config import IndexConfig
from searcher.errors import IndexNotFound, SearcherError
from searcher.folder import IndexFolder
from searcher.manifest import read_manifest

PLUGIN = "searcher-shard"
IDENTITY = "cluster-shard.json"  # in a shard's folder: which cluster and shard it belongs to
READERS_KEPT = 2  # states kept open: the live one, and the one before while clients move on

logger = logging.getLogger(__name__)


class ShardHost:
    """One shard folder on this machine: readers of its committed states, and its write run."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._readers: OrderedDict[ShardState, ShardReader] = OrderedDict()
        self._reading = threading.Lock()  # held while a reader is used, opened or closed
        self._writer: ShardWriter | None = None

    def dispatch(self, op: str, cluster_id: str, name: str, args: tuple):
        """Runs the operation ``op`` for the shard ``name`` of the cluster ``cluster_id``."""
        if op == "create":
            return self.op_create(cluster_id, name, *args)
        self._check(cluster_id, name)
        return getattr(self, "op_" + op)(*args)

    def _check(self, cluster_id: str, name: str) -> None:
        identity = self.identity()
        if identity is None:
            raise IndexNotFound(f"{self.folder} holds no shard: is the worker {name} started with the right --shard-dir?")
        if (identity["cluster_id"], identity["shard"]) != (cluster_id, name):
            raise SearcherError(f"{self.folder} holds {identity['shard']} of cluster {identity['cluster_id']}, not {name} "
                                f"of cluster {cluster_id}: start the worker with that shard's folder")

    def identity(self) -> dict | None:
        try:
            return json.loads((self.folder / IDENTITY).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def warm(self) -> None:
        """Opens the newest snapshot of the live generation, which is most likely the cluster's
        live state (queries name theirs, and open it when it is another)."""
        manifest = read_manifest(self.folder)
        if manifest is None or manifest.generation is None:
            return
        names = snapshots.snapshots(self.folder / manifest.generation)
        if names:
            number = int(snapshots.SNAPSHOT.fullmatch(names[-1]).group(1))
            try:
                with self._reading:
                    self.reader(ShardState(manifest.generation, number, names[-1]))
            except SearcherError as error:
                logger.warning("searcher: cannot open %s: %s", self.folder, error)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        with self._reading:
            while self._readers:
                self._readers.popitem()[1].close()

    # Reading

    def reader(self, state: ShardState) -> ShardReader:
        """The reader of ``state``, opened if need be (call with ``_reading`` held)."""
        key = ShardState(state.generation, state.commit, state.snapshot)
        reader = self._readers.get(key)
        if reader is None:
            reader = self._readers[key] = ShardReader(self.folder, state)
            while len(self._readers) > READERS_KEPT:
                self._readers.popitem(last=False)[1].close()
        self._readers.move_to_end(key)
        return reader

    def op_read(self, state: ShardState, method: str, *args):
        """Calls ``method`` of the reader of ``state`` (searcher.cluster.shard.ShardReader)."""
        with self._reading:
            return getattr(self.reader(state), method)(*args)

    # Writing

    def op_create(self, cluster_id: str, name: str) -> ShardState:
        """Makes this folder an empty shard of the cluster and returns its first state. A folder
        holding an empty shard of another cluster (one whose creation died before its cluster
        manifest was written) is taken over; one holding articles is refused."""
        identity = self.identity()
        folder = IndexFolder(self.folder, DEFAULT_WAIT)
        if not folder.exists():
            folder.create(IndexConfig())
        with api.open_index(self.folder) as index:
            if identity is not None and identity["cluster_id"] != cluster_id and len(index):
                raise SearcherError(f"{self.folder} already holds {identity['shard']} of another cluster "
                                    f"({len(index)} articles): give the worker another --shard-dir")
        (self.folder / IDENTITY).write_text(json.dumps({"cluster_id": cluster_id, "shard": name}), encoding="utf-8")
        return take_state(self.folder, 0)

    def op_begin(self, state: ShardState, analysis_version: str, wait: float) -> None:
        """Starts a write run from ``state`` (rolling the shard back to it if need be)."""
        self.op_end()
        self._writer = ShardWriter(self.folder, state, analysis_version, wait)

    def op_end(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def op_write(self, method: str, *args):
        """Calls ``method`` of the run's writer (searcher.cluster.shard.ShardWriter)."""
        if self._writer is None:
            raise SearcherError(f"{self.folder.name} has no write run: its worker restarted during the run")
        return getattr(self._writer, method)(*args)

    def op_retire(self, state: ShardState) -> list[str]:
        """After the cluster switched to ``state``: moves the readers there and removes the
        snapshots nobody reads any more."""
        with self._reading:
            self.reader(state)
            for key in [key for key in self._readers if key.snapshot != state.snapshot]:
                self._readers.pop(key).close()
        return snapshots.retire(self.folder / state.generation, {state.snapshot})


class ShardPlugin(WorkerPlugin):
    """Keeps this worker's ShardHost (made at start-up, closed at shut-down)."""

    def __init__(self, folder: str):
        self.folder = folder
        self.host: ShardHost | None = None

    def setup(self, worker) -> None:
        self.host = ShardHost(Path(self.folder).resolve())
        self.host.warm()

    def teardown(self, worker) -> None:
        if self.host is not None:
            self.host.close()


class ShardActor:
    """A client's handle on the shard of one worker (a Dask actor)."""

    def __init__(self):
        worker = get_worker()
        plugin = worker.plugins.get(PLUGIN)
        self._host = plugin.host if plugin is not None else None
        self._worker = worker.name

    def run(self, op: str, cluster_id: str, name: str, *args):
        if self._host is None:
            raise SearcherError(f"the worker {self._worker} holds no shard: start it with "
                                f"--preload searcher.cluster.preload --shard-dir DIR")
        return self._host.dispatch(op, cluster_id, name, args)


__all__ = ["Gone", "ShardActor", "ShardHost", "ShardPlugin"]
