"""Relevance experiments: score ranking and analysis variants on judged sets, with a paired test.

    python benchmarks/relevance.py --sets fa_parsinlu_rc nl_dpg2019_headline2article_dev \\
        --variants default title_boost=1.0 stemmer=snowball --out runs.json

Each variant is ``name=value`` pairs joined by ``,`` (or ``default``): query-time settings of
the Whoosh backend (``k1``, ``title_b``, ``body_b``, ``combined_b``, ``title_boost``,
``all_words_first_max``, ``score_stop_clauses``, ``idf``, ``proximity_depth``: 0 turns the
proximity bonus off), and index-time ones, which need an
index of their own: ``stemmer`` (an analyzer suffix such as ``snowball`` or ``lexicon/porter``:
searcher.analysis.registry) and ``title_weight`` (of a title word in the combined field). Every variant is compared with the first one over the same queries:
the mean nDCG@10 difference and a two-sided paired randomisation test (10,000 permutations).
Indexes are kept under ``--workdir`` so that query-time variants reuse them.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
import types
from pathlib import Path

from searcher import AnalyzerMismatch, evaluation, open_index
from searcher.analysis import registry
from searcher.backend.whoosh import parsing, proximity, schema, searching

EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
QUERY_SETTINGS = {
    "k1": lambda v: setattr(schema, "BM25_K1", float(v)),
    "title_b": lambda v: schema.BM25_B.update(title=float(v)),
    "body_b": lambda v: schema.BM25_B.update(body=float(v)),
    "combined_b": lambda v: schema.BM25_B.update(combined=float(v)),
    "title_boost": lambda v: schema.FIELD_BOOSTS.update(title=float(v), title_und=float(v)),
    "all_words_first_max": lambda v: setattr(parsing, "ALL_WORDS_FIRST_MAX", int(v)),
    "score_stop_clauses": lambda v: setattr(parsing, "SCORE_STOP_CLAUSES", v == "true"),
    "idf": lambda v: setattr(schema, "IDF", v),
    "proximity_depth": lambda v: setattr(proximity, "DEPTH", int(v)),
    "stop_words_in_head": lambda v: setattr(searching, "STOP_WORDS_IN_HEAD", v == "true"),
}
DEFAULTS = {
    "k1": schema.BM25_K1, "title_b": schema.BM25_B["title"], "body_b": schema.BM25_B["body"],
    "combined_b": schema.BM25_B["combined"],
    "title_boost": schema.FIELD_BOOSTS["title"], "all_words_first_max": parsing.ALL_WORDS_FIRST_MAX,
    "score_stop_clauses": str(parsing.SCORE_STOP_CLAUSES).lower(),
    "idf": schema.IDF,
    "proximity_depth": proximity.DEPTH,
    "stop_words_in_head": str(searching.STOP_WORDS_IN_HEAD).lower(),
}


DEFAULT_TITLE_WEIGHT = schema.TITLE_WEIGHT  # index-time: a title word in the combined field


def parse_variant(text: str) -> dict[str, str]:
    """``"k1=0.9,stemmer=snowball"`` -> settings (``default`` -> none)."""
    if text == "default":
        return {}
    return dict(pair.split("=", 1) for pair in text.split(","))


def apply(settings: dict[str, str]) -> str:
    """Sets the query-time and index-time settings (the rest at their defaults); returns the
    name of the index they need (its text analyzer and title weight)."""
    for name, setter in QUERY_SETTINGS.items():
        setter(str(settings.get(name, DEFAULTS[name])))
    stemmer = settings.get("stemmer")
    text_analyzer = f"text@{stemmer}" if stemmer else "text"
    schema.registry = types.SimpleNamespace(
        analyzer=lambda name: registry.analyzer(text_analyzer if name == "text" else name),
        ANALYSIS_VERSION=registry.ANALYSIS_VERSION,
    )
    schema.TITLE_WEIGHT = float(settings.get("title_weight", DEFAULT_TITLE_WEIGHT))
    return f"{text_analyzer}-tw{schema.TITLE_WEIGHT:g}"


def randomisation_test(a: list[float], b: list[float], rounds: int = 10_000, seed: int = 0) -> float:
    """Two-sided p-value of the mean paired difference by sign flipping."""
    diffs = [x - y for x, y in zip(a, b)]
    observed = abs(sum(diffs))
    rng = random.Random(seed)
    hits = sum(abs(sum(d if rng.random() < 0.5 else -d for d in diffs)) >= observed - 1e-12 for _ in range(rounds))
    return (hits + 1) / (rounds + 1)


def run_variant(eval_set: evaluation.EvalSet, settings: dict[str, str], workdir: Path) -> dict[str, dict[str, float]]:
    """Per-query scores of one variant."""
    directory = workdir / f"{eval_set.name}-{apply(settings)}"
    try:
        index = open_index(directory, create=True)
    except AnalyzerMismatch:  # built by an earlier version of the engine: build it again
        shutil.rmtree(directory)
        index = open_index(directory, create=True)
    with index:
        evaluation.index_set(index, eval_set)
        run = evaluation.search_all(index, eval_set.queries)
    return evaluation.score_run(run, eval_set.qrels)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", required=True)
    parser.add_argument("--variants", nargs="+", default=["default"])
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/searcher-relevance"))
    parser.add_argument("--max-queries", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    results = []
    for set_name in args.sets:
        eval_set = evaluation.load_set(args.eval_dir / set_name)
        if args.max_queries:
            eval_set = eval_set.sample(args.max_queries, seed=1)
        baseline = None
        for variant in args.variants:
            started = time.perf_counter()
            per_query = run_variant(eval_set, parse_variant(variant), args.workdir)
            qids = sorted(per_query)
            ndcg = [per_query[q]["nDCG@10"] for q in qids]
            row = {"set": set_name, "variant": variant, "queries": len(qids),
                   **{m: sum(per_query[q][m] for q in qids) / len(qids) for m in evaluation.MEASURES}}
            if baseline is None:
                baseline = ndcg
            else:
                row["delta"] = row["nDCG@10"] - sum(baseline) / len(baseline)
                row["p"] = randomisation_test(ndcg, baseline)
            row["seconds"] = round(time.perf_counter() - started, 1)
            results.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
