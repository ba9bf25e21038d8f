"""The search page in a real browser (Debian's chromium driven by Playwright) against a real
uvicorn server: typing queries, clicking facets, pages and similar copies, the keyboard, the
page without JavaScript, escaping and bidi containment as rendered. Screenshots of the results
pages are saved (the folder is printed at the end of the run)."""
from __future__ import annotations

import unicodedata
from urllib.parse import parse_qs, urlsplit

import pytest

PERSIAN_WITH_HALF_SPACE = "هسته\u200cای"
PERSIAN_WITH_SPACE = "هسته ای"
ZWNJ = "\u200c"


@pytest.fixture
def tab(browser, live_server):
    """A fresh browser tab with an English-speaking user, at the home page."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server + "/")
    yield page
    context.close()


def search_for(page, text: str) -> None:
    box = page.locator("input[name=q]")
    box.fill(text)
    with page.expect_navigation():
        box.press("Enter")


def hit_ids(page) -> list[str]:
    return page.locator("article.hit").evaluate_all("hits => hits.map(hit => hit.dataset.id)")


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def marks_with_neighbours(page, where: str = ".snippet") -> list[tuple[str, str, str]]:
    """(character before, marked text, character after) for every highlight in ``where``."""
    return page.locator(f"{where} mark").evaluate_all("""marks => marks.map(mark => {
        const before = mark.previousSibling ? mark.previousSibling.textContent : "";
        const after = mark.nextSibling ? mark.nextSibling.textContent : "";
        return [before.slice(-1), mark.textContent, after.slice(0, 1)];
    })""")


def reads_left_to_right(element) -> bool:
    """True when each character of ``element``'s text is drawn to the right of the one before."""
    lefts = element.evaluate("""element => {
        const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        const text = walker.nextNode(), range = document.createRange(), lefts = [];
        for (let i = 0; i < text.length; i++) {
            range.setStart(text, i); range.setEnd(text, i + 1);
            lefts.push(range.getBoundingClientRect().left);
        }
        return lefts;
    }""")
    return lefts == sorted(lefts) and len(set(lefts)) == len(lefts)


def is_word_character(character: str) -> bool:
    return bool(character) and (unicodedata.category(character)[0] in "LM" or character == ZWNJ)


def test_a_persian_query_finds_the_same_hits_however_the_half_space_is_typed(tab, screenshots):
    search_for(tab, PERSIAN_WITH_HALF_SPACE)
    with_half_space = hit_ids(tab)
    total = tab.locator(".total").inner_text()
    assert len(with_half_space) == 10 and total == "26 results"
    tab.screenshot(path=str(screenshots / "persian-results-en.png"), full_page=True)
    search_for(tab, PERSIAN_WITH_SPACE)
    assert hit_ids(tab) == with_half_space and tab.locator(".total").inner_text() == total
    assert tab.locator("input[name=q]").evaluate("box => getComputedStyle(box).direction") == "rtl"
    # every hit reads right to left, in Persian, with whole words highlighted
    hits = tab.locator("article.hit")
    assert hits.evaluate_all("hits => hits.map(h => [h.lang, getComputedStyle(h).direction])") == [["fa", "rtl"]] * 10
    marks = marks_with_neighbours(tab)
    assert len(marks) >= 10
    for before, marked, after in marks:
        assert marked.replace(" ", ZWNJ).replace(ZWNJ, "") in ("هستهای", "هسته")  # "هسته" + "ای" in one mark
        assert not is_word_character(before) and not is_word_character(after), (before, marked, after)


def test_the_page_in_persian_reads_right_to_left(browser, live_server, screenshots):
    context = browser.new_context(locale="fa-IR", extra_http_headers={"Accept-Language": "fa-IR,fa;q=0.9"},
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server + "/")
    search_for(page, PERSIAN_WITH_SPACE)
    assert page.locator("html").evaluate("html => [html.lang, getComputedStyle(document.body).direction]") == ["fa", "rtl"]
    assert page.locator("button[type=submit]").inner_text() == "جستجو"
    assert page.locator(".total").inner_text() == "۲۶ نتیجه"
    # in a right-to-left page the results column is on the right, the facets on the left
    results = page.locator(".hits").bounding_box()
    facets = page.locator(".facets").bounding_box()
    assert facets["x"] + facets["width"] <= results["x"]
    csv, jsonl = (page.locator(".export a", has_text=label).bounding_box() for label in ("CSV", "JSONL"))
    assert jsonl["x"] + jsonl["width"] <= csv["x"]  # the export links read right to left too: CSV first
    page.screenshot(path=str(screenshots / "persian-results-fa.png"), full_page=True)
    context.close()


def test_clicking_a_facet_filters_the_hits(tab):
    search_for(tab, PERSIAN_WITH_HALF_SPACE)
    facet = tab.locator(".facet[data-facet=source] li", has_text="isna")
    count = facet.locator(".count").inner_text()
    with tab.expect_navigation():
        facet.locator("a").click()
    assert query_of(tab)["source"] == ["isna"]
    assert tab.locator(".total").inner_text() == f"{count} results"
    sources = tab.locator("article.hit .source").all_inner_texts()
    assert sources and set(sources) == {"isna"}
    assert tab.locator(".chip").first.inner_text().startswith("Source: isna")


def test_going_to_page_two_shows_the_next_hits(tab):
    search_for(tab, PERSIAN_WITH_HALF_SPACE)
    first = hit_ids(tab)
    with tab.expect_navigation():
        tab.locator("nav.pages a", has_text="Next").click()
    assert query_of(tab)["page"] == ["2"]
    second = hit_ids(tab)
    assert len(second) == 10 and not set(first) & set(second)
    assert tab.locator("nav.pages [aria-current=page]").inner_text() == "2"


def test_plus_n_similar_opens_the_folded_copies(tab):
    tab.goto(tab.url + "?" + "q=" + PERSIAN_WITH_HALF_SPACE + "&limit=30")
    copies = tab.locator("a.copies")
    assert copies.all_inner_texts() == ["+1 similar", "+1 similar"]
    assert reads_left_to_right(copies.first)  # an English label inside a right-to-left hit
    owner = copies.first.locator("xpath=ancestor::article").get_attribute("data-id")
    with tab.expect_navigation():
        copies.first.click()
    assert urlsplit(tab.url).path == "/similar"
    assert hit_ids(tab)[0] == owner + "-copy"
    assert tab.locator("h1.heading").inner_text() == f"Articles like {owner}"


def test_a_dutch_query_shows_left_to_right_dutch_hits(tab, screenshots):
    search_for(tab, "kabinetten")
    assert tab.locator(".total").inner_text() == "5 results"
    directions = tab.locator("article.hit").evaluate_all("hits => hits.map(h => [h.lang, getComputedStyle(h).direction])")
    assert directions == [["nl", "ltr"]] * 5
    assert {text.lower() for text in tab.locator(".snippet mark").all_inner_texts()} == {"kabinet"}
    tab.screenshot(path=str(screenshots / "dutch-results-en.png"), full_page=True)


def test_slash_puts_the_cursor_in_the_search_box(tab):
    search_for(tab, "kabinet")
    tab.locator("body").click(position={"x": 5, "y": 600})
    assert tab.evaluate("document.activeElement.name") != "q"
    tab.keyboard.press("/")
    assert tab.evaluate("document.activeElement.name") == "q"
    assert tab.locator("input[name=q]").input_value() == "kabinet"  # the "/" was not typed into it


def test_the_page_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/")
    page.locator("input[name=q]").fill("kabinet")
    page.locator("select[name=lang]").select_option("nl")
    page.locator("input[name=from]").fill("1403-07-01")  # Jalali: 2024-09-22
    with page.expect_navigation():
        page.locator("button[type=submit]").click()
    assert query_of(page)["from"] == ["1403-07-01"]
    assert page.locator(".total").inner_text() == "2 results"
    assert set(page.locator("article.hit .date").all_inner_texts()) == {"2024-10-02", "2024-10-03"}
    context.close()


def test_hostile_articles_render_as_text(tab):
    fired = []
    tab.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    search_for(tab, "kabinet")
    assert tab.evaluate("window.__xss") is None and not fired
    assert tab.locator("img").count() == 0
    assert tab.evaluate("document.scripts.length") == 1
    assert tab.locator("article.hit .title", has_text="<script>").count() == 1
    assert tab.locator(".snippet", has_text='"><img src=x onerror=').count() == 1
    assert tab.locator("a[href^='javascript']").count() == 0


def test_a_bidi_override_in_an_article_stays_inside_its_value(tab):
    search_for(tab, "kabinet")
    card = tab.locator("article.hit", has=tab.locator(".source", has_text="bidi"))
    # the language label follows the source with its unterminated U+202E: it must still read
    # left to right, each letter to the right of the one before
    assert card.locator(".lang").inner_text() == "Dutch"
    assert reads_left_to_right(card.locator(".lang"))


def test_a_title_opens_the_whole_article_with_the_query_highlighted(tab, screenshots):
    search_for(tab, PERSIAN_WITH_SPACE)
    first = tab.locator("article.hit").first
    hit_id = first.get_attribute("data-id")
    assert first.locator(".title mark").count() >= 1  # titles are highlighted too
    with tab.expect_navigation():
        first.locator(".title a").click()
    assert urlsplit(tab.url).path == "/article" and query_of(tab)["id"] == [hit_id]
    reading = tab.locator("article.reading")
    assert reading.evaluate("r => [r.lang, getComputedStyle(r).direction]") == ["fa", "rtl"]
    assert reading.locator(".line mark").count() >= 1
    for before, marked, after in marks_with_neighbours(tab, ".reading"):
        assert not is_word_character(before) and not is_word_character(after), (before, marked, after)
    assert reads_left_to_right(reading.locator(".matches"))  # "2 matches", an English label in a Persian page
    assert tab.locator("input[name=q]").input_value() == PERSIAN_WITH_SPACE  # Enter goes back to the results
    tab.screenshot(path=str(screenshots / "persian-article-en.png"), full_page=True)
    with tab.expect_navigation():
        tab.locator("aside.similar a").first.click()
    assert urlsplit(tab.url).path == "/article" and query_of(tab)["id"] != [hit_id]


def test_the_export_links_download_every_hit_of_the_query_and_its_filters(tab, screenshots):
    search_for(tab, PERSIAN_WITH_HALF_SPACE)
    facet = tab.locator(".facet[data-facet=source] li", has_text="irna")
    count = int(facet.locator(".count").inner_text())
    with tab.expect_navigation():
        facet.locator("a").click()
    export = tab.locator(".summary .export")
    assert export.inner_text() == "Export all: CSV · JSONL"
    tab.screenshot(path=str(screenshots / "persian-results-export-en.png"), full_page=True)
    with tab.expect_download() as csv_download:
        export.locator("a", has_text="CSV").click()
    assert csv_download.value.suggested_filename == "searcher-export.csv"
    rows = open(csv_download.value.path(), encoding="utf-8", newline="").read().split("\r\n")
    assert rows[0].startswith("rank,id,date,source,lang") and rows[-1] == ""
    assert len(rows) - 2 == count and all(",irna,fa," in row for row in rows[1:-1])  # every irna hit, no other
    with tab.expect_download() as jsonl_download:
        export.locator("a", has_text="JSONL").click()
    assert jsonl_download.value.suggested_filename == "searcher-export.jsonl"
    assert urlsplit(tab.url).path == "/"  # the page stays where it was
