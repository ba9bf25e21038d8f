"""Locks: one writer per index, and leases that keep a generation alive while it is read.

Both are ``flock(2)`` locks on small files. The kernel drops such a lock when the process
holding it ends, however it ends (SIGKILL included), so a lock file left behind by a dead
process holds no lock: the next writer simply takes it. The writer writes its pid into the
file and empties it when it is done, so a pid found there on taking the lock names a holder
that died while writing (``WriterLock.stale_pid``); the file is never deleted, which would let
two writers lock two different files. ``flock`` rather than POSIX record locks (``lockf``,
``fcntl(F_SETLK)``): a process loses those when it closes *any* descriptor of the file. Local
file systems only (flock is not reliable over NFS).
"""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from searcher.errors import IndexBusy

WRITER_LOCK = "writer.lock"
POLL_SECONDS = 0.05


class WriterLock:
    """The index's writer lock, held until ``release()``."""

    def __init__(self, fd: int, stale_pid: int | None):
        self._fd = fd
        self.stale_pid = stale_pid  # pid of a writer that died holding the lock, if any

    def release(self) -> None:
        os.ftruncate(self._fd, 0)
        os.close(self._fd)


def acquire_writer(directory: Path, wait: float) -> WriterLock:
    """Takes the writer lock of the index in ``directory``, waiting up to ``wait`` seconds;
    raises IndexBusy naming the holder's pid when it stays taken."""
    fd = os.open(directory / WRITER_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    while not _try_lock(fd, fcntl.LOCK_EX):
        if time.monotonic() >= deadline:
            holder = _read_pid(fd)
            os.close(fd)
            who = f"process {holder}" if holder else "another process"
            raise IndexBusy(
                f"{who} is writing to the index at {directory} (waited {wait:g} s): "
                "try again when it is done, or wait longer with --wait SECONDS"
            )
        time.sleep(POLL_SECONDS)
    stale = _read_pid(fd)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return WriterLock(fd, stale if stale != os.getpid() else None)


@contextmanager
def held(path: Path) -> Iterator[None]:
    """An exclusive lock on the lock file ``path`` (made if missing) for the ``with`` block,
    waiting as long as another process holds it: for short read-change-write steps."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def lease(path: Path) -> int | None:
    """A shared lock on the lock file ``path`` (a descriptor to close to let go), or None when
    the file is gone or was removed while we waited for the lock."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    fcntl.flock(fd, fcntl.LOCK_SH)
    try:
        still_there = os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        still_there = False
    if not still_there:
        os.close(fd)
        return None
    return fd


def try_exclusive(path: Path) -> int | None:
    """An exclusive lock on ``path`` if nobody holds any lock on it now, else None."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    if _try_lock(fd, fcntl.LOCK_EX):
        return fd
    os.close(fd)
    return None


def _try_lock(fd: int, mode: int) -> bool:
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
