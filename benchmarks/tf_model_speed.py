"""CPU time of the ranking under BM25T (the default) against BM25, in one run.

    python benchmarks/tf_model_speed.py --set fa_news_headline2article_dev --index /tmp/ev/fa_news_headline2article_dev

The set's queries (the first ``--queries``) are searched as plain words with ``snippets=False``
on an index of the set (``benchmarks/relevance.py --workdir`` builds them), each query under both
models in turn (who goes first alternates), ``--rounds`` times; prints the median and mean CPU time
(``time.process_time``) of each and the ratio of the means. The first round reads each word's
statistics from its postings, later ones from the reader's cache, as a long-running server does.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from searcher import evaluation, open_index
from searcher.config import Config

EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    queries = [query.text for query in evaluation.load_set(args.eval_dir / args.set).queries][:args.queries]
    indexes = {"bm25": open_index(args.index, config=Config().with_ranking(tf_model="bm25")),
               "bm25t": open_index(args.index, config=Config())}
    times: dict[str, list[float]] = {name: [] for name in indexes}
    for round_ in range(args.rounds):
        for n, query in enumerate(queries):
            for name in (list(indexes) if (n + round_) % 2 else list(indexes)[::-1]):
                start = time.process_time()
                indexes[name].search(query, limit=10, snippets=False, suggest=False, literal=True)
                times[name].append(time.process_time() - start)
    for name, taken in times.items():
        print(f"{name}: median {statistics.median(taken) * 1000:.2f} ms, mean {statistics.mean(taken) * 1000:.2f} ms")
    print(f"bm25t / bm25, means: {statistics.mean(times['bm25t']) / statistics.mean(times['bm25']):.2f}")


if __name__ == "__main__":
    main()
