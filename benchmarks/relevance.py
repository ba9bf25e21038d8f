"""Relevance experiments: score configuration variants on judged sets, with paired tests.

    python benchmarks/relevance.py --sets fa_parsinlu_rc nl_dpg2019_headline2article_dev \\
        --variants default b_ranking=0.75 part_weight=0.5 --out runs.json

A variant is ``name=value`` pairs joined by ``,`` (or ``default``), each a field of
``searcher.config.RankingConfig`` (query time) or ``IndexConfig`` (index time: the variant gets
an index of its own, kept under ``--workdir`` so that later runs reuse it). Every variant is
compared over the same queries, on nDCG@10, by the mean difference and a two-sided paired
randomisation test (10,000 sign flips):

- with the first variant (``delta``, ``p``);
- with each TREC run file of the set's ``baseline_runs/`` (``vs``: run name -> its nDCG@10,
  the difference and p), and with each run given by ``--runs`` (``SET=FILE``, e.g. the previous
  default's run written by ``--write-runs``).

``--write-runs DIR`` writes each variant's ranking as ``DIR/SET.VARIANT.trec``.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from dataclasses import fields
from pathlib import Path

from searcher import AnalyzerMismatch, evaluation, open_index
from searcher.config import Config, IndexConfig, RankingConfig

EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
ROUNDS = 10_000


def parse_variant(text: str) -> Config:
    """``"k1=0.9,part_weight=0.5"`` -> the default configuration with those settings."""
    config = Config()
    if text == "default":
        return config
    for pair in text.split(","):
        name, _, value = pair.partition("=")
        for part, with_ in ((IndexConfig, config.with_index), (RankingConfig, config.with_ranking)):
            kinds = {f.name: f.type for f in fields(part)}
            if name in kinds:
                config = with_(**{name: _typed(kinds[name], value)})
                break
        else:
            raise SystemExit(f"unknown setting {name!r}: a field of IndexConfig or RankingConfig")
    return config


def _typed(kind: str, value: str):
    """A setting's text as the type its dataclass field declares (annotations are strings here)."""
    return {"float": float, "int": int, "bool": lambda v: v == "true"}.get(kind, str)(value)


def randomisation_test(a: list[float], b: list[float], rounds: int = ROUNDS, seed: int = 0) -> float:
    """Two-sided p-value of the mean paired difference by sign flipping."""
    diffs = [x - y for x, y in zip(a, b)]
    observed = abs(sum(diffs))
    rng = random.Random(seed)
    hits = sum(abs(sum(d if rng.random() < 0.5 else -d for d in diffs)) >= observed - 1e-12 for _ in range(rounds))
    return (hits + 1) / (rounds + 1)


def compared(ndcg: dict[str, float], other: dict[str, float]) -> dict[str, float]:
    """The other ranking's mean nDCG@10, ours minus it, and the p-value, over our queries."""
    qids = sorted(ndcg)
    ours, theirs = [ndcg[q] for q in qids], [other.get(q, 0.0) for q in qids]
    return {"nDCG@10": sum(theirs) / len(qids), "delta": (sum(ours) - sum(theirs)) / len(qids),
            "p": randomisation_test(ours, theirs)}


def index_name(eval_set: evaluation.EvalSet, config: Config) -> str:
    """The directory of the set's index under a variant's index-time settings."""
    settings = [f"{name}={value}" for name, value in config.index.to_dict().items() if value != getattr(IndexConfig(), name)]
    return "-".join([eval_set.name, *settings]).replace("/", "_")


def run_variant(eval_set: evaluation.EvalSet, config: Config, workdir: Path) -> evaluation.Run:
    """The variant's ranking of every query of the set."""
    directory = workdir / index_name(eval_set, config)
    try:
        index = open_index(directory, create=True, config=config)
    except AnalyzerMismatch:  # an index of an earlier analysis: build it again
        shutil.rmtree(directory)
        index = open_index(directory, create=True, config=config)
    with index:
        evaluation.index_set(index, eval_set)
        return evaluation.search_all(index, eval_set.queries)


def reference_runs(set_dir: Path, given: list[str]) -> dict[str, Path]:
    """The set's baseline runs, and the ``SET=FILE`` runs given for it, by name."""
    runs = {run_name(path): path for path in sorted((set_dir / "baseline_runs").glob("*.trec*"))}
    for item in given:
        name, _, file = item.partition("=")
        if name == set_dir.name and Path(file).exists():
            runs[run_name(Path(file))] = Path(file)
        elif name == set_dir.name:
            print(f"no run file {file}: not compared", file=sys.stderr)
    return runs


def run_name(path: Path) -> str:
    """A run file's name without ``.trec`` and ``.gz`` (lucene9_k1.2_b0.75.trec.gz -> lucene9_k1.2_b0.75)."""
    return path.name.removesuffix(".gz").removesuffix(".trec")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", required=True)
    parser.add_argument("--variants", nargs="+", default=["default"])
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/searcher-relevance"))
    parser.add_argument("--max-queries", type=int, default=None)
    parser.add_argument("--runs", nargs="*", default=[], metavar="SET=FILE", help="more runs to compare with")
    parser.add_argument("--write-runs", type=Path, default=None, metavar="DIR")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    results = []
    for set_name in args.sets:
        eval_set = evaluation.load_set(args.eval_dir / set_name)
        if args.max_queries:
            eval_set = eval_set.sample(args.max_queries, seed=1)
        references = {name: evaluation.score_run(evaluation.read_run(path), eval_set.qrels)[1]
                      for name, path in reference_runs(args.eval_dir / set_name, args.runs).items()}
        first = None
        for variant in args.variants:
            started = time.perf_counter()
            run = run_variant(eval_set, parse_variant(variant), args.workdir)
            if args.write_runs:
                args.write_runs.mkdir(parents=True, exist_ok=True)
                evaluation.write_run(run, args.write_runs / f"{set_name}.{variant.replace('/', '_')}.trec", tag="searcher")
            means, per_query = evaluation.score_run(run, eval_set.qrels)
            ndcg = {qid: scores["nDCG@10"] for qid, scores in per_query.items()}
            row = {"set": set_name, "variant": variant, "queries": len(ndcg), **means}
            if first is None:
                first = ndcg
            else:
                row.update({key: value for key, value in compared(ndcg, first).items() if key != "nDCG@10"})
            row["vs"] = {name: compared(ndcg, {qid: s["nDCG@10"] for qid, s in scores.items()})
                         for name, scores in references.items()}
            row["seconds"] = round(time.perf_counter() - started, 1)
            results.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
