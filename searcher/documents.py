"""Articles and the readers that turn the files of a drop into them.

CONTRACT (implemented by the documents helper):

- ``Article``: frozen dataclass, fields below.
- ``read_paths(paths) -> Iterator[Article | Skipped]``: walks files and folders
  recursively (sorted, deterministic order), yields one Article per usable
  article and one Skipped per unusable file or record.
- ``article_from_record(record: dict, source: str) -> Article``: builds an
  Article from a JSON object (``id``, ``title``, ``text``, optional ``lang``,
  ``date``, ``source``, ``url``); raises DocumentError when unusable.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    """One news article, ready to be analysed and indexed."""

    id: str
    title: str
    body: str
    lang: str  # "fa", "nl" or "und"
    date: str | None  # ISO Gregorian "YYYY-MM-DD", when known
    path: str  # the source file (absolute)
    source: str | None  # the publisher, when the record names one
    url: str | None
    content_hash: str  # sha256 hex of the analysed content (title + body)


@dataclass(frozen=True)
class Skipped:
    """A file or record of a drop that could not be used, and why."""

    path: str
    reason: str  # one line, e.g. "not UTF-8, UTF-16 or Windows-1256 text"
