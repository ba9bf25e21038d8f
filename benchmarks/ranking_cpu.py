"""CPU time of the ranking alone on a kept index, to compare two commits on a loaded machine.

    python benchmarks/ranking_cpu.py INDEX [--class kw3-8] [--rounds 3]

The queries are ``scale.py``'s (``--queries`` per class drawn with ``--seed`` from the first
``--first`` documents of the interleaved corpora), so a copy kept by ``scale.py --keep`` is
measured on the queries ``scale.py`` times. Each query is ``Index.search(q, limit=10,
snippets=False)`` warm, timed with ``time.thread_time()``: the CPU time of the searching thread,
which other jobs on a shared machine disturb far less than the wall clock (they still slow it
through shared caches and cores). Prints the p50 of every round and their median, in ms.

To compare two commits, run it from each checkout in turn, a process each, several times, on
copies of one index (a commit that changes the rank file's format rewrites them at the first
search: give it its own copy), and compare the medians of the pairs::

    for i in 1 2 3; do
        (cd ../old && python benchmarks/ranking_cpu.py /tmp/old-copy)
        python benchmarks/ranking_cpu.py /tmp/new-copy
    done
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402
import scale  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--class", dest="query_class", default="kw3-8", choices=bench.QUERY_CLASSES)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpora", type=Path, default=bench.CORPORA)
    parser.add_argument("--first", type=int, default=10_000, help="documents the queries are drawn from")
    parser.add_argument("--queries", type=int, default=50, help="per class")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    import searcher

    lengths = scale.corpus_lengths(args.corpora)
    queries = bench.queries_from(scale.first_texts(args.corpora, lengths, args.first), args.queries,
                                 random.Random(args.seed))[args.query_class]
    with searcher.open_index(args.index) as index:
        for query in queries[: bench.WARM_UP]:
            search(index, query)
        rounds = []
        for _ in range(args.rounds):
            times = []
            for query in queries:
                start = time.thread_time()
                search(index, query)
                times.append((time.thread_time() - start) * 1000)
            rounds.append(statistics.median(times))
    print(json.dumps({"class": args.query_class, "queries": len(queries), "round_p50_ms": [round(r, 2) for r in rounds],
                      "median_ms": round(statistics.median(rounds), 2)}))


def search(index, query: str) -> None:
    import searcher

    try:
        index.search(query, limit=10, snippets=False)
    except searcher.QueryError:
        pass


if __name__ == "__main__":
    main()
