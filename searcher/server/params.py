"""Request parameters -> the library's search options, with the server's bounds.

One reading serves the JSON API and the page, and the names are the CLI's: ``q``, ``lang``,
``source``, ``from``, ``to``, ``sort``, ``page``, ``limit``, ``facets``, ``all``, ``marks``
(``lang`` and ``source`` may repeat: any of the values, as the CLI's repeated options). Values are
checked here only for what the library cannot know (bounds, types of a text parameter); the
library checks the rest (language codes, sort orders, dates) and says what is wrong itself.
"""
from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import QueryParams

from searcher.errors import SearcherError
from searcher.server.settings import MAX_LIMIT, MAX_QUERY_CHARS, MAX_WINDOW

RESULT_PARAMS = ("lang", "source", "from", "to", "sort", "page", "limit", "facets", "all", "marks")
SEARCH_PARAMS = ("q", *RESULT_PARAMS)
SIMILAR_PARAMS = ("id", *RESULT_PARAMS)
ARTICLE_PARAMS = ("id", "q", "marks")
NEW_MATCHES_PARAMS = ("name", "since", "limit", "marks")
TRUE, FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
DEFAULT_LIMIT = 10


class BadRequest(SearcherError):
    """A request the server refuses before asking the library (status 400)."""


@dataclass(frozen=True)
class ResultOptions:
    """Which page of which hits: the options shared by search and similar."""

    lang: tuple[str, ...] = ()  # any of these languages (none: all)
    source: tuple[str, ...] = ()  # any of these sources (none: all)
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"
    page: int = 1
    limit: int = DEFAULT_LIMIT
    facets: bool = False
    show_all: bool = False  # near-duplicates as hits of their own (the CLI's --all)

    def library_options(self) -> dict:
        """Keyword arguments for ``Index.search`` and ``Index.similar``."""
        return {"lang": self.lang, "source": self.source, "date_from": self.date_from, "date_to": self.date_to,
                "sort": self.sort, "page": self.page, "limit": self.limit, "facets": self.facets,
                "group": not self.show_all}


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
                         date_to=text(params, "to"), sort=text(params, "sort") or "relevance", page=page, limit=limit,
                         facets=flag(params, "facets", facets), show_all=flag(params, "all", False))


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
