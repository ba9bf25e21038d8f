"""Word lists kept as data files beside the code: one entry a line, ``#`` starts a comment (at the
start of a line or after a space), blank lines ignored."""
from __future__ import annotations

import functools
import re
from pathlib import Path

PACKAGE = Path(__file__).parent
_COMMENT = re.compile(r"(^|\s)#.*$")


@functools.lru_cache(maxsize=None)
def entries(relative: str) -> tuple[str, ...]:
    """The entries of the data file at ``relative`` (to the searcher package), in file order."""
    with open(PACKAGE / relative, encoding="utf-8") as lines:
        return tuple(entry for line in lines if (entry := _COMMENT.sub("", line).strip()))
