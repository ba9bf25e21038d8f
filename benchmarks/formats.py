"""Indexing a drop from its .jsonl.gz against from the same records uncompressed (issue 18:
within 5%). Both files hold the first --docs records of fa_news_raw; each repeat indexes both
into fresh indexes on one process, in alternating order, and the median ratio gz / plain is
printed, with the reading alone (read_paths, no index) timed the same way.

    python benchmarks/formats.py --docs 2000 --repeats 3
    python benchmarks/formats.py --corpora /work/shared/corpora
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from searcher import open_index
from searcher.drops import read_paths

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def write_drops(corpus: Path, docs: int, scratch: Path) -> tuple[Path, Path]:
    """The first ``docs`` records as plain/news.jsonl and gz/news.jsonl.gz (gzip's default level)."""
    (scratch / "plain").mkdir()
    (scratch / "gz").mkdir()
    plain, packed = scratch / "plain" / "news.jsonl", scratch / "gz" / "news.jsonl.gz"
    with gzip.open(corpus, "rb") as source, plain.open("wb") as out:
        out.writelines(itertools.islice(source, docs))
    with plain.open("rb") as source, gzip.open(packed, "wb") as out:
        shutil.copyfileobj(source, out)
    return plain.parent, packed.parent


def index_seconds(drop: Path, index_dir: Path) -> float:
    started = time.perf_counter()
    with open_index(index_dir, create=True) as index:
        report = index.add_paths([drop], procs=1)
    assert not report.skipped, report.skipped[:3]
    return time.perf_counter() - started


def read_seconds(drop: Path) -> float:
    started = time.perf_counter()
    count = sum(1 for _ in read_paths([drop]))
    assert count
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="folder holding fa_news_raw.jsonl.gz")
    parser.add_argument("--docs", type=int, default=2000, help="records indexed from each file")
    parser.add_argument("--repeats", type=int, default=3, help="alternating pairs of runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="searcher-formats-") as name:
        scratch = Path(name)
        plain, packed = write_drops(args.corpora / "fa_news_raw.jsonl.gz", args.docs, scratch)
        sizes = {drop: sum(f.stat().st_size for f in drop.iterdir()) for drop in (plain, packed)}
        print(f"{args.docs} records: .jsonl {sizes[plain] / 1e6:.1f} MB, .jsonl.gz {sizes[packed] / 1e6:.1f} MB")
        timings: dict[str, dict[Path, list[float]]] = {"index": {plain: [], packed: []}, "read": {plain: [], packed: []}}
        for repeat in range(args.repeats):
            order = (plain, packed) if repeat % 2 == 0 else (packed, plain)
            for drop in order:
                timings["read"][drop].append(read_seconds(drop))
                timings["index"][drop].append(index_seconds(drop, scratch / f"index-{drop.name}-{repeat}"))
            print(f"repeat {repeat + 1}: index plain {timings['index'][plain][-1]:.2f} s, "
                  f"gz {timings['index'][packed][-1]:.2f} s; read plain {timings['read'][plain][-1]:.3f} s, "
                  f"gz {timings['read'][packed][-1]:.3f} s")
        for what, runs in timings.items():
            ratios = [g / p for g, p in zip(runs[packed], runs[plain])]
            print(f"{what}: median plain {statistics.median(runs[plain]):.3f} s, gz {statistics.median(runs[packed]):.3f} s, "
                  f"median ratio gz / plain {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
