"""Request parameters -> the library's search options, with the server's bounds.

One reading serves the JSON API and the page, and the names are the CLI's: ``q``, ``lang``,
``source``, ``from``, ``to``, ``since``, ``sort``, ``page``, ``limit``, ``facets``, ``all``,
``snippets``, ``explain``, ``marks``, ``format`` (``lang`` and ``source`` may repeat: any of the
values, as the CLI's repeated options). Values are checked here only for what the library cannot
know (bounds, types of a text parameter); the library checks the rest (language codes, sort
orders, dates, periods) and says what is wrong itself.
"""
from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import QueryParams

from searcher import rows
from searcher.errors import SearcherError
from searcher.server.settings import MAX_LIMIT, MAX_QUERY_CHARS, MAX_WINDOW

FILTER_PARAMS = ("lang", "source", "from", "to", "since")
RESULT_PARAMS = (*FILTER_PARAMS, "sort", "page", "limit", "facets", "all", "marks")
SEARCH_PARAMS = ("q", *RESULT_PARAMS, "snippets", "explain")
SIMILAR_PARAMS = ("id", *RESULT_PARAMS)
EXPORT_PARAMS = ("q", "format", *FILTER_PARAMS, "sort", "all", "snippets", "explain", "marks")
ARTICLE_PARAMS = ("id", "q", "marks")
NEW_MATCHES_PARAMS = ("name", "since", "limit", "marks")
TRUE, FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
DEFAULT_LIMIT = 10
DEFAULT_EXPORT_FORMAT = "jsonl"


class BadRequest(SearcherError):
    """A request the server refuses before asking the library (status 400)."""


@dataclass(frozen=True)
class ResultOptions:
    """Which page of which hits: the options shared by search and similar."""

    lang: tuple[str, ...] = ()  # any of these languages (none: all)
    source: tuple[str, ...] = ()  # any of these sources (none: all)
    date_from: str | None = None
    date_to: str | None = None
    since: str | None = None  # a period up to today: 24h, 7d, 2w, 3m, 1y
    sort: str = "relevance"
    page: int = 1
    limit: int = DEFAULT_LIMIT
    facets: bool = False
    show_all: bool = False  # near-duplicates as hits of their own (the CLI's --all)

    def library_options(self) -> dict:
        """Keyword arguments for ``Index.search`` and ``Index.similar``."""
        return {**self.hit_options(), "sort": self.sort, "page": self.page, "limit": self.limit, "facets": self.facets}

    def hit_options(self) -> dict:
        """Which hits, whatever the page: the filters and folding, as keyword arguments of the
        library (``Index.export`` too)."""
        return {"lang": self.lang, "source": self.source, "date_from": self.date_from, "date_to": self.date_to,
                "since": self.since, "group": not self.show_all}


@dataclass(frozen=True)
class ExportOptions:
    """Every hit of a query in one format: ``searcher search Q --format F`` without paging."""

    format: str
    marks: bool  # JSON lines only, as the CLI's --marks
    library: dict  # keyword arguments for ``Index.export``


def check_names(params: QueryParams, allowed: tuple[str, ...]) -> None:
    """Unknown parameters are refused by the API: a misspelt filter must not pass silently."""
    for name in params:
        if name not in allowed:
            raise BadRequest(f"unknown parameter {name!r}: use {', '.join(allowed)}")


def text(params: QueryParams, name: str, max_chars: int = MAX_QUERY_CHARS) -> str | None:
    """A parameter given at most once; empty means not given (an empty form field)."""
    values = params.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"{name!r} is given {len(values)} times: give it once")
    value = values[0].strip() if values else ""
    if len(value) > max_chars:
        raise BadRequest(f"{name!r} is too long: at most {max_chars} characters")
    return value or None


def repeatable(params: QueryParams, name: str) -> tuple[str, ...]:
    """A parameter that may be given several times (meaning any of the values)."""
    values = tuple(value.strip() for value in params.getlist(name))
    if any(len(value) > MAX_QUERY_CHARS for value in values):
        raise BadRequest(f"{name!r} is too long: at most {MAX_QUERY_CHARS} characters")
    return tuple(value for value in values if value)


def required(params: QueryParams, name: str, what: str) -> str:
    value = text(params, name)
    if value is None:
        raise BadRequest(f"give {what} as the parameter {name!r}")
    return value


def result_options(params: QueryParams, facets: bool = False) -> ResultOptions:
    """The paging, filter and sort options of a request; ``facets`` is the default for ``facets``."""
    limit = page_size(params)
    page = whole_number(params, "page", 1)
    if page < 1:
        raise BadRequest("page must be at least 1")
    if page * limit > MAX_WINDOW:
        raise BadRequest(f"page x limit may reach hit {MAX_WINDOW} at most: narrow the query or its filters")
    return ResultOptions(lang=repeatable(params, "lang"), source=repeatable(params, "source"), date_from=text(params, "from"),
                         date_to=text(params, "to"), since=text(params, "since"), sort=text(params, "sort") or "relevance",
                         page=page, limit=limit, facets=flag(params, "facets", facets),
                         show_all=flag(params, "all", False))


def search_extras(params: QueryParams) -> dict:
    """The options ``searcher search`` has beyond those of ``similar``: ``snippets`` (default
    1; 0 as ``--no-snippets``) and ``explain``, as keyword arguments for ``Index.search``."""
    return {"snippets": flag(params, "snippets", True), "explain": flag(params, "explain", False)}


def export_options(params: QueryParams) -> ExportOptions:
    """The format (jsonl, csv or tsv; default jsonl), the filters, the order and the rest of
    an export. ``marks`` and ``explain`` add to JSON lines only, as on the command line."""
    format = text(params, "format") or DEFAULT_EXPORT_FORMAT
    if format not in rows.FORMATS:
        raise BadRequest(f"unknown format {format!r}: use one of {', '.join(rows.FORMATS)}")
    marks, extras = flag(params, "marks", False), search_extras(params)
    if format != "jsonl" and (marks or extras["explain"]):
        raise BadRequest(f"marks and explain go with format=jsonl, not format={format}")
    options = result_options(params)
    return ExportOptions(format, marks, {**options.hit_options(), "order": options.sort, **extras})


def page_size(params: QueryParams) -> int:
    """Hits per page (or per standing query)."""
    value = whole_number(params, "limit", DEFAULT_LIMIT)
    if not 1 <= value <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
    return value


def whole_number(params: QueryParams, name: str, default: int) -> int:
    value = text(params, name)
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise BadRequest(f"{name} must be a whole number, not {value!r}")
    return int(value)


def flag(params: QueryParams, name: str, default: bool) -> bool:
    value = params.get(name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise BadRequest(f"{name} must be 1 or 0 (true or false), not {value!r}")
