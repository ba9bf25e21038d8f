"""The index manifest: which analysis built the index, and when it was created and updated.

Saved like Whoosh saves its table of contents: a temporary file, fsync, then one rename, so a
crash leaves either the old manifest or the new one, never half of one.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from searcher.errors import IndexDamaged

MANIFEST_NAME = "searcher.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Manifest:
    """What the index records about itself."""

    format_version: int
    analysis_version: str
    created: str
    last_update: str

    @classmethod
    def new(cls, analysis_version: str) -> "Manifest":
        now = utc_now()
        return cls(FORMAT_VERSION, analysis_version, now, now)

    def touched(self) -> "Manifest":
        """The manifest after an update of the index."""
        return replace(self, last_update=utc_now())


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def read_manifest(directory: Path) -> Manifest | None:
    """The manifest of the index in ``directory``, or None when it has none."""
    path = directory / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Manifest(**data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as error:
        raise IndexDamaged(f"the manifest {path} cannot be read ({error}); rebuild the index") from error


def write_manifest(directory: Path, manifest: Manifest) -> None:
    """Replaces the manifest in one atomic rename."""
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".manifest-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(asdict(manifest), file, indent=2)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, directory / MANIFEST_NAME)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
