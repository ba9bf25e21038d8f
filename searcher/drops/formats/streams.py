"""Reading a file's bytes within bounds: a whole text up to a limit, or numbered lines of which
an over-long one is measured and passed over, never held."""
from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

SKIP_CHUNK = 1 << 20  # an over-long line is passed over this many bytes at a time


def read_bounded(stream: BinaryIO, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the stream, and whether that is all of it."""
    data = stream.read(limit + 1)
    return data[:limit], len(data) <= limit


def numbered_lines(stream: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(number, line) for each line of the stream, from 1; a line longer than ``limit`` bytes
    comes as None (the rest of it read and dropped in chunks)."""
    number = 0
    while line := stream.readline(limit + 1):
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := stream.readline(SKIP_CHUNK)) and not rest.endswith(b"\n"):
                pass
            yield number, None
        else:
            yield number, line
