"""The index folder: generations of the Whoosh index, and the manifest that names the live one.

    INDEX/
      searcher.json          manifest: analysis version, live generation, history
      writer.lock            held by the one process writing (searcher.locking)
      gen-000001/            a complete Whoosh index (one generation)
        readers.lock         every process reading this generation holds a shared lock on it
      gen-000002.building/   a rebuild in progress

Indexing commits into the live generation (Whoosh's own commit: segments, then one rename of
its table of contents). A rebuild fills ``gen-N.building``, renames it to ``gen-N`` and then
switches by replacing the manifest (one rename). Readers that opened the old generation keep
their lease on it and keep answering from it; it is removed by the first process that finds it
older than the live one and unleased (an exclusive, non-blocking lock on its
``readers.lock``). The remover unlinks ``readers.lock`` first, so a reader that raced it finds
the file gone (or a different file) and reads the manifest again. Building folders and
generations newer than the live one are removed only under the writer lock: they belong to a
rebuild that died (without the lock, to one about to switch).
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from searcher.backend.whoosh import WhooshStore
from searcher.durable import fsync_tree
from searcher.locking import WRITER_LOCK, try_exclusive
from searcher.manifest import GENERATION_NAME, MANIFEST_NAME, Manifest, write_manifest

BUILDING = ".building"
READERS_LOCK = "readers.lock"


def store_dir(directory: Path, generation: str | None) -> Path:
    """Where the Whoosh files of ``generation`` lie (the index folder itself for format 1)."""
    return directory / generation if generation else directory


def exists(directory: Path) -> bool:
    """True when ``directory`` holds an index (a manifest, or the Whoosh files of format 1)."""
    return (directory / MANIFEST_NAME).exists() or WhooshStore.exists(directory)


def next_name(directory: Path) -> str:
    """A generation name higher than any in ``directory``, building ones included."""
    return f"gen-{max(_numbers(os.listdir(directory)), default=0) + 1:06d}"


def newest(directory: Path) -> str | None:
    """The newest complete generation in ``directory`` (None when it has none: a flat index of
    format 1, or none at all)."""
    names = [name for name in os.listdir(directory) if GENERATION_NAME.fullmatch(name)]
    return max(names, default=None)


@contextmanager
def building(directory: Path) -> Iterator[tuple[str, Path]]:
    """A new, empty generation in a ``.building`` folder: yields its name and folder. On
    success its files are flushed and it gets its name, still unnamed by the manifest (the
    caller switches); on error it is removed."""
    name = next_name(directory)
    folder = directory / (name + BUILDING)
    folder.mkdir()
    try:
        (folder / READERS_LOCK).touch()
        WhooshStore.create(folder)
        yield name, folder
        fsync_tree(folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    os.replace(folder, directory / name)


def create(directory: Path, analysis_version: str, index_config: dict) -> None:
    """A new index in ``directory`` (the caller holds the writer lock): its first generation,
    then the manifest naming it."""
    with building(directory) as (name, _):
        pass
    write_manifest(directory, Manifest.new(analysis_version, name, index_config))


def migrate_flat(directory: Path, manifest: Manifest) -> None:
    """Moves a format-1 index (Whoosh files at the top of the folder) into a generation (the
    caller holds the writer lock).

    The files are linked (or copied) into the new generation, the manifest is switched, and only
    then are the top-level files removed: a crash at any point leaves a readable index.
    """
    whoosh_files = [Path(entry.path) for entry in os.scandir(directory) if entry.is_file() and _is_whoosh_file(entry.name)]
    with building(directory) as (name, folder):
        for source in whoosh_files:
            target = folder / source.name
            target.unlink(missing_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)
    write_manifest(directory, manifest.switched(name, manifest.analysis_version, manifest.index_config))
    for source in whoosh_files:
        source.unlink(missing_ok=True)


def remove_unused(directory: Path, live: str | None, *, writing: bool) -> list[str]:
    """Removes the generations older than the live one that nobody reads any more. With
    ``writing`` (the caller holds the writer lock) also the remains of rebuilds that died:
    building folders, and generations newer than the live one. Returns the names removed."""
    live_number = _numbers([live]) or [0]
    removed = []
    for entry in sorted(os.listdir(directory)):
        number = _numbers([entry])
        if not number or entry == live:
            continue
        if number[0] > live_number[0] or entry.endswith(BUILDING):
            if writing:
                shutil.rmtree(directory / entry, ignore_errors=True)
                removed.append(entry)
        elif remove_unleased(directory / entry):
            removed.append(entry)
    return removed


def remove_unleased(folder: Path) -> bool:
    """Removes an old generation (or another folder readers lease, such as a shard's snapshot)
    unless a reader holds a lease on it."""
    lock = folder / READERS_LOCK
    held = try_exclusive(lock)
    if held is None:
        return False
    try:
        lock.unlink()
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        os.close(held)
    return True


def _numbers(names: Iterable[str | None]) -> list[int]:
    return [int(match.group(1)) for name in names if name and (match := GENERATION_NAME.fullmatch(name.removesuffix(BUILDING)))]


def _is_whoosh_file(name: str) -> bool:
    """Whether a file is Whoosh's: a table of contents, its lock, or a segment's file (one
    compound ``.seg``, or the separate files of a segment written without one)."""
    return (name not in (MANIFEST_NAME, WRITER_LOCK) and not name.startswith(".")
            and name.endswith((".toc", "WRITELOCK", ".seg", ".trm", ".pst", ".vps", ".col", ".rank")))
