"""Cluster benchmark: a single index against the same articles in 1 and in 2 shards, each shard
held by a worker process of a local Dask cluster (searcher.cluster), in one run.

Usage (from the repository root, in the venv with ``pip install -e ".[cluster]"``)::

    nice -n 10 python benchmarks/cluster.py                       # 100,000 articles
    python benchmarks/cluster.py --docs 20000 --queries 50 --out cluster.json
    python benchmarks/cluster.py --workdir /tmp/cluster-100k       # keep the indexes; reuse them next time

The articles are scale.py's corpus mix (fa_news_raw, fa_poems_scaling and
nl_nunl_headlines_2022_2024 interleaved in proportion). Each system indexes them in one run,
timed without the cluster's start-up: the single index with ``procs=2`` (two analysis
processes), the sharded ones with one writer per shard, the shards writing in parallel. Then
the three systems answer the same queries (bench.py's classes, drawn from the first documents),
taking turns query by query so that the machine's drift hits all of them alike:
``search(q, limit=10)`` with snippets, warm (after 20 other queries); then the kw3-8 queries
again (``kw3-8 again``: a repeated query, which a sharded index answers without the statistics
round trip). Printed: docs/s of each build, p50/p95 per query class and system, each sharded
system's p50 against the single index (ratio, and difference in ms), and the CPU time a query
costs all processes together, less what they spend idle (measured for 3 s before the queries):
on a machine with fewer cores than processes, or shared, the CPU a query spends bounds its
latency as much as its round trips do. With ``--workdir`` the indexes are kept there, and a later run with the same
``--workdir`` and ``--docs`` reuses them (no build figures then: only the queries are timed).
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402
import scale  # noqa: E402

SYSTEMS = ("single", "1 shard", "2 shards")
IDLE_SECONDS = 3  # how long the idle processes' CPU is measured, to take it out of each query's
AGAIN = "kw3-8 again"  # the kw3-8 queries asked a second time: what the systems keep between queries


def records(corpora: Path, docs: int) -> list[dict]:
    return list(itertools.islice(scale.interleaved(corpora, scale.corpus_lengths(corpora)), docs))


def build(system: str, folder: Path, articles: list[dict]):
    """Opens the system's index (a sharded one on its own local cluster) and indexes the
    articles; returns the open index and the indexing rate (docs/s), None when the index was
    there already with as many articles (reused)."""
    from searcher import open_index
    from searcher.cluster.sharded import ShardedIndex

    if folder.exists():
        index = open_index(folder) if system == "single" else ShardedIndex.open(folder)
        if len(index) == len(articles):
            return index, None
        index.close()
        raise SystemExit(f"{folder} holds {len(index):,} articles, not {len(articles):,}: give another --workdir")
    if system == "single":
        index = open_index(folder, create=True)
        start = time.perf_counter()
        index.add_documents(articles, procs=2)
    else:
        index = ShardedIndex.open(folder, shards=int(system[0]), create=True)
        start = time.perf_counter()
        index.add_documents(articles)
    return index, len(articles) / (time.perf_counter() - start)


def timed_queries(indexes: dict, queries: dict[str, list[str]],
                  warm_up: list[str]) -> dict[str, dict[str, dict[str, float]]]:
    """Per class and system, p50/p95 ms of ``search(q, limit=10)``, after every system ran the
    ``warm_up`` queries once; systems take turns per query."""
    systems = list(indexes)
    for query in warm_up:
        for system in systems:
            indexes[system].search(query, limit=10)
    before, start = cpu_seconds(), time.perf_counter()
    time.sleep(IDLE_SECONDS)
    idle = (cpu_seconds() - before) / (time.perf_counter() - start)  # the clusters' heartbeats: CPU s per s
    result: dict[str, dict[str, dict[str, float]]] = {"idle": {"cpu_ms_per_s": idle * 1000}}
    for name, texts in queries.items():
        times: dict[str, list[float]] = {system: [] for system in systems}
        cpu: dict[str, float] = dict.fromkeys(systems, 0.0)
        for number, query in enumerate(texts):
            order = systems[number % len(systems):] + systems[:number % len(systems)]  # who goes first rotates
            for system in order:
                before = cpu_seconds()
                start = time.perf_counter()
                indexes[system].search(query, limit=10)
                took = time.perf_counter() - start
                times[system].append(took * 1000)
                cpu[system] += cpu_seconds() - before - idle * took
        result[name] = {system: {"p50": statistics.median(values),
                                 "p95": statistics.quantiles(values, n=20, method="inclusive")[18],
                                 "cpu": cpu[system] * 1000 / len(values)}  # mean ms
                        for system, values in times.items()}
    return result


def cpu_seconds() -> float:
    """CPU time of this process and every process it started (the local clusters' schedulers
    run here, their nannies and workers are its descendants): what a query costs the machine,
    whichever of its processes spent it. Idle clusters' heartbeats add a little to every system."""
    import psutil

    this = psutil.Process()
    total = 0.0
    for process in [this] + this.children(recursive=True):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def table(result: dict) -> str:
    lines = [f"{result['docs']:,} articles, {result['date']}",
             "build docs/s: " + ", ".join(f"{system} {rate:.0f}" if rate else f"{system} (reused)"
                                          for system, rate in result["build_docs_per_s"].items()),
             f"{'class':<12}" + "".join(f"{system + ' p50/p95 ms':>24}" for system in SYSTEMS)
             + "".join(f"{system + ' p50 ratio (diff ms)':>30}" for system in SYSTEMS[1:])]
    queries = {name: systems for name, systems in result["queries"].items() if name != "idle"}
    for name, systems in queries.items():
        single = systems["single"]["p50"]
        lines.append(f"{name:<12}" + "".join(f"{systems[s]['p50']:>15.1f} / {systems[s]['p95']:>6.1f}" for s in SYSTEMS)
                     + "".join(f"{systems[s]['p50'] / single:>22.2f} ({systems[s]['p50'] - single:+5.1f})"
                               for s in SYSTEMS[1:]))
    lines.append(f"CPU ms per query, all processes, idle CPU taken out ({result['queries']['idle']['cpu_ms_per_s']:.0f} ms/s):"
                 f" single / 1 shard / 2 shards")
    for name, systems in queries.items():
        lines.append(f"{name:<12}" + " / ".join(f"{systems[s]['cpu']:.1f}" for s in SYSTEMS))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, default=bench.CORPORA)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100, help="queries per class")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the indexes here (default: a temporary directory, removed)")
    args = parser.parse_args()
    articles = records(args.corpora, args.docs)
    texts = [record.get("text") or record.get("title") or "" for record in articles[:10_000]]
    queries = bench.queries_from(texts, args.queries, random.Random(args.seed))
    queries[AGAIN] = queries["kw3-8"]
    warm_up = list(itertools.chain(*bench.queries_from(texts, bench.WARM_UP // 4, random.Random(args.seed + 1)).values()))
    indexes, rates = {}, {}
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or stack.enter_context(tempfile.TemporaryDirectory(prefix="searcher-cluster-bench-"))
        try:
            for system in SYSTEMS:
                print(f"indexing {len(articles):,} articles: {system}", file=sys.stderr, flush=True)
                indexes[system], rates[system] = build(system, Path(workdir) / system.replace(" ", "-"), articles)
            print("querying", file=sys.stderr, flush=True)
            result = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": bench.machine(),
                      "docs": len(articles), "build_docs_per_s": rates, "queries": timed_queries(indexes, queries, warm_up)}
        finally:
            for index in indexes.values():
                index.close()
    print(table(result))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
