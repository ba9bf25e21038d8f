"""How much do spelling variants cost? nDCG@10 of each judged set, unperturbed and with each
perturbation of its language (searcher/perturb.py) applied to the docs, then to the queries.

    python benchmarks/perturbation.py --out perturbation.json
    python benchmarks/perturbation.py --sets fa_parsinlu_rc --max-queries 200 --out quick.json

Query-side runs reuse the set's unperturbed index; doc-side runs index the rewritten docs afresh.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from searcher import evaluation, perturb
from searcher.errors import SearcherError

DEFAULT_SETS_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"


def benchmark_set(eval_set: evaluation.EvalSet) -> list[dict]:
    """One row per run: the unperturbed one first, then each perturbation on docs and queries."""
    perturbations = [p for lang in sorted(eval_set.langs) for p in perturb.for_language(lang)]
    with tempfile.TemporaryDirectory(prefix="searcher-bench-") as scratch:
        index_dir = Path(scratch) / "index"
        rows = [_row(eval_set, None, "-", index_dir)]
        for p in perturbations:
            rows.append(_row(eval_set.perturbed(p.name, "docs"), p.name, "docs", None))
            rows.append(_row(eval_set.perturbed(p.name, "queries"), p.name, "queries", index_dir))
    baseline = rows[0]["nDCG@10"]
    for row in rows:
        row["delta_pct"] = 100 * (row["nDCG@10"] - baseline) / baseline if baseline else 0.0
    return rows


def _row(eval_set: evaluation.EvalSet, name: str | None, side: str, index_dir: Path | None) -> dict:
    started = time.perf_counter()
    result = evaluation.evaluate(eval_set, index_dir)
    return {
        "set": eval_set.name,
        "perturbation": name or "none",
        "side": side,
        "queries": result.queries,
        **result.scores,
        "seconds": round(time.perf_counter() - started, 1),
    }


def print_table(rows: list[dict]) -> None:
    """Set, perturbation, side, nDCG@10 and its change against the unperturbed run."""
    print(f"{'set':<34} {'perturbation':<17} {'side':<8} {'nDCG@10':>8} {'delta %':>8}")
    for row in rows:
        print(f"{row['set']:<34} {row['perturbation']:<17} {row['side']:<8} {row['nDCG@10']:>8.4f} {row['delta_pct']:>+8.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets_dir", nargs="?", type=Path, default=DEFAULT_SETS_DIR, help=f"directory of judged sets [default: {DEFAULT_SETS_DIR}]")
    parser.add_argument("--sets", nargs="+", metavar="NAME", help="only these sets [default: every set in sets_dir]")
    parser.add_argument("--max-queries", type=int, metavar="N", help="a random sample of N queries per set")
    parser.add_argument("--seed", type=int, default=0, help="seed of the query sample [default: 0]")
    parser.add_argument("--out", type=Path, required=True, help="write the rows as JSON here")
    args = parser.parse_args(argv)

    if not args.sets_dir.is_dir():
        parser.error(f"no directory {args.sets_dir}")
    names = args.sets or sorted(p.name for p in args.sets_dir.iterdir() if p.is_dir())
    if not names:
        parser.error(f"no sets found in {args.sets_dir}")
    rows = []
    try:
        for name in names:
            eval_set = evaluation.load_set(args.sets_dir / name)
            if args.max_queries:
                eval_set = eval_set.sample(args.max_queries, args.seed)
            print(f"{name}: {len(eval_set.docs)} docs, {len(eval_set.queries)} queries", file=sys.stderr)
            rows.extend(benchmark_set(eval_set))
    except SearcherError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    print_table(rows)
    args.out.write_text(json.dumps({"max_queries": args.max_queries, "seed": args.seed, "rows": rows}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
