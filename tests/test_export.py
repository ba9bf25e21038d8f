"""Exporting every hit: Index.export (a stream of hits) and `searcher search --format jsonl|csv|tsv`."""
from __future__ import annotations

import csv
import io
import itertools
import json
import tracemalloc

import pytest

from conftest import searcher_on

from searcher.errors import SearcherError

STORY = ("Het kabinet presenteert een nieuw plan voor de woningmarkt waarin starters voorrang krijgen bij "
         "nieuwbouw en huurders beter worden beschermd tegen hoge huren en lange wachtlijsten in de grote steden")
COPY = STORY.replace("nieuw plan", "nieuw en ambitieus plan")


def articles() -> list[dict]:
    """Dutch and Persian articles about housing, dated and undated, with a copy of one story
    (ranked last among its matches) and awkward titles for CSV and TSV."""
    found = [
        {"id": "story", "title": "Plan voor de woningmarkt", "text": STORY + " woningmarkt woningmarkt", "lang": "nl",
         "source": "NOS", "date": "2024-09-20"},
        {"id": "comma", "title": 'Huren, "te hoog" zegt bond', "text": "De huren op de woningmarkt stijgen", "lang": "nl",
         "source": "nu.nl", "date": "2024-10-02", "url": "https://nu.nl/a"},
        {"id": "tab", "title": "Woningmarkt\tvast\nof niet", "text": "Woningmarkt in beweging", "lang": "nl",
         "source": "NOS"},
        {"id": "fa-1", "title": "بازار مسکن", "text": "بازار مسکن در تهران گران شد و اجاره‌ها بالا رفت woningmarkt",
         "lang": "fa", "source": "همشهری", "date": "1403-06-31"},
    ]
    found += [{"id": f"n{n:02d}", "title": f"Nieuws {n}", "text": f"Bericht {n} over de woningmarkt in regio {n}",
               "lang": "nl", "source": "regio", "date": f"2023-{n % 12 + 1:02d}-01"} for n in range(20)]
    found.append({"id": "zz-copy", "title": "", "text": COPY, "lang": "nl", "source": "ANP"})
    return found


@pytest.fixture
def housing(make_index):
    return make_index(*articles())


def hit_ids(hits) -> list[str]:
    return [hit.id for hit in hits]


def test_export_streams_every_hit_in_the_order_of_the_pages(housing):
    everything = housing.search("woningmarkt", limit=100, suggest=False)
    exported = housing.export("woningmarkt")
    assert exported.total == everything.total == 25
    assert hit_ids(exported) == hit_ids(everything.hits)
    paged = [hit for page in range(1, 4) for hit in housing.search("woningmarkt", limit=10, page=page).hits]
    assert hit_ids(housing.export("woningmarkt")) == hit_ids(paged)
    assert [hit.score for hit in housing.export("woningmarkt")] == [hit.score for hit in everything.hits]


def test_export_by_date_is_newest_first_undated_last(housing):
    exported = list(housing.export("woningmarkt", order="date"))
    assert hit_ids(exported) == hit_ids(housing.search("woningmarkt", sort="date", limit=100).hits)
    dates = [hit.date for hit in exported]
    dated = [date for date in dates if date]
    assert dated == sorted(dated, reverse=True) and dates[len(dated):] == [None] * (len(dates) - len(dated))
    assert {hit.score for hit in exported} == {0.0}


def test_export_snippets_only_when_asked(housing):
    bare = next(housing.export("huurders"))
    assert bare.snippet.text == "" and bare.title_matches == ()
    full = next(housing.export("huurders", snippets=True))
    # the best hit may say huren or huurders: one stem, huur
    assert full.snippet == housing.search("huurders").hits[0].snippet and full.snippet.matches
    assert set(full.snippet.matches) <= {"huurders", "huren"}


def test_folded_export_lists_every_copy_under_the_best_ranked_one(housing):
    ranked = hit_ids(housing.export("woningmarkt"))
    assert ranked.index("story") < ranked.index("zz-copy") == len(ranked) - 1
    folded = list(housing.export("woningmarkt", group=True))
    assert hit_ids(folded) == ranked[:-1]
    assert {hit.id: hit.similar for hit in folded if hit.similar} == {"story": ("zz-copy",)}
    assert hit_ids(folded) == hit_ids(housing.search("woningmarkt", group=True, limit=100).hits)


def resent_stories() -> list[dict]:
    """600 articles matching `woningmarkt`: 60 stories each sent 10 times (a rewritten tail per copy)."""
    words = "kabinet woningmarkt starters huurders nieuwbouw wachtlijsten steden bond plan huren".split()
    records = []
    for story in range(60):
        base = " ".join(words[(story + k) % len(words)] + f"{story}x{k}" for k in range(30))
        for copy in range(10):
            records.append({"id": f"s{story:02d}-{copy}", "text": f"woningmarkt {base} extra{copy}", "lang": "nl"})
    return records


def test_a_deep_page_of_folded_hits_is_the_export_cut_to_it(make_index):
    # Folding reads the ranking a chunk at a time (256 matches, then 512), and the last page
    # must hold the groups the whole export holds there.
    index = make_index(*resent_stories())
    exported = list(index.export("woningmarkt", group=True))
    assert len(exported) == 60 and all(len(hit.similar) == 9 for hit in exported)
    for number, size in ((10, 6), (2, 7)):
        page = index.search("woningmarkt", group=True, page=number, limit=size, suggest=False)
        wanted = exported[(number - 1) * size : number * size]
        assert hit_ids(page.hits) == hit_ids(wanted) and page.total == 600
        assert [hit.similar for hit in page.hits] == [hit.similar for hit in wanted]


def test_folding_does_not_depend_on_how_many_matches_are_folded_at_a_time(make_index, monkeypatch):
    from searcher.search import engine

    index = make_index(*resent_stories())
    exported = [(hit.id, hit.similar) for hit in index.export("woningmarkt", group=True)]
    page = [(hit.id, hit.similar) for hit in index.search("woningmarkt", group=True, page=3, limit=10).hits]
    assert len(exported) == 60 and page == exported[20:30]
    for chunk in (1, 7, 250):
        monkeypatch.setattr(engine, "LEADERS_CHUNK", chunk)
        monkeypatch.setattr(engine, "GROUP_CHUNK", chunk)
        assert [(hit.id, hit.similar) for hit in index.export("woningmarkt", group=True)] == exported
        assert [hit.id for hit in index.search("woningmarkt", group=True, page=3, limit=10).hits] == [
            hit_id for hit_id, _ in page]


def test_a_warm_index_folds_from_its_similar_pairs_as_from_the_signatures(make_index, monkeypatch):
    """Once an index has folded as many matches as it holds, it folds from the similar pairs
    of the whole index: every page (its copies cut where the chunks end) and the export are
    those folding from the matches' signatures gives, across segments, deleted and updated
    articles included."""
    from searcher import open_index
    from searcher.search import engine

    monkeypatch.setattr(engine, "GROUP_CHUNK", 7)  # a page's copies cut at the chunks read
    stories = resent_stories()
    index = make_index(*stories[:300], *[{"id": f"u{n}", "text": f"iets anders {n}", "lang": "nl"} for n in range(700)])
    index.add_documents(stories[300:])
    index.remove(["s00-0", "s31-4", "s59-9"])
    index.add_documents([{**stories[5], "text": stories[25]["text"]}, {**stories[40], "text": "woningmarkt kort"}])
    cases = [(number, size) for number in (1, 2, 5) for size in (1, 3, 10)] + [(1, 100)]

    def page(opened, number: int, size: int) -> list:
        return [(hit.id, hit.similar) for hit in opened.search("woningmarkt", group=True, page=number, limit=size,
                                                               snippets=False, suggest=False).hits]

    def export(opened) -> list:
        return [(hit.id, hit.similar) for hit in opened.export("woningmarkt", group=True)]

    by_signatures = []
    for number, size in cases:  # a fresh process folds its one search's matches from their signatures
        with open_index(index.path) as fresh:
            by_signatures.append(page(fresh, number, size))
            with fresh._reading() as answering:
                assert answering._pairs is None
    by_signatures.append(export(index))  # an export has an engine of its own
    for _ in range(3):  # 599 matches folded each time: the index holds 1,301 articles
        index.search("woningmarkt", group=True, limit=1, suggest=False)
    with index._reading() as answering:
        assert answering._pairs and len(answering.collection.leaves) > 1
    assert [page(index, number, size) for number, size in cases] + [export(index)] == by_signatures
    assert any(len(similar) == 9 for _, similar in by_signatures[-1]) and any(
        0 < len(similar) < 9 for page in by_signatures[:-1] for _, similar in page)


def test_export_filters_and_notes(housing):
    assert hit_ids(housing.export("woningmarkt", lang="fa")) == ["fa-1"]
    assert set(hit_ids(housing.export("woningmarkt", source=["NOS", "nu.nl"]))) == {"story", "comma", "tab"}
    assert set(hit_ids(housing.export("woningmarkt lang:nl", date_from="2024-01-01"))) == {"story", "comma"}
    noted = housing.export("kleur:rood woningmarkt")
    assert noted.notes == ("unknown field 'kleur:' searched as words (fields: title:, body:, lang:, source:, date:, id:)",)
    with pytest.raises(SearcherError, match="unknown sort 'title'"):
        housing.export("woningmarkt", order="title")


def test_the_index_stays_usable_during_an_export_and_the_export_reads_one_commit(housing):
    exported = housing.export("woningmarkt")
    first = next(exported)
    assert housing.search("woningmarkt").hits[0].id == first.id  # no lock held between hits
    housing.add_documents([{"id": "late", "title": "Woningmarkt laat", "text": "woningmarkt woningmarkt"}])
    rest = list(exported)
    assert "late" not in hit_ids(rest) and len(rest) == 24
    assert "late" in hit_ids(housing.export("woningmarkt"))


def test_a_closed_export_gives_no_more_hits(housing):
    with housing.export("woningmarkt") as exported:
        assert len(list(itertools.islice(exported, 3))) == 3
    assert list(exported) == []


def peak_bytes(work) -> int:
    """The peak of memory Python allocated while ``work()`` ran."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_export_holds_one_hit_at_a_time(make_index):
    """Memory stays flat however many hits are written: 600 hits whose stored urls take 30 MB
    in all are exported within the size of a few of them, where a page of the 600 holds all."""
    url = "https://nos.nl/" + "x" * 50_000
    index = make_index(*({"id": f"n{n:03d}", "title": f"Bericht {n}", "text": f"woningmarkt bericht {n}",
                          "lang": "nl", "url": f"{url}/{n}"} for n in range(600)))
    taken = []
    exported = peak_bytes(lambda: taken.extend(len(hit.url) for hit in index.export("woningmarkt")))
    assert len(taken) == 600
    assert peak_bytes(lambda: index.search("woningmarkt", limit=600, snippets=False)) > 600 * len(url)
    assert exported < 20 * len(url)


# The command line


@pytest.fixture
def cli(make_index):
    return searcher_on(make_index(*articles()))


def test_cli_csv_has_a_header_and_one_quoted_row_per_hit(cli):
    result = cli("search", "woningmarkt", "--format", "csv")
    assert result.exit_code == 0
    table = list(csv.reader(io.StringIO(result.stdout_bytes.decode(), newline="")))
    assert table[0] == ["rank", "id", "date", "source", "lang", "score", "title", "url", "path", "similar", "snippet"]
    assert len(table) == 1 + 24  # the copy folded into its story
    rows = {row[1]: row for row in table[1:]}
    assert rows["comma"][6] == 'Huren, "te hoog" zegt bond' and rows["comma"][7] == "https://nu.nl/a"
    assert rows["story"][9] == "zz-copy" and rows["story"][2] == "2024-09-20"
    assert rows["fa-1"][6] == "بازار مسکن" and rows["fa-1"][4] == "fa"
    assert [row[0] for row in table[1:]] == [str(n) for n in range(1, 25)]
    raw = result.stdout_bytes.decode()
    assert '"Huren, ""te hoog"" zegt bond"' in raw and raw.count("\r\n") == 25 and raw.count("\n") == 26
    assert not set(result.stdout) & {"\u2066", "\u2067", "\u2068", "\u2069", "\x1b"}


def test_cli_tsv_keeps_each_hit_on_one_line(cli):
    lines = cli("search", "woningmarkt", "--format", "tsv", "--all", "--no-snippets").stdout.split("\n")
    assert lines[0].split("\t")[:3] == ["rank", "id", "date"] and lines[-1] == ""
    assert len(lines) == 1 + 25 + 1 and all(line.count("\t") == 10 for line in lines[:-1])
    tab = next(line.split("\t") for line in lines if "\ttab\t" in line)
    assert tab[6] == "Woningmarkt vast of niet" and tab[10] == ""


def test_cli_jsonl_is_the_json_hit_with_its_rank(cli):
    lines = cli("search", "woningmarkt", "--format", "jsonl", "--all", "--marks").stdout.splitlines()
    hits = [json.loads(line) for line in lines]
    page = json.loads(cli("search", "woningmarkt", "--json", "--all", "--limit", "100", "--marks").stdout)
    assert [hit.pop("rank") for hit in hits] == list(range(1, 26))
    assert hits == page["hits"]


def test_cli_limit_and_page_cut_an_export(cli):
    whole = [json.loads(line)["id"] for line in cli("search", "woningmarkt", "--format", "jsonl").stdout.splitlines()]
    first = [json.loads(line) for line in cli("search", "woningmarkt", "--format", "jsonl", "--limit", "5").stdout.splitlines()]
    assert [hit["id"] for hit in first] == whole[:5]
    third = cli("search", "woningmarkt", "--format", "csv", "--limit", "5", "--page", "3").stdout
    rows = list(csv.reader(io.StringIO(third, newline="")))[1:]
    assert [row[1] for row in rows] == whole[10:15] and rows[0][0] == "11"
    by_date = cli("search", "woningmarkt", "--format", "tsv", "--sort", "date", "--limit", "1").stdout.split("\n")[1]
    assert by_date.split("\t")[:3] == ["1", "comma", "2024-10-02"] and by_date.split("\t")[5] == "0"


@pytest.mark.parametrize("options, message", [
    (["--format", "csv", "--json"], "--json and --format csv disagree"),
    (["--format", "tsv", "--facets"], "--facets goes with text or JSON output"),
    (["--format", "csv", "--marks"], "--marks goes with --json or --format jsonl"),
])
def test_cli_export_options_that_do_not_go_together(cli, options, message):
    result = cli("search", "woningmarkt", *options)
    assert result.exit_code == 2 and message in result.stderr


def test_cli_format_json_is_json(cli):
    assert json.loads(cli("search", "woningmarkt", "--format", "json").stdout)["total"] == 25


def test_cli_export_says_what_a_date_filter_left_out(cli):
    result = cli("search", "woningmarkt", "--format", "tsv", "--from", "2024-01-01", "--no-snippets")
    assert [line.split("\t")[1] for line in result.stdout.splitlines()[1:]] == ["story", "comma", "fa-1"]
    assert result.stderr == "Note: the date filter left out 2 undated articles matching the query\n"
