"""What the page shows, computed from the library's answer: hits with their direction and
dates, facet links, active filters, page links. Only values and URLs; markup is in templates/.

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

from searcher.model import Hit, Page
from searcher.server.i18n import PERSIAN_DIGITS, Labels
from searcher.server.settings import MAX_WINDOW

KEPT = ("q", "id", "lang", "source", "from", "to", "sort", "limit", "all", "hl")  # carried by every link
FILTERS = ("lang", "source", "from", "to")
NO_VALUE = "none"  # the library's facet value for articles without a source or a date
PAGE_LINKS_AROUND = 2  # page links shown on each side of the current page
WEB_SCHEMES = ("http", "https")


class Links:
    """URLs of the current view with some parameters changed; the page goes back to 1 unless given."""

    def __init__(self, path: str, params: QueryParams):
        self.path = path
        self.values = {name: params[name] for name in KEPT if params.get(name)}

    def to(self, changes: dict[str, str | int | None]) -> str:
        return url(self.path, {**self.values, **changes})

    def page(self, number: int) -> str:
        return self.to({"page": number if number > 1 else None})


@dataclass(frozen=True)
class HitView:
    """One hit as the page lays it out."""

    hit: Hit
    rank: int
    direction: str  # "rtl", "ltr" or "auto" (language unknown)
    lang: str  # the HTML lang attribute: "fa", "nl" or "" (unknown)
    title: str
    url: str | None  # the article's web address, when it is one
    meta: list[tuple[str, str]]  # (what, value) shown under the title: date, Jalali date, source, language
    similar_url: str  # articles like this one
    copies_url: str | None  # the near-duplicates folded into this hit, listed

    @property
    def copies(self) -> int:
        return len(self.hit.similar)


@dataclass(frozen=True)
class FacetEntry:
    label: str
    value: str
    count: str
    url: str | None  # None: cannot be filtered on (articles without that field)
    active: bool


@dataclass(frozen=True)
class PageLink:
    label: str
    url: str | None  # None: the current page, or a gap
    current: bool = False


def hit_views(page: Page, links: Links, labels: Labels) -> list[HitView]:
    first = (page.page - 1) * page.limit + 1
    return [hit_view(rank, hit, links, labels) for rank, hit in enumerate(page.hits, start=first)]


def hit_view(rank: int, hit: Hit, links: Links, labels: Labels) -> HitView:
    similar = {"id": hit.id, "hl": links.values.get("hl")}
    meta = [("date", hit.date or labels("undated")), ("jalali", jalali(hit.date) if hit.lang == "fa" else None),
            ("source", hit.source), ("lang", language_label(hit.lang, labels))]
    return HitView(
        hit=hit, rank=rank, direction={"fa": "rtl", "nl": "ltr"}.get(hit.lang, "auto"),
        lang=hit.lang if hit.lang in ("fa", "nl") else "", title=hit.title.strip() or hit.id,
        url=web_address(hit.url), meta=[(what, value) for what, value in meta if value],
        similar_url=url("/similar", similar), copies_url=url("/similar", {**similar, "all": 1}) if hit.similar else None,
    )


def language_label(code: str, labels: Labels) -> str:
    return labels(f"lang_{code}") if code in ("fa", "nl", "und") else code


def url(path: str, values: dict[str, str | int | None]) -> str:
    """``path`` with the given parameters, empty ones left out."""
    kept = {name: value for name, value in values.items() if value not in (None, "")}
    return path + ("?" + urlencode(kept) if kept else "")


def jalali(iso: str | None) -> str | None:
    """``2024-09-21`` -> ``۱۴۰۳/۰۶/۳۱``."""
    if not iso:
        return None
    try:
        day = jdatetime.date.fromgregorian(date=dt.date.fromisoformat(iso))
    except ValueError:
        return None
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}".translate(PERSIAN_DIGITS)


def web_address(url: str | None) -> str | None:
    """The URL when it is an http(s) address; a ``javascript:`` or ``data:`` one is never a link."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in WEB_SCHEMES and parts.netloc else None


def facet_views(page: Page, links: Links, labels: Labels) -> dict[str, list[FacetEntry]]:
    """Each facet's values with counts, each a link that filters on it (or removes that filter)."""
    facets = page.facets or {}
    views: dict[str, list[FacetEntry]] = {}
    for name, counts in facets.items():
        entries = []
        for value, count in counts.items():
            changes = facet_filter(name, value)
            active = changes is not None and all(links.values.get(key) == str(changed) for key, changed in changes.items())
            url = None if changes is None else links.to({key: None for key in changes} if active else changes)
            entries.append(FacetEntry(facet_label(name, value, labels), value, labels.number(count), url, active))
        views[name] = entries
    return views


def facet_filter(name: str, value: str) -> dict[str, str] | None:
    """The parameters that filter on one facet value; None for articles lacking the field."""
    if value == NO_VALUE:
        return None
    if name == "month":
        year, month = (int(part) for part in value.split("-"))
        last = calendar.monthrange(year, month)[1]
        return {"from": f"{value}-01", "to": f"{value}-{last:02d}"}
    return {name: value}


def facet_label(name: str, value: str, labels: Labels) -> str:
    if name == "lang":
        return language_label(value, labels)
    if value == NO_VALUE:
        return labels("undated") if name == "month" else labels("none")
    return value


def active_filters(links: Links, labels: Labels) -> list[tuple[str, str]]:
    """(label, URL without it) for each filter in use."""
    shown = []
    for name in FILTERS:
        value = links.values.get(name)
        if value:
            label = language_label(value, labels) if name == "lang" else value
            shown.append((f"{labels(_FILTER_LABELS[name])}: {label}", links.to({name: None})))
    return shown


_FILTER_LABELS = {"lang": "language", "source": "source", "from": "date_from", "to": "date_to"}


def page_links(page: Page, links: Links, labels: Labels) -> list[PageLink]:
    """Previous, a window of page numbers around the current one, next. With near-duplicates
    folded a page holds groups while the total counts articles, so the last pages may be short:
    "next" is offered only while this page is full."""
    last = min(math.ceil(page.total / page.limit), MAX_WINDOW // page.limit)
    if last <= 1 and page.page == 1:
        return []
    shown = sorted({1, last, *range(max(1, page.page - PAGE_LINKS_AROUND), min(last, page.page + PAGE_LINKS_AROUND) + 1)})
    items = []
    if page.page > 1:
        items.append(PageLink(labels("previous"), links.page(page.page - 1)))
    previous = 0
    for number in shown:
        if number - previous > 1:
            items.append(PageLink("…", None))
        current = number == page.page
        items.append(PageLink(labels.number(number), None if current else links.page(number), current))
        previous = number
    if page.page < last and len(page.hits) == page.limit:
        items.append(PageLink(labels("next"), links.page(page.page + 1)))
    return items
