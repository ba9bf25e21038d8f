"""Filters, facets, sorting, paging, did-you-mean, more-like-this and near-duplicate grouping,
through the library and the command line."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import ids
from searcher.cli import main
from searcher.errors import SearcherError

WAR = "De oorlog in Oekraïne gaat door terwijl de onderhandelingen over een bestand opnieuw vastlopen in Genève"
STORY = ("Het kabinet presenteert een nieuw plan voor de woningmarkt waarin starters voorrang krijgen bij "
         "nieuwbouw en huurders beter worden beschermd tegen hoge huren en lange wachtlijsten in de grote steden")
ARTICLES = [
    {"id": "nos-1", "text": WAR, "lang": "nl", "source": "NOS", "date": "2024-09-20"},
    {"id": "nu-1", "text": WAR + " en Kyiv", "lang": "nl", "source": "nu.nl", "date": "2024-10-02"},
    {"id": "nos-2", "text": "De onderhandelingen over de begroting in Den Haag lopen vast", "lang": "nl", "source": "NOS",
     "date": "2023-01-15"},
    {"id": "fa-1", "text": "مذاکرات صلح اوکراین در ژنو دوباره متوقف شد و جنگ ادامه دارد", "lang": "fa",
     "source": "همشهری", "date": "1403-06-31"},
    {"id": "undated", "text": "Onderhandelingen zonder datum over Oekraïne", "lang": "nl", "source": "NOS"},
]


@pytest.fixture
def news(make_index):
    return make_index(*ARTICLES)


def test_filters_combine_with_any_query(news):
    assert ids(news.search("onderhandelingen", source="nos")) == ids(news.search("onderhandelingen", source="NOS"))
    assert set(ids(news.search("onderhandelingen", source="nos"))) == {"nos-1", "nos-2", "undated"}
    assert set(ids(news.search("onderhandelingen OR مذاکرات", date_from="2024-01-01"))) == {"nos-1", "nu-1", "fa-1"}
    assert ids(news.search("onderhandelingen OR مذاکرات", date_from="1403-06-31", date_to="1403-06-31")) == ["fa-1"]
    assert ids(news.search("Oekraïne -Kyiv", lang="nl", source="NOS", date_to="2024-12-31")) == ["nos-1"]


def test_several_sources_or_languages_mean_any_of_them(news):
    assert set(ids(news.search("onderhandelingen OR مذاکرات", source=["nu.nl", "همشهری"]))) == {"nu-1", "fa-1"}
    assert set(ids(news.search("onderhandelingen OR مذاکرات", source=("NOS", "nu.nl"), date_from="2024-01-01"))) == {
        "nos-1", "nu-1"}
    assert len(ids(news.search("onderhandelingen OR مذاکرات", lang=["nl", "fa"]))) == 5
    assert ids(news.search("onderhandelingen OR مذاکرات", lang=["fa", "und"])) == ["fa-1"]
    with pytest.raises(SearcherError, match="no articles from source 'BBC'"):
        news.search("oorlog", source=["NOS", "BBC"])
    with pytest.raises(SearcherError, match="unknown language 'en'"):
        news.search("oorlog", lang=["nl", "en"])


def test_filter_errors_name_the_fix(news):
    with pytest.raises(SearcherError, match="index knows NOS, nu.nl"):
        news.search("oorlog", source="BBC")
    with pytest.raises(SearcherError, match="1403-06-31 \\(Jalali\\)"):
        news.search("oorlog", date_from="gisteren")
    with pytest.raises(SearcherError, match="earlier date"):
        news.search("oorlog", date_from="2024-02-01", date_to="2024-01-01")


def test_source_falls_back_to_the_drop_folder(tmp_path):
    from searcher import open_index

    drop = tmp_path / "hamshahri"
    drop.mkdir()
    (drop / "a.txt").write_text("خبر مهم\nمذاکرات صلح در ژنو ادامه دارد و طرفین به توافق نزدیک شده‌اند.\n", encoding="utf-8")
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_paths([drop])
        page = index.search("مذاکرات", source="hamshahri", facets=True)
    assert page.hits[0].source == "hamshahri" and page.facets["source"] == {"hamshahri": 1}


def test_facets_count_every_match(news):
    page = news.search("onderhandelingen", limit=1, facets=True)
    assert page.total == 4 and len(page.hits) == 1
    assert page.facets == {
        "lang": {"nl": 4},
        "source": {"NOS": 3, "nu.nl": 1},
        "month": {"2024-09": 1, "2024-10": 1, "2023-01": 1, "none": 1},
    }
    assert list(page.facets["month"]) == ["2023-01", "2024-09", "2024-10", "none"]  # by date, undated last
    assert news.search("oorlog").facets is None


def test_sort_by_date_newest_first_undated_last(news):
    page = news.search("onderhandelingen OR مذاکرات", sort="date")
    assert ids(page) == ["nu-1", "fa-1", "nos-1", "nos-2", "undated"]  # 1403-06-31 is 2024-09-21
    with pytest.raises(SearcherError, match="relevance, date"):
        news.search("oorlog", sort="newest")


def test_pages_report_the_total(news):
    first, second = (news.search("onderhandelingen", limit=3, page=n) for n in (1, 2))
    assert first.total == second.total == 4
    assert len(first.hits) == 3 and len(second.hits) == 1
    assert not set(ids(first)) & set(ids(second))


def test_did_you_mean_corrects_from_the_index_vocabulary(news):
    page = news.search("ondrhandelingen")
    assert page.total == 0
    assert page.suggestion == "onderhandelingen"
    assert news.search("oorlgo Oekraïne").suggestion is None  # plenty of hits: no suggestion
    assert news.search("onderhandelingen").suggestion is None


@pytest.mark.parametrize("indexed, query", [
    ("کتاب‌ها در کتابخانه ملی نگهداری می‌شوند", "كتابها"),  # Arabic kaf and yeh, no half-space
    ("کتاب‌ها در کتابخانه ملی نگهداری می‌شوند", "میشوند"),  # half-space left out
    ("کتاب‌ها در کتابخانه ملی نگهداری میشوند", "می‌شوند"),  # half-space added
])
def test_spelling_variants_are_not_misspellings(make_index, indexed, query):
    index = make_index({"id": "1", "text": indexed, "lang": "fa"}, {"id": "2", "text": "کتاب‌ها " + indexed, "lang": "fa"})
    assert index.search(query).suggestion is None


def test_similar_lists_related_articles(news):
    page = news.similar("nos-1")
    assert ids(page)[0] == "nu-1" and "nos-1" not in ids(page)
    assert ids(news.similar("nos-1", source="NOS")) == ["undated", "nos-2"]  # shares Oekraïne and onderhandelingen
    with pytest.raises(SearcherError, match="no article with id 'nope'"):
        news.similar("nope")


def test_near_duplicates_are_grouped_under_the_best_hit(make_index):
    copy = STORY.replace("nieuw plan", "nieuw en ambitieus plan").replace("grote steden", "grote Nederlandse steden")
    index = make_index(
        {"id": "anp", "text": STORY, "lang": "nl", "source": "ANP"},
        {"id": "nos", "text": STORY, "lang": "nl", "source": "NOS"},
        {"id": "edited", "text": copy, "lang": "nl", "source": "nu.nl"},
        {"id": "other", "text": "Het kabinet wil de woningmarkt hervormen, zeggen critici over de huren", "lang": "nl"},
    )
    grouped = index.search("woningmarkt huren", group=True)
    assert grouped.total == 4
    assert len(grouped.hits) == 2
    leader = next(hit for hit in grouped.hits if hit.similar)
    assert {leader.id, *leader.similar} == {"anp", "nos", "edited"}
    assert len(index.search("woningmarkt huren").hits) == 4  # not grouped unless asked


@pytest.fixture
def cli(make_index, tmp_path, monkeypatch):
    """Runs ``searcher ARGS`` on an index of ARTICLES; returns the click Result."""
    index = make_index(*ARTICLES)
    monkeypatch.delenv("NO_COLOR", raising=False)

    def invoke(*args: str):
        return CliRunner().invoke(main, [*args, "--index", str(index.path)], catch_exceptions=False)

    return invoke


def test_cli_filters_sort_and_facets(cli):
    result = cli("search", "onderhandelingen OR مذاکرات", "--from", "1403-01-01", "--sort", "date", "--facets", "--all", "--json")
    data = json.loads(result.stdout)
    assert [hit["id"] for hit in data["hits"]] == ["nu-1", "fa-1", "nos-1"]
    assert data["facets"]["lang"] == {"nl": 2, "fa": 1}
    text = cli("search", "onderhandelingen", "--source", "nos", "--facets").stdout
    assert text.startswith("3 hits for: onderhandelingen\n") and "\nsource: NOS 3" in text


def test_cli_facets_in_order(cli):
    """Months by date, undated last; other facets by count, most first."""
    text = cli("search", "onderhandelingen OR مذاکرات", "--facets", "--all").stdout
    assert text.split("\n")[-4:] == [
        "lang: nl 4, fa 1",
        "source: NOS 3, nu.nl 1, همشهری 1",
        "month: 2023-01 1, 2024-09 2, 2024-10 1, none 1",
        "",
    ]
    data = json.loads(cli("search", "onderhandelingen OR مذاکرات", "--facets", "--json").stdout)
    assert list(data["facets"]["month"]) == ["2023-01", "2024-09", "2024-10", "none"]
    assert list(data["facets"]["source"]) == ["NOS", "nu.nl", "همشهری"]


def test_cli_repeated_source_and_lang_mean_any_of_them(cli):
    data = json.loads(cli("search", "onderhandelingen OR مذاکرات", "--source", "nu.nl", "--source", "همشهری",
                          "--json", "--all").stdout)
    assert {hit["id"] for hit in data["hits"]} == {"nu-1", "fa-1"} and data["total"] == 2
    both = json.loads(cli("search", "onderhandelingen OR مذاکرات", "--lang", "fa", "--lang", "nl", "--json").stdout)
    assert both["total"] == 5
    one = json.loads(cli("search", "onderhandelingen OR مذاکرات", "--lang", "fa", "--json").stdout)
    assert [hit["id"] for hit in one["hits"]] == ["fa-1"]


def test_cli_no_score_when_sorted_by_date(cli):
    by_date = cli("search", "onderhandelingen", "--sort", "date", "--all").stdout
    assert "score" not in by_date and "   2024-10-02 · nu.nl · nl · nu-1" in by_date.split("\n")
    assert "· score " in cli("search", "onderhandelingen", "--all").stdout


def test_cli_errors_name_the_fix(cli):
    result = cli("search", "oorlog", "--to", "morgen")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: to date 'morgen' is not a date: write it as 2024-09-21")


def test_cli_did_you_mean(cli):
    assert "Did you mean: onderhandelingen" in cli("search", "ondrhandelingen").stdout
    assert json.loads(cli("search", "ondrhandelingen", "--json").stdout)["suggestion"] == "onderhandelingen"


def test_cli_similar_groups_unless_all(cli):
    grouped = json.loads(cli("similar", "nos-2", "--json").stdout)
    everything = json.loads(cli("similar", "nos-2", "--json", "--all").stdout)
    assert {hit["id"] for hit in everything["hits"]} >= {"nos-1", "nu-1"}
    assert len(grouped["hits"]) == len(everything["hits"]) - 1
    assert any(hit["similar"] for hit in grouped["hits"])
    assert "+1 similar: " in cli("similar", "nos-2").stdout


def test_similar_never_uses_stop_words_as_key_terms(seed_index):
    from searcher.query.plan import positive_terms
    from searcher.search import similar

    with seed_index._reading() as engine:
        plan = similar.like(engine, "000_ef6e32c70ca40c0f")
    terms = {term for _, _, term in positive_terms(plan.query)}
    assert len(terms) == similar.KEY_TERMS and not terms & {"و", "با", "در", "به", "از", "که"}


@pytest.mark.parametrize("bare_first", [True, False])
def test_facets_sort_and_grouping_across_segments_missing_a_column(tmp_path, bare_first):
    """One commit of articles without a source or a date (their segment has no ``outlet`` or
    ``date`` column), another with both: every column read maps documents to their segment."""
    from searcher import open_index

    bare = [{"id": f"bare-{n}", "title": "", "text": f"{text} {n}", "lang": "nl"}
            for n, text in enumerate([STORY, WAR, "Onderhandelingen over de woningmarkt en de huren", WAR + " Kyiv"])]
    dated = [{"id": "nos", "title": "", "text": STORY, "lang": "nl", "source": "NOS", "date": "2024-09-20"}]
    with open_index(tmp_path / "idx", create=True) as index:
        for batch in (bare, dated) if bare_first else (dated, bare):
            index.add_documents(batch, procs=1)
        page = index.search("woningmarkt OR oorlog", facets=True)
        by_date = index.search("woningmarkt OR oorlog", sort="date")
        grouped = index.search("woningmarkt huren", group=True, facets=True)
    assert page.total == 5
    assert page.facets == {"lang": {"nl": 5}, "source": {"none": 4, "NOS": 1}, "month": {"none": 4, "2024-09": 1}}
    assert ids(by_date)[0] == "nos" and {hit.date for hit in by_date.hits[1:]} == {None}
    leader = next(hit for hit in grouped.hits if hit.similar)
    assert {leader.id, *leader.similar} == {"nos", "bare-0"}
    assert grouped.facets["source"] == {"none": 2, "NOS": 1}


def test_facets_and_grouping_on_an_empty_index(make_index):
    index = make_index({"id": "gone", "text": "Een bericht over de oorlog."})  # indexing nothing makes no index
    index.remove(["gone"])
    page = index.search("oorlog", facets=True, group=True)
    assert page.total == 0 and page.facets == {"lang": {}, "source": {}, "month": {}}
