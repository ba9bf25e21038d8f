"""Compressed files and archives: ``NAME.gz`` holds one file of any supported format (read as a
stream as it is decompressed); a ``.zip`` archive holds files of any supported format, each
member read as a stream. A bad member is skipped with one line naming it, the rest is read.
A text article's id inside an archive is its member's file name without extension, as it
would be unpacked in a folder, so the same article keeps its id either way."""
from __future__ import annotations

import stat
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import BinaryIO

from searcher.drops.records import Item, Origin

ReadStream = Callable[[BinaryIO, Origin], Iterator[Item]]
# What decompressing may raise on damaged data, besides OSError (gzip.BadGzipFile and
# zipfile.BadZipFile, an OSError's sibling, are named where those modules are imported: only
# drops holding archives pay for their import).
DAMAGE = (EOFError, zlib.error, NotImplementedError, RuntimeError)


def read_gzip(stream: BinaryIO, origin: Origin, read_stream: ReadStream) -> Iterator[Item]:
    """The articles of the one file a .gz holds (its name without .gz says its format)."""
    import gzip

    inner = replace(origin, name=origin.name[: -len(".gz")])
    try:
        with gzip.GzipFile(fileobj=stream, mode="rb") as data:
            yield from read_stream(data, inner)
    except (OSError, *DAMAGE) as error:
        yield origin.skipped(f"damaged gzip data ({error})")


def read_zip(stream: BinaryIO, origin: Origin, read_stream: ReadStream) -> Iterator[Item]:
    """The articles of every member of a .zip archive, in name order; hidden members (a name
    part starting with ".", or __MACOSX) and folders left out."""
    import zipfile

    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        yield origin.skipped(f"not a readable ZIP archive ({error})")
        return
    with archive:
        for info in sorted(archive.infolist(), key=lambda info: info.filename):
            parts = info.filename.split("/")
            if info.is_dir() or any(part.startswith(".") or part == "__MACOSX" for part in parts):
                continue
            member = origin.inside(info.filename)
            if stat.S_ISLNK(info.external_attr >> 16):
                yield member.skipped("a symbolic link, not a file")
                continue
            try:
                with archive.open(info) as data:
                    yield from read_stream(data, member)
            except (OSError, zipfile.BadZipFile, *DAMAGE) as error:
                yield member.skipped(f"damaged or unreadable member ({error})")
