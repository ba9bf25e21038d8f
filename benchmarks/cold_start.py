"""Cold start: `searcher search` in a fresh process, this checkout against an earlier commit, in one run.

Usage (from the repository root, in the venv)::

    python benchmarks/cold_start.py                         # against 6cbe4ad, 2,000 fa_news_raw articles
    python benchmarks/cold_start.py --baseline HEAD~5 --docs 0 --runs 21 --out cold.json

Both versions run from source trees of their own (the baseline's ``searcher/`` taken with
``git archive``), compiled to bytecode first as ``pip install`` does (so ``PYTHONDONTWRITEBYTECODE``
cannot make one of them compile its modules on every run), with the same interpreter and
packages. Each indexes the same first ``--docs`` articles of the corpus (0: all of them) with its
own code; then the two take turns, who goes first alternating, each running ``python -m
searcher.cli search QUERY --index DIR`` for the same query (seeded, one to three consecutive
words of the corpus). Printed: the median wall time of each, the ratio of the medians and the
median of the pairs' ratios (this checkout / baseline).

The default baseline, 6cbe4ad, is main before the restructure of issue 14 (the figure "cold
searcher search no slower" is measured against).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"


def export_tree(revision: str, into: Path) -> Path:
    """The ``searcher`` package of ``revision``, unpacked under ``into``."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "searcher"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def write_drop(corpus: Path, docs: int, drop: Path) -> list[str]:
    """The first ``docs`` records (0: all) as one .jsonl drop; returns their texts."""
    drop.mkdir(parents=True)
    texts = []
    with gzip.open(corpus, "rt", encoding="utf-8") as source, open(drop / "articles.jsonl", "w", encoding="utf-8") as out:
        for n, line in enumerate(source):
            if docs and n >= docs:
                break
            out.write(line)
            record = json.loads(line)
            texts.append(f"{record.get('title', '')} {record.get('text', '')}")
    return texts


def sample_queries(texts: list[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    queries = []
    while len(queries) < count:
        words = [word for word in rng.choice(texts).split() if word.isalpha()]
        if words:
            start = rng.randrange(len(words))
            queries.append(" ".join(words[start:start + rng.randint(1, 3)]))
    return queries


def run(tree: Path, args: list[str], workdir: Path) -> float:
    """Wall seconds of ``python -m searcher.cli ARGS`` on the code in ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "searcher.cli", *args], cwd=workdir, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{tree}: searcher {' '.join(args[:2])} failed: {done.stderr.strip()[-400:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="6cbe4ad", help="the commit to compare with")
    parser.add_argument("--corpus", default="fa_news_raw")
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--docs", type=int, default=2000, help="articles indexed (0: all)")
    parser.add_argument("--runs", type=int, default=15, help="pairs of cold searches")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="searcher-cold-"))
    try:
        trees = {"baseline": export_tree(args.baseline, workdir / "baseline"), "current": REPO}
        for tree in trees.values():
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "searcher")], check=True)
        texts = write_drop(args.corpora / f"{args.corpus}.jsonl.gz", args.docs, workdir / "drop")
        queries = sample_queries(texts, args.runs, args.seed)
        for name, tree in trees.items():
            print(f"indexing {len(texts):,} articles with {name}", file=sys.stderr, flush=True)
            run(tree, ["index", "drop", "--index", f"index-{name}", "--quiet"], workdir)
        times: dict[str, list[float]] = {name: [] for name in trees}
        for n, query in enumerate(queries):
            order = list(trees) if n % 2 == 0 else list(reversed(trees))
            for name in order:
                times[name].append(run(trees[name], ["search", query, "--index", f"index-{name}"], workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    medians = {name: statistics.median(values) for name, values in times.items()}
    result = {
        "baseline": args.baseline, "docs": len(texts), "runs": args.runs, "median_s": medians,
        "ratio_of_medians": medians["current"] / medians["baseline"],
        "median_pair_ratio": statistics.median(c / b for c, b in zip(times["current"], times["baseline"])),
        "times_s": times,
    }
    print(f"cold `searcher search` on {len(texts):,} articles, {args.runs} pairs: "
          f"baseline {args.baseline} {medians['baseline']:.3f} s, this checkout {medians['current']:.3f} s; "
          f"ratio of medians {result['ratio_of_medians']:.2f}, median pair ratio {result['median_pair_ratio']:.2f}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
