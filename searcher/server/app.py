"""The ASGI application: routes, the worker's open index, errors, the token and security headers.

Each worker process opens the index once, at start-up, and keeps it open: the library follows
new commits and generation switches by itself (it checks the manifest and the live
generation's table of contents on every search). Searches run one at a time per process, on
the event loop (SharedIndex); more searches at once means more worker processes (``--workers``),
which share the listening socket, so a new connection goes to a worker that is not searching.
"""
from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from searcher.api import Index
from searcher.errors import AnalyzerMismatch, ArticleNotFound, IndexDamaged, IndexNotFound, SearcherError
from searcher.server import json_api, pages
from searcher.server.auth import API_PREFIX, TokenGuard
from searcher.server.settings import MAX_EXPORTS, ServerSettings

STATIC = pages.PACKAGE / "static"
UNAVAILABLE = (IndexNotFound, IndexDamaged, AnalyzerMismatch)  # the index, not the request, is at fault
# No script, style or image from elsewhere; no framing; forms post here only. Autoescaping is
# the defence against injected markup, this is the second line.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                 b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # an article link must not tell its site what was searched
    (b"cache-control", b"no-store"),
]

T = TypeVar("T")
log = logging.getLogger("searcher.server")


class SharedIndex:
    """The worker's open index. Its calls run on the event loop itself, one at a time: the index
    answers one search at a time per process anyway, and a hand-off to a thread and back cost
    two wake-ups per request (docs/server.md); parallel searches come from worker processes."""

    def __init__(self, index: Index):
        self.index = index

    def run(self, call: Callable[[Index], T]) -> T:
        return call(self.index)

    def timed(self, call: Callable[[Index], T]) -> tuple[T, float]:
        """The call's result and the seconds the library took."""
        started = time.perf_counter()
        return call(self.index), time.perf_counter() - started


def create_app(settings: ServerSettings) -> ASGIApp:
    """The application serving ``settings.index``."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        index = await run_in_threadpool(settings.open_index)
        app.state.index = SharedIndex(index)
        try:
            yield
        finally:
            index.close()

    routes = [
        *json_api.routes,
        *pages.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    handlers = {SearcherError: searcher_error, HTTPException: http_error, Exception: unexpected_error}
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)
    app.state.settings = settings
    app.state.exports = json_api.ExportSlots(MAX_EXPORTS)  # per worker process: each builds its own app
    return SecurityHeaders(TokenGuard(app, settings.token))


def app_from_environment() -> ASGIApp:
    """The factory uvicorn's worker processes call (``searcher serve`` sets the environment)."""
    return create_app(ServerSettings.from_environment())


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


async def searcher_error(request: Request, error: Exception) -> Response:
    status = 503 if isinstance(error, UNAVAILABLE) else 404 if isinstance(error, ArticleNotFound) else 400
    return error_response(request, status, str(error))


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return error_response(request, error.status_code, error.detail, error.headers)


async def unexpected_error(request: Request, error: Exception) -> Response:
    log.exception("error serving %s", request.url.path)  # a bug: the traceback goes to the log only
    return error_response(request, 500, "internal error: the server's log has the details")


def error_response(request: Request, status: int, message: str, headers: dict | None = None) -> Response:
    """One line of JSON for the API, the page's error view for a browser."""
    if is_api(request):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    return pages.error_page(request, status, message)


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)
