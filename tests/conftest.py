"""Shared fixtures: indexes built through the public API."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher import Index, open_index
from searcher.cli import main

pytest_plugins = ["serve_fixtures"]  # the server's fixtures (tests/test_serve_*.py)

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def own_cache_folder(tmp_path_factory):
    """The tests remember analysis versions in a cache folder of their own, not the user's."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(autouse=True)
def no_user_configuration(tmp_path_factory, monkeypatch):
    """No test reads the configuration file (searcher.toml) of the user running the suite."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "no-user-config"))


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Index:
    """An index of the bundled seed drop, opened once for the session."""
    index = open_index(tmp_path_factory.mktemp("seeds") / "index", create=True)
    index.add_paths([SEEDS])
    yield index
    index.close()


@pytest.fixture
def make_index(tmp_path) -> Callable[..., Index]:
    """Builds an index of in-memory articles: make_index({"id": ..., "text": ...}, ...)."""
    opened: list[Index] = []

    def build(*records: dict) -> Index:
        index = open_index(tmp_path / f"index{len(opened)}", create=True)
        opened.append(index)
        index.add_documents([{"title": "", **record} for record in records])
        return index

    yield build
    for index in opened:
        index.close()


def ids(page) -> list[str]:
    """The ids of a page's hits, in rank order."""
    return [hit.id for hit in page.hits]


@pytest.fixture
def run(tmp_path, monkeypatch) -> Callable[..., object]:
    """Runs ``searcher ARGS`` in an empty working directory (tmp_path); returns click's Result."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHER_INDEX", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def searcher_on(index: Index) -> Callable[..., object]:
    """Runs ``searcher ARGS --index`` on ``index``; returns click's Result."""
    runner = CliRunner()
    return lambda *args: runner.invoke(main, [*args, "--index", str(index.path)], catch_exceptions=False)
