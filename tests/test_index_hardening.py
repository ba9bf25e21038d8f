"""Hostile and damaged index folders (issue 16): nothing read from an index runs code or
escapes its folder, damage is named (by `verify`) instead of traced, and a rebuild recovers
what the sources still hold."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from searcher import open_index
from searcher.errors import IndexDamaged

ARTICLES = {f"a{n}": f"De gemeente opent een nieuwe brug over de rivier, bericht nummer {n}." for n in range(4)}


def write_drop(folder: Path, articles: dict[str, str] = ARTICLES) -> Path:
    """One .jsonl file per article: {id: text}."""
    folder.mkdir(parents=True, exist_ok=True)
    for article_id, text in articles.items():
        record = {"id": article_id, "title": f"Nieuws {article_id}", "text": text, "lang": "nl"}
        (folder / f"{article_id}.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    return folder


def tree(folder: Path) -> set[str]:
    """Every path under ``folder``, relative to it."""
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


def error_line(result) -> str:
    """The one line a failing command prints (no traceback)."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


# Point 8: a hostile manifest cannot escape the index folder


@pytest.mark.parametrize("generation", ["../victim", "/ABSOLUTE/victim", "gen-000001/../../victim", "gen-1",
                                        "gen-000001/x", ""])
def test_a_manifest_naming_a_path_is_damage_and_nothing_is_written_outside(run, tmp_path, monkeypatch, generation):
    """Issue 16, point 8: ``"generation": "../victim"`` (or an absolute path) in searcher.json
    made `searcher index` write files outside the index folder."""
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    drop = write_drop(tmp_path / "drop")
    more = write_drop(tmp_path / "more", {"m": "Een bericht over de haven."})
    assert run("index", str(drop), "--index", "idx").exit_code == 0
    manifest = tmp_path / "work" / "idx" / "searcher.json"
    data = json.loads(manifest.read_text())
    data["generation"] = generation.replace("/ABSOLUTE", str(tmp_path))
    manifest.write_text(json.dumps(data))
    before = tree(tmp_path)
    for command in (["index", str(more)],
                    ["search", "brug"], ["stats"], ["verify"], ["remove", "a1"], ["optimize"]):
        line = error_line(run(*command, "--index", "idx"))
        assert "is not a generation name" in line and "searcher rebuild" in line
    assert tree(tmp_path) == before
    with pytest.raises(IndexDamaged):
        open_index(tmp_path / "work" / "idx")
