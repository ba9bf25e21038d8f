"""The query language on real indexes of Dutch and Persian articles: filters typed in the query
(lang:, source:, date:, id:), wildcards, a leading -, notes on what a query's reading changed,
--since, and the count of articles with all the words."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import ids, searcher_on
from searcher.errors import SearcherError

TODAY = dt.date.today()
FIELDS_NOTE = "(fields: title:, body:, lang:, source:, date:, id:)"


def articles() -> list[dict]:
    return [
        {"id": "nos-1", "text": "Rutte en Trump praten over de oorlog in Oekraïne", "lang": "nl", "source": "NOS",
         "date": "2024-09-20"},
        {"id": "nu-1", "text": "Trump zegt dat de Oekraïners moeten onderhandelen over de oorlog", "lang": "nl",
         "source": "nu.nl", "date": "2024-10-02"},
        {"id": "nos-2", "text": "De woningmarkt en de huren in Den Haag", "lang": "nl", "source": "NOS",
         "date": "2023-01-15"},
        {"id": "nos-3", "text": "Rutte over de woningmarkt en de onderhandelingen", "lang": "nl", "source": "NOS"},
        {"id": "today", "text": "Trump vandaag in het nieuws over de woningmarkt", "lang": "nl", "source": "NOS",
         "date": TODAY.isoformat()},
        {"id": "ten-days", "text": "Trump tien dagen geleden over de huren", "lang": "nl", "source": "nu.nl",
         "date": (TODAY - dt.timedelta(days=10)).isoformat()},
        {"id": "fa-1", "text": "ترامپ و روحانی درباره ایران و Trump گفتگو کردند", "lang": "fa", "source": "همشهری",
         "date": "1403-06-31"},
        {"id": "fa-2", "text": "كتاب‌های تازه در بازار تهران درباره ترامپ", "lang": "fa", "source": "فارس",
         "date": "1403-07-15"},
        {"id": "fa-3", "text": "روحانی در تهران سخنرانی کرد", "lang": "fa", "source": "همشهری", "date": "1402-01-10"},
    ]


@pytest.fixture
def news(make_index):
    return make_index(*articles())


def found(index, query: str, **options) -> set[str]:
    return set(ids(index.search(query, limit=100, suggest=False, **options)))


TRUMP = {"nos-1", "nu-1", "today", "ten-days", "fa-1", "fa-2"}


@pytest.mark.parametrize("query, expected", [
    ("Trump OR ترامپ", TRUMP),
    ("lang:nl Trump OR ترامپ", {"nos-1", "nu-1", "today", "ten-days"}),
    ("Trump lang:fa", {"fa-1"}),
    ("lang:fa ترامپ", {"fa-1", "fa-2"}),
    ("lang:fa lang:nl Trump", {"nos-1", "nu-1", "today", "ten-days", "fa-1"}),  # repeated: any of them
    ("-lang:nl Trump OR ترامپ", {"fa-1", "fa-2"}),
    ("Trump OR ترامپ NOT lang:fa", {"nos-1", "nu-1", "today", "ten-days"}),
    ("source:nos Trump", {"nos-1", "today"}),
    ("source:NU.NL Trump", {"nu-1", "ten-days"}),
    ('source:"nu.nl" Trump', {"nu-1", "ten-days"}),
    ("source:همشهری روحانی", {"fa-1", "fa-3"}),
    ("source:فارس source:همشهری ترامپ", {"fa-1", "fa-2"}),
    ("Trump -source:nos", {"nu-1", "ten-days", "fa-1"}),
    ("id:nu-1 Trump", {"nu-1"}),
    ("id:nu-1 id:fa-2 Trump OR ترامپ", {"nu-1", "fa-2"}),
    ("id:nos-2 Trump", set()),
    ("lang:fa", {"fa-1", "fa-2", "fa-3"}),  # filters alone: every article they allow
    ("id:fa-3", {"fa-3"}),
])
def test_lang_source_and_id_filters(news, query, expected):
    assert found(news, query) == expected


@pytest.mark.parametrize("value, expected", [
    ("2024-09-20", {"nos-1"}),  # a day
    ("2024-09", {"nos-1", "fa-1"}),  # a month
    ("2024", {"nos-1", "nu-1", "fa-1", "fa-2"}),  # a year
    ("1403-06", {"nos-1", "fa-1"}),  # a Jalali month: 2024-08-22 to 2024-09-21
    ("۱۴۰۳-۰۶", {"nos-1", "fa-1"}),  # in Persian digits
    ("1403-06-31", {"fa-1"}),  # a Jalali day: 2024-09-21
    ("2024-09-21..2024-10-05", {"nu-1", "fa-1"}),  # a range, both ends included
    ("1403-06-31..1403-07-15", {"nu-1", "fa-1", "fa-2"}),
    ("2024-10..", {"nu-1", "fa-2", "today", "ten-days"}),  # open ends
    ("..2023-12", {"nos-2", "fa-3"}),
    (">2024-09-20", {"nu-1", "fa-1", "fa-2", "today", "ten-days"}),
    (">=2024-09-20", {"nos-1", "nu-1", "fa-1", "fa-2", "today", "ten-days"}),
    ("<2024-09-21", {"nos-1", "nos-2", "fa-3"}),
    ("<=2024-09", {"nos-1", "nos-2", "fa-1", "fa-3"}),
    ("now-7d", {"today"}),  # the last 7 days up to today
    (">now-11d", {"today", "ten-days"}),
])
def test_date_filters(news, value, expected):
    everything = "Trump OR ترامپ OR woningmarkt OR huren OR روحانی"
    assert found(news, f"date:{value} {everything}") == expected
    assert found(news, f"{everything} -date:{value}") == {a["id"] for a in articles()} - expected  # undated too


def test_date_filters_in_a_query_combine_with_the_options(news):
    assert found(news, "date:2024 Trump OR ترامپ", lang="fa") == {"fa-1", "fa-2"}
    assert found(news, "date:>=2024-09-01 date:<2024-10-01 Trump OR ترامپ") == {"nos-1", "fa-1"}  # all must hold
    assert found(news, "date:2024 Trump OR ترامپ", date_to="2024-09-30") == {"nos-1", "fa-1"}


@pytest.mark.parametrize("value, message", [
    ("gisteren", "date 'gisteren' is not a date: write it as 2024-09-21, 2024-09 or 2024"),
    ("2024-02-30", "date '2024-02-30' does not exist"),
    ("2024-13", "date '2024-13' has no month 13"),
    ("0000", "date '0000' does not exist"),
    (">9999", "date '>9999' leaves no day: the calendar runs from 0001-01-01 to 9999-12-31"),
    ("<0001-01", "date '<0001-01' leaves no day"),
])
def test_a_bad_date_filter_is_an_error_naming_the_forms(news, value, message):
    with pytest.raises(SearcherError, match=message):
        news.search(f"date:{value} Trump")


def test_dates_at_the_ends_of_the_calendar(news):
    """Years 1 and 9999 and periods reaching back before year 1 are dates like others (they
    raised ValueError and OverflowError, tracebacks on the command line)."""
    everything = "Trump OR ترامپ OR woningmarkt OR huren OR روحانی"
    dated = {article["id"] for article in articles() if "date" in article}
    for value in ("<=9999", "..9999-12", ">=0001", "0001..9999", "now-9999y"):
        assert found(news, f"date:{value} {everything}") == dated, value
    assert found(news, f"date:9999 {everything}") == found(news, f"date:0001-01 {everything}") == set()
    assert found(news, everything, since="9999y") == found(news, everything, date_from="1850-01-01") == dated


def test_since_counts_back_from_today(news):
    assert found(news, "Trump", since="7d") == {"today"}
    assert found(news, "Trump", since="2w") == {"today", "ten-days"}
    assert found(news, "Trump", since="24h") == {"today"}
    assert found(news, "Trump", since="2w", date_from=TODAY.isoformat()) == {"today"}  # the later start wins
    with pytest.raises(SearcherError, match="'7x' is not a period: write it as 24h, 7d, 2w, 3m or 1y"):
        news.search("Trump", since="7x")


@pytest.mark.parametrize("query, expected", [
    ("Oekra*", {"nos-1", "nu-1"}),  # Oekraïne, Oekraïners: the prefix folded
    ("oekraï*", {"nos-1", "nu-1"}),
    ("onderhandelingen*", {"nos-3", "nu-1"}),  # the word itself in any inflection, though its stem is shorter
    ("woning*", {"nos-2", "nos-3", "today"}),  # a compound's start
    ("ترام*", {"fa-1", "fa-2"}),
    ("كتا*", {"fa-2"}),  # an Arabic kaf typed, folded to the Persian one
    ("Trump -Oekra*", {"today", "ten-days", "fa-1"}),
])
def test_wildcards_on_the_folded_word(news, query, expected):
    assert found(news, query) == expected


def test_wildcard_hits_mark_the_words_it_stands_for(news):
    hit = news.search("Oekra*").hits[0]
    assert any(word.startswith("Oekraï") for word in hit.snippet.matches)


def test_a_wildcard_standing_for_too_many_words_says_so(make_index):
    letters = "bcdfghjklmnpqrstvwxz"
    words = [f"kwak{a}{b}" for a in letters for b in letters][:205]
    index = make_index({"id": "many", "text": " ".join(words), "lang": "nl"},
                       {"id": "one", "text": "kwakbb kwakbc", "lang": "nl"})
    page = index.search("kwak*")
    assert page.notes == ("'kwak*' stands for more than 200 words: the 200 most frequent were searched",)
    assert set(ids(page)) == {"many", "one"}
    assert index.search("kwakb*").notes == ()


def test_unknown_fields_are_words_with_a_note(news):
    page = news.search("kleur:Trump")
    assert set(ids(page)) == TRUMP - {"fa-2"}  # the words kleur and Trump
    assert page.notes == (f"unknown field 'kleur:' searched as words {FIELDS_NOTE}",)
    assert news.search("https://nos.nl Trump").notes == ()  # a web address is words, as meant
    assert news.search("Trump").notes == ()


def test_a_filter_where_it_cannot_restrict_the_whole_query_says_so(news):
    assert found(news, "Trump NOT (lang:fa OR oorlog)") == {"today", "ten-days"}  # excluded: exact
    assert found(news, "Trump AND (lang:nl AND oorlog)") == {"nos-1", "nu-1"}  # required: exact
    page = news.search("Trump AND (lang:fa OR oorlog)")
    assert page.notes == ("the filter lang:fa applies to the whole query",)
    assert set(ids(page)) == set()  # read as lang:fa AND Trump AND oorlog


def test_a_query_may_start_with_a_dash(news):
    assert found(news, "-oorlog Trump") == {"today", "ten-days", "fa-1"}
    assert found(news, "-lang:fa -source:nos Trump") == {"nu-1", "ten-days"}


# Counts


def test_all_words_counts_the_articles_holding_every_content_word(news):
    page = news.search("Rutte woningmarkt", limit=1)
    assert (page.total, page.all_words) == (4, 1)  # nos-1, nos-2, nos-3, today; both: nos-3
    assert news.search("Rutte").all_words is None  # one word
    assert news.search("Rutte OR (woningmarkt AND huren)").all_words is None  # not a keyword query
    assert news.search("de woningmarkt en de huren").all_words == 1  # stop words left out: nos-2
    assert news.search('"de woningmarkt" Rutte').all_words == 1
    assert news.search("Rutte woningmarkt -onderhandelingen").all_words == 0
    five = news.search("Trump oorlog Oekraïne Rutte praten")  # beyond the all-words-first tier's 3 words
    assert (five.total, five.all_words) == (6, 1)
    assert news.search("Rutte woningmarkt", lang="fa").all_words == 0


# The command line


@pytest.fixture
def cli(make_index):
    return searcher_on(make_index(*articles()))


def test_cli_header_counts_all_the_words(cli):
    lines = cli("search", "Rutte woningmarkt", "--limit", "2").stdout.split("\n")
    assert lines[0] == "4 hits, 1 with all the words, showing 1-2, for: Rutte woningmarkt"
    assert cli("search", "Rutte woningmarkt", "--limit", "9").stdout.startswith(
        "4 hits, 1 with all the words, for: Rutte woningmarkt\n")
    assert cli("search", "Rutte").stdout.startswith("2 hits for: Rutte\n")
    data = json.loads(cli("search", "Rutte woningmarkt", "--json").stdout)
    assert (data["total"], data["all_words"]) == (4, 1)
    assert "all_words" not in json.loads(cli("search", "Rutte", "--json").stdout)


def test_cli_prints_notes_on_stderr_and_in_json(cli):
    result = cli("search", "kleur:Trump lang:nl")
    assert result.exit_code == 0
    assert result.stderr == f"Note: unknown field 'kleur:' searched as words {FIELDS_NOTE}\n"
    assert result.stdout.startswith("4 hits for: kleur:Trump lang:nl\n")
    data = json.loads(cli("search", "kleur:Trump lang:nl", "--json").stdout)
    assert data["notes"] == [f"unknown field 'kleur:' searched as words {FIELDS_NOTE}"]
    assert json.loads(cli("search", "Trump", "--json").stdout)["notes"] == []


def test_cli_filters_dash_queries_and_since(cli):
    hits = json.loads(cli("search", "-lang:nl Trump OR ترامپ", "--json").stdout)["hits"]
    assert {hit["id"] for hit in hits} == {"fa-1", "fa-2"}
    dated = json.loads(cli("search", "date:1403-06 Trump OR ترامپ", "--json", "--sort", "date").stdout)["hits"]
    assert [hit["id"] for hit in dated] == ["fa-1", "nos-1"]
    recent = cli("search", "Trump", "--since", "7d")
    assert recent.stdout.startswith("1 hit for: Trump\n") and "· today" in recent.stdout
    assert {hit["id"] for hit in json.loads(cli("search", "Trump", "--since", "9999y", "--json").stdout)["hits"]} == (
        TRUMP - {"fa-2"})  # every dated article with the word
    beyond = cli("search", "date:9999-12 Trump")
    assert (beyond.exit_code, beyond.stdout) == (0, "No hits for: date:9999-12 Trump\n")
    before = cli("search", "date:0000 Trump")
    assert (before.exit_code, before.stderr) == (1, "Error: date '0000' does not exist\n")
    bad = cli("search", "Trump", "--since", "week")
    assert bad.exit_code == 1 and bad.stderr == "Error: 'week' is not a period: write it as 24h, 7d, 2w, 3m or 1y\n"
    wrong = cli("search", "date:morgen Trump")
    assert wrong.exit_code == 1 and wrong.stderr.startswith("Error: date 'morgen' is not a date")
    unknown = cli("search", "source:bbc Trump")
    assert unknown.exit_code == 1 and unknown.stderr.startswith("Error: no articles from source 'bbc'")


def test_cli_wildcards(cli):
    out = cli("search", "Oekra*", "--all").stdout
    assert out.startswith("2 hits for: Oekra*\n") and "**Oekraïne**" in out and "**Oekraïners**" in out
    many = cli("search", "ترام*", "--json")
    assert {hit["id"] for hit in json.loads(many.stdout)["hits"]} == {"fa-1", "fa-2"}
