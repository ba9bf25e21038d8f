"""Screen query-performance predictors as a switch between a topic ranking and the default.

    python benchmarks/query_regime.py --sets fa_hamshahri_course_dev nl_dpg2019_headline2article_dev \\
        fa_parsinlu_rc fa_news_headline2article_dev fa_pquad_validation --workdir /tmp/ev \\
        --runs /tmp/ev/runs --variants feedback_docs=10 k1=2.0 --out regime.json

For every query of every set it computes, over the set's default index (``--workdir/SET``, as
``benchmarks/relevance.py`` builds it), pre- and post-retrieval predictors from the literature:

- ``idf_avg``, ``idf_max``: of the query's content words, log(N / df);
- ``scq_avg``, ``scq_max``: Zhao, Scholer and Tsegay 2008, (1 + ln cf) * ln(1 + N / df);
- ``scope``: He and Ounis 2004, -log(share of the articles holding any content word);
- ``all_share``: the share of the articles holding every content word;
- ``nqc``: Shtok, Kurland and Carmel 2009, the standard deviation of the best 100 query-likelihood
  scores (Dirichlet, mu 1000) over the corpus score |log P(q | C)|;
- ``wig``: Zhou and Croft 2007, the mean of the best 5 query-likelihood scores less the corpus
  score, over sqrt(|q|);
- ``clarity``: Cronen-Townsend, Zhou and Croft 2002, the KL divergence (bits) of the relevance
  model of the best 10 query-likelihood matches from the collection model;
- ``gap``: (s1 - s2) / s1 of the default ranking's scores; ``flat``: s10 / s1 (Amati, Carpineto
  and Romano 2004).

It reports each predictor's median per set and how well it tells the topic set from each other
set, and a set's queries with several relevant articles from those with one (AUC): a predictor
that tells sets apart far better than it tells queries apart within a set recognises a collection,
not a query's regime.

The default's and each variant's rankings are read from ``--runs`` (``SET.VARIANT.trec``, as
``relevance.py --write-runs`` writes them); each query's nDCG@10 gain of the variant over the
default is set beside its predictors. The report says, per predictor and variant, the rank
correlation of predictor and gain within each set, and what a switch "variant when the predictor
says topic" gives each set at thresholds chosen on the one-answer sets only (the share of their
queries switched: 1%, 5%, 10%, 20%).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from searcher import QueryError, evaluation, open_index
from searcher.analysis.article import chain, family_of

EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
MU = 1000.0
# The direction in which a predictor says "topic search" (broad: many relevant articles, a flat head).
TOPIC_IF_HIGH = {"idf_avg": False, "idf_max": False, "scq_avg": False, "scq_max": False, "scope": False,
                 "all_share": True, "nqc": False, "wig": False, "clarity": False, "gap": False, "flat": True}
SHARES = (0.01, 0.05, 0.10, 0.20)


class SetModel:
    """One set's default index read as a bag-of-words collection (the ranking field's terms)."""

    def __init__(self, engine, config):
        self.engine = engine
        self.config = config
        collection = engine.collection
        self.size = int(collection.live.sum())
        self.lengths = collection.lengths("ranking").astype(np.float64)
        self.collection = collection
        self.cf_cache: dict[tuple[str, str], float] = {}
        self.tokens_cache: dict[int, Counter] = {}

    def terms(self, text: str, lang: str | None) -> tuple[str, list[str]]:
        family = family_of(lang or "fa")
        tokens = chain(family, self.config.index)(text)
        return family, [t.text for t in tokens if not t.is_stop and not t.part]

    def postings(self, family: str, term: str):
        return self.collection.postings("ranking", family, term)

    def p_collection(self, family: str, term: str) -> float:
        key = (family, term)
        if key not in self.cf_cache:
            self.cf_cache[key] = self.collection.frequency("ranking", family, term)
        total = self.collection.total_length("ranking", family)
        return max(self.cf_cache[key], 0.5) / total

    def doc_terms(self, docnum: int) -> Counter:
        if docnum not in self.tokens_cache:
            _, family, tokens = self.engine.article_tokens(docnum)
            self.tokens_cache[docnum] = Counter(t.text for t in tokens if not t.is_stop and not t.part)
        return self.tokens_cache[docnum]


def predictors(model: SetModel, family: str, terms: list[str], scores: list[float]) -> dict[str, float]:
    """The predictors of one query (see the module docstring)."""
    n = model.size
    found = [(term, model.postings(family, term)) for term in terms]
    found = [(term, p) for term, p in found if p is not None and len(p.docs)]
    out: dict[str, float] = {}
    if not found:
        return out
    idfs = [math.log(n / len(p.docs)) for _, p in found]
    scq = [(1 + math.log(max(float(p.tf.sum()), 1.0))) * math.log(1 + n / len(p.docs)) for _, p in found]
    out.update(idf_avg=sum(idfs) / len(terms), idf_max=max(idfs), scq_avg=sum(scq) / len(terms), scq_max=max(scq))
    union = np.unique(np.concatenate([p.docs for _, p in found]))
    out["scope"] = -math.log(len(union) / n)
    every = set(found[0][1].docs.tolist())
    for _, p in found[1:]:
        every &= set(p.docs.tolist())
    out["all_share"] = len(every) / n if len(found) == len(set(terms)) else 0.0
    # Query likelihood with Dirichlet smoothing over every article.
    lengths = model.lengths
    ql = np.zeros(len(lengths))
    corpus = 0.0
    for term in terms:
        pc = model.p_collection(family, term)
        tf = np.zeros(len(lengths))
        p = model.postings(family, term)
        if p is not None:
            tf[p.docs] = p.tf
        ql += np.log((tf + MU * pc) / (lengths + MU))
        corpus += math.log(pc)
    ql[~model.collection.live] = -np.inf
    order = np.argsort(-ql, kind="stable")
    top = ql[order[:100]]
    out["nqc"] = float(np.std(top)) / abs(corpus)
    out["wig"] = float(np.mean(top[:5]) - corpus) / math.sqrt(len(terms))
    # Clarity: relevance model of the best 10 (weights P(q | d)), against the collection model.
    best = order[:10]
    weights = np.exp(top[:10] - top[0])
    weights /= weights.sum()
    rm: Counter = Counter()
    for docnum, weight in zip(best.tolist(), weights.tolist()):
        counts = model.doc_terms(docnum)
        total = sum(counts.values()) or 1
        for term, count in counts.items():
            rm[term] += weight * count / total
    out["clarity"] = sum(pw * math.log2(pw / model.p_collection(family, term)) for term, pw in rm.items() if pw > 0)
    if len(scores) >= 2 and scores[0] > 0:
        out["gap"] = (scores[0] - scores[1]) / scores[0]
    if len(scores) >= 10 and scores[0] > 0:
        out["flat"] = scores[9] / scores[0]
    return out


def auc(positive: list[float], negative: list[float]) -> float:
    """The chance that a value of ``positive`` exceeds one of ``negative`` (ties count half)."""
    if not positive or not negative:
        return float("nan")
    a, b = np.asarray(positive)[:, None], np.asarray(negative)[None, :]
    return float((a > b).mean() + 0.5 * (a == b).mean())


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman's rank correlation (nan when either side is constant)."""
    if len(x) < 3:
        return float("nan")
    rx, ry = _ranks(x), _ranks(y)
    if np.std(rx) == 0 or np.std(ry) == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def _ranks(values: list[float]) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    order = array.argsort(kind="stable")
    ranks = np.empty(len(array))
    ranks[order] = np.arange(len(array))
    for value in np.unique(array):  # ties share their mean rank
        same = array == value
        ranks[same] = ranks[same].mean()
    return ranks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", required=True)
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--runs", type=Path, required=True)
    parser.add_argument("--variants", nargs="+", required=True)
    parser.add_argument("--topic-set", default="fa_hamshahri_course_dev", help="the set of topic searches")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = []  # one per query: set, qid, predictors, gains
    for set_name in args.sets:
        eval_set = evaluation.load_set(args.eval_dir / set_name)
        ndcg = {}
        for variant in ["default", *args.variants]:
            run = evaluation.read_run(args.runs / f"{set_name}.{variant}.trec")
            ndcg[variant] = {q: s["nDCG@10"] for q, s in evaluation.score_run(run, eval_set.qrels)[1].items()}
        queries = [query for query in eval_set.queries if query.qid in eval_set.qrels]
        with open_index(args.workdir / set_name) as index:
            scores = {}
            for query in queries:
                try:
                    hits = index.search(query.text, limit=10, snippets=False, suggest=False, literal=True).hits
                except QueryError:
                    hits = []
                scores[query.qid] = sorted((hit.score for hit in hits), reverse=True)
            with index._reading() as engine:  # one commit read for every query's statistics
                rows += set_rows(SetModel(engine, index.config), queries, scores, ndcg, set_name, args.variants,
                                 eval_set.qrels)
        print(f"{set_name}: {len(queries)} queries", file=sys.stderr, flush=True)
    report = summarise(rows, args.sets, args.variants, args.topic_set)
    print(report)
    if args.out:
        args.out.write_text(json.dumps(rows, ensure_ascii=False))


def set_rows(model: SetModel, queries, scores, ndcg, set_name: str, variants: list[str], qrels) -> list[dict]:
    """One row per query: its predictors, how many relevant articles it has, the default's
    nDCG@10 and each variant's gain."""
    rows = []
    for query in queries:
        family, terms = model.terms(query.text, query.lang)
        row = {"set": set_name, "qid": query.qid, "words": len(terms),
               "relevant": sum(grade > 0 for grade in qrels[query.qid].values()),
               **predictors(model, family, terms, scores[query.qid]), "default": ndcg["default"][query.qid]}
        row.update({v: ndcg[v][query.qid] - ndcg["default"][query.qid] for v in variants})
        rows.append(row)
    return rows


def summarise(rows: list[dict], sets: list[str], variants: list[str], topic_set: str) -> str:
    """The per-predictor tables (see the module docstring)."""
    others = [s for s in sets if s != topic_set]
    lines = ["## Predictors: median per set; AUC (topic direction) of the topic set against each other set, and of "
             "a set's queries with 2+ relevant articles against those with 1 (how many)",
             "| predictor | " + " | ".join(f"median {s[:8]}" for s in sets) + " | "
             + " | ".join(f"AUC vs {s[:8]}" for s in others) + " | AUC 2+ relevant |"]
    for name, high in TOPIC_IF_HIGH.items():
        sign = 1 if high else -1
        values = {s: [sign * r[name] for r in rows if r["set"] == s and name in r] for s in sets}
        several = [(s, [sign * r[name] for r in rows if r["set"] == s and name in r and r["relevant"] > 1],
                    [sign * r[name] for r in rows if r["set"] == s and name in r and r["relevant"] == 1]) for s in others]
        lines.append(f"| {name} | " + " | ".join(f"{sign * float(np.median(values[s])):.3g}" if values[s] else "-" for s in sets)
                     + " | " + " | ".join(f"{auc(values.get(topic_set, []), values[s]):.2f}" for s in others) + " | "
                     + ", ".join(f"{s[:8]} {auc(many, one):.2f} ({len(many)})" for s, many, one in several if len(many) >= 5)
                     + " |")
    for variant in variants:
        lines.append(f"\n## {variant}: gain over the default when switched on (mean nDCG@10 over each set's queries)")
        lines.append("| predictor | " + " | ".join(f"rho {s[:8]}" for s in sets) + " | share | threshold | "
                     + " | ".join(s[:8] for s in sets) + " |")
        for name, high in TOPIC_IF_HIGH.items():
            sign = 1 if high else -1
            rhos = []
            for s in sets:
                part = [r for r in rows if r["set"] == s and name in r]
                rhos.append(spearman([sign * r[name] for r in part], [r[variant] for r in part]))
            # Thresholds from the one-answer sets only: each set weighs the same.
            for share in SHARES:
                cuts = []
                for s in others:
                    values = [sign * r[name] for r in rows if r["set"] == s and name in r]
                    cuts.append(float(np.quantile(values, 1 - share)) if values else math.inf)
                cut = float(np.mean(cuts))
                gains = []
                for s in sets:
                    part = [r for r in rows if r["set"] == s]
                    on = [r for r in part if name in r and sign * r[name] >= cut]
                    gains.append(f"{sum(r[variant] for r in on) / len(part):+.4f} ({len(on)})")
                lines.append(f"| {name} | " + " | ".join(f"{x:+.2f}" for x in rhos) + f" | {share:.0%} | {sign * cut:.4g} | "
                             + " | ".join(gains) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
