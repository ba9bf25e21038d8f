"""``searcher serve``: checks the options, then runs uvicorn with one or more worker processes.

uvicorn starts each worker as a new process that builds the app by calling
``searcher.server.app:app_from_environment``; the checked settings reach it through
``$SEARCHER_SERVE_SETTINGS``.
"""
from __future__ import annotations

import os
from pathlib import Path

import uvicorn

from searcher.server.settings import SETTINGS_ENV, ServerSettings, access_token

CONCURRENCY_PER_WORKER = 64  # open connections and requests a worker takes before answering 503


def serve(index: Path, host: str, port: int, workers: int, token_file: Path | None,
          config_file: Path | None = None) -> None:
    """Serves ``index`` until interrupted, with the ranking settings of ``config_file``. Raises
    SearcherError before listening when the index cannot be opened, or when a non-loopback
    ``host`` has no token."""
    settings = ServerSettings(index.resolve(), access_token(host, token_file),
                              config_file.resolve() if config_file else None)
    settings.open_index().close()  # a missing or damaged index is reported here, once, not by every worker
    os.environ[SETTINGS_ENV] = settings.to_environment()
    print(f"searcher: serving {settings.index} on http://{host}:{port}/ with {workers} worker(s)"
          f"{', token required' if settings.token else ''}", flush=True)
    uvicorn.run("searcher.server.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                limit_concurrency=CONCURRENCY_PER_WORKER, server_header=False, log_level="info")
