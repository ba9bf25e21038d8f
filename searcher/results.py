"""What the library hands back: hits, pages of hits, indexing reports, index statistics.

Plain frozen dataclasses with ``to_dict()`` for JSON output; nothing here touches the index.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from searcher.documents import Skipped

MARK_OPEN = "**"
MARK_CLOSE = "**"


@dataclass(frozen=True)
class Snippet:
    """An excerpt of a body as (text, matched) parts, in reading order."""

    parts: tuple[tuple[str, bool], ...] = ()

    @property
    def text(self) -> str:
        """The excerpt without marks."""
        return "".join(text for text, _ in self.parts)

    def marked(self, open: str = MARK_OPEN, close: str = MARK_CLOSE) -> str:
        """The excerpt with each matched word wrapped in ``open``/``close``."""
        return "".join(f"{open}{text}{close}" if matched else text for text, matched in self.parts)

    @property
    def matches(self) -> list[str]:
        """The matched words as they are written in the article."""
        return [text for text, matched in self.parts if matched]

    def __str__(self) -> str:
        return self.marked()


@dataclass(frozen=True)
class Hit:
    """One ranked search result."""

    id: str
    title: str
    lang: str
    date: str | None
    path: str
    score: float
    snippet: Snippet
    source: str | None = None
    url: str | None = None

    @property
    def direction(self) -> str:
        """"rtl" for Persian articles, "ltr" otherwise."""
        return "rtl" if self.lang == "fa" else "ltr"

    def to_dict(self) -> dict:
        """The fields ``searcher search --json`` prints for a hit."""
        return {
            "id": self.id,
            "title": self.title,
            "lang": self.lang,
            "date": self.date,
            "path": self.path,
            "score": round(self.score, 4),
            "snippet": self.snippet.marked(),
        }


@dataclass(frozen=True)
class Page:
    """One page of ranked hits and the total number of matching articles."""

    query: str
    total: int
    page: int
    limit: int
    hits: list[Hit]

    def to_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "hits": [hit.to_dict() for hit in self.hits]}


@dataclass
class IndexReport:
    """What one indexing run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def indexed(self) -> int:
        """Articles now searchable from this run's input (new, changed or already there)."""
        return self.added + self.updated + self.unchanged

    def to_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged, "skipped": len(self.skipped)}


@dataclass(frozen=True)
class Stats:
    """A summary of an index."""

    path: str
    documents: int
    languages: dict[str, int]
    size_bytes: int
    analysis_version: str
    created: str
    last_update: str

    def to_dict(self) -> dict:
        return asdict(self)
