"""What a server is started with, and the bounds it keeps every request within.

``searcher serve`` checks the options once (run.py), then hands them to each worker process
through one environment variable: uvicorn starts workers as new processes that import the app
by name, so the settings travel as data, never as a module global set before the fork.
"""
from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import dataclass
from pathlib import Path

from searcher import config_file
from searcher.api import Index, open_index
from searcher.errors import SearcherError

SETTINGS_ENV = "SEARCHER_SERVE_SETTINGS"
MAX_QUERY_CHARS = 1000  # a pasted headline or paragraph fits; a megabyte of text does not
MAX_LIMIT = 100  # hits per page
MAX_WINDOW = 10_000  # page x limit: how deep paging may reach (Elasticsearch's max_result_window)
MAX_EXPORTS = 2  # exports a worker streams at once (then 429): each takes turns with every search
MIN_TOKEN_CHARS = 16
LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True)
class ServerSettings:
    """The index to serve, the access token (None: no token asked) and the configuration file
    whose ranking settings searches use (None: the defaults), as ``searcher search`` would."""

    index: Path
    token: str | None = None
    config_file: Path | None = None

    def to_environment(self) -> str:
        return json.dumps({"index": str(self.index), "token": self.token,
                           "config_file": str(self.config_file) if self.config_file else None})

    @classmethod
    def from_environment(cls) -> "ServerSettings":
        raw = os.environ.get(SETTINGS_ENV)
        if not raw:
            raise SearcherError(f"${SETTINGS_ENV} is not set: start the server with `searcher serve`")
        data = json.loads(raw)
        return cls(Path(data["index"]), data["token"], Path(data["config_file"]) if data["config_file"] else None)

    def open_index(self) -> Index:
        """The index, searched with the configuration file's ranking settings."""
        return open_index(self.index, ranking=config_file.load(self.config_file).ranking)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``: addresses no other machine can reach."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(path: Path) -> str:
    """The token in ``path`` (its first line, without surrounding white space)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SearcherError(f"cannot read the token file {path}: {getattr(error, 'strerror', None) or error}") from error
    lines = text.strip().splitlines()
    token = lines[0].strip() if lines else ""
    if len(token) < MIN_TOKEN_CHARS:
        raise SearcherError(f"the token in {path} is too short: use at least {MIN_TOKEN_CHARS} characters, "
                            f"e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))' > {path}")
    return token


def access_token(host: str, token_file: Path | None) -> str | None:
    """The token the server asks for. Any address but loopback needs one: other machines reach it."""
    if token_file is None:
        if not is_loopback(host):
            raise SearcherError(f"listening on {host} lets other machines in: give --token-file FILE "
                                f"(or listen on 127.0.0.1)")
        return None
    return read_token(token_file)
