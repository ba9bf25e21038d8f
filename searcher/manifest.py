"""The index manifest: which analysis built the index, which generation is live, and the
history of the runs that changed it.

Saved like Whoosh saves its table of contents: a temporary file, fsync, then one rename, so a
crash leaves either the old manifest or the new one, never half of one. That rename is also
how a rebuild switches generations (searcher.generations).

Format 1 (the first indexes) had no ``generation`` and no ``history``: its Whoosh files lie at
the top of the index folder. It is read as generation None and moved into a generation by
the first writer (searcher.generations.migrate_flat).
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from searcher.errors import IndexDamaged
from searcher.model import HistoryEntry

MANIFEST_NAME = "searcher.json"
FORMAT_VERSION = 3
HISTORY_LIMIT = 1000  # runs kept in the manifest, newest last
# A generation's folder name. The manifest of a copied or hostile index folder could name any
# path ("../victim", "/etc"): a name is checked against this before it is ever joined to a path.
GENERATION_NAME = re.compile(r"gen-(\d{6})")


@dataclass(frozen=True)
class Manifest:
    """What the index records about itself."""

    format_version: int
    analysis_version: str
    created: str
    last_update: str
    generation: str | None = None  # the live generation's folder; None: flat format 1
    history: tuple[HistoryEntry, ...] = field(default=())
    # The index-time settings (searcher.config.IndexConfig) the live generation was built with;
    # empty in manifests older than format 3, whose indexes used the defaults.
    index_config: dict = field(default_factory=dict)

    @classmethod
    def new(cls, analysis_version: str, generation: str, index_config: dict) -> "Manifest":
        now = utc_now()
        return cls(FORMAT_VERSION, analysis_version, now, now, generation, index_config=index_config)

    def recorded(self, entry: HistoryEntry) -> "Manifest":
        """The manifest after the run ``entry`` (which is also the last update)."""
        history = (*self.history, entry)[-HISTORY_LIMIT:]
        return replace(self, last_update=entry.when, history=history)

    def last_run(self) -> HistoryEntry | None:
        """The last recorded run on the live generation."""
        return next((entry for entry in reversed(self.history) if entry.generation == self.generation), None)

    def run_number(self) -> int:
        """The number of the latest run recorded (0: none numbered); runs are numbered in
        order over every generation."""
        return max((entry.run for entry in self.history), default=0)

    def switched(self, generation: str, analysis_version: str, index_config: dict) -> "Manifest":
        """The manifest naming ``generation`` (built with that analysis and settings) as the live one."""
        return replace(self, format_version=FORMAT_VERSION, generation=generation, analysis_version=analysis_version,
                       index_config=index_config)

    def to_dict(self) -> dict:
        return {**asdict(self), "history": [entry.to_dict() for entry in self.history]}


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def manifest_signature(directory: Path) -> tuple[int, int] | None:
    """Changes whenever the manifest is replaced (each write is a new file)."""
    try:
        status = os.stat(directory / MANIFEST_NAME)
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns


def read_manifest(directory: Path) -> Manifest | None:
    """The manifest of the index in ``directory``, or None when it has none."""
    path = directory / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        history = tuple(HistoryEntry(**{**entry, "paths": tuple(entry["paths"])}) for entry in data.pop("history", ()))
        manifest = Manifest(**data, history=history)
        _check(manifest)
        return manifest
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        raise IndexDamaged(f"the manifest {path} cannot be read ({error}): run `searcher rebuild --index {directory}` "
                           "to make a new one from the index's generations") from error


def _check(manifest: Manifest) -> None:
    """Raises ValueError for a manifest whose values are not of their kinds; a generation must
    be a plain generation name, never a path."""
    generation = manifest.generation
    if generation is not None and not (isinstance(generation, str) and GENERATION_NAME.fullmatch(generation)):
        raise ValueError(f"its live generation {generation!r} is not a generation name (gen-NNNNNN)")
    if not isinstance(manifest.analysis_version, str) or not isinstance(manifest.index_config, dict):
        raise ValueError("its analysis version or index settings are not of their kinds")


def write_manifest(directory: Path, manifest: Manifest) -> None:
    """Replaces the manifest in one atomic rename."""
    write_json(directory / MANIFEST_NAME, manifest.to_dict())


def write_json(path: Path, data: dict) -> None:
    """Replaces the JSON file ``path`` in one atomic rename (a temporary file beside it, fsync)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2, ensure_ascii=False)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
