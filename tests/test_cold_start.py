"""A `searcher search` process loads what a search needs, not the server, the cluster or the
readers of drops: each of those would lengthen every cold search (benchmarks/cold_start.py)."""
from __future__ import annotations

import subprocess
import sys

# Runs `searcher search QUERY --index INDEX` as the program does, then lists the modules loaded.
SEARCH = """
import sys
from searcher.cli import main
sys.argv = ["searcher", "search", sys.argv[1], "--index", sys.argv[2]]
try:
    main()
except SystemExit as done:
    assert not done.code, done.code
print("MODULES", *sorted(sys.modules))
"""

NOT_FOR_SEARCHING = (
    "searcher.server", "searcher.cluster.", "searcher.drops", "searcher.index", "searcher.evaluation",
    "searcher.backend.whoosh.parallel", "starlette", "uvicorn", "jinja2", "dask", "distributed", "hazm",
    "jdatetime", "tqdm", "tomllib",
    "urllib.request", "asyncio",  # imported by Whoosh for nothing (searcher.backend.whoosh.stand_ins)
)


def test_a_search_loads_no_server_cluster_or_ingestion_modules(make_index):
    index = make_index(
        {"id": "fa-1", "text": "نشست خبری رئیس جمهور در تهران درباره اقتصاد", "lang": "fa"},
        {"id": "nl-1", "text": "Het kabinet presenteert de begroting in Den Haag", "lang": "nl"},
    )
    for query, hit in (("تهران", "fa-1"), ("begroting", "nl-1")):
        done = subprocess.run([sys.executable, "-c", SEARCH, query, str(index.path)], capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        output, _, modules = done.stdout.partition("MODULES ")
        assert hit in output
        loaded = modules.split()
        assert "searcher.search.engine" in loaded  # the list is the search's own
        assert [name for name in loaded if name.startswith(NOT_FOR_SEARCHING)] == []


def test_whoosh_reaches_the_real_modules_behind_the_stand_ins(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("fetched", encoding="utf-8")
    code = """
import sys
from pathlib import Path
import searcher.api, cached_property, whoosh.compat
assert "asyncio" not in sys.modules and "urllib.request" not in sys.modules
async def coroutine(): pass
assert cached_property.asyncio.iscoroutinefunction(coroutine)
import asyncio
assert cached_property.asyncio.iscoroutinefunction is asyncio.iscoroutinefunction
copy, _ = whoosh.compat.urlretrieve(Path(sys.argv[1]).as_uri())
assert Path(copy).read_text(encoding="utf-8") == "fetched"
"""
    done = subprocess.run([sys.executable, "-c", code, str(page)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
