"""The search page's HTML (searcher.server.pages) through an HTTP client: escaping of every
article value, directions and languages, facet and page links, labels by Accept-Language,
errors shown in the page. The browser tests (test_serve_browser.py) check how it looks and works."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest

from serve_fixtures import XSS_ID

PERSIAN_QUERY = "هسته‌ای"


class Elements(HTMLParser):
    """Every start tag of a page as (tag, attributes)."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def all(self, tag: str, **wanted: str) -> list[dict]:
        return [attrs for name, attrs in self.found
                if name == tag and all(attrs.get(key.rstrip("_").replace("_", "-")) == value for key, value in wanted.items())]


def page(client, path: str = "/", language: str = "en", **params) -> tuple[str, Elements]:
    response = client.get(path, params=params, headers={"Accept-Language": language})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text, Elements(response.text)


def test_article_values_are_escaped_everywhere(client):
    html, elements = page(client, q="kabinet")
    assert "&lt;script&gt;window.__xss=&#34;title&#34;&lt;/script&gt;" in html  # the title, as text
    assert "<script>window" not in html and "<img" not in html and "<b>vet</b>" not in html
    assert [attrs["src"] for tag, attrs in elements.found if tag == "script"] == ["/static/keys.js"]
    hrefs = [attrs.get("href") or "" for tag, attrs in elements.found if tag == "a"]
    assert not [href for href in hrefs if href.lower().startswith("javascript:")]  # a javascript: url is no link
    # the hostile id and source stay inside their query parameters
    similar = [href for href in hrefs if href.startswith("/similar?")]
    assert XSS_ID in [parse_qs(urlsplit(href).query)["id"][0] for href in similar]
    facet_sources = [parse_qs(urlsplit(href).query).get("source", [None])[0] for href in hrefs]
    assert '"><img src=x onerror="window.__xss=\'source\'">' in facet_sources
    assert "https://example.org/artikel?a=1&amp;b=&lt;2&gt;" in html  # a real url, escaped in its attribute


def test_persian_hits_are_right_to_left_and_dutch_ones_left_to_right(client):
    _, elements = page(client, q=PERSIAN_QUERY, limit="30", all="1")
    assert len(elements.all("article", dir="rtl", lang="fa")) == 26
    assert not elements.all("article", dir="ltr")
    _, elements = page(client, q="kabinet")
    assert len(elements.all("article", dir="ltr", lang="nl")) == 5
    query_box = elements.all("input", name="q")
    assert query_box[0]["dir"] == "auto" and query_box[0]["value"] == "kabinet"


def test_matched_words_are_marked(client):
    html, _ = page(client, q="kabinet")
    assert "Het <mark>kabinet</mark>" in html


def test_persian_dates_are_also_shown_in_the_jalali_calendar(client):
    html, _ = page(client, q=PERSIAN_QUERY, source="irna", sort="date", limit="1")
    # fa-21: 2024-08-22 is 1403/06/01
    assert "2024-08-22" in html and "۱۴۰۳/۰۶/۰۱" in html


def test_facets_are_links_that_filter(client):
    html, elements = page(client, q=PERSIAN_QUERY)
    links = {parse_qs(urlsplit(attrs["href"]).query).get("source", [None])[0]: attrs["href"]
             for attrs in elements.all("a") if attrs.get("href", "").startswith("/?")}
    assert {"irna", "isna", "hamshahri", "copies"} <= set(links)
    assert parse_qs(urlsplit(links["isna"]).query) == {"q": [PERSIAN_QUERY], "source": ["isna"]}
    html, elements = page(client, q=PERSIAN_QUERY, source="isna")
    assert "8 results" in html
    active = elements.all("a", class_="active")
    assert [parse_qs(urlsplit(attrs["href"]).query) for attrs in active] == [{"q": [PERSIAN_QUERY]}]  # a click removes it


def test_a_month_facet_filters_on_that_month(client):
    _, elements = page(client, q=PERSIAN_QUERY)
    months = [parse_qs(urlsplit(attrs["href"]).query) for attrs in elements.all("a") if "from=" in attrs.get("href", "")]
    assert {"q": [PERSIAN_QUERY], "from": ["2024-09-01"], "to": ["2024-09-30"]} in months
    html, _ = page(client, q=PERSIAN_QUERY, **{"from": "2024-09-01", "to": "2024-09-30"})
    assert "9 results" in html


def test_jalali_dates_filter_as_iso_ones_do(client):
    jalali, _ = page(client, q=PERSIAN_QUERY, **{"from": "1403-06-11", "to": "1403-07-09"})
    iso, _ = page(client, q=PERSIAN_QUERY, **{"from": "2024-09-01", "to": "2024-09-30"})
    assert "9 results" in jalali and "9 results" in iso


def test_pages_link_to_each_other_and_keep_the_filters(client):
    html, elements = page(client, q=PERSIAN_QUERY, lang="fa")
    numbered = {attrs["href"] for attrs in elements.all("a") if "page=" in attrs.get("href", "")}
    assert {f"/?q={PERSIAN_QUERY}&lang=fa&page={n}" for n in (2, 3)} <= {_decoded(href) for href in numbered}
    second, _ = page(client, q=PERSIAN_QUERY, lang="fa", page="2")
    third, _ = page(client, q=PERSIAN_QUERY, lang="fa", page="3")
    assert _article_ids(html).isdisjoint(_article_ids(second))
    assert len(_article_ids(third)) == 4  # 26 articles in 24 groups: 10, 10, 4
    assert 'aria-current="page">3<' in third and ">Next<" not in third


def test_similar_copies_open_from_their_hit(client):
    _, elements = page(client, q=PERSIAN_QUERY, limit="30")
    copies = [attrs["href"] for attrs in elements.all("a", class_="copies")]
    assert sorted(parse_qs(urlsplit(href).query)["id"][0] for href in copies) == ["fa-03", "fa-07"]
    html, _ = page(client, "/similar", id="fa-03", all="1")
    assert "fa-03-copy" in _article_ids(html)
    assert "Articles like" in html


def test_did_you_mean_is_a_link(client):
    html, elements = page(client, q="kabinnet")
    suggestion = [attrs["href"] for attrs in elements.all("a") if "Kabinet" in attrs.get("href", "")]
    assert suggestion == ["/?q=Kabinet"] and "Did you mean" in html


@pytest.mark.parametrize("accept, lang, search_label", [
    ("fa-IR,fa;q=0.9,en;q=0.8", "fa", "جستجو"),
    ("nl-NL,nl;q=0.9", "nl", "Zoeken"),
    ("de-DE,de;q=0.9,nl;q=0.5,fa;q=0.7", "fa", "جستجو"),
    ("de-DE", "en", "Search"),
    ("", "en", "Search"),
])
def test_labels_follow_the_browsers_language(client, accept, lang, search_label):
    html, elements = page(client, language=accept, q="kabinet")
    document = elements.all("html")[0]
    assert document["lang"] == lang and document["dir"] == ("rtl" if lang == "fa" else "ltr")
    assert f">{search_label}</button>" in html


def test_a_chosen_language_overrides_the_browsers_and_is_kept_in_links(client):
    html, elements = page(client, language="en", q="kabinet", hl="nl")
    assert elements.all("html")[0]["lang"] == "nl" and "Zoeken" in html
    assert elements.all("input", name="hl")[0]["value"] == "nl"
    assert all("hl=nl" in attrs["href"] for attrs in elements.all("a") if attrs.get("href", "").startswith("/similar"))


def test_persian_counts_use_persian_digits(client):
    html, _ = page(client, language="fa", q=PERSIAN_QUERY)
    assert "۲۶ نتیجه" in html


def test_the_home_page_shows_the_index_and_the_form(client):
    html, elements = page(client)
    assert "34 articles in the index" in html
    forms = elements.all("form", action="/", method="get")
    assert forms and "autofocus" in elements.all("input", name="q")[0]


def test_a_bad_filter_is_shown_in_the_page_with_the_form_as_sent(client):
    response = client.get("/", params={"q": "kabinet", "from": "gisteren"})
    assert response.status_code == 400
    assert "from date &#39;gisteren&#39; is not a date" in response.text
    assert 'value="gisteren"' in response.text and 'value="kabinet"' in response.text


def test_an_unknown_article_or_page_is_an_error_page(client):
    for path in ("/similar", "/article"):
        response = client.get(path, params={"id": "../../etc/passwd"})
        assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
        assert "no article with id &#39;../../etc/passwd&#39;" in response.text
        assert '<h1 class="heading">No such page</h1>' in response.text
    response = client.get("/nothing/here")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")


def _article_ids(html: str) -> set[str]:
    return {attrs["data-id"] for attrs in Elements(html).all("article")}


def _decoded(href: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(href)


def test_titles_are_highlighted_and_open_the_article(client):
    html, elements = page(client, q=PERSIAN_QUERY, source="irna", sort="date", limit="1")
    assert '<h2 class="title"><a href="/article?id=fa-21&amp;q=' in html
    title = html[html.index('<h2 class="title">'):html.index("</h2>")]
    assert "<mark>" in title
    link = [attrs["href"] for attrs in elements.all("a") if attrs.get("href", "").startswith("/article?")][0]
    assert parse_qs(urlsplit(link).query) == {"id": ["fa-21"], "q": [PERSIAN_QUERY]}
    html, elements = page(client, urlsplit(link).path, **{k: v[0] for k, v in parse_qs(urlsplit(link).query).items()})
    reading = elements.all("article", class_="reading")
    assert reading == [{"class": "reading", "dir": "rtl", "lang": "fa", "data-id": "fa-21"}]
    assert html.count("<mark>") >= 2  # in the title and the text
    assert "https://news.example/fa/21" in html  # the original
    similar = [attrs["href"] for attrs in elements.all("a") if attrs.get("href", "").startswith("/article?id=fa-")]
    assert len(similar) >= 3 and "/article?id=fa-21" not in [href.split("&")[0] for href in similar]


def test_an_article_page_escapes_its_values(client):
    html, elements = page(client, "/article", id="evil-markup", q="kabinet")
    assert "<script>window" not in html and "<img" not in html and "<b>vet</b>" not in html
    assert "&lt;script&gt;" in html and "<mark>kabinet</mark>" in html
    assert not [attrs for attrs in elements.all("a") if attrs.get("href", "").lower().startswith("javascript")]
    response = client.get("/article", params={"id": "no-such-article"})
    assert response.status_code == 404 and "no article with id" in response.text


def test_several_sources_mean_any_of_them_and_each_can_be_removed(client):
    html, elements = page(client, q=PERSIAN_QUERY, source=["irna", "isna"])
    assert "16 results" in html
    chips = [parse_qs(urlsplit(attrs["href"]).query) for attrs in elements.all("a", class_="chip")]
    assert chips == [{"q": [PERSIAN_QUERY], "source": ["isna"]}, {"q": [PERSIAN_QUERY], "source": ["irna"]}]
    assert [attrs["href"] for attrs in elements.all("a", class_="chip clear")] == [f"/?q={quote_plus(PERSIAN_QUERY)}"]
    active = [parse_qs(urlsplit(attrs["href"]).query) for attrs in elements.all("a", class_="active")]
    assert {"q": [PERSIAN_QUERY], "source": ["isna"]} in active  # clicking irna's facet removes irna only
    assert elements.all("input", name="source")[0]["value"] == "irna"
    assert elements.all("input", type="hidden", name="source")[0]["value"] == "isna"  # the form keeps both


def test_the_results_offer_an_export_of_the_query_and_its_filters(client):
    html, elements = page(client, q=PERSIAN_QUERY, source=["irna", "isna"], to="1403-07-01", since="5y",
                          sort="date", all="1", page="2", limit="5", hl="nl")
    links = [attrs for attrs in elements.all("a") if attrs.get("href", "").startswith("/api/export?")]
    assert [parse_qs(urlsplit(attrs["href"]).query) for attrs in links] == [
        {"q": [PERSIAN_QUERY], "source": ["irna", "isna"], "to": ["1403-07-01"], "since": ["5y"], "sort": ["date"],
         "all": ["1"], "format": [format]} for format in ("csv", "jsonl")]  # not the page, its size or language
    assert all("download" in attrs for attrs in links)
    filters = [("q", PERSIAN_QUERY), ("source", "irna"), ("source", "isna"), ("to", "2024-09-22"), ("since", "5y"),
               ("all", "1")]
    total = client.get("/api/search", params=filters).json()["total"]
    exported = client.get(links[0]["href"])
    assert exported.status_code == 200 and exported.text.count("\r\n") == 1 + total == 16  # the header, every hit
    jsonl = [json.loads(line) for line in client.get(links[1]["href"]).text.splitlines()]
    assert [hit["date"] for hit in jsonl] == sorted((hit["date"] for hit in jsonl), reverse=True)  # by date
    assert {hit["source"] for hit in jsonl} == {"irna", "isna"} and max(hit["date"] for hit in jsonl) <= "2024-09-22"


def test_no_export_link_without_hits_or_on_articles_like_one(client):
    for html, _ in (page(client, q="tulpenbollen"), page(client, "/similar", id="fa-03"), page(client)):
        assert "/api/export" not in html


def test_a_since_filter_is_kept_by_the_links_and_shown_as_removable(client):
    html, elements = page(client, q=PERSIAN_QUERY, since="1y")
    assert "No results" in html  # the articles are of 2024
    chips = [(attrs["href"]) for attrs in elements.all("a", class_="chip")]
    assert chips == [f"/?q={quote_plus(PERSIAN_QUERY)}"]
    assert elements.all("input", type="hidden", name="since") == [{"type": "hidden", "name": "since", "value": "1y"}]
    html, elements = page(client, q=PERSIAN_QUERY, since="5y")
    kept = [parse_qs(urlsplit(attrs["href"]).query) for attrs in elements.all("a")
            if attrs.get("href", "").startswith("/?") and attrs.get("class") != "chip"]  # facets, pages
    assert len(kept) > 5 and all(link["since"] == ["5y"] for link in kept)
