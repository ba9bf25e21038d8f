"""An index written by an earlier version (fields revision 7: analysis inside Whoosh, a
ranking field in Whoosh, no ranking arrays) is refused for searching with a rebuild to do,
and `searcher rebuild` upgrades it in place (its sources gone: the articles are carried over
from their stored fields)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from searcher import AnalyzerMismatch, open_index
from searcher.folder import index_version
from searcher.config import IndexConfig

FIXTURE = Path(__file__).parent / "fixtures" / "index-fields7"


@pytest.fixture
def old_index(tmp_path) -> Path:
    target = tmp_path / "old"
    shutil.copytree(FIXTURE, target)
    return target


def test_an_index_of_an_earlier_version_asks_for_a_rebuild(run, old_index):
    with pytest.raises(AnalyzerMismatch, match="rebuild"):
        open_index(old_index)
    result = run("search", "Oekraïne", "--index", str(old_index))
    assert result.exit_code == 1 and "searcher rebuild" in result.stderr


def test_rebuild_upgrades_it(run, old_index):
    rebuilt = run("rebuild", "--index", str(old_index), "--json")
    assert rebuilt.exit_code == 0, rebuilt.stderr
    report = json.loads(rebuilt.stdout)
    assert report["reread"] + report["kept"] == 2
    manifest = json.loads((old_index / "searcher.json").read_text(encoding="utf-8"))
    assert manifest["analysis_version"] == index_version(IndexConfig()) and manifest["generation"] == "gen-000002"
    with open_index(old_index) as index:
        assert index.verify().ok
        assert [hit.id for hit in index.search("Oekraïne").hits] == ["004_7c82a9d19096d9a2"]
        assert [hit.id for hit in index.search("پوتین بایدن").hits] == ["003_05048e11740625ed"]
        assert len(index) == 2
    assert sorted(path.name for path in old_index.iterdir() if path.is_dir()) == ["gen-000002"]
