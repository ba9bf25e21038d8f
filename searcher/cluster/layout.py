"""A sharded index on disk: the cluster manifest, the shards' folders, and which shard holds an article.

    INDEX/
      cluster.json      the cluster manifest: the shards, each one's live state, the history
      writer.lock       held by the one process writing to the cluster (searcher.locking)
      shards-1a2b3c4d/  the shards of a cluster run on this machine (its layout):
        shard-0/        a complete index of its own (searcher.generations): manifest, lock,
        shard-1/        generations, history

On several machines each shard lies on the disk of the worker holding it, in the folder its
worker is started with (searcher.cluster.preload); INDEX holds the manifest alone.

A shard's *state* names one commit of it: its generation, the commit's number and the snapshot
folder that keeps that commit's files (searcher.cluster.snapshots). The cluster manifest is
replaced in one rename, so readers see every shard at the states of one run, or of the run
before. Articles go to the shard ``shard_of(id, count)``: a hash of the id's bytes that every
Python process and machine computes alike (Python's ``hash()`` is salted per process).
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from searcher.cluster import CLUSTER_MANIFEST
from searcher.durable import fsync_path
from searcher.errors import IndexDamaged
from searcher.manifest import HISTORY_LIMIT, utc_now, write_json
from searcher.model import HistoryEntry

FORMAT_VERSION = 1
MAX_SHARDS = 256


def shard_name(number: int) -> str:
    """The name of shard ``number``: its folder, and the name of the Dask worker holding it."""
    return f"shard-{number}"


def shard_of(article_id: str, count: int) -> int:
    """The shard (0 .. count-1) that holds the article ``article_id``: stable across processes,
    machines and Python versions (BLAKE2b of the id's UTF-8 bytes)."""
    digest = hashlib.blake2b(article_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def local_folder(directory: Path, manifest: "ClusterManifest", name: str) -> Path:
    """The folder of the shard ``name`` when the cluster runs on this machine."""
    return directory / manifest.layout / name


@dataclass(frozen=True)
class ShardState:
    """One committed state of a shard: what a reader opens, and what a writer rolls back to."""

    generation: str  # the shard's generation folder (gen-NNNNNN)
    commit: int  # the Whoosh commit (table of contents) number in that generation
    snapshot: str  # the folder keeping that commit's files, inside the generation
    documents: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ClusterManifest:
    """What the cluster records about itself (see the module docstring)."""

    format_version: int
    cluster_id: str
    shards: tuple[str, ...]
    analysis_version: str
    created: str
    last_update: str
    layout: str = "shards"  # the folder of the shards under INDEX, on one machine
    states: dict[str, ShardState] = field(default_factory=dict)  # shard name -> live state
    history: tuple[HistoryEntry, ...] = ()

    @classmethod
    def new(cls, count: int, analysis_version: str) -> "ClusterManifest":
        now = utc_now()
        return cls(FORMAT_VERSION, uuid.uuid4().hex, tuple(shard_name(n) for n in range(count)), analysis_version,
                   now, now, layout=f"shards-{uuid.uuid4().hex[:8]}")

    @property
    def documents(self) -> int:
        return sum(state.documents for state in self.states.values())

    def committed(self, states: dict[str, ShardState], entry: HistoryEntry | None) -> "ClusterManifest":
        """The manifest after a run that left the shards at ``states`` (recorded as ``entry``)."""
        merged = {**self.states, **states}
        if entry is None:
            return replace(self, states=merged)
        entry = replace(entry, documents=sum(state.documents for state in merged.values()))
        return replace(self, states=merged, last_update=entry.when, history=(*self.history, entry)[-HISTORY_LIMIT:])

    def to_dict(self) -> dict:
        return {**asdict(self), "shards": list(self.shards),
                "states": {name: state.to_dict() for name, state in self.states.items()},
                "history": [entry.to_dict() for entry in self.history]}


def read_cluster(directory: Path) -> ClusterManifest | None:
    """The cluster manifest in ``directory``, or None when there is none."""
    path = directory / CLUSTER_MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        states = {name: ShardState(**state) for name, state in data.pop("states").items()}
        history = tuple(HistoryEntry(**{**entry, "paths": tuple(entry["paths"])}) for entry in data.pop("history"))
        return ClusterManifest(**{**data, "shards": tuple(data["shards"])}, states=states, history=history)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise IndexDamaged(f"the cluster manifest {path} cannot be read ({error})") from error


def write_cluster(directory: Path, manifest: ClusterManifest) -> None:
    """Replaces the cluster manifest in one atomic rename: the cluster's commit point. The
    folder is flushed too, so the rename is on disk before the shards' old states are retired."""
    write_json(directory / CLUSTER_MANIFEST, manifest.to_dict())
    fsync_path(directory)
