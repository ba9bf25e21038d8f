"""Does a sharded index rank as a single index of the same articles? Every query of the judged
dev sets, on a single index and on a sharded one, top 10 compared: ids in order, and scores
within 1e-9 (issue 20).

Usage (from the repository root, in the venv with ``pip install -e ".[cluster,eval]"``)::

    nice -n 10 python benchmarks/cluster_equality.py                     # the four dev sets, 2 shards
    python benchmarks/cluster_equality.py --shards 3 --sets fa_parsinlu_rc --queries 200

Each set's documents are indexed into a single index and into a sharded one (a local cluster
of worker processes); every judged query is searched as ``searcher eval`` searches it (plain
words, ``literal=True``; with ``--as-typed`` also as typed), ``search(q, limit=10,
snippets=False, suggest=False)``.
Printed per set: queries, those whose top 10 differ (ids or order), the largest score
difference, and the first differing queries. Exits with status 1 when any differs.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

from searcher import open_index
from searcher.cluster.sharded import ShardedIndex
from searcher.errors import QueryError
from searcher.evaluation import load_set

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
DEV_SETS = ("fa_parsinlu_rc", "fa_pquad_validation", "fa_news_headline2article_dev", "nl_dpg2019_headline2article_dev")
TOLERANCE = 1e-9


def top(index, text: str, literal: bool) -> list[tuple[str, float]]:
    try:
        page = index.search(text, limit=10, snippets=False, suggest=False, literal=literal)
    except QueryError:
        return []
    return [(hit.id, hit.score) for hit in page.hits]


def compare(directory: Path, shards: int, limit: int | None, typed: bool) -> dict:
    eval_set = load_set(directory)
    queries = list(itertools.islice(eval_set.queries, limit))
    with tempfile.TemporaryDirectory(prefix="searcher-equality-") as work:
        with open_index(Path(work) / "single", create=True) as single, \
                ShardedIndex.open(Path(work) / "sharded", shards=shards, create=True) as sharded:
            single.add_documents(eval_set.docs)
            sharded.add_documents(eval_set.docs)
            differing, largest, searched = [], 0.0, 0
            for query, literal in itertools.product(queries, (True, False) if typed else (True,)):
                mine, theirs = top(sharded, query.text, literal), top(single, query.text, literal)
                searched += 1
                if [article_id for article_id, _ in mine] != [article_id for article_id, _ in theirs]:
                    differing.append(query.qid)
                    continue
                difference = max([0.0] + [abs(a - b) for (_, a), (_, b) in zip(mine, theirs)])
                largest = max(largest, difference)
                if difference > TOLERANCE:
                    differing.append(query.qid)
    return {"set": eval_set.name, "documents": len(eval_set.docs), "searches": searched, "differing": differing,
            "largest_score_difference": largest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=EVAL, help="the folder of the judged sets")
    parser.add_argument("--sets", default=",".join(DEV_SETS))
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--queries", type=int, default=None, help="the first N queries of each set")
    parser.add_argument("--as-typed", action="store_true", help="also search each query as typed (operators, phrases)")
    args = parser.parse_args()
    failed = False
    print(f"{'set':<34}{'documents':>10}{'searches':>10}{'differing':>10}{'max score diff':>16}")
    for name in args.sets.split(","):
        result = compare(args.eval / name, args.shards, args.queries, args.as_typed)
        failed |= bool(result["differing"])
        print(f"{result['set']:<34}{result['documents']:>10}{result['searches']:>10}{len(result['differing']):>10}"
              f"{result['largest_score_difference']:>16.2e}", flush=True)
        if result["differing"]:
            print("  first differing queries: " + ", ".join(result["differing"][:10]))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
