"""The JSON API (searcher.server.json_api) through an HTTP client: the CLI's --json shapes,
every search option, errors as one line of JSON with a 4xx status."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from searcher import ArticleNotFound, open_index
from searcher.cli import main
from searcher.server import ServerSettings, create_app
from searcher.server.settings import MAX_LIMIT, MAX_QUERY_CHARS, MAX_WINDOW
from serve_fixtures import build_news_index
from test_watch import finishes_within, locks_held

PERSIAN_QUERY = "هسته‌ای"


def cli_json(index_path, *args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--index", str(index_path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("params, cli_options", [
    ({}, []),
    ({"facets": "1"}, ["--facets"]),
    ({"all": "1", "limit": "30"}, ["--all", "--limit", "30"]),
    ({"lang": "fa", "source": "ISNA", "sort": "date"}, ["--lang", "fa", "--source", "ISNA", "--sort", "date"]),
    ({"from": "1403-06-01", "to": "2024-09-30", "facets": "true"},
     ["--from", "1403-06-01", "--to", "2024-09-30", "--facets"]),
    ({"page": "2", "limit": "5"}, ["--page", "2", "--limit", "5"]),
    ({"marks": "1"}, ["--marks"]),
    ({"explain": "1"}, ["--explain"]),
    ({"explain": "1", "marks": "1", "all": "1", "sort": "date"}, ["--explain", "--marks", "--all", "--sort", "date"]),
    ({"snippets": "0"}, ["--no-snippets"]),
    ({"since": "1y", "facets": "1"}, ["--since", "1y", "--facets"]),
    ([("source", "irna"), ("source", "copies"), ("lang", "fa"), ("lang", "nl")],
     ["--source", "irna", "--source", "copies", "--lang", "fa", "--lang", "nl"]),
])
def test_search_answers_as_the_cli_json_does(client, news_index_path, params, cli_options):
    params = [("q", PERSIAN_QUERY), *(params.items() if isinstance(params, dict) else params)]
    response = client.get("/api/search", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == cli_json(news_index_path, "search", PERSIAN_QUERY, *cli_options)


@pytest.mark.parametrize("params, cli_options", [
    ({}, []),
    ({"q": PERSIAN_QUERY}, ["--query", PERSIAN_QUERY]),
    ({"q": "kabinet", "marks": "1"}, ["--query", "kabinet", "--marks"]),
])
def test_an_article_reads_as_the_cli_shows_it(client, news_index_path, params, cli_options):
    article_id = "fa-03" if "q" not in params or params["q"] == PERSIAN_QUERY else "evil-markup"
    response = client.get("/api/article", params={"id": article_id, **params})
    assert response.status_code == 200
    assert response.json() == cli_json(news_index_path, "show", article_id, *cli_options)


def test_explain_says_how_the_query_was_read_and_what_each_hit_matched(client):
    answer = client.get("/api/search", params={"q": f"{PERSIAN_QUERY} -kabinet", "explain": "1"}).json()
    clauses = answer["explain"]["clauses"]
    assert [(clause["text"], clause["kind"], clause["excluded"]) for clause in clauses] == \
        [(PERSIAN_QUERY, "word", False), ("kabinet", "word", True)]
    assert {"term": "هستهای", "field": "ranking", "family": "text", "from": PERSIAN_QUERY,
            "how": ["split", "joined"]} in clauses[0]["terms"]
    assert all(hit["matched"] for hit in answer["hits"])
    assert "explain" not in client.get("/api/search", params={"q": PERSIAN_QUERY}).json()


def test_since_keeps_the_articles_of_the_last_period_as_the_cli_does(tmp_path):
    from datetime import date, timedelta

    from starlette.testclient import TestClient

    path = tmp_path / "index"
    today, old = date.today(), date.today() - timedelta(days=30)
    with open_index(path, create=True) as index:
        index.add_documents([{"id": f"nl-{day}", "title": title, "text": text, "lang": "nl", "date": day.isoformat()}
                             for day, title, text in ((today, "Tulpen bloeien", "De tulpen bloeien vroeg dit jaar."),
                                                      (old, "Tulpenveiling", "Op de veiling gingen tulpen duur weg."))])
    with TestClient(create_app(ServerSettings(path))) as test_client:
        for period, ids in (("7d", [f"nl-{today}"]), ("2m", [f"nl-{today}", f"nl-{old}"])):
            answer = test_client.get("/api/search", params={"q": "tulpen", "since": period, "sort": "date"}).json()
            assert [hit["id"] for hit in answer["hits"]] == ids
            assert answer == cli_json(path, "search", "tulpen", "--since", period, "--sort", "date")
        similar = test_client.get("/api/similar", params={"id": f"nl-{old}", "since": "7d"}).json()
        assert [hit["id"] for hit in similar["hits"]] == [f"nl-{today}"]
        assert similar == cli_json(path, "similar", f"nl-{old}", "--since", "7d")


def test_search_reports_a_did_you_mean(client):
    answer = client.get("/api/search", params={"q": "kabinnet"}).json()
    assert answer["suggestion"].lower() == "kabinet"


def test_similar_and_stats_answer_as_the_cli_json_does(client, news_index_path):
    similar = client.get("/api/similar", params={"id": "fa-03", "all": "1", "limit": "3"})
    assert similar.status_code == 200
    assert similar.json() == cli_json(news_index_path, "similar", "fa-03", "--all", "--limit", "3")
    assert similar.json()["hits"][0]["id"] == "fa-03-copy"
    stats = client.get("/api/stats")
    cli_stats = cli_json(news_index_path, "stats")
    assert {cli_stats.pop("index_chosen_by"), cli_stats.pop("config_file")} == {"flag", None}  # the CLI's own choice
    assert stats.json() == cli_stats
    assert stats.json()["documents"] == 34


@pytest.mark.parametrize("path, params, message", [
    ("/api/search", {}, "give the query as the parameter 'q'"),
    ("/api/search", {"q": "   "}, "give the query as the parameter 'q'"),
    ("/api/search", {"q": "NOT kabinet"}, "the query"),
    ("/api/search", {"q": "x" * (MAX_QUERY_CHARS + 1)}, f"at most {MAX_QUERY_CHARS} characters"),
    ("/api/search", {"q": "kabinet", "limit": str(MAX_LIMIT + 1)}, f"limit must be between 1 and {MAX_LIMIT}"),
    ("/api/search", {"q": "kabinet", "limit": "0"}, "limit must be between"),
    ("/api/search", {"q": "kabinet", "page": str(MAX_WINDOW // 10 + 1)}, f"hit {MAX_WINDOW} at most"),
    ("/api/search", {"q": "kabinet", "page": "two"}, "page must be a whole number, not 'two'"),
    ("/api/search", {"q": "kabinet", "page": "-1"}, "page must be a whole number"),
    ("/api/search", {"q": "kabinet", "facets": "maybe"}, "facets must be 1 or 0"),
    ("/api/search", {"q": "kabinet", "lang": "de"}, "unknown language 'de'"),
    ("/api/search", {"q": "kabinet", "sort": "title"}, "unknown sort 'title'"),
    ("/api/search", {"q": "kabinet", "from": "yesterday"}, "from date 'yesterday' is not a date"),
    ("/api/search", {"q": "kabinet", "from": "2024-10-01", "to": "1403-01-01"}, "is empty"),
    ("/api/search", {"q": "kabinet", "since": "7 days"}, "'7 days' is not a period: write it as 24h, 7d, 2w"),
    ("/api/search", {"q": "kabinet", "explain": "please"}, "explain must be 1 or 0"),
    ("/api/similar", {"id": "fa-03", "explain": "1"}, "unknown parameter 'explain'"),
    ("/api/search", {"q": "kabinet", "source": "fars"}, "no articles from source 'fars'"),
    ("/api/search", {"q": "kabinet", "langauge": "nl"}, "unknown parameter 'langauge'"),
    ("/api/search", [("q", "kabinet"), ("sort", "date"), ("sort", "relevance")], "'sort' is given 2 times"),
    ("/api/similar", {}, "give an article id as the parameter 'id'"),
    ("/api/article", {"id": "fa-03", "query": "x"}, "unknown parameter 'query'"),
    ("/api/stats", {"q": "x"}, "unknown parameter 'q'"),
])
def test_bad_requests_get_one_line_of_json_and_400(client, path, params, message):
    response = client.get(path, params=params)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["error"] and message in body["error"]
    assert "\n" not in body["error"] and "Traceback" not in response.text


@pytest.mark.parametrize("path, params", [
    ("/api/article", {"id": "../../../etc/passwd"}),
    ("/api/article", {"id": "../../../etc/passwd", "q": "kabinet"}),
    ("/api/similar", {"id": "../../../etc/passwd"}),
    ("/api/similar", {"id": "../../../etc/passwd", "lang": "nl", "all": "1"}),
])
def test_an_unknown_article_id_answers_404_with_one_line_of_json(client, path, params):
    response = client.get(path, params=params)
    assert response.status_code == 404
    assert response.json() == {"error": str(ArticleNotFound("../../../etc/passwd"))}


def test_unknown_routes_and_methods_answer_in_json(client):
    missing = client.get("/api/articles")
    assert missing.status_code == 404 and missing.json() == {"error": "Not Found"}
    wrong_method = client.post("/api/search", params={"q": "kabinet"})
    assert wrong_method.status_code == 405 and list(wrong_method.json()) == ["error"]


def test_a_bug_answers_500_with_one_line_and_no_traceback(news_index_path, monkeypatch):
    from starlette.testclient import TestClient

    from searcher.api import Index

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(Index, "search", broken)
    with TestClient(create_app(ServerSettings(news_index_path)), raise_server_exceptions=False) as test_client:
        response = test_client.get("/api/search", params={"q": "kabinet"})
    assert response.status_code == 500
    assert response.json() == {"error": "internal error: the server's log has the details"}
    assert "secret internals" not in response.text


def test_an_index_removed_under_the_server_answers_503(tmp_path):
    from starlette.testclient import TestClient

    path = build_news_index(tmp_path / "index")
    with TestClient(create_app(ServerSettings(path)), raise_server_exceptions=False) as test_client:
        assert test_client.get("/api/search", params={"q": "kabinet"}).status_code == 200
        shutil.rmtree(path)
        response = test_client.get("/api/search", params={"q": "kabinet"})
    assert response.status_code == 503
    assert "has gone" in response.json()["error"] or "no index" in response.json()["error"]


def test_the_server_sees_a_commit_made_through_another_handle(tmp_path):
    from starlette.testclient import TestClient

    path = build_news_index(tmp_path / "index")
    with TestClient(create_app(ServerSettings(path))) as test_client:
        assert test_client.get("/api/search", params={"q": "tulpen"}).json()["total"] == 0
        with open_index(path) as writer:
            writer.add_documents([{"id": "t", "title": "Tulpen", "text": "Tulpen bloeien in april.", "lang": "nl"}])
        answer = test_client.get("/api/search", params={"q": "tulpen"}).json()
        assert [hit["id"] for hit in answer["hits"]] == ["t"]


def test_security_headers_on_every_response(client):
    for path in ("/api/search?q=kabinet", "/", "/static/style.css", "/api/nothing"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_the_cli_starts_without_importing_the_server_stack():
    code = "import sys, searcher.cli; print(sorted({'starlette', 'uvicorn', 'jinja2'} & set(sys.modules)))"
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert imported.strip() == "[]"


def test_the_readme_documents_every_serve_option_and_route():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Server: `searcher serve`"):]
    section = section[:section.index("\n## ", 1)]
    documented = set(re.findall(r"^\| `(--[a-z-]+)", section, flags=re.MULTILINE))
    help_text = CliRunner().invoke(main, ["serve", "--help"]).output
    offered = set(re.findall(r"^\s+(--[a-z-]+)", help_text, flags=re.MULTILINE)) - {"--help"}
    assert documented == offered
    routes = set(re.findall(r"^\| `GET (/api/[a-z/]+)`", section, flags=re.MULTILINE))
    from searcher.server.json_api import routes as served

    assert routes == {route.path for route in served}


def test_answers_say_how_long_the_library_took(client):
    for path, params in (("/api/search", {"q": "kabinet"}), ("/api/similar", {"id": "fa-03"}), ("/api/stats", {})):
        timing = client.get(path, params=params).headers["server-timing"]
        name, _, duration = timing.partition(";dur=")
        assert name == "library" and float(duration) > 0


def test_standing_queries_and_their_new_matches_as_the_cli_gives_them(tmp_path):
    from starlette.testclient import TestClient

    path = build_news_index(tmp_path / "index")
    with open_index(path) as index:
        index.watches.add("tulips", "tulpen", lang="nl")
        index.add_documents([{"id": "t", "title": "Tulpen", "text": "Tulpen bloeien in april.", "lang": "nl"}])
    with TestClient(create_app(ServerSettings(path))) as test_client:
        assert test_client.get("/api/watches").json() == cli_json(path, "watch", "list")
        new = test_client.get("/api/watches/new").json()
        assert [hit["id"] for hit in new["watches"][0]["hits"]] == ["t"]
        assert test_client.get("/api/watches/new").json() == new  # the server moved no mark
        assert cli_json(path, "watch", "new") == new  # the CLI reports the same, and moves the mark
        assert test_client.get("/api/watches/new").json()["watches"][0]["total"] == 0
        since_start = test_client.get("/api/watches/new", params={"since": "0", "name": "tulips"}).json()
        assert since_start["watches"][0]["total"] == 1
        unknown = test_client.get("/api/watches/new", params={"name": "roses"})
        assert unknown.status_code == 400 and "no watch named 'roses'" in unknown.json()["error"]


def test_new_matches_answer_while_another_process_indexes_with_report(tmp_path):
    """`searcher index --report` holds the writer lock and the watch list's lock: the server's
    reading of the new matches waits for neither."""
    from starlette.testclient import TestClient

    path = build_news_index(tmp_path / "index")
    with open_index(path) as index:
        index.watches.add("tulips", "tulpen", lang="nl")
        index.add_documents([{"id": "t", "title": "Tulpen", "text": "Tulpen bloeien in april.", "lang": "nl"}])
    with TestClient(create_app(ServerSettings(path))) as test_client, locks_held(path):
        response = finishes_within(10, lambda: test_client.get("/api/watches/new", params={"name": "tulips"}))
    assert response.status_code == 200
    assert [hit["id"] for hit in response.json()["watches"][0]["hits"]] == ["t"]
