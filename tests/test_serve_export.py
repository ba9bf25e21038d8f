"""GET /api/export through an HTTP client against a running uvicorn server: every hit of a query
as `searcher search Q --format jsonl|csv|tsv` writes it, with every filter, as a download; at
most MAX_EXPORTS at once per worker."""
from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import httpx2
import pytest
from click.testing import CliRunner

from searcher.cli import main
from searcher.server import json_api
from searcher.server.settings import MAX_EXPORTS

PERSIAN_QUERY = "هسته‌ای"
TYPES = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8",
         "tsv": "text/tab-separated-values; charset=utf-8"}


def cli_export(index_path, query: str, format: str, *options: str) -> bytes:
    result = CliRunner().invoke(main, ["search", query, "--index", str(index_path), "--format", format, *options])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


@pytest.fixture(scope="module")
def http(live_server) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=live_server, timeout=30) as client:
        yield client


@pytest.mark.parametrize("format, params, cli_options", [
    ("csv", {}, []),
    ("tsv", {}, []),
    ("jsonl", {}, []),
    ("csv", [("source", "irna"), ("source", "copies"), ("sort", "date")], ["--source", "irna", "--source", "copies",
                                                                         "--sort", "date"]),
    ("jsonl", {"all": "1", "lang": "fa", "from": "1403-06-01", "to": "2024-09-30"},
     ["--all", "--lang", "fa", "--from", "1403-06-01", "--to", "2024-09-30"]),
    ("tsv", {"snippets": "0", "since": "1y"}, ["--no-snippets", "--since", "1y"]),
    ("jsonl", {"explain": "1", "marks": "1"}, ["--explain", "--marks"]),
])
def test_an_export_is_what_the_cli_writes(http, news_index_path, format, params, cli_options):
    params = [("q", PERSIAN_QUERY), ("format", format), *(params.items() if isinstance(params, dict) else params)]
    response = http.get("/api/export", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == TYPES[format]
    assert response.headers["content-disposition"] == f'attachment; filename="searcher-export.{format}"'
    assert response.content == cli_export(news_index_path, PERSIAN_QUERY, format, *cli_options)


def test_an_export_holds_every_hit_with_its_copies_and_hostile_values_as_data(http):
    lines = http.get("/api/export", params={"q": PERSIAN_QUERY}).text.splitlines()  # JSON lines by default
    hits = [json.loads(line) for line in lines]
    assert [hit["rank"] for hit in hits] == list(range(1, 25))  # 26 articles, 2 copies folded
    assert {hit["id"]: hit["similar"] for hit in hits if hit["similar"]} == {"fa-03": ["fa-03-copy"],
                                                                             "fa-07": ["fa-07-copy"]}
    csv_text = http.get("/api/export", params={"q": "kabinet", "format": "csv", "lang": "nl"}).text
    assert csv_text.startswith("rank,id,date,source,lang,score,title,url,path,similar,snippet\r\n")
    assert '"evil""><img src=x onerror=""window.__xss=\'id\'"">"' in csv_text  # quoted, quotes doubled


@pytest.mark.parametrize("params, status, message", [
    ({"format": "csv"}, 400, "give the query as the parameter 'q'"),
    ({"q": "kabinet", "format": "xlsx"}, 400, "unknown format 'xlsx': use one of jsonl, csv, tsv"),
    ({"q": "kabinet", "format": "csv", "marks": "1"}, 400, "marks and explain go with format=jsonl, not format=csv"),
    ({"q": "kabinet", "format": "tsv", "explain": "1"}, 400, "marks and explain go with format=jsonl"),
    ({"q": "kabinet", "limit": "5"}, 400, "unknown parameter 'limit'"),
    ({"q": "kabinet", "source": "fars"}, 400, "no articles from source 'fars'"),
    ({"q": "kabinet", "since": "soon"}, 400, "'soon' is not a period"),
    ({"q": "NOT kabinet"}, 400, "the query"),
])
def test_a_bad_export_is_one_line_of_json(http, params, status, message):
    response = http.get("/api/export", params=params)
    assert response.status_code == status
    assert list(response.json()) == ["error"] and message in response.json()["error"]


@pytest.fixture
def exports_held_open(monkeypatch) -> Iterator[threading.Event]:
    """Exports that stay open after their first chunk until the event is set: slow downloads, as
    a large export to a slow client is (the server runs in a thread of this process)."""
    release = threading.Event()
    sliced = json_api.time_sliced

    async def held_open(lines):
        async for chunk in sliced(lines):
            yield chunk
            while not release.is_set():
                await asyncio.sleep(0.01)

    monkeypatch.setattr(json_api, "time_sliced", held_open)
    yield release
    release.set()


def test_a_third_export_at_once_gets_429_and_a_finished_one_frees_its_slot(http, live_server, exports_held_open):
    params = {"q": PERSIAN_QUERY, "format": "csv"}
    with httpx2.Client(base_url=live_server, timeout=30) as first, httpx2.Client(base_url=live_server, timeout=30) as second:
        with first.stream("GET", "/api/export", params=params) as one, \
                second.stream("GET", "/api/export", params=params) as two:
            assert (one.status_code, two.status_code) == (200, 200)
            refused = http.get("/api/export", params=params)
            assert refused.status_code == 429
            assert refused.json() == {"error": f"{MAX_EXPORTS} exports are running on this worker, the most it runs "
                                               f"at once: try again when one has finished"}
            assert refused.headers["retry-after"] == "10"
            assert http.get("/api/search", params={"q": "kabinet"}).status_code == 200  # searches go on meanwhile
            exports_held_open.set()
            assert one.read().decode().count("\r\n") == 25 and two.read() == one.read()
    assert http.get("/api/export", params=params).status_code == 200


def test_a_client_that_goes_away_midway_frees_its_slot(live_server, exports_held_open):
    """Each client leaves after the first chunk, its export unfinished: were the slots not
    given back, the third would be refused for good."""
    for _ in range(3 * MAX_EXPORTS):
        for _attempt in range(100):  # the server notices a departure within a few of its turns
            with httpx2.Client(base_url=live_server, timeout=30) as leaving:
                with leaving.stream("GET", "/api/export", params={"q": PERSIAN_QUERY}) as response:
                    if response.status_code == 429:
                        continue
                    assert response.status_code == 200 and next(response.iter_bytes())
                    break
        else:
            pytest.fail("an export slot was not given back when its client left")
