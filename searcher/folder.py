"""The index folder: one object owns its manifest, generations, writer lock and version check.

``IndexFolder`` opens the live generation for reading (holding a lease on it), follows the
manifest when another process switches generations, runs writes under the writer lock
(moving an index of the first format into a generation, clearing what dead rebuilds left,
recording a run that committed but died before recording itself), records runs in the
history and switches to a rebuilt generation. An index is of this searcher's version when
its analysis (derived from the chains' data and output: searcher.analysis.registry) and its
fields revision are this searcher's; opened with other index-time settings than its own, it
asks for a rebuild.
"""
from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from searcher import generations, hooks
from searcher.analysis.registry import analysis_version
from searcher.backend.whoosh import WhooshStore
from searcher.backend.whoosh.schema import FIELDS_REVISION
from searcher.config import IndexConfig
from searcher.errors import AnalyzerMismatch, IndexDamaged, IndexNotFound, SearcherError
from searcher.locking import acquire_writer, lease
from searcher.manifest import Manifest, manifest_signature, read_manifest, utc_now, write_manifest
from searcher.model import HistoryEntry, RebuildReport

OPEN_ATTEMPTS = 20  # a reader re-reads the manifest this often when generations switch under it


def index_version(config: IndexConfig) -> str:
    """The version an index built with ``config`` by this searcher records."""
    return f"{analysis_version(config.text_chain)}+fields.{FIELDS_REVISION}"


def arrays_signature(config: IndexConfig) -> str:
    """What ranking arrays written with ``config`` by this searcher are stamped with."""
    return f"{index_version(config)}|title {config.title_weight:g}|part {config.part_weight:g}"


@dataclass
class Live:
    """A generation opened for reading, with the lease that keeps it on disk."""

    manifest: Manifest
    config: IndexConfig
    store: WhooshStore
    _lease: int | None  # None for a flat (format 1) index, which has no generations

    def close(self) -> None:
        self.store.close()
        if self._lease is not None:
            os.close(self._lease)
            self._lease = None


class IndexFolder:
    """An index folder (see the module docstring)."""

    def __init__(self, path: Path, wait: float, check_version: bool = True, config: IndexConfig | None = None):
        self.path = path
        self.wait = wait
        self.check_version = check_version
        self.wanted = config  # index-time settings asked for (None: the index's own)
        self._live: Live | None = None
        self._signature = None
        self.run = 0  # the number of the run being written (see writing)

    # Creating and opening

    def exists(self) -> bool:
        return generations.exists(self.path)

    @property
    def opened(self) -> bool:
        return self._live is not None

    def create(self, config: IndexConfig) -> None:
        """Makes the first generation and the manifest, under the writer lock (another process
        may be creating the same index)."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            lock = acquire_writer(self.path, self.wait)
        except OSError as error:
            raise SearcherError(f"cannot create an index at {self.path}: {error.strerror or error}") from error
        try:
            if not generations.exists(self.path):
                generations.remove_unused(self.path, None, writing=True)
                generations.create(self.path, index_version(config), config.to_dict())
        except OSError as error:
            raise SearcherError(f"cannot create an index at {self.path}: {error.strerror or error}") from error
        finally:
            lock.release()

    def open(self) -> Live:
        """Opens the live generation (the index must exist); checks its version."""
        self._signature = manifest_signature(self.path)
        self._live = self._open_live()
        if self.check_version:
            try:
                self._check(self._live)
            except AnalyzerMismatch:
                self._live.close()
                raise
        return self._live

    def _open_live(self) -> Live:
        """The generation the manifest names, with a lease on it."""
        for _ in range(OPEN_ATTEMPTS):
            manifest = read_manifest(self.path)
            if manifest is None:
                if WhooshStore.exists(self.path):
                    raise IndexDamaged(f"the index at {self.path} has no manifest: run `searcher rebuild --index "
                                       f"{self.path}` to make one")
                raise IndexNotFound(f"no index at {self.path}")
            held = None
            if manifest.generation is not None:
                held = lease(self.path / manifest.generation / generations.READERS_LOCK)
                if held is None:
                    continue  # removed after a switch we have not seen: read the manifest again
            config = self._config_of(manifest)
            try:
                store = WhooshStore.open(generations.store_dir(self.path, manifest.generation), config,
                                         arrays_signature(config))
                return Live(manifest, config, store, held)
            except (IndexNotFound, IndexDamaged):
                if held is not None:
                    os.close(held)
                if read_manifest(self.path) == manifest:
                    raise
        raise IndexDamaged(f"the index at {self.path} kept changing while it was opened: try again")

    def _config_of(self, manifest: Manifest) -> IndexConfig:
        return IndexConfig.from_dict(manifest.index_config)

    def _check(self, live: Live) -> None:
        """Raises AnalyzerMismatch unless the live generation is of this searcher's version and
        of the settings asked for."""
        if self.wanted is not None and self.wanted != live.config:
            raise AnalyzerMismatch(
                f"the index at {self.path} was built with other settings ({live.config}) than asked for "
                f"({self.wanted}): rebuild it with those settings to use them")
        if live.manifest.analysis_version != index_version(live.config):
            raise AnalyzerMismatch(
                f"the index at {self.path} was built with analysis {live.manifest.analysis_version}, this searcher "
                f"uses {index_version(live.config)}: rebuild it with `searcher rebuild --index {self.path}`")

    def fresh(self) -> Live:
        """The live generation: moves to a new one when the manifest names another. An index
        still to be made (opened with ``create``) is opened once another process has made it."""
        if self._live is None:
            if not self.exists():
                raise IndexNotFound(f"no index at {self.path} yet: nothing has been indexed into it")
            return self.open()
        signature = manifest_signature(self.path)
        if signature != self._signature:
            manifest = self.manifest_now()
            if manifest.generation != self._live.manifest.generation:
                old, self._live = self._live, self._open_live()
                old.close()
                self.remove_old_generations()
            else:
                self._live.manifest = manifest
            self._signature = signature
            if self.check_version:
                self._check(self._live)
        return self._live

    def manifest_now(self) -> Manifest:
        manifest = read_manifest(self.path)
        if manifest is None:
            raise IndexNotFound(f"the manifest of {self.path} has gone")
        return manifest

    # Writing

    @contextmanager
    def writing(self) -> Iterator[WhooshStore]:
        """Holds the writer lock, yields the live generation's store; I/O errors become one
        SearcherError saying the last committed state is intact. Meanwhile ``run`` is the number
        of the run being written: one more than any run recorded or any article carries."""
        try:
            lock = acquire_writer(self.path, self.wait)
        except OSError as error:
            raise SearcherError(_write_failure(self.path, error)) from error
        try:
            if lock.stale_pid:
                _warn(f"took over the writer lock of process {lock.stale_pid}, which ended without releasing it")
            live = self.fresh()
            if live.manifest.generation is None:
                generations.migrate_flat(self.path, live.manifest)
                live = self.fresh()
            generations.remove_unused(self.path, live.manifest.generation, writing=True)
            last, written = live.manifest.last_run(), _last_run(live.store)
            if written > live.manifest.run_number() or (last is not None and last.documents != live.store.document_count()):
                # A run committed, then died before recording itself: its articles carry its number.
                self.run = max(written, live.manifest.run_number() + 1)
                self.record("unrecorded", [])
            self.run = max(written, self.fresh().manifest.run_number()) + 1
            yield live.store
        except OSError as error:
            raise SearcherError(_write_failure(self.path, error)) from error
        finally:
            self.run = 0
            lock.release()

    def record(self, action: str, paths: Iterable[str], **counts: int) -> None:
        """Appends a run to the history in the manifest (the caller holds the writer lock)."""
        hooks.pause("record")
        live = self.fresh()
        entry = HistoryEntry(utc_now(), action, tuple(paths), documents=live.store.document_count(),
                             generation=live.manifest.generation, run=self.run, **counts)
        write_manifest(self.path, self.manifest_now().recorded(entry))

    def rebuild(self, config: IndexConfig, fill: Callable[[WhooshStore], RebuildReport],
                manifest: Manifest | None = None) -> RebuildReport:
        """Fills a new generation built with ``config`` (``fill`` writes into its empty store
        and reports) beside the live one, then switches to it in one rename of the manifest
        (the caller holds the writer lock). Searches meanwhile answer from the old generation.
        ``manifest``: the one to switch (default: the manifest now); a recovery without a
        readable one gives a new one (searcher.folder.IndexFolder.recover)."""
        with generations.building(self.path) as (name, folder):
            new = WhooshStore.open(folder, config, arrays_signature(config))
            try:
                report = fill(new)
                documents = new.document_count()
            finally:
                new.close()
        hooks.pause("switch")
        if manifest is None:
            manifest = self.manifest_now()
        manifest = manifest.switched(name, index_version(config), config.to_dict())
        entry = HistoryEntry(utc_now(), "rebuild", added=report.reread + report.kept, skipped=len(report.skipped),
                             documents=documents, generation=name, run=self.run)
        write_manifest(self.path, manifest.recorded(entry))
        report.generation = name
        return report

    def recover(self, fill: Callable[[WhooshStore | None, WhooshStore, Manifest | None, int], RebuildReport]
                ) -> RebuildReport:
        """Rebuilds an index that cannot be opened: its manifest or the live generation's table
        of contents is damaged. Under the writer lock, ``fill(old, new, manifest, run)`` fills a
        new generation from what is left: ``old``, the live generation (the newest generation
        folder when the manifest names none), or None when it cannot be opened; ``manifest``,
        or None when it cannot be read (the new one then starts a new history, and the index
        the default index-time settings unless others were asked for); ``run``, the rebuild's
        run number."""
        try:
            lock = acquire_writer(self.path, self.wait)
        except OSError as error:
            raise SearcherError(_write_failure(self.path, error)) from error
        try:
            try:
                manifest = read_manifest(self.path)
            except IndexDamaged:
                manifest = None
            generation = manifest.generation if manifest is not None else generations.newest(self.path)
            config = self.wanted or (self._config_of(manifest) if manifest is not None else IndexConfig())
            try:
                old = WhooshStore.open(generations.store_dir(self.path, generation), config, arrays_signature(config))
            except (IndexDamaged, IndexNotFound):
                old = None
            if old is None and manifest is None:
                raise IndexDamaged(f"nothing of the index at {self.path} can be read (neither its manifest nor a "
                                   "generation): index the drops again into a new index")
            try:
                self.run = max(manifest.run_number() if manifest is not None else 0, _last_run(old)) + 1
                new_manifest = manifest or Manifest.new(index_version(config), generation or "", config.to_dict())
                return self.rebuild(config, lambda new: fill(old, new, manifest, self.run), new_manifest)
            finally:
                if old is not None:
                    old.close()
        except OSError as error:
            raise SearcherError(_write_failure(self.path, error)) from error
        finally:
            self.run = 0
            lock.release()

    # Closing

    def remove_old_generations(self) -> None:
        """Best effort: a reader may lack the right to delete, another process will do it."""
        live = self._live.manifest.generation if self._live else None
        with contextlib.suppress(OSError):
            generations.remove_unused(self.path, live, writing=False)

    def close(self) -> None:
        if self._live is not None:
            self._live.close()
            self.remove_old_generations()


def _last_run(store: WhooshStore | None) -> int:
    """The highest run number the store's articles record; 0 when it cannot be read (a damaged
    generation: the write that follows meets the damage, or rebuilds it)."""
    try:
        return store.last_run() if store is not None else 0
    except IndexDamaged:
        return 0


def _write_failure(directory: Path, error: OSError) -> str:
    full = error.errno in (errno.ENOSPC, errno.EDQUOT)
    reason = "the disk is full" if full else (error.strerror or str(error)).lower()
    fix = "free some space" if full else "fix that"
    return f"cannot write to the index at {directory}: {reason}. The index keeps its last committed state: {fix} and run again"


def _warn(message: str) -> None:
    print(f"searcher: {message}", file=sys.stderr)
