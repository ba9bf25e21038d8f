"""The benchmark's query set and statistics (the timed phases are exercised by running it)."""
import gzip
import importlib.util
import json
from pathlib import Path

spec = importlib.util.spec_from_file_location("bench", Path(__file__).parents[1] / "benchmarks" / "bench.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_words_strip_edge_punctuation_and_keep_words_with_letters():
    assert bench.words_of("«سلام»، دنیا 1402 (Oekraïne) - ok.") == ["سلام", "دنیا", "Oekraïne", "ok"]


def test_queries_are_seeded_and_of_every_class(tmp_path):
    corpus = tmp_path / "c.jsonl.gz"
    with gzip.open(corpus, "wt", encoding="utf-8") as f:
        for n in range(20):
            f.write(json.dumps({"id": str(n), "lang": "nl", "title": "", "text": " ".join(f"w{n}x{i}" for i in range(12))}) + "\n")
    first = bench.make_queries(corpus, None, 5, seed=1)
    assert first == bench.make_queries(corpus, None, 5, seed=1)
    assert set(first) == set(bench.QUERY_CLASSES) and all(len(qs) == 5 for qs in first.values())
    assert all(1 <= len(q.split()) <= 3 for q in first["kw1-3"])
    assert all(3 <= len(q.split()) <= 8 for q in first["kw3-8"])
    assert all(q.startswith('"') and len(q.split()) == 2 for q in first["phrase2"])
    assert all(" AND NOT " in q for q in first["boolean"])


def test_percentiles():
    cuts = bench.percentiles([float(n) for n in range(1, 101)])
    assert cuts["p50"] == 50.5 and 95 <= cuts["p95"] <= 96 and 99 <= cuts["p99"] <= 100 and cuts["n"] == 100
