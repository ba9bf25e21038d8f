"""Snapshots: one commit of a shard kept readable, and restorable, until the cluster moves on.

A Whoosh commit writes new segment files and a new table of contents (TOC), then deletes the
previous TOC and the segment files no longer named (``whoosh.index.clean_files``). A shard
commits before the cluster manifest switches to it, so the cluster's readers must keep reading
the shard's previous commit meanwhile, and a run that dies before the switch must be undone.

Segment files never change once written, so a commit is kept by hard links: a snapshot is a
hidden folder inside the generation (``gen-000001/.snap-000007-1a2b3c4d``) linking every file
of commit 7 (Whoosh's clean-up skips hidden names). It is a complete index on its own, holding
one TOC, and is what the cluster's readers open (with a lease on its ``readers.lock``). Rolling
back makes the generation's files those of a snapshot again. A snapshot no reader leases and
no cluster manifest names is removed after the switch (``retire``).
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path

from searcher.durable import fsync_path
from searcher.generations import READERS_LOCK, remove_unleased
from searcher.locking import lease

TOC = re.compile(r"_.+_(\d+)\.toc")
SNAPSHOT = re.compile(r"\.snap-(\d{6})-[0-9a-f]{8}")


def latest_commit(folder: Path) -> int:
    """The number of the newest commit (TOC) in a generation folder, -1 when there is none."""
    return max((int(match.group(1)) for name in os.listdir(folder) if (match := TOC.fullmatch(name))), default=-1)


def take(folder: Path) -> tuple[str, int]:
    """Snapshots the newest commit of the generation ``folder``: returns the snapshot's name and
    the commit's number. The caller holds the shard's writer lock (no commit runs meanwhile)."""
    commit = latest_commit(folder)
    name = f".snap-{commit:06d}-{secrets.token_hex(4)}"
    building = folder / (name + ".tmp")
    building.mkdir()
    for source in _commit_files(folder, commit):
        os.link(source, building / source.name)
    (building / READERS_LOCK).touch()
    fsync_path(building)
    os.replace(building, folder / name)
    fsync_path(folder)
    return name, commit


def roll_back(folder: Path, snapshot: str) -> bool:
    """Makes the files of the generation ``folder`` those of ``snapshot`` again: the files of
    later commits are removed, the snapshot's links restored. Snapshots of later commits go
    too (they belong to runs the cluster never switched to). Returns whether anything changed.
    The caller holds the shard's writer lock."""
    kept = folder / snapshot
    wanted = {entry.name for entry in os.scandir(kept) if entry.is_file() and entry.name != READERS_LOCK}
    changed = False
    for entry in list(os.scandir(folder)):
        if entry.name.startswith(".") or entry.name == READERS_LOCK or entry.name in wanted:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)  # a writer's temporary storage, left by a crash
        else:
            os.unlink(entry.path)
        changed = True
    for name in wanted:
        if not (folder / name).exists():
            os.link(kept / name, folder / name)
            changed = True
    commit = int(SNAPSHOT.fullmatch(snapshot).group(1))
    for name in snapshots(folder):
        if int(SNAPSHOT.fullmatch(name).group(1)) > commit:
            remove_unleased(folder / name)
    if changed:
        fsync_path(folder)
    return changed


def retire(folder: Path, keep: set[str]) -> list[str]:
    """Removes the snapshots of the generation ``folder`` not in ``keep`` that no reader leases."""
    return [name for name in snapshots(folder) if name not in keep and remove_unleased(folder / name)]


def snapshots(folder: Path) -> list[str]:
    """The snapshots of a generation folder (unfinished ones left out), oldest commit first."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    return sorted(name for name in names if SNAPSHOT.fullmatch(name))


def lease_snapshot(folder: Path) -> int | None:
    """A reader's lease on a snapshot (a descriptor to close), None when it is gone."""
    return lease(folder / READERS_LOCK)


def _commit_files(folder: Path, commit: int) -> list[Path]:
    """The files of commit ``commit``: its TOC and every other regular, visible file (after a
    Whoosh commit the generation holds only the files its newest TOC names)."""
    files = []
    for entry in os.scandir(folder):
        match = TOC.fullmatch(entry.name)
        if entry.name.startswith(".") or entry.name == READERS_LOCK or not entry.is_file(follow_symlinks=False):
            continue
        if match and int(match.group(1)) != commit:
            continue
        files.append(Path(entry.path))
    return files
