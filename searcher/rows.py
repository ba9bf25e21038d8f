"""Hits as rows for export: JSON lines, CSV or TSV, written as they come (``searcher search
--format``).

Every format has the same columns (``COLUMNS``), in this order: ``rank`` (from 1), ``id``,
``date`` (ISO, empty when undated), ``source``, ``lang``, ``score`` (0 when sorted by date),
``title``, ``url``, ``path``, ``similar`` (the ids of the near-duplicates folded into the hit)
and ``snippet``, all as plain text: no marks, no bidi control characters.

- JSON lines: one object per hit, the hit of ``search --json`` (``snippet_matches`` and
  ``title_matches`` offsets included) with its ``rank`` first; ``similar`` a list.
- CSV: RFC 4180 as Python's csv module writes it (comma, fields with a comma, quote or line
  break quoted, CRLF line ends), a header line first; ``similar`` ids separated by spaces.
- TSV: tab-separated, a header line first, no quoting: a tab or line break inside a field
  becomes a space, so every line is one hit and ``cut -f`` works.
"""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from typing import TextIO

from searcher.model import Hit

FORMATS = ("jsonl", "csv", "tsv")
COLUMNS = ("rank", "id", "date", "source", "lang", "score", "title", "url", "path", "similar", "snippet")
TSV_BREAKS = re.compile(r"[\t\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def cells(rank: int, hit: Hit) -> list[str]:
    """The columns of one hit as text."""
    return [str(rank), hit.id, hit.date or "", hit.source or "", hit.lang, f"{round(hit.score, 4):g}", hit.title,
            hit.url or "", hit.path, " ".join(hit.similar), hit.snippet.text]


def lines(hits: Iterable[Hit], format: str, first_rank: int = 1, marks: bool = False) -> Iterator[str]:
    """The export in ``format``, a line at a time as the hits come: the header line (CSV,
    TSV), then one line per hit. ``marks`` (JSON lines only) adds the texts with ``**`` around
    matched words. The CLI writes them to stdout, the server streams them."""
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
    ranked = enumerate(hits, start=first_rank)
    if format == "jsonl":
        for rank, hit in ranked:
            yield json.dumps({"rank": rank, **hit.to_dict(marks)}, ensure_ascii=False) + "\n"
    elif format == "csv":
        writer = csv.writer(_Line())
        yield writer.writerow(COLUMNS)
        for rank, hit in ranked:
            yield writer.writerow(cells(rank, hit))
    else:
        yield "\t".join(COLUMNS) + "\n"
        for rank, hit in ranked:
            yield "\t".join(TSV_BREAKS.sub(" ", cell) for cell in cells(rank, hit)) + "\n"


def write(hits: Iterable[Hit], output: TextIO, format: str, first_rank: int = 1, marks: bool = False) -> None:
    """Writes ``hits`` to ``output`` in ``format`` as they come (see ``lines``)."""
    for line in lines(hits, format, first_rank, marks):
        output.write(line)


class _Line:
    """A csv.writer target that hands each row back as text: ``writerow`` returns what
    ``write`` returns."""

    def write(self, text: str) -> str:
        return text
