"""Word lists kept as data files beside the code: one entry a line, ``#`` starts a comment (at the
start of a line or after a space), blank lines ignored."""
from __future__ import annotations

import functools
import re
from pathlib import Path

PACKAGE = Path(__file__).parent
_COMMENT = re.compile(r"(^|\s)#.*$")


def read(relative: str) -> list[str]:
    """The entries of the data file at ``relative`` (to the searcher package), in file order.
    Read whole and split, since the analysis's tables of tens of thousands of lines are read by
    every fresh process that meets their language."""
    text = (PACKAGE / relative).read_text(encoding="utf-8")
    return [entry for line in text.split("\n")
            if (entry := (_COMMENT.sub("", line) if "#" in line else line).strip())]


@functools.lru_cache(maxsize=None)
def entries(relative: str) -> tuple[str, ...]:
    """``read(relative)``, kept."""
    return tuple(read(relative))
