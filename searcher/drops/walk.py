"""Which files a drop holds, and opening them without ever blocking.

Folders are walked depth first in name order; hidden entries (a name starting with ".") are
left out unless named explicitly. Only regular files are read: a named pipe, socket or device
is skipped with a line, never opened for reading (a FIFO would block the run for good).
Symbolic links inside the drop are read when they point to a file inside it; links to folders
inside it are not followed (their files are read once, through the real folder). Links that
point outside the drop folder are skipped with a line unless ``follow_links`` is set.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from searcher.errors import DocumentError
from searcher.model import Skipped

FOLLOW_HINT = "give --follow-links (follow_links=True) to read it"


@dataclass(frozen=True)
class DropFile:
    """A regular file found in a drop."""

    path: Path  # absolute, as found (links not resolved)
    root: Path  # the file or folder given, under which it was found
    link: bool = False  # reached through a symbolic link

    @property
    def trail(self) -> tuple[str, ...]:
        """The names of the folders from the file's up to the drop folder's, nearest first."""
        if self.path == self.root:
            return (self.path.parent.name,)
        folders = self.path.relative_to(self.root).parent.parts
        return (*reversed(folders), self.root.name)


def files(paths: Iterable[str | os.PathLike], follow_links: bool = False) -> Iterator[DropFile | Skipped]:
    """Every regular file of the given files and folders, in order, or why one is skipped."""
    for given in paths:
        path = Path(os.path.abspath(given))
        try:
            info = path.stat()
        except FileNotFoundError:
            yield Skipped(_shown(path), "broken symbolic link" if path.is_symlink() else "no such file or folder")
            continue
        except OSError as error:
            yield Skipped(_shown(path), f"cannot read: {error.strerror or error}")
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk(path, path, Path(os.path.realpath(path)), follow_links, set())
        elif stat.S_ISREG(info.st_mode):
            yield DropFile(path, path, link=path.is_symlink())
        else:
            yield Skipped(_shown(path), _not_regular(info.st_mode))


def _walk(folder: Path, root: Path, real_root: Path, follow_links: bool, visited: set[str]) -> Iterator[DropFile | Skipped]:
    """The files under ``folder``; ``visited`` holds the real folders followed through links."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        yield Skipped(_shown(folder), f"cannot list folder: {error.strerror or error}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = folder / entry.name
        if not _printable(entry.name):
            yield Skipped(_shown(path), "its name is not valid UTF-8: rename it")
        elif entry.is_symlink():
            yield from _link(path, root, real_root, follow_links, visited)
        elif entry.is_dir(follow_symlinks=False):
            yield from _walk(path, root, real_root, follow_links, visited)
        elif entry.is_file(follow_symlinks=False):
            yield DropFile(path, root)
        else:
            yield Skipped(_shown(path), _not_regular(entry.stat(follow_symlinks=False).st_mode))


def _link(path: Path, root: Path, real_root: Path, follow_links: bool, visited: set[str]) -> Iterator[DropFile | Skipped]:
    """What a symbolic link in a drop stands for, by the rules of the module's docstring."""
    target = os.path.realpath(path)
    try:
        info = os.stat(path)
    except OSError as error:
        broken = isinstance(error, FileNotFoundError)
        yield Skipped(_shown(path), f"broken symbolic link to {_shown(target)}" if broken
                      else f"symbolic link cannot be followed: {error.strerror or error}")
        return
    inside = Path(target).is_relative_to(real_root)
    if not inside and not follow_links:
        yield Skipped(_shown(path), f"symbolic link to {_shown(target)}, outside the drop: {FOLLOW_HINT}")
    elif stat.S_ISDIR(info.st_mode):
        if not inside and target not in visited:  # a folder inside is walked as itself
            visited.add(target)
            yield from _walk(path, root, real_root, follow_links, visited)
    elif stat.S_ISREG(info.st_mode):
        yield DropFile(path, root, link=True)
    else:
        yield Skipped(_shown(path), f"symbolic link to {_not_regular(info.st_mode)}")


def open_file(file: DropFile) -> BinaryIO:
    """The file open for reading. Non-blocking and without following a link that was not there
    when the drop was walked, so a file swapped for a FIFO meanwhile cannot hang the run.
    Raises DocumentError (not a regular file) or OSError."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not file.link:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(file.path, flags)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise DocumentError(_not_regular(mode))
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _not_regular(mode: int) -> str:
    """Why a file of this mode is not read."""
    kinds = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"))
    kind = next((name for test, name in kinds if test(mode)), "a special file")
    return f"{kind}, not a regular file"


def _printable(name: str) -> bool:
    """False for names with bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(path: Path | str) -> str:
    """A path as lines can print it: bytes that are not UTF-8 shown as \\xNN escapes."""
    text = str(path)
    return text if _printable(text) else os.fsencode(text).decode("utf-8", "backslashreplace")
