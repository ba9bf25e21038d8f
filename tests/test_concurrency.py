"""A reader process searching in a loop while this process commits drops and rebuilds: no
error, every answer is one of the committed states (each drop adds five matches), a
long-lived reader never goes back, and the old generations are gone in the end."""
from __future__ import annotations

import json
import subprocess
import sys

from searcher import open_index

PER_DROP = 5
READER = """
import json, sys
from pathlib import Path
from searcher import open_index
index_dir, stop = Path(sys.argv[1]), Path(sys.argv[2])
totals, queries, backwards = set(), 0, 0
with open_index(index_dir) as index:
    print("ready", flush=True)
    last = 0
    while not stop.exists():
        total = index.search("haven", limit=3).total            # a long-lived reader follows switches
        backwards += total < last
        last = total
        with open_index(index_dir) as fresh:                     # a new reader each time
            totals.update((total, fresh.search("haven", limit=3).total))
        queries += 2
print(json.dumps({"queries": queries, "totals": sorted(totals), "backwards": backwards}))
"""


def drop_file(folder, number: int):
    folder.mkdir(exist_ok=True)
    path = folder / f"drop{number}.jsonl"
    records = [{"id": f"d{number}-{n}", "title": "Haven", "text": f"De haven van de stad groeit, bericht {number}-{n}.",
                "lang": "nl"} for n in range(PER_DROP)]
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def test_reader_sees_whole_commits_and_generations_only(tmp_path):
    index_dir, drops, stop = tmp_path / "idx", tmp_path / "drops", tmp_path / "stop"
    with open_index(index_dir, create=True) as index:
        index.add_paths([drop_file(drops, 0)])
        reader = subprocess.Popen([sys.executable, "-c", READER, str(index_dir), str(stop)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert reader.stdout.readline() == "ready\n"
        for number in range(1, 7):
            index.add_paths([drop_file(drops, number)])
            if number % 2 == 0:
                index.rebuild()
        stop.touch()
        out, err = reader.communicate(timeout=60)
        assert reader.returncode == 0, err
        seen = json.loads(out)
        assert seen["queries"] > 10 and seen["backwards"] == 0
        assert set(seen["totals"]) <= {PER_DROP * n for n in range(1, 8)}
        assert index.stats().generation == "gen-000004"
        assert index.search("haven").total == 7 * PER_DROP
    assert sorted(entry.name for entry in index_dir.iterdir() if entry.is_dir()) == ["gen-000004"]
