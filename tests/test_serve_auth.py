"""Who may use the server: loopback by default, a token for any other address, checked on
every request (bearer header for the API, a cookie for the page)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from searcher.cli import main
from searcher.server import ServerSettings, create_app
from searcher.server.auth import SESSION_COOKIE
from searcher.server.settings import is_loopback

TOKEN = "s3cret-token-0123456789abcdef"


@pytest.fixture
def guarded(news_index_path):
    with TestClient(create_app(ServerSettings(news_index_path, TOKEN)), follow_redirects=False) as test_client:
        yield test_client


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("news.example", False),
])
def test_only_loopback_addresses_count_as_local(host, loopback):
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20"])
def test_serving_beyond_loopback_without_a_token_is_refused(news_index_path, host):
    result = CliRunner().invoke(main, ["serve", "--index", str(news_index_path), "--host", host])
    assert result.exit_code == 1
    assert f"Error: listening on {host} lets other machines in: give --token-file FILE" in result.output


def test_a_short_or_missing_token_file_is_refused(news_index_path, tmp_path):
    short = tmp_path / "token"
    short.write_text("abc\n")
    result = CliRunner().invoke(main, ["serve", "--index", str(news_index_path), "--host", "0.0.0.0",
                                       "--token-file", str(short)])
    assert result.exit_code == 1 and "too short: use at least 16 characters" in result.output
    result = CliRunner().invoke(main, ["serve", "--index", str(news_index_path), "--token-file",
                                       str(tmp_path / "missing")])
    assert result.exit_code == 1 and "cannot read the token file" in result.output


def test_serving_a_missing_index_is_refused_before_listening(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--index", str(tmp_path / "nothere")])
    assert result.exit_code == 1 and "Error: no index at" in result.output


def test_the_api_needs_the_bearer_token(guarded):
    refused = guarded.get("/api/search", params={"q": "kabinet"})
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer TOKEN" in refused.json()["error"]
    wrong = guarded.get("/api/stats", headers={"Authorization": "Bearer " + TOKEN[:-1] + "x"})
    assert wrong.status_code == 401
    assert guarded.get("/api/stats", params={"token": TOKEN}).status_code == 401  # the API takes no token in URLs
    allowed = guarded.get("/api/search", params={"q": "kabinet"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code == 200 and allowed.json()["total"] == 5


def test_the_page_sends_a_stranger_to_the_login_form_and_back(guarded):
    refused = guarded.get("/", params={"q": "kabinet"})
    assert refused.status_code == 303 and refused.headers["location"] == "/login?next=%2F%3Fq%3Dkabinet"
    form = guarded.get("/login", params={"next": "/?q=kabinet"})
    assert form.status_code == 401 and 'type="password"' in form.text and 'value="/?q=kabinet"' in form.text
    wrong = guarded.post("/login", data={"token": "guess", "next": "/?q=kabinet"})
    assert wrong.status_code == 401 and "That token is not right." in wrong.text
    assert SESSION_COOKIE not in wrong.cookies
    right = guarded.post("/login", data={"token": TOKEN, "next": "/?q=kabinet"})
    assert right.status_code == 303 and right.headers["location"] == "/?q=kabinet"
    cookie = right.cookies[SESSION_COOKIE]
    assert TOKEN not in cookie and "httponly" in right.headers["set-cookie"].lower()
    assert guarded.get("/", params={"q": "kabinet"}).status_code == 200  # the client keeps the cookie
    guarded.cookies.clear()
    assert guarded.get("/", params={"q": "kabinet"}).status_code == 303
    tampered = cookie[:-1] + ("0" if cookie[-1] != "0" else "1")
    assert guarded.get("/?q=kabinet", headers={"Cookie": f"{SESSION_COOKIE}={tampered}"}).status_code == 303
    assert guarded.get("/?q=kabinet", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}).status_code == 200


def test_a_link_with_the_token_logs_in_once_and_drops_it_from_the_address(guarded):
    response = guarded.get("/", params={"q": "kabinet", "token": TOKEN})
    assert response.status_code == 303 and response.headers["location"] == "/?q=kabinet"
    assert SESSION_COOKIE in response.cookies
    assert guarded.get("/?q=kabinet").status_code == 200
    guarded.cookies.clear()
    wrong = guarded.get("/", params={"q": "kabinet", "token": "guess"})
    assert wrong.status_code == 303 and wrong.headers["location"].startswith("/login?next=")
    assert "guess" not in wrong.headers["location"]


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"])
def test_login_never_sends_the_user_to_another_site(guarded, target):
    response = guarded.post("/login", data={"token": TOKEN, "next": target})
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_only_the_login_form_and_static_files_are_open(guarded):
    assert guarded.get("/static/style.css").status_code == 200
    assert guarded.get("/login").status_code == 401  # the form itself
    for path in ("/similar?id=fa-03", "/api/similar?id=fa-03", "/nothing"):
        assert guarded.get(path).status_code in (303, 401), path


def test_without_a_token_the_login_form_just_goes_on(client):
    response = client.get("/login", params={"next": "/?q=kabinet"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/?q=kabinet"
