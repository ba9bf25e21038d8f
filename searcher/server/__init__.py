"""``searcher serve``: a JSON API and a search page over the library (searcher.api).

Needs the ``serve`` extra (``pip install ".[serve]"``): Starlette, uvicorn, Jinja2. Nothing
here searches: every answer is the library's, shaped for HTTP.

    settings.py  options and bounds      auth.py      the access token
    params.py    request -> options      present.py   answer -> what the page shows
    json_api.py  /api/* routes           pages.py     the page's routes; templates/, static/
    app.py       the ASGI app            run.py       uvicorn and its workers
"""
from searcher.server.app import create_app
from searcher.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
