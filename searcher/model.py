"""The types every layer passes: articles read from drops, and what the library hands back (hits,
pages of hits, indexing reports, index statistics).

Plain dataclasses with ``to_dict()`` for JSON output; nothing here touches the index.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import PurePath

# A character range (start, end) of a text: a matched word in a snippet, a title or a line.
Span = tuple[int, int]


LANGUAGES = ("fa", "nl", "und")  # an article's language: Persian, Dutch, or any other ("und")


@dataclass(frozen=True)
class Article:
    """One news article, ready to be analysed and indexed."""

    id: str
    title: str
    body: str
    lang: str  # one of LANGUAGES
    date: str | None  # ISO Gregorian "YYYY-MM-DD", when known
    path: str  # the source file (absolute)
    source: str | None  # the publisher, when the record names one
    url: str | None
    content_hash: str  # sha256 hex of the analysed content (title + body)
    # True when the title was cut from the body for display (no headline was given): it is then
    # not indexed as a title, so the body's opening is not counted twice.
    derived_title: bool = False
    # The text as it was read, page chrome included (.txt, .md, .html), when that differs from
    # title + body; None for records given as title and text. Stored for reading, never indexed.
    page: str | None = None

    @property
    def text(self) -> str:
        """The article as it was read: the page (chrome included) when there is one, else the body."""
        return self.page if self.page is not None else self.body

    @property
    def outlet(self) -> str | None:
        """Where the article comes from, as hits show it and ``--source`` filters it: the
        record's source, else the name of the folder its file was dropped in."""
        return self.source or PurePath(self.path).parent.name or None


@dataclass(frozen=True)
class Skipped:
    """A file or record of a drop that could not be used, and why."""

    path: str
    reason: str  # one line, e.g. "not UTF-8, UTF-16 or Windows-1256 text"


@dataclass(frozen=True)
class Note:
    """Something a reader changed or left out of a file or record it still used (a text cut at
    the size limit, CSV columns it does not know)."""

    path: str
    message: str  # one line


@dataclass(frozen=True)
class Provenance:
    """How an indexed article was written: the number of the run that wrote this version of it
    (``HistoryEntry.run``; 0 for articles of indexes older than run numbers), and the reading
    options it was read with when they were not the defaults (``ReadOptions.recorded()``),
    which a rebuild reads its source with again."""

    run: int = 0
    read_with: dict | None = None


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
    def spans(self) -> tuple[Span, ...]:
        """Where the matched words are in ``text``: (start, end) character offsets."""
        spans, offset = [], 0
        for text, matched in self.parts:
            if matched:
                spans.append((offset, offset + len(text)))
            offset += len(text)
        return tuple(spans)

    @classmethod
    def of(cls, text: str, spans: Iterable[Span]) -> "Snippet":
        """``text`` with the words at ``spans`` matched; touching spans (the parts of one
        compound) make one matched part, a span overlapping an earlier one is left out."""
        parts: list[tuple[str, bool]] = []
        cursor = 0
        for start, end in sorted(spans):
            if start < cursor or end > len(text) or start >= end:
                continue
            if start > cursor:
                parts.append((text[cursor:start], False))
            if parts and parts[-1][1] and start == cursor:
                parts[-1] = (parts[-1][0] + text[start:end], True)
            else:
                parts.append((text[start:end], True))
            cursor = end
        if cursor < len(text):
            parts.append((text[cursor:], False))
        return cls(tuple(parts))

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
    source: str | None = None  # the record's source, else the drop folder
    url: str | None = None
    similar: tuple[str, ...] = ()  # ids of near-duplicates among the matches, grouped under this hit
    title_matches: tuple[Span, ...] = ()  # the matched words of the title

    @property
    def direction(self) -> str:
        """"rtl" for Persian articles, "ltr" otherwise."""
        return text_direction(self.lang)

    @property
    def title_snippet(self) -> Snippet:
        """The title as a Snippet, its matched words marked as a snippet's are."""
        return Snippet.of(self.title, self.title_matches)

    def to_dict(self, marks: bool = False) -> dict:
        """The fields ``searcher search --json`` prints for a hit: texts without marks, the
        matched words as ``[start, end]`` offsets into them; with ``marks`` also the texts
        with ``**`` around the matched words."""
        data = {
            "id": self.id,
            "title": self.title,
            "title_matches": _offsets(self.title_matches),
            "lang": self.lang,
            "date": self.date,
            "path": self.path,
            "score": round(self.score, 4),
            "snippet": self.snippet.text,
            "snippet_matches": _offsets(self.snippet.spans),
            "source": self.source,
            "url": self.url,
            "similar": list(self.similar),
        }
        if marks:
            data.update(title_marked=self.title_snippet.marked(), snippet_marked=self.snippet.marked())
        return data


def text_direction(lang: str) -> str:
    """"rtl" for Persian, "ltr" otherwise."""
    return "rtl" if lang == "fa" else "ltr"


def _offsets(spans: Iterable[Span]) -> list[list[int]]:
    return [[start, end] for start, end in spans]


@dataclass(frozen=True)
class Page:
    """One page of ranked hits and the total number of matching articles (with grouping, a hit
    stands for its near-duplicates too: pages hold groups, ``total`` still counts articles)."""

    query: str
    total: int
    page: int
    limit: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] | None = None  # "lang"/"source"/"month" -> value -> hits
    suggestion: str | None = None  # a corrected query, when this one found little
    sort: str = "relevance"  # or "date": then the hits have no relevance score
    # Undated articles that match but were left out by a date filter (None: no date filter).
    undated_left_out: int | None = None
    shards: dict[str, int] | None = None  # a sharded index's {"total": shards, "failed": shards that did not answer}

    def to_dict(self, marks: bool = False) -> dict:
        """The JSON form; ``marks`` as for ``Hit.to_dict``."""
        data = {"query": self.query, "total": self.total, "hits": [hit.to_dict(marks) for hit in self.hits]}
        optional = {"facets": self.facets, "suggestion": self.suggestion, "undated_left_out": self.undated_left_out,
                    "shards": self.shards}
        return {**data, **{name: value for name, value in optional.items() if value is not None}}


@dataclass(frozen=True)
class Line:
    """One line of an article as read."""

    text: str
    chrome: bool = False  # page chrome (menus, codes, date lines): shown, but never indexed
    matches: tuple[Span, ...] = ()  # the words matching the query read with, if any

    def to_dict(self, marks: bool = False) -> dict:
        data = {"text": self.text, "chrome": self.chrome, "matches": _offsets(self.matches)}
        return {**data, "marked": Snippet.of(self.text, self.matches).marked()} if marks else data


@dataclass(frozen=True)
class Reading:
    """A stored article as ``searcher show`` prints it: its text line by line, page chrome
    marked, and with a query, where the query's words match in the title and the lines."""

    article: Article
    lines: tuple[Line, ...]
    query: str | None = None
    title_matches: tuple[Span, ...] = ()

    @property
    def direction(self) -> str:
        return text_direction(self.article.lang)

    @property
    def title_snippet(self) -> Snippet:
        return Snippet.of(self.article.title, self.title_matches)

    @property
    def match_count(self) -> int:
        """Matched words in the title and the text."""
        return len(self.title_matches) + sum(len(line.matches) for line in self.lines)

    def to_dict(self, marks: bool = False) -> dict:
        """The JSON form (``searcher show --json``); ``marks`` adds the marked texts."""
        article = self.article
        data = {"id": article.id, "title": article.title, "title_matches": _offsets(self.title_matches),
                "lang": article.lang, "date": article.date, "source": article.outlet, "url": article.url,
                "path": article.path}
        if marks:
            data["title_marked"] = self.title_snippet.marked()
        if self.query is not None:
            data.update(query=self.query, matches=self.match_count)
        return {**data, "lines": [line.to_dict(marks) for line in self.lines]}


@dataclass
class IndexReport:
    """What one indexing run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    removed: int | None = None  # counted only by runs that remove (``--sync``)

    @property
    def indexed(self) -> int:
        """Articles now searchable from this run's input (new, changed or already there)."""
        return self.added + self.updated + self.unchanged

    def to_dict(self) -> dict:
        counts = {"added": self.added, "updated": self.updated, "unchanged": self.unchanged, "skipped": len(self.skipped)}
        return counts if self.removed is None else {**counts, "removed": self.removed}


@dataclass(frozen=True)
class HistoryEntry:
    """One run that changed the index, as the manifest records it."""

    when: str  # UTC, ISO 8601
    action: str  # "index", "remove", "rebuild", "optimize" or "unrecorded" (see searcher.api)
    paths: tuple[str, ...] = ()  # the drops given (absolute), or the ids removed
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    removed: int = 0
    documents: int = 0  # documents in the index after the run
    generation: str | None = None  # the generation the run wrote
    # The run's number: one more than any before it, recorded with each article it wrote
    # (Provenance.run); 0 in histories written before runs were numbered.
    run: int = 0

    def to_dict(self) -> dict:
        return {**asdict(self), "paths": list(self.paths)}


@dataclass
class RemoveReport:
    """What ``remove`` did."""

    removed: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"removed": self.removed, "not_found": self.not_found}


@dataclass
class RebuildReport:
    """What a rebuild did: documents re-read from their sources, kept from the old generation,
    and, rebuilding a damaged index, the articles that could not be recovered (``lost``: their
    ids, or where they were when even the id is unreadable)."""

    generation: str = ""
    reread: int = 0
    kept: int = 0
    missing_sources: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"generation": self.generation, "reread": self.reread, "kept": self.kept,
                "missing_sources": self.missing_sources, "skipped": len(self.skipped), "lost": self.lost}


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of ``verify``: problems found (none when the index is sound)."""

    generation: str | None
    documents: int
    segments: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


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
    generation: str | None = None
    history: tuple[HistoryEntry, ...] = ()
    sources: dict[str, int] = field(default_factory=dict)  # live articles per source, most first ("none": no source)
    undated: int = 0  # live articles without a date

    def to_dict(self) -> dict:
        return {**asdict(self), "history": [entry.to_dict() for entry in self.history]}


@dataclass(frozen=True)
class Watch:
    """A standing query of an index: a query and its filters, asked of every run's articles."""

    name: str
    query: str
    lang: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    date_from: str | None = None  # ISO, inclusive
    date_to: str | None = None
    added: str = ""  # when (UTC, ISO 8601)
    reported: int = 0  # the last run whose articles were reported (HistoryEntry.run)

    def to_dict(self) -> dict:
        return {**asdict(self), "lang": list(self.lang), "source": list(self.source)}

    @classmethod
    def from_dict(cls, data: dict) -> "Watch":
        return cls(**{**data, "lang": tuple(data.get("lang", ())), "source": tuple(data.get("source", ()))})


@dataclass(frozen=True)
class WatchReport:
    """What runs after ``since`` added or changed that matches one standing query: ``total``
    articles, the best ``hits`` of them; ``error`` when the query could not be asked."""

    watch: Watch
    since: int  # runs numbered above this
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    error: str | None = None

    def to_dict(self, marks: bool = False) -> dict:
        data = {"name": self.watch.name, "query": self.watch.query, "since_run": self.since, "total": self.total,
                "hits": [hit.to_dict(marks) for hit in self.hits]}
        return {**data, "error": self.error} if self.error else data


@dataclass(frozen=True)
class NewMatches:
    """Every standing query's report, up to run ``upto`` (the last run whose articles were read)."""

    upto: int
    reports: list[WatchReport]

    def to_dict(self, marks: bool = False) -> dict:
        return {"upto_run": self.upto, "watches": [report.to_dict(marks) for report in self.reports]}
