"""The search page: plain GET forms and links (no script needed), rendered by Jinja2 with
autoescaping on for every template, so no value from an article or a request becomes markup.

    GET /                 the search form; with ``q``, ranked hits, facets, pages
    GET /article?id=...   one article whole (``q``: its words highlighted), and articles like it
    GET /similar?id=...   the articles most like one article
    GET|POST /login       the token form, when the server has a token
"""
from __future__ import annotations

from pathlib import Path

import jinja2
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from searcher.errors import SearcherError
from searcher.model import Page
from searcher.server import params, present
from searcher.server.auth import local_target, matches, with_session
from searcher.server.i18n import LANGUAGES, Labels, negotiate

PACKAGE = Path(__file__).resolve().parent
templates = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.FileSystemLoader(PACKAGE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined,
    trim_blocks=True, lstrip_blocks=True,
))


def labels_for(request: Request) -> Labels:
    return negotiate(request.headers.get("accept-language"), request.query_params.get("hl"))


FORM_FIELDS = ("q", "lang", "source", "from", "to", "sort", "all")
SIMILAR_SHOWN = 8  # articles listed beside an article


def form_values(request: Request) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The form's fields as the user last sent them (shown again, whatever happens), and the
    further values of a repeated filter (kept in hidden fields)."""
    shown = {name: (request.query_params.getlist(name) or [""])[0] for name in FORM_FIELDS}
    hidden = [(name, value) for name in present.REPEATABLE for value in request.query_params.getlist(name)[1:]]
    hidden += [("since", value) for value in request.query_params.getlist("since")[:1] if value]  # no field of its own
    return shown, hidden


async def search_page(request: Request) -> Response:
    query = params.text(request.query_params, "q")
    options = params.result_options(request.query_params, facets=True)
    index = request.app.state.index
    if query is None:
        stats = index.run(lambda index: index.stats())
        return render(request, "search.html", stats=stats, home=True)
    page = index.run(lambda index: index.search(query, suggest=True, **options.library_options()))
    return results(request, page, heading=None)


async def similar_page(request: Request) -> Response:
    article_id = params.required(request.query_params, "id", "an article id")
    options = params.result_options(request.query_params, facets=True)
    page = request.app.state.index.run(lambda index: index.similar(article_id, **options.library_options()))
    return results(request, page, heading=article_id)


async def article_page(request: Request) -> Response:
    article_id = params.required(request.query_params, "id", "an article id")
    query = params.text(request.query_params, "q")
    index = request.app.state.index
    reading = index.run(lambda index: index.read(article_id, query))
    try:
        similar = index.run(lambda index: index.similar(article_id, limit=SIMILAR_SHOWN, group=True,
                                                              snippets=False))
    except SearcherError:  # an article without words to compare: it is still worth reading
        similar = None
    labels = labels_for(request)
    links = present.Links("/", request.query_params)
    return render(request, "article.html", view=present.reading_view(reading, labels),
                  similar=present.hit_views(similar, links, labels) if similar else [])


def results(request: Request, page: Page, heading: str | None) -> Response:
    labels = labels_for(request)
    links = present.Links(request.url.path, request.query_params)
    suggestion = links.to({"q": page.suggestion}) if page.suggestion else None
    return render(request, "search.html", page=page, heading=heading, hits=present.hit_views(page, links, labels),
                  facets=present.facet_views(page, links, labels), filters=present.active_filters(links, labels),
                  pages=present.page_links(page, links, labels), suggestion=suggestion,
                  clear_url=links.to({name: None for name in present.FILTERS}),
                  exports=present.export_links(links) if heading is None and page.total else [])


def error_page(request: Request, status: int, message: str) -> Response:
    """The search form again, with what went wrong above it (a 404 says so first)."""
    return render(request, "search.html", status=status, error=message, not_found=status == 404)


async def login_page(request: Request) -> Response:
    token = request.app.state.settings.token
    target = local_target(request.query_params.get("next"))
    if token is None:
        return RedirectResponse(target, status_code=303)
    if request.method == "POST":
        form = await request.form()
        target = local_target(form.get("next"))
        if matches(form.get("token"), token):
            return with_session(RedirectResponse(target, status_code=303), token)
        return render(request, "login.html", status=401, target=target, wrong=True)
    return render(request, "login.html", status=401, target=target, wrong=False)


def render(request: Request, template: str, status: int = 200, **context) -> Response:
    labels = labels_for(request)
    form, hidden = form_values(request)
    defaults = {"t": labels, "language": lambda code: present.language_label(code, labels), "form": form,
                "hidden": hidden, "page": None, "heading": None, "hits": [], "facets": {}, "filters": [], "pages": [],
                "suggestion": None, "clear_url": None, "exports": [], "stats": None, "error": None, "not_found": False,
                "home": False,
                "hl": labels.lang if request.query_params.get("hl") in LANGUAGES else ""}
    return templates.TemplateResponse(request, template, {**defaults, **context}, status_code=status)


routes = [
    Route("/", search_page, methods=["GET"]),
    Route("/article", article_page, methods=["GET"]),
    Route("/similar", similar_page, methods=["GET"]),
    Route("/login", login_page, methods=["GET", "POST"]),
]
