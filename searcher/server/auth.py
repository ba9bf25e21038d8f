"""The access token, checked on every request when the server has one.

Tools send ``Authorization: Bearer TOKEN``. A browser logs in once (the form at /login, or a
link carrying ``?token=TOKEN``) and then sends a cookie holding an HMAC of the token, never the
token itself. Only the login form and the static files (style sheet, script) are open to all.
"""
from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

SESSION_COOKIE = "searcher_session"
SESSION_DAYS = 7
OPEN_PATHS = ("/login", "/static/")
API_PREFIX = "/api/"


def session_value(token: str) -> str:
    """What the cookie holds: derived from the token, useless as a bearer token."""
    return hmac.new(token.encode(), b"searcher page session", hashlib.sha256).hexdigest()


def matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def with_session(response: Response, token: str) -> Response:
    response.set_cookie(SESSION_COOKIE, session_value(token), max_age=SESSION_DAYS * 86400, httponly=True,
                        samesite="lax", path="/")
    return response


def local_target(target: str | None) -> str:
    """Where to go after logging in: a path on this server, never another site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


class TokenGuard:
    """ASGI middleware letting through only requests that carry the token (or its cookie)."""

    def __init__(self, app: ASGIApp, token: str | None):
        self.app = app
        self.token = token
        self.session = session_value(token) if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.token is None or scope["path"].startswith(OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if "token" in request.query_params and not scope["path"].startswith(API_PREFIX):
            await self._token_link(request)(scope, receive, send)
        elif self._admitted(request):
            await self.app(scope, receive, send)
        else:
            await self._refusal(request)(scope, receive, send)

    def _admitted(self, request: Request) -> bool:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and matches(credential.strip(), self.token):
            return True
        return matches(request.cookies.get(SESSION_COOKIE), self.session)

    def _token_link(self, request: Request) -> Response:
        """A link carrying the token: remember it in the cookie and drop it from the address bar."""
        if not matches(request.query_params.get("token"), self.token):
            return self._refusal(request)
        kept = [(key, value) for key, value in request.query_params.multi_items() if key != "token"]
        target = URL(path=request.url.path, query=urlencode(kept))
        return with_session(RedirectResponse(str(target), status_code=303), self.token)

    def _refusal(self, request: Request) -> Response:
        if request.url.path.startswith(API_PREFIX):
            return JSONResponse({"error": "this server needs a token: send the header 'Authorization: Bearer TOKEN'"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        kept = [(key, value) for key, value in request.query_params.multi_items() if key != "token"]
        target = request.url.path + (f"?{urlencode(kept)}" if kept else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
