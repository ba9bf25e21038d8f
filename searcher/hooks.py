"""A test hook: pause a run at a named point so a crash test can kill it exactly there.

With ``SEARCHER_TEST_PAUSE_AT=<point>`` in the environment, a process reaching ``<point>``
prints ``paused at <point>`` to stderr and sleeps for a minute; the test waits for the line,
then sends SIGKILL. Without the variable the hook does nothing. Points:

- ``analysis``: an indexing run has analysed its first new article (nothing committed yet);
- ``commit``: inside the Whoosh commit, the new segment written, its table of contents not yet
  renamed into place;
- ``record``: the commit done, the run's history entry not yet written to the manifest;
- ``switch``: a rebuild's new generation is complete, the manifest not yet switched to it.

A sharded index (searcher.cluster) adds:

- ``cluster-commit``: every shard but the last has committed the run, the last has not;
- ``cluster-switch``: every shard has committed, the cluster manifest is not yet switched;
- ``shard-rank``: a shard's worker is answering the ranking phase of a query.
"""
from __future__ import annotations

import os
import sys
import time

PAUSE_ENV = "SEARCHER_TEST_PAUSE_AT"
PAUSE_SECONDS = 60


def armed(point: str) -> bool:
    return os.environ.get(PAUSE_ENV) == point


def pause(point: str) -> None:
    """Pauses here when the environment asks for ``point``."""
    if armed(point):
        print(f"paused at {point}", file=sys.stderr, flush=True)
        time.sleep(PAUSE_SECONDS)
