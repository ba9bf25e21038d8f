"""A program's modules imported without the cyclic garbage collector's work.

Importing the library makes about 100,000 objects (functions, classes, tables) that live as
long as the process. CPython's collector counts allocations, not garbage: while they are made
it runs some 130 times, each time over what was made last, and a full collection later scans
them all again, to free none of them. ``long_lived()`` pauses the collector while its block
imports and then freezes what exists (``gc.freeze``), so no later collection looks at it:
about a tenth of a cold `searcher search` (benchmarks/cold_start.py). What a command makes
afterwards is collected as usual.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived() -> Iterator[None]:
    """No automatic collection while the block runs; what exists at its end is frozen."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
