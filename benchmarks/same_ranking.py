"""Same ranking before and after a change: save every dev-set query's ranking, then compare.

    python benchmarks/same_ranking.py save before.json.gz            # on the old commit
    python benchmarks/same_ranking.py compare before.json.gz         # on the new one

For every judged set in ``--eval`` (default ``../shared/eval``), the set's documents are indexed
into a fresh index and every query is searched twice: as plain words (``literal=True``, as
``searcher eval`` does) and as typed (the query syntax parsed). Each answer keeps the total and
the top ``--depth`` hits (id and score). ``compare`` reports, per set and mode, the queries whose
totals differ, whose ids differ in the top 10 and the top ``--depth``, and the largest score
difference among equal ids; it exits with status 1 when anything differs beyond ``--tolerance``.
Equal scores (copies of one article) may come in either order: ids are compared as the sets of
each run of equal scores.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from searcher import QueryError, evaluation, open_index

EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
MODES = ("literal", "parsed")


def rankings(set_dir: Path, depth: int, workdir: Path) -> dict[str, dict[str, dict]]:
    """mode -> qid -> {"total", "hits": [[id, score], ...]} for one judged set."""
    eval_set = evaluation.load_set(set_dir)
    found: dict[str, dict[str, dict]] = {mode: {} for mode in MODES}
    with open_index(workdir / eval_set.name, create=True) as index:
        evaluation.index_set(index, eval_set)
        for query in eval_set.queries:
            for mode in MODES:
                try:
                    page = index.search(query.text, limit=depth, snippets=False, suggest=False,
                                        literal=mode == "literal")
                except QueryError:
                    found[mode][query.qid] = {"total": 0, "hits": []}
                    continue
                except Exception as error:  # an engine that crashes on a query: compared as "error"
                    found[mode][query.qid] = {"total": 0, "hits": [], "error": type(error).__name__}
                    continue
                found[mode][query.qid] = {"total": page.total, "hits": [[hit.id, hit.score] for hit in page.hits]}
    return found


def tie_groups(hits: list[list], tolerance: float) -> Iterator[frozenset[str]]:
    """The ids of each run of (nearly) equal scores, in rank order."""
    group: list[str] = []
    last = None
    for article_id, score in hits:
        if last is not None and abs(score - last) > tolerance:
            yield frozenset(group)
            group = []
        group.append(article_id)
        last = score
    if group:
        yield frozenset(group)


def same_ids(before: list[list], after: list[list], tolerance: float) -> bool:
    """Whether two rankings hold the same ids in the same order, up to the order of ties. The
    last run of ties may be cut at a different place, so it is compared as far as both go."""
    if len(before) != len(after):
        return False
    a, b = list(tie_groups(before, tolerance)), list(tie_groups(after, tolerance))
    if len(a) != len(b):
        return False
    return a[:-1] == b[:-1] and len(a[-1]) == len(b[-1]) if a else True


def compare(before: dict, after: dict, depth: int, tolerance: float) -> dict:
    """Counts of differing queries for one set and mode."""
    totals = top10 = top = 0
    largest = 0.0
    examples = []
    errors = 0
    for qid, old in before.items():
        new = after.get(qid, {"total": 0, "hits": []})
        if "error" in old or "error" in new:
            errors += 1
            continue
        if old["total"] != new["total"]:
            totals += 1
        if not same_ids(old["hits"][:10], new["hits"][:10], tolerance):
            top10 += 1
            examples.append(qid)
        if not same_ids(old["hits"][:depth], new["hits"][:depth], tolerance):
            top += 1
        scores = dict(map(tuple, new["hits"]))
        for article_id, score in old["hits"]:
            if article_id in scores:
                largest = max(largest, abs(scores[article_id] - score))
    return {"queries": len(before), "errors": errors, "totals_differ": totals, "top10_differ": top10, f"top{depth}_differ": top,
            "largest_score_difference": largest, "examples": examples[:5]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("save", "compare"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--eval", type=Path, default=EVAL_DIR)
    parser.add_argument("--sets", nargs="*", default=None)
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--tolerance", type=float, default=1e-6)
    args = parser.parse_args()
    sets = args.sets or sorted(path.name for path in args.eval.iterdir() if (path / "qrels.tsv").exists())
    with tempfile.TemporaryDirectory(prefix="same-ranking-") as workdir:
        now = {name: rankings(args.eval / name, args.depth, Path(workdir)) for name in sets}
    if args.action == "save":
        with gzip.open(args.file, "wt", encoding="utf-8") as out:
            json.dump(now, out, ensure_ascii=False)
        print(f"saved the rankings of {', '.join(sets)} to {args.file}")
        return 0
    with gzip.open(args.file, "rt", encoding="utf-8") as saved:
        before = json.load(saved)
    differ = False
    for name in sets:
        for mode in MODES:
            counts = compare(before[name][mode], now[name][mode], args.depth, args.tolerance)
            differ |= bool(counts["totals_differ"] or counts[f"top{args.depth}_differ"]
                           or counts["largest_score_difference"] > args.tolerance)
            print(json.dumps({"set": name, "mode": mode, **counts}, ensure_ascii=False))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
