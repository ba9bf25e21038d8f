"""What the page shows, computed from the library's answers: hits and articles with their
direction, dates and highlighted words, facet links, active filters, page links. Only values
and URLs; the markup is in templates/.

Every URL here is built by urlencode from request values (never from strings pasted
together), so an article's id or source cannot break out of its query parameter.
"""
from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import jdatetime
from starlette.datastructures import QueryParams

from searcher.model import Hit, Page, Reading, Snippet
from searcher.server.i18n import PERSIAN_DIGITS, Labels
from searcher.server.json_api import EXPORT_PATH
from searcher.server.settings import MAX_WINDOW

KEPT = ("q", "id", "lang", "source", "from", "to", "since", "sort", "limit", "all", "hl")  # carried by every link
REPEATABLE = ("lang", "source")  # filters that may hold several values (any of them)
FILTERS = ("lang", "source", "from", "to", "since")
FILTER_LABELS = {"lang": "language", "source": "source", "from": "date_from", "to": "date_to", "since": "since"}
EXPORTED = ("q", *FILTERS, "sort", "all")  # what an export link carries: not the page, its size or language
EXPORT_FORMATS = (("CSV", "csv"), ("JSONL", "jsonl"))
NO_VALUE = "none"  # the library's facet value for articles without a source or a date
PAGE_LINKS_AROUND = 2  # page links shown on each side of the current page
WEB_SCHEMES = ("http", "https")
Parts = tuple[tuple[str, bool], ...]  # text in reading order, each piece matched or not


class Links:
    """URLs of the current view with some parameters changed; the page goes back to 1 unless given."""

    def __init__(self, path: str, params: QueryParams):
        self.path = path
        self.items = [(name, value) for name, value in params.multi_items() if name in KEPT and value]

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.items if key == name]

    def value(self, name: str) -> str | None:
        found = self.values(name)
        return found[0] if found else None

    def to(self, changes: dict[str, str | int | None]) -> str:
        """Each parameter in ``changes`` set to that one value (None: left out)."""
        kept = [(name, value) for name, value in self.items if name not in changes]
        return url(self.path, kept + [(name, value) for name, value in changes.items()])

    def adding(self, name: str, value: str) -> str:
        return url(self.path, [*self.items, (name, value)])

    def removing(self, name: str, value: str) -> str:
        return url(self.path, [(key, kept) for key, kept in self.items if (key, kept) != (name, value)])

    def page(self, number: int) -> str:
        return self.to({"page": number if number > 1 else None})


def url(path: str, items: list[tuple[str, str | int | None]] | dict[str, str | int | None]) -> str:
    """``path`` with the given parameters, empty ones left out."""
    pairs = items.items() if isinstance(items, dict) else items
    kept = [(name, value) for name, value in pairs if value not in (None, "")]
    return path + ("?" + urlencode(kept) if kept else "")


@dataclass(frozen=True)
class HitView:
    """One hit as the page lays it out."""

    hit: Hit
    direction: str  # "rtl", "ltr" or "auto" (language unknown)
    lang: str  # the HTML lang attribute: "fa", "nl" or "" (unknown)
    title_parts: Parts  # the title (the id when it has none), matched words marked
    meta: list[tuple[str, str]]  # (what, value) shown under the title: date, Jalali date, source, language
    article_url: str  # the article to read whole, the query's words highlighted
    original_url: str | None  # the article's web address, when it is one
    similar_url: str  # articles like this one
    copies_url: str | None  # the near-duplicates folded into this hit, listed

    @property
    def copies(self) -> int:
        return len(self.hit.similar)


def hit_views(page: Page, links: Links, labels: Labels) -> list[HitView]:
    return [hit_view(hit, links, labels) for hit in page.hits]


def hit_view(hit: Hit, links: Links, labels: Labels) -> HitView:
    chosen = links.value("hl")
    similar = {"id": hit.id, "hl": chosen}
    return HitView(
        hit=hit, direction=direction(hit.lang), lang=html_lang(hit.lang),
        title_parts=hit.title_snippet.parts if hit.title.strip() else ((hit.id, False),),
        meta=meta(hit.date, hit.source, hit.lang, labels),
        article_url=url("/article", {"id": hit.id, "q": links.value("q"), "hl": chosen}),
        original_url=web_address(hit.url), similar_url=url("/similar", similar),
        copies_url=url("/similar", {**similar, "all": 1}) if hit.similar else None,
    )


@dataclass(frozen=True)
class LineView:
    parts: Parts
    chrome: bool  # page chrome (menus, codes, date lines): shown, never indexed


@dataclass(frozen=True)
class ReadingView:
    """An article read whole: its title and lines with the query's words highlighted."""

    reading: Reading
    direction: str
    lang: str
    title_parts: Parts
    meta: list[tuple[str, str]]
    original_url: str | None
    lines: list[LineView]


def reading_view(reading: Reading, labels: Labels) -> ReadingView:
    article = reading.article
    return ReadingView(
        reading=reading, direction=direction(article.lang), lang=html_lang(article.lang),
        title_parts=reading.title_snippet.parts if article.title.strip() else ((article.id, False),),
        meta=meta(article.date, article.outlet, article.lang, labels), original_url=web_address(article.url),
        lines=[LineView(Snippet.of(line.text, line.matches).parts, line.chrome) for line in reading.lines
               if line.text.strip()],
    )


def direction(lang: str) -> str:
    """The HTML dir of an article: Persian right to left, Dutch left to right, else the browser decides."""
    return {"fa": "rtl", "nl": "ltr"}.get(lang, "auto")


def html_lang(lang: str) -> str:
    return lang if lang in ("fa", "nl") else ""


def meta(date: str | None, source: str | None, lang: str, labels: Labels) -> list[tuple[str, str]]:
    """Date (and for a Persian article its Jalali form), source and language, those known."""
    shown = [("date", date or labels("undated")), ("jalali", jalali(date) if lang == "fa" else None),
             ("source", source), ("lang", language_label(lang, labels))]
    return [(what, value) for what, value in shown if value]


def language_label(code: str, labels: Labels) -> str:
    return labels(f"lang_{code}") if code in ("fa", "nl", "und") else code


def jalali(iso: str | None) -> str | None:
    """``2024-09-21`` -> ``۱۴۰۳/۰۶/۳۱``."""
    if not iso:
        return None
    try:
        day = jdatetime.date.fromgregorian(date=dt.date.fromisoformat(iso))
    except ValueError:
        return None
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}".translate(PERSIAN_DIGITS)


def web_address(address: str | None) -> str | None:
    """The address when it is an http(s) URL; a ``javascript:`` or ``data:`` one is never a link."""
    if not address:
        return None
    try:
        parts = urlsplit(address.strip())
    except ValueError:
        return None
    return address.strip() if parts.scheme.lower() in WEB_SCHEMES and parts.netloc else None


@dataclass(frozen=True)
class FacetEntry:
    label: str
    count: str
    url: str | None  # None: cannot be filtered on (articles without that field)
    active: bool


def facet_views(page: Page, links: Links, labels: Labels) -> dict[str, list[FacetEntry]]:
    """Each facet's values with counts, each a link that filters on it (or removes that filter).
    A language or source adds to those chosen (any of them); a month replaces the dates."""
    views: dict[str, list[FacetEntry]] = {}
    for name, counts in (page.facets or {}).items():
        views[name] = [facet_entry(name, value, labels.number(count), links, labels) for value, count in counts.items()]
    return views


def facet_entry(name: str, value: str, count: str, links: Links, labels: Labels) -> FacetEntry:
    label = facet_label(name, value, labels)
    if value == NO_VALUE:
        return FacetEntry(label, count, None, False)
    if name == "month":
        year, month = (int(part) for part in value.split("-"))
        dates = {"from": f"{value}-01", "to": f"{value}-{calendar.monthrange(year, month)[1]:02d}"}
        active = all(links.value(key) == day for key, day in dates.items())
        return FacetEntry(label, count, links.to({"from": None, "to": None} if active else dates), active)
    parameter = "lang" if name == "lang" else "source"
    chosen = [given for given in links.values(parameter) if given.casefold() == value.casefold()]
    if chosen:
        return FacetEntry(label, count, links.removing(parameter, chosen[0]), True)
    return FacetEntry(label, count, links.adding(parameter, value), False)


def facet_label(name: str, value: str, labels: Labels) -> str:
    if name == "lang":
        return language_label(value, labels)
    if value == NO_VALUE:
        return labels("undated") if name == "month" else labels("none")
    return value


def active_filters(links: Links, labels: Labels) -> list[tuple[str, str]]:
    """(label, URL without it) for each filter value in use."""
    shown = []
    for name in FILTERS:
        for value in links.values(name):
            label = language_label(value, labels) if name == "lang" else value
            removed = links.removing(name, value) if name in REPEATABLE else links.to({name: None})
            shown.append((f"{labels(FILTER_LABELS[name])}: {label}", removed))
    return shown


def export_links(links: Links) -> list[tuple[str, str]]:
    """(format, URL) of every hit of the current query and filters, as CSV and as JSON lines."""
    kept = [(name, value) for name, value in links.items if name in EXPORTED]
    return [(label, url(EXPORT_PATH, [*kept, ("format", format)])) for label, format in EXPORT_FORMATS]


@dataclass(frozen=True)
class PageLink:
    label: str
    url: str | None  # None: the current page, or a gap
    current: bool = False


def page_links(page: Page, links: Links, labels: Labels) -> list[PageLink]:
    """Previous, a window of page numbers around the current one, next. With near-duplicates
    folded a page holds groups while the total counts articles, so the last pages may be short:
    "next" is offered only while this page is full."""
    last = min(math.ceil(page.total / page.limit), MAX_WINDOW // page.limit)
    if last <= 1 and page.page == 1:
        return []
    around = range(max(1, page.page - PAGE_LINKS_AROUND), min(last, page.page + PAGE_LINKS_AROUND) + 1)
    items = []
    if page.page > 1:
        items.append(PageLink(labels("previous"), links.page(page.page - 1)))
    previous = 0
    for number in sorted({1, last, *around}):
        if number - previous > 1:
            items.append(PageLink("…", None))
        current = number == page.page
        items.append(PageLink(labels.number(number), None if current else links.page(number), current))
        previous = number
    if page.page < last and len(page.hits) == page.limit:
        items.append(PageLink(labels("next"), links.page(page.page + 1)))
    return items
