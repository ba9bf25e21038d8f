"""The JSON API: the library's answers in the shapes ``searcher ... --json`` prints.

    GET /api/search?q=...   Page.to_dict(): {"query", "total", "hits", ["facets"], ["suggestion"], ["explain"]}
    GET /api/export?q=...   every hit, streamed as JSON lines, CSV or TSV (``searcher search Q --format F``)
    GET /api/similar?id=... the same shape, for the articles most like one article
    GET /api/article?id=... Reading.to_dict(): the article whole, line by line (``searcher show``)
    GET /api/stats          Stats.to_dict()
    GET /api/watches        the standing queries (``searcher watch list --json``)
    GET /api/watches/new    their new matches (``searcher watch new --json``), marks left alone

Errors are ``{"error": "one line"}`` with a 4xx status (503 when the index itself is unusable).
Every answer but an export says how long the library took in a ``Server-Timing`` header
(``library;dur=MS``), so a client can tell the search's time from the server's and the network's.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from searcher import rows
from searcher.model import Export
from searcher.server import params

EXPORT_TYPES = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8",
                "tsv": "text/tab-separated-values; charset=utf-8"}
# An export reads hits on the event loop, as searches do (SharedIndex), and lets it go after about
# this long, so that searches answer between its chunks instead of waiting for its end.
EXPORT_SLICE_SECONDS = 0.02
RETRY_EXPORT_SECONDS = 10
EXPORT_PATH = "/api/export"


async def search(request: Request) -> JSONResponse:
    """Ranked hits for ``q``, as ``searcher search Q --json`` (did-you-mean included; ``explain``
    as ``--explain``, ``snippets=0`` as ``--no-snippets``)."""
    params.check_names(request.query_params, params.SEARCH_PARAMS)
    query = params.required(request.query_params, "q", "the query")
    options = {**params.result_options(request.query_params).library_options(),
               **params.search_extras(request.query_params)}
    marks = params.flag(request.query_params, "marks", False)
    page, seconds = request.app.state.index.timed(lambda index: index.search(query, suggest=True, **options))
    return answer(page.to_dict(marks), seconds)


async def export(request: Request) -> StreamingResponse:
    """Every hit of ``q`` as ``searcher search Q --format jsonl|csv|tsv`` writes them (no
    paging), streamed as they are read; at most settings.MAX_EXPORTS at once in a worker (then 429)."""
    params.check_names(request.query_params, params.EXPORT_PARAMS)
    query = params.required(request.query_params, "q", "the query")
    options = params.export_options(request.query_params)
    slots: ExportSlots = request.app.state.exports
    if not slots.take():
        raise HTTPException(429, f"{slots.limit} exports are running on this worker, the most it runs at once: "
                                 f"try again when one has finished", headers={"Retry-After": str(RETRY_EXPORT_SECONDS)})
    try:
        exported = request.app.state.index.run(lambda index: index.export(query, **options.library))
    except BaseException:
        slots.give_back()
        raise
    return ExportStream(exported, rows.lines(exported, options.format, marks=options.marks), options.format,
                        slots.give_back)


class ExportSlots:
    """How many exports a worker runs at once: each holds a reader of the index and takes turns
    with every search of the worker, so a few at most."""

    def __init__(self, limit: int):
        self.limit = limit
        self.running = 0

    def take(self) -> bool:
        """A slot for one more export, if one is free (only the event loop calls this: no lock)."""
        if self.running >= self.limit:
            return False
        self.running += 1
        return True

    def give_back(self) -> None:
        self.running -= 1


class ExportStream(StreamingResponse):
    """An export's lines as they are read, as a download. The export's reader and its slot are
    let go when the response ends, however it ends (a client that goes away midway included)."""

    def __init__(self, exported: Export, lines: Iterator[str], format: str, release: Callable[[], None]):
        super().__init__(time_sliced(lines), media_type=EXPORT_TYPES[format],
                         headers={"Content-Disposition": f'attachment; filename="searcher-export.{format}"'})
        self._exported = exported
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._exported.close()
            self._release()


async def time_sliced(lines: Iterator[str]) -> AsyncIterator[bytes]:
    """``lines`` in chunks of about EXPORT_SLICE_SECONDS of reading each, the event loop let go
    between them."""
    chunk: list[str] = []
    started = time.perf_counter()
    for line in lines:
        chunk.append(line)
        if time.perf_counter() - started >= EXPORT_SLICE_SECONDS:
            yield "".join(chunk).encode()
            chunk.clear()
            await asyncio.sleep(0)
            started = time.perf_counter()
    if chunk:
        yield "".join(chunk).encode()


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
    Route(EXPORT_PATH, export, methods=["GET"]),
    Route("/api/similar", similar, methods=["GET"]),
    Route("/api/article", article, methods=["GET"]),
    Route("/api/stats", stats, methods=["GET"]),
    Route("/api/watches", watches, methods=["GET"]),
    Route("/api/watches/new", new_matches, methods=["GET"]),
]
