"""Readers of JSON records: .jsonl (one object a line, read as a stream; a bad line costs that
line) and .json (one object or a list of them; the format needs the file read whole, up to
``JSON_MAX_BYTES``). Also the numbered JSON values of a JSON Lines file, for other readers of
such files (searcher.evaluation)."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from searcher.drops.decode import BOMS
from searcher.drops.formats.streams import numbered_lines, read_bounded
from searcher.drops.records import Item, Origin, article_from_record, placed
from searcher.drops.signatures import binary_kind

MAX_NESTING = 100  # an article record is flat; deeper JSON is not one (and could exhaust the stack)
JSON_MAX_BYTES = 100_000_000  # a .json file is parsed whole: bigger drops belong in .jsonl
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def too_deep(data: str, limit: int = MAX_NESTING) -> bool:
    """True when JSON ``data`` nests arrays and objects more than ``limit`` levels deep
    (brackets inside strings do not count), checked before parsing: CPython's parser recurses.

    >>> too_deep("[" * 101), too_deep('{"t": "' + "[" * 200 + '"}')
    (True, False)
    """
    if data.count("[") + data.count("{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKETS.findall(_STRING.sub('""', data)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def parse(text: str) -> Any:
    """The JSON value of ``text``; raises ValueError with a one-line reason that says where."""
    if too_deep(text):
        raise ValueError(f"nested more than {MAX_NESTING} levels deep, not an article record")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}" if "\n" in text.rstrip("\n") else f"column {error.colno}"
        raise ValueError(f"bad JSON: {error.msg.removesuffix(' at')} at {where}") from None
    except RecursionError:  # only if the limit above is raised past the interpreter's own
        raise ValueError("nested too deeply, not an article record") from None


def decode_json(data: bytes) -> str:
    """The text of a JSON document: UTF-8, or UTF-16/32 told by its first bytes (RFC 8259)."""
    try:
        return data.decode(json.detect_encoding(data))
    except UnicodeDecodeError as error:
        raise ValueError(f"not {error.encoding.upper()} text (invalid byte at offset {error.start})") from None


def json_lines(stream: BinaryIO, limit: int) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, value, None) for each JSON value of a JSON Lines stream and (line number,
    None, reason) for each bad line, blank lines left out. A stream that is no JSON Lines at all
    (empty, binary, UTF-16) gives one (0, None, reason) and ends."""
    empty, number = True, 0
    for number, raw in numbered_lines(stream, limit):
        if number == 1:
            problem = _not_json_lines(raw or b"")
            if problem:
                yield 0, None, problem
                return
        if raw is None:
            yield number, None, f"longer than {limit:,} bytes, more than an article record may take"
            continue
        if not raw.strip():
            continue
        empty = False
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            yield number, None, f"not UTF-8 (invalid byte at offset {error.start} of the line)"
            continue
        try:
            yield number, parse(line.rstrip("\r\n")), None
        except ValueError as error:
            yield number, None, str(error)
    if empty:
        yield 0, None, "empty file" if number == 0 else "empty file (blank lines only)"


def _not_json_lines(head: bytes) -> str | None:
    """Why a file starting with ``head`` is no JSON Lines file (which is UTF-8 text), if it is not."""
    kind = binary_kind(head)
    if kind:
        return f"{kind}, not text"
    for bom, _, name in BOMS[1:]:
        if head.startswith(bom):
            return f"{name} text: JSON Lines files are UTF-8 (convert it, e.g. iconv -f {name} -t UTF-8)"
    if b"\x00" in head:
        return "NUL bytes (UTF-16 text without a BOM?): JSON Lines files are UTF-8"
    return None


def read_jsonl(stream: BinaryIO, origin: Origin) -> Iterator[Item]:
    """The articles of a .jsonl file; a bad line is skipped with its number and reading goes on."""
    for number, value, problem in json_lines(stream, origin.options.max_raw_bytes):
        place = f"line {number}" if number else ""
        if problem:
            yield origin.skipped(problem, place)
        else:
            yield from placed(lambda: article_from_record(value, origin), origin, place)


def read_json(stream: BinaryIO, origin: Origin) -> Iterator[Item]:
    """The articles of a .json file holding one object or a list of objects."""
    data, complete = read_bounded(stream, JSON_MAX_BYTES)
    if not complete:
        yield origin.skipped(f"larger than {JSON_MAX_BYTES // 1_000_000} MB: a .json file is read whole, "
                             "so large drops belong in .jsonl files (one record a line)")
        return
    if not data.strip():
        yield origin.skipped("empty file")
        return
    kind = binary_kind(data)
    if kind:
        yield origin.skipped(f"{kind}, not text")
        return
    try:
        value = parse(decode_json(data))
    except ValueError as error:
        yield origin.skipped(str(error))
        return
    if isinstance(value, list):
        for number, item in enumerate(value, start=1):
            yield from placed(lambda: article_from_record(item, origin), origin, f"item {number}")
    else:
        yield from placed(lambda: article_from_record(value, origin), origin, "top level")
