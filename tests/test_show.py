"""Reading an article whole: Index.get, Index.read and `searcher show`."""
from __future__ import annotations

import json
import pickle

import pytest
from click.testing import CliRunner

from searcher import ArticleNotFound, Line, SearcherError
from searcher.cli import main
from searcher.drops.records import article_from_text

PAGE = "\n".join([
    "صفحه اصلی",
    "کد خبر ۸۱۹۹۹۱",
    "مذاکرات هسته‌ای ایران در وین از سر گرفته شد",
    "",
    "دور تازه مذاکرات هسته ای در وین آغاز شد و هیئت‌ها درباره برنامه هستهای گفت‌وگو کردند.",
    "۳۱ شهريور ۱۴۰۳",
])
RECORD = {"id": "nos-1", "title": "Oorlog in Oekraïne", "text": "De oorlog gaat door.\nDe onderhandelingen lopen vast.",
          "lang": "nl", "source": "NOS", "date": "2024-09-20", "url": "https://nos.nl/1"}


@pytest.fixture
def index(make_index):
    """An index of one Persian page read from a .txt file (page chrome and all) and one record."""
    article, _ = article_from_text(PAGE, "/drops/hamshahri/fa-1.txt", "fa-1")  # the page as read: PAGE
    built = make_index(RECORD)
    built.add_documents([article])
    return built


def test_get_returns_the_stored_article(index):
    article = index.get("fa-1")
    assert article.page == PAGE and article.text == PAGE
    assert article.title == "مذاکرات هسته‌ای ایران در وین از سر گرفته شد"
    assert "کد خبر" not in article.body  # chrome is stored with the page, never in the indexed body
    assert (article.lang, article.outlet, article.source) == ("fa", "hamshahri", None)
    record = index.get("nos-1")
    assert (record.page, record.text, record.outlet, record.url) == (None, RECORD["text"], "NOS", "https://nos.nl/1")


@pytest.mark.parametrize("call", [lambda index: index.get("nope"), lambda index: index.read("nope", "oorlog"),
                                  lambda index: index.similar("nope")], ids=["get", "read", "similar"])
def test_an_unknown_id_raises_article_not_found_saying_how_to_find_ids(index, call):
    with pytest.raises(ArticleNotFound, match=r"no article with id 'nope' in the index: `searcher search WORDS` shows") \
            as raised:
        call(index)
    assert isinstance(raised.value, SearcherError) and raised.value.article_id == "nope"
    copy = pickle.loads(pickle.dumps(raised.value))  # as a shard sends it back
    assert (type(copy), str(copy)) == (ArticleNotFound, str(raised.value))


def test_read_marks_the_page_chrome_lines(index):
    reading = index.read("fa-1")
    assert [line.text for line in reading.lines] == PAGE.split("\n")
    assert [line.chrome for line in reading.lines] == [True, True, False, False, False, True]
    assert all(not line.matches for line in reading.lines) and reading.query is None
    assert index.read("nos-1").lines == (Line("De oorlog gaat door."), Line("De onderhandelingen lopen vast."))


def test_read_with_a_query_marks_every_spelling_of_its_words(index):
    """The snippet matcher finds هسته‌ای written with a half-space, a space or neither, in the
    title and in every line of the text."""
    reading = index.read("fa-1", query="هسته‌ای")
    assert [reading.article.title[s:e] for s, e in reading.title_matches] == ["هسته‌ای"]
    found = [line.text[s:e] for line in reading.lines for s, e in line.matches]
    assert found == ["هسته‌ای", "هسته ای", "هستهای"]
    assert reading.match_count == 4
    assert not index.read("fa-1", query="Oekraïne").match_count


def test_read_with_a_query_in_a_record(index):
    reading = index.read("nos-1", query="onderhandeling -vrede")
    assert reading.title_matches == ()
    assert [line.matches for line in reading.lines] == [(), ((3, 19),)]


def test_a_headline_without_text_reads_as_its_title(make_index):
    reading = make_index({"id": "h1", "title": "Kuijt zag vernedering niet aankomen", "text": "", "lang": "nl"}).read(
        "h1", query="vernedering")
    assert reading.lines == () and reading.title_matches == ((10, 21),)


def test_the_page_survives_a_rebuild(index):
    index.rebuild()  # in-memory articles have no source to re-read: they are kept as stored
    assert index.get("fa-1").page == PAGE
    assert [line.chrome for line in index.read("fa-1").lines][:2] == [True, True]


@pytest.fixture
def show(index):
    def invoke(*args: str):
        return CliRunner().invoke(main, ["show", *args, "--index", str(index.path)], catch_exceptions=False)

    return invoke


def test_cli_show_prints_the_article_whole(show):
    result = show("fa-1", "--query", "هسته ای")
    assert result.exit_code == 0
    assert result.stdout.split("\n") == [
        "مذاکرات **هسته‌ای** ایران در وین از سر گرفته شد",
        "date:    2024-09-21",
        "source:  hamshahri",
        "lang:    fa",
        "path:    /drops/hamshahri/fa-1.txt",
        "id:      fa-1",
        "matches: 4 for: هسته ای",
        "",
        "[chrome] صفحه اصلی",
        "[chrome] کد خبر ۸۱۹۹۹۱",
        "مذاکرات **هسته‌ای** ایران در وین از سر گرفته شد",
        "",
        "دور تازه مذاکرات **هسته ای** در وین آغاز شد و هیئت‌ها درباره برنامه **هستهای** گفت‌وگو کردند.",
        "[chrome] ۳۱ شهريور ۱۴۰۳",
        "",
    ]


def test_cli_show_json(show):
    data = json.loads(show("nos-1", "--query", "oorlog", "--json").stdout)
    assert data == {
        "id": "nos-1", "title": "Oorlog in Oekraïne", "title_matches": [[0, 6]], "lang": "nl", "date": "2024-09-20",
        "source": "NOS", "url": "https://nos.nl/1", "path": "<memory>", "query": "oorlog", "matches": 2,
        "lines": [{"text": "De oorlog gaat door.", "chrome": False, "matches": [[3, 9]]},
                  {"text": "De onderhandelingen lopen vast.", "chrome": False, "matches": []}],
    }
    plain = json.loads(show("fa-1", "--json").stdout)
    assert "query" not in plain and "title_marked" not in plain
    assert [line["chrome"] for line in plain["lines"]] == [True, True, False, False, False, True]
    marked = json.loads(show("nos-1", "--query", "oorlog", "--json", "--marks").stdout)
    assert marked["title_marked"] == "**Oorlog** in Oekraïne"
    assert marked["lines"][0]["marked"] == "De **oorlog** gaat door."


def test_cli_show_errors(show):
    missing = show("nope")
    assert missing.exit_code == 1 and missing.stderr == f"Error: {ArticleNotFound('nope')}\n"
    empty = show("nos-1", "--query", "((( )))")
    assert empty.exit_code == 1 and "no words to search for" in empty.stderr
