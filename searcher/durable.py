"""Flushing to disk: what makes a write, or the rename that publishes it, survive a crash."""
from __future__ import annotations

import os
from pathlib import Path


def fsync_path(path: str | os.PathLike) -> None:
    """Flushes a file's contents, or a folder's entries (so a rename in it is on disk)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """Flushes the files directly in ``folder``, then the folder itself."""
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False):
            fsync_path(entry.path)
    fsync_path(folder)
