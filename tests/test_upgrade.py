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


def test_ranking_arrays_of_the_previous_format_are_rebuilt_with_the_rows_hits_show(tmp_path):
    """Rank files of the previous format version (2: no rows) are stale: the first search
    rewrites them, and hits without snippets (read from the rows) show what the stored fields hold."""
    import struct
    import zlib

    from searcher.backend.whoosh import columnar

    records = [{"id": "n1", "title": "Haven open", "text": "De haven van Rotterdam is weer open.", "lang": "nl",
                "url": "https://example.org/n1", "source": "nos", "date": "2024-01-31"},
               {"id": "n2", "title": "Brug dicht", "text": "De brug bij de haven blijft dicht.", "lang": "nl"}]
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents(records)
        expected = [(hit.id, hit.title, hit.url, hit.source, hit.date, hit.path, hit.lang)
                    for hit in index.search("haven", snippets=True).hits]
    rank_files = sorted((tmp_path / "idx").rglob("*.rank"))
    assert rank_files
    for path in rank_files:  # as the previous version wrote them: the same header, another version
        data = bytearray(path.read_bytes())
        data[8:12] = struct.pack("<I", columnar.VERSION - 1)
        data[44:48] = struct.pack("<I", zlib.crc32(bytes(data[:44])))
        path.write_bytes(bytes(data))
    with open_index(tmp_path / "idx") as index:
        found = [(hit.id, hit.title, hit.url, hit.source, hit.date, hit.path, hit.lang)
                 for hit in index.search("haven", snippets=False).hits]
    assert found == expected and found[0][:5] == ("n1", "Haven open", "https://example.org/n1", "nos", "2024-01-31")
    for path in sorted((tmp_path / "idx").rglob("*.rank")):
        assert struct.unpack("<I", path.read_bytes()[8:12]) == (columnar.VERSION,)


def test_ranking_arrays_without_positions_are_rebuilt_and_phrases_read_them(tmp_path):
    """Rank files of format version 3 (no positions; phrases read Whoosh's postings) are stale:
    the first search rewrites them with every title and body position, and phrases find what
    they found before."""
    import struct
    import zlib

    import numpy as np

    from searcher.backend.whoosh import columnar

    records = [{"id": "n1", "title": "Haven open", "text": "De haven van Rotterdam is weer open.", "lang": "nl"},
               {"id": "n2", "title": "Brug dicht", "text": "De brug bij de haven van Antwerpen blijft dicht.", "lang": "nl"},
               {"id": "n3", "title": "Van haven", "text": "Van Rotterdam naar de haven.", "lang": "nl"}]
    phrases = ('"haven van"', '"van haven"', '"haven open"', '"de haven van rotterdam"', 'title:"van haven"')
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_documents(records)
        before = {phrase: sorted(hit.id for hit in index.search(phrase, snippets=False).hits) for phrase in phrases}
    assert before['"haven van"'] == ["n1", "n2"] and before['"de haven van rotterdam"'] == ["n1"]
    rank_files = sorted((tmp_path / "idx").rglob("*.rank"))
    for path in rank_files:  # as version 3 wrote them: the same header, another version
        data = bytearray(path.read_bytes())
        data[8:12] = struct.pack("<I", 3)
        data[44:48] = struct.pack("<I", zlib.crc32(bytes(data[:44])))
        path.write_bytes(bytes(data))
    with open_index(tmp_path / "idx") as index:
        after = {phrase: sorted(hit.id for hit in index.search(phrase, snippets=False).hits) for phrase in phrases}
    assert after == before
    (path,) = sorted((tmp_path / "idx").rglob("*.rank"))
    with columnar.ColumnarSegment.open(path) as segment:
        assert segment.verify() == []
        places, counts, positions = segment.places("text", "body", "haaf", np.arange(3))  # "haven", stemmed
        assert places.tolist() == [0, 1, 2] and counts.tolist() == [1, 1, 1] and positions.tolist() == [1, 4, 4]
