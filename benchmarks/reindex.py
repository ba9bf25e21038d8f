"""Incremental indexing: a first run over a drop of N Persian news articles versus a re-run of
the same drop (every article unchanged: hashes compared, nothing analysed).

    python benchmarks/reindex.py                    # 10,000 articles, 3 repeats, medians
    python benchmarks/reindex.py --articles 2000 --repeats 1

Articles come from ../shared/corpora/fa_news_raw.jsonl.gz, written into a temporary drop as
.jsonl files of 1,000 records; each repeat indexes into a fresh index.
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import statistics
import tempfile
import time
from pathlib import Path

from searcher import open_index

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "fa_news_raw.jsonl.gz"
PER_FILE = 1000


def write_drop(folder: Path, articles: int) -> None:
    folder.mkdir()
    with gzip.open(CORPUS, "rt", encoding="utf-8") as corpus:
        lines = itertools.islice(corpus, articles)
        for number, batch in enumerate(iter(lambda: list(itertools.islice(lines, PER_FILE)), [])):
            (folder / f"part{number:03d}.jsonl").write_text("".join(batch), encoding="utf-8")


def timed_run(index_dir: Path, drop: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    with open_index(index_dir, create=True) as index:
        report = index.add_paths([drop])
    return time.perf_counter() - started, report.to_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    first, again = [], []
    with tempfile.TemporaryDirectory(prefix="searcher-reindex-") as scratch:
        drop = Path(scratch) / "drop"
        write_drop(drop, args.articles)
        for repeat in range(args.repeats):
            index_dir = Path(scratch) / f"index{repeat}"
            seconds, report = timed_run(index_dir, drop)
            first.append(seconds)
            print(f"first run {seconds:.2f} s {report}")
            seconds, report = timed_run(index_dir, drop)
            again.append(seconds)
            print(f"re-run    {seconds:.2f} s {report}")
    print(f"median over {args.repeats}: first run {statistics.median(first):.2f} s, "
          f"re-run {statistics.median(again):.2f} s ({statistics.median(again) / statistics.median(first):.1%})")


if __name__ == "__main__":
    main()
