"""The library API as users embed it, including the README's example run as written."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from conftest import REPO, SEEDS, ids
from searcher import Hit, IndexNotFound, SearcherError, open_index


def readme_library_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Library", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_library_example_runs_as_written(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    result = subprocess.run([sys.executable, "-c", readme_library_example()], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "5 added" in result.stdout
    assert "000_ef6e32c70ca40c0f" in result.stdout


def test_open_missing_index_raises(tmp_path):
    with pytest.raises(IndexNotFound, match="searcher index"):
        open_index(tmp_path / "missing")


def test_create_add_search_close(tmp_path):
    with open_index(tmp_path / "ix", create=True) as index:
        report = index.add_documents(
            [
                {"id": "1", "title": "Poetin en Trump", "text": "Een lang gesprek over Oekraïne.", "lang": "nl", "date": "2025-06-14", "source": "NOS", "url": "https://example.org/1"},
                {"id": "2", "title": "", "text": "Iets heel anders."},
            ]
        )
        assert report.to_dict() == {"added": 2, "updated": 0, "unchanged": 0, "skipped": 0}
        assert len(index) == 2
        page = index.search("oekraine")
        assert page.total == 1
        hit = page.hits[0]
        assert isinstance(hit, Hit)
        assert (hit.id, hit.title, hit.lang, hit.date, hit.source, hit.url) == ("1", "Poetin en Trump", "nl", "2025-06-14", "NOS", "https://example.org/1")
        assert hit.score > 0 and hit.direction == "ltr"
    with open_index(tmp_path / "ix") as reopened:
        assert ids(reopened.search("oekraine")) == ["1"]


def test_changed_article_is_replaced_not_duplicated(tmp_path):
    with open_index(tmp_path / "ix", create=True) as index:
        index.add_documents([{"id": "a", "title": "Oud", "text": "De eerste versie over tulpen."}])
        report = index.add_documents([{"id": "a", "title": "Nieuw", "text": "De tweede versie over rozen."}])
        assert (report.added, report.updated) == (0, 1)
        assert len(index) == 1
        assert ids(index.search("rozen")) == ["a"] and ids(index.search("tulpen")) == []


def test_unusable_records_are_skipped_and_reported(tmp_path):
    skipped = []
    with open_index(tmp_path / "ix", create=True) as index:
        report = index.add_documents([{"id": "ok", "text": "Goed artikel."}, {"title": "no id"}, {"id": "empty", "text": ""}], on_skip=skipped.append)
    assert report.added == 1 and len(report.skipped) == 2 == len(skipped)


def test_add_paths_indexes_the_seeds(seed_index):
    stats = seed_index.stats()
    assert stats.documents == 5
    assert stats.languages == {"fa": 4, "nl": 1}


def test_invalid_search_arguments(seed_index):
    with pytest.raises(SearcherError):
        seed_index.search("Trump", limit=0)
    with pytest.raises(SearcherError):
        seed_index.search("Trump", lang="en")


def test_search_without_snippets_ranks_the_same(seed_index):
    with_snippets = seed_index.search("ترامپ پوتین", limit=5)
    without = seed_index.search("ترامپ پوتین", limit=5, snippets=False)
    assert [(h.id, h.score) for h in without.hits] == [(h.id, h.score) for h in with_snippets.hits]
    assert all(h.snippet.text for h in with_snippets.hits)
    assert not any(h.snippet.parts for h in without.hits)


def test_stats_leave_out_languages_whose_articles_were_all_removed(tmp_path):
    with open_index(tmp_path / "ix", create=True) as index:
        index.add_documents([{"id": "nl", "text": "Een Nederlands bericht over de regering."}, {"id": "fa", "text": "خبری درباره دولت ایران امروز"}])
        index.remove(["nl"])
        assert index.stats().languages == {"fa": 1}


@pytest.mark.parametrize("enabled", [True, False])
def test_indexing_leaves_the_garbage_collector_as_it_found_it(tmp_path, enabled):
    import gc

    def failing():
        yield {"id": "1", "text": "Een artikel.", "lang": "nl"}
        raise RuntimeError("the caller's records broke")

    (gc.enable if enabled else gc.disable)()
    try:
        with open_index(tmp_path / "ix", create=True) as index:
            index.add_documents([{"id": "0", "text": "Nieuws.", "lang": "nl"}])
            assert gc.isenabled() is enabled
            with pytest.raises(RuntimeError):
                index.add_documents(failing())
            assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_writers_collect_young_garbage_every_hundred_articles(monkeypatch):
    import gc

    from searcher.backend.whoosh import collecting

    collections = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: collections.append(generation))
    collector = collecting.Collector(every=100)
    for _ in range(250):
        collector.add()
    assert collections == [1, 1]  # at 100 and 200, the young generations only
    collector.add(150)  # a worker's batch: 250 -> 400 passes a multiple (two), one collection
    assert collections == [1, 1, 1]
