"""Readers of tables of records: .csv (comma-separated) and .tsv (tab-separated), UTF-8 or, as
spreadsheets save "Unicode text", UTF-16 with a BOM. The header names the columns: ``id`` and
``title`` and/or ``text`` are needed, ``date``, ``source``, ``url``, ``lang`` are read, any other
column is ignored (with one note per file). Read as a stream, a row at a time."""
from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from typing import BinaryIO

from searcher.drops.formats.streams import numbered_lines
from searcher.drops.records import FIELDS, Item, Origin, article_from_record, placed
from searcher.drops.signatures import binary_kind

SNIFF = 512  # bytes looked at to tell a binary file or UTF-16 text


def read_csv(stream: BinaryIO, origin: Origin) -> Iterator[Item]:
    return _read_table(stream, origin, ",")


def read_tsv(stream: BinaryIO, origin: Origin) -> Iterator[Item]:
    return _read_table(stream, origin, "\t")


class _Lines:
    """The decoded lines of a UTF-8 stream for csv.reader, noting the lines that were not UTF-8
    or too long (each spoils the row it belongs to, not the file)."""

    def __init__(self, stream: BinaryIO, limit: int):
        self._lines = numbered_lines(stream, limit)
        self.limit = limit
        self.problems: dict[int, str] = {}  # line number -> reason
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for self.number, raw in self._lines:
            if raw is None:
                self.problems[self.number] = f"longer than {self.limit:,} bytes, more than an article record may take"
                yield "\n"
                continue
            try:
                yield raw.decode("utf-8-sig" if self.number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                self.problems[self.number] = f"not UTF-8 (invalid byte at offset {error.start} of the line)"
                yield raw.decode("utf-8", "replace")


def _read_table(stream: BinaryIO, origin: Origin, delimiter: str) -> Iterator[Item]:
    head = stream.peek(SNIFF)[:SNIFF] if hasattr(stream, "peek") else b""
    kind = binary_kind(head)
    if kind:
        yield origin.skipped(f"{kind}, not text")
        return
    # csv's field limit is global to the process: raised (never lowered) to what an article may take
    csv.field_size_limit(max(csv.field_size_limit(), origin.options.max_raw_bytes))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        lines = None
        text = io.TextIOWrapper(stream, encoding="utf-16", errors="strict", newline="")
    elif b"\x00" in head:
        yield origin.skipped("NUL bytes (UTF-16 text without a BOM?): save the table as UTF-8 or UTF-16 with a BOM")
        return
    else:
        lines = text = _Lines(stream, origin.options.max_raw_bytes)
    rows = csv.reader(text, delimiter=delimiter)
    try:
        yield from _records(rows, lines, origin)
    except csv.Error as error:
        yield origin.skipped(f"not a readable table ({error}); rows after line {rows.line_num} were not read")
    except UnicodeDecodeError:
        yield origin.skipped(f"invalid UTF-16 text after line {rows.line_num}; the rows after it were not read")
    finally:
        if isinstance(text, io.TextIOWrapper):
            text.detach()  # the caller closes the stream



def _records(rows, lines: _Lines | None, origin: Origin) -> Iterator[Item]:
    header = next(rows, None)
    columns = [name.strip().lower() for name in header or []]
    known = {name: i for i, name in enumerate(columns) if name in FIELDS}
    if "id" not in known or not {"title", "text"} & known.keys():
        shown = ", ".join(columns[:8]) or "nothing"
        yield origin.skipped(f"no header naming the columns id and title or text (the first line has: {shown})")
        return
    twice = sorted({name for name in known if columns.count(name) > 1})
    if twice:
        yield origin.skipped(f"the header names {', '.join(twice)} more than once")
        return
    ignored = [name for name in columns if name not in FIELDS]
    if ignored:
        yield origin.note(f"columns ignored: {', '.join(ignored)} (read: {', '.join(known)})")
    while True:
        start = rows.line_num + 1
        row = next(rows, None)
        if row is None:
            return
        place = f"line {start}"
        problems = [lines.problems.pop(n) for n in range(start, rows.line_num + 1) if n in lines.problems] if lines else []
        if problems:
            yield origin.skipped(problems[0], place)
        elif not any(cell.strip() for cell in row):
            continue
        elif len(row) != len(columns):
            yield origin.skipped(f"{len(row)} fields where the header names {len(columns)}", place)
        else:
            record = {name: row[i] for name, i in known.items()}
            yield from placed(lambda: article_from_record(record, origin), origin, place)
