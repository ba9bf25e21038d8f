"""Garbage collection while an index is written.

Indexing makes millions of short-lived objects (tokens, postings) that reference counting frees,
and keeps up to a writer's posting limit of them alive until they are sorted out to disk.
CPython's automatic collector keeps scanning them for reference cycles that are not there,
about a tenth of indexing time. Writers switch it off and collect the young generations every
``COLLECT_EVERY`` articles instead, so the rare cycle is still freed and memory stays bounded.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

COLLECT_EVERY = 100  # articles between collections


class Collector:
    """Counts articles written and collects the young generations every ``COLLECT_EVERY``."""

    def __init__(self, every: int = COLLECT_EVERY):
        self.every = every
        self.written = 0

    def add(self, articles: int = 1) -> None:
        """Counts ``articles`` more written; collects when that passes a multiple of ``every``."""
        before, self.written = self.written, self.written + articles
        if self.written // self.every > before // self.every:
            gc.collect(1)


@contextmanager
def collecting_by_hand() -> Iterator[Collector]:
    """Automatic garbage collection off (this process) while the block runs, then back as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield Collector()
    finally:
        if enabled:
            gc.enable()
