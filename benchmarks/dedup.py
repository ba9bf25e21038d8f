"""Near-duplicate grouping: precision and recall on news with injected edited copies.

Takes articles from ../shared/corpora (Persian news, Dutch headlines), adds for some of them
copies as syndication makes them (same text under a new id, a by-line and footer added, a few
words changed or dropped, the end cut), groups everything as search results are grouped
(searcher.dedup.group_leaders, in a random order) and scores the pairs put in one group
against the pairs of an original and its copies.

    python benchmarks/dedup.py [--docs 1500] [--originals 300] [--seed 7]
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
from pathlib import Path

from searcher import dedup

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
FILES = {"fa": "fa_news_raw.jsonl.gz", "nl": "nl_nunl_headlines_2022_2024.jsonl.gz"}
EDITS = ("copy", "framed", "reworded", "cut")


def load(lang: str, count: int, rng: random.Random) -> list[dict]:
    with gzip.open(CORPORA / FILES[lang], "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in itertools.islice(lines, count * 4)]
    records = [r for r in records if len((r["text"] or r["title"]).split()) >= 8]
    return rng.sample(records, min(count, len(records)))


def edited(text: str, edit: str, rng: random.Random) -> str:
    """A copy of ``text`` as another outlet might publish it."""
    words = text.split()
    if edit == "framed":
        return f"(ANP/Reuters) {text} Lees ook: meer nieuws op onze site."
    if edit == "reworded":  # about one word in ten replaced or dropped
        out = [w for w in words if rng.random() > 0.05]
        return " ".join("xx" + w if rng.random() < 0.05 else w for w in out)
    if edit == "cut":
        return " ".join(words[: max(8, int(len(words) * 0.8))])
    return text


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--docs", type=int, default=1500, help="articles per language")
    options.add_argument("--originals", type=int, default=300, help="articles per language that get copies")
    options.add_argument("--seed", type=int, default=7)
    args = options.parse_args()
    rng = random.Random(args.seed)
    for lang in FILES:
        items, true_pairs = [], set()
        for n, record in enumerate(load(lang, args.docs, rng)):
            body = record["text"] or record["title"]
            items.append((f"{lang}{n}", body))
            if n < args.originals:
                for edit in rng.sample(EDITS, rng.randint(1, 3)):
                    items.append((f"{lang}{n}-{edit}", edited(body, edit, rng)))
                    true_pairs.add(frozenset((f"{lang}{n}", f"{lang}{n}-{edit}")))
        # Copies of one original are duplicates of each other too.
        by_original: dict[str, list[str]] = {}
        for pair in true_pairs:
            original, copy = sorted(pair, key=len)
            by_original.setdefault(original, [original]).append(copy)
        truth = {frozenset(p) for group in by_original.values() for p in itertools.combinations(group, 2)}
        rng.shuffle(items)
        leaders = dedup.group_leaders([dedup.signature(dedup.article_terms(lang, "", body)) for _, body in items])
        groups: dict[int, list[str]] = {}
        for (item_id, _), leader in zip(items, leaders):
            groups.setdefault(leader, []).append(item_id)
        found = {frozenset(p) for group in groups.values() for p in itertools.combinations(group, 2)}
        hits = len(found & truth)
        precision = hits / len(found) if found else 1.0
        recall = hits / len(truth)
        per_edit = {edit: sum(1 for p in truth if any(i.endswith(edit) for i in p) and p in found)
                    / max(1, sum(1 for p in truth if any(i.endswith(edit) for i in p))) for edit in EDITS}
        print(f"{lang}: {len(items)} articles, {len(truth)} duplicate pairs, {len(found)} grouped pairs: "
              f"precision {precision:.3f}, recall {recall:.3f}; recall by edit "
              + ", ".join(f"{edit} {value:.2f}" for edit, value in per_edit.items()))


if __name__ == "__main__":
    main()
