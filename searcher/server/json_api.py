"""The JSON API: the library's answers in the shapes ``searcher ... --json`` prints.

    GET /api/search?q=...   Page.to_dict(): {"query", "total", "hits", ["facets"], ["suggestion"]}
    GET /api/similar?id=... the same shape, for the articles most like one article
    GET /api/article?id=... Reading.to_dict(): the article whole, line by line (``searcher show``)
    GET /api/stats          Stats.to_dict()
    GET /api/watches        the standing queries (``searcher watch list --json``)
    GET /api/watches/new    their new matches (``searcher watch new --json``), marks left alone

Errors are ``{"error": "one line"}`` with a 4xx status (503 when the index itself is unusable).
Every answer says how long the library took in a ``Server-Timing`` header (``library;dur=MS``),
so a client can tell the search's time from the server's and the network's.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from searcher.server import params


async def search(request: Request) -> JSONResponse:
    """Ranked hits for ``q``, as ``searcher search Q --json`` (did-you-mean included)."""
    params.check_names(request.query_params, params.SEARCH_PARAMS)
    query = params.required(request.query_params, "q", "the query")
    options = params.result_options(request.query_params).library_options()
    marks = params.flag(request.query_params, "marks", False)
    page, seconds = request.app.state.index.timed(lambda index: index.search(query, suggest=True, **options))
    return answer(page.to_dict(marks), seconds)


async def similar(request: Request) -> JSONResponse:
    """The articles most like article ``id``, as ``searcher similar ID --json``."""
    params.check_names(request.query_params, params.SIMILAR_PARAMS)
    article_id = params.required(request.query_params, "id", "an article id")
    options = params.result_options(request.query_params).library_options()
    marks = params.flag(request.query_params, "marks", False)
    page, seconds = request.app.state.index.timed(lambda index: index.similar(article_id, **options))
    return answer(page.to_dict(marks), seconds)


async def article(request: Request) -> JSONResponse:
    """Article ``id`` whole, with the words matching ``q`` located, as ``searcher show ID --json``."""
    params.check_names(request.query_params, params.ARTICLE_PARAMS)
    article_id = params.required(request.query_params, "id", "an article id")
    query = params.text(request.query_params, "q")
    marks = params.flag(request.query_params, "marks", False)
    reading, seconds = request.app.state.index.timed(lambda index: index.read(article_id, query))
    return answer(reading.to_dict(marks), seconds)


async def stats(request: Request) -> JSONResponse:
    """Documents per language, size, analysis version, history: ``searcher stats --json``."""
    params.check_names(request.query_params, ())
    result, seconds = request.app.state.index.timed(lambda index: index.stats())
    return answer(result.to_dict(), seconds)


async def watches(request: Request) -> JSONResponse:
    """The index's standing queries, as ``searcher watch list --json``."""
    params.check_names(request.query_params, ())
    found, seconds = request.app.state.index.timed(lambda index: index.watches.list())
    return answer({"watches": [watch.to_dict() for watch in found]}, seconds)


async def new_matches(request: Request) -> JSONResponse:
    """Per standing query (``name``: only these), the articles that indexing runs added or
    changed and that match it, as ``searcher watch new --json``: since each watch's last report,
    or ``since`` a run number or a date. The server only reads: the watches' marks (what
    ``searcher watch new`` has reported) stay where they are."""
    params.check_names(request.query_params, params.NEW_MATCHES_PARAMS)
    names = params.repeatable(request.query_params, "name") or None
    since = params.text(request.query_params, "since")
    limit = params.page_size(request.query_params)
    marks = params.flag(request.query_params, "marks", False)
    found, seconds = request.app.state.index.timed(lambda index: index.new_matches(
        int(since) if since and since.isdecimal() else since, limit=limit, names=names, mark=False))
    return answer(found.to_dict(marks), seconds)


def answer(data: dict, seconds: float) -> JSONResponse:
    return JSONResponse(data, headers={"Server-Timing": f"library;dur={seconds * 1000:.2f}"})


routes = [
    Route("/api/search", search, methods=["GET"]),
    Route("/api/similar", similar, methods=["GET"]),
    Route("/api/article", article, methods=["GET"]),
    Route("/api/stats", stats, methods=["GET"]),
    Route("/api/watches", watches, methods=["GET"]),
    Route("/api/watches/new", new_matches, methods=["GET"]),
]
