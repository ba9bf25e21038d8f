"""One reader per file format, chosen by the file's extension; ``.gz`` and ``.zip`` hold files
of the other formats. Each reader takes a binary stream and the records' Origin and yields
``Placed`` articles, ``Skipped`` records and ``Note``\\ s (searcher.drops.records)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from searcher.drops.formats import archives
from searcher.drops.formats.html import read_html
from searcher.drops.formats.jsonl import read_json, read_jsonl
from searcher.drops.formats.table import read_csv, read_tsv
from searcher.drops.formats.text import read_markdown, read_txt
from searcher.drops.records import Item, Origin

# Readers of streams by lower-cased extension.
READERS = {
    ".txt": read_txt,
    ".md": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".jsonl": read_jsonl,
    ".json": read_json,
    ".csv": read_csv,
    ".tsv": read_tsv,
}
EXTENSIONS = (*READERS, ".gz", ".zip")


def suffix(name: str) -> str:
    """The lower-cased extension of a file or member name, "" when it has none."""
    base = name.rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[1].lower() if "." in base.lstrip(".") else ""


def unsupported(name: str, seekable: bool) -> str | None:
    """Why a file of this name is not read (None when it is): its extension; a .zip inside a
    .gz or another .zip, which cannot be read as a stream."""
    kind = suffix(name)
    if kind == ".gz":
        inner = suffix(name[: -len(".gz")])
        if inner in READERS:
            return None
        if inner in (".zip", ".gz", ".tar") or name.lower().endswith(".tgz"):
            return f"a {inner or '.tgz'} inside gzip cannot be read as a stream: unpack it"
        return f"unsupported file type '{inner or 'none'}' inside '.gz' (expected {_expected()} in it)"
    if kind == ".zip":
        return None if seekable else "an archive inside an archive is not read: unpack it"
    if kind in READERS:
        return None
    shown = f"'{kind}'" if kind else "without extension"
    return f"unsupported file type {shown} (expected {_expected()}, .gz or .zip)"


def _expected() -> str:
    return ", ".join(READERS)


def read_stream(stream: BinaryIO, origin: Origin) -> Iterator[Item]:
    """The records of a stream, by the format of ``origin.name``; a .zip only from a file."""
    reason = unsupported(origin.name, seekable=stream.seekable() and not origin.prefix)
    if reason:
        yield origin.skipped(reason)
    elif suffix(origin.name) == ".gz":
        yield from archives.read_gzip(stream, origin, read_stream)
    elif suffix(origin.name) == ".zip":
        yield from archives.read_zip(stream, origin, read_stream)
    else:
        yield from READERS[suffix(origin.name)](stream, origin)
