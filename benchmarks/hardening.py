"""Hostile sizes, bounded (issue 16, points 6 and 10): indexing one 30 MB article and searching
the index that holds it, and queries of 20,000 characters or one very long word, each against
a normal article or query measured in the same run. Every measurement runs in a fresh process,
so its peak RSS is its own; times are medians of --repeats.

- index: one article file of 30 MB (real article lines repeated) against a normal article (a
  seed article) into empty indexes; the drop reader cuts the long one at the size limit;
- search: a keyword and a phrase query on each of those two indexes;
- query: on an index of --docs fa_news_raw articles (the seeds when the corpus is missing),
  a two-word query as the baseline, then a 20,000-character query, 1,000 and 20,000 `ب` in one
  word, 40,000 `a`, and 1,999 characters of distinct misspelled words (did-you-mean bounded).

    python benchmarks/hardening.py
    python benchmarks/hardening.py --docs 2000 --repeats 5 --corpora /work/shared/corpora
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
HUGE_BYTES = 30_000_000
KEYWORD, PHRASE = "Iran", '"nucleaire programma"'
QUERIES = {
    "two words (baseline)": "رئیس جمهور",
    "20,000 characters": " ".join(["رئیس", "جمهور", "Trump"] * 2000)[:20_000],
    "1,000 ب in one word": "ب" * 1000,
    "20,000 ب in one word": "ب" * 20_000,
    "40,000 a": "a" * 40_000,
    "1,999 characters of misspelled words": " ".join(f"رئیسس{n}" for n in range(400))[:1999],
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Phases, each run in its own process (``--phase``); each prints one JSON line.


def phase_index(drop: Path, index_dir: Path) -> dict:
    from searcher import open_index

    started = time.perf_counter()
    notes = []
    with open_index(index_dir, create=True) as index:
        report = index.add_paths([drop], procs=1, on_note=notes.append)
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "added": report.added,
            "notes": [note.message for note in notes]}


def phase_search(index_dir: Path, repeats: int) -> dict:
    from searcher import open_index

    found = {}
    with open_index(index_dir) as index:
        for name, query in (("keyword", KEYWORD), ("phrase", PHRASE)):
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                total = index.search(query).total
                times.append(time.perf_counter() - started)
            found[name] = {"seconds": statistics.median(times), "total": total}
    return {**found, "peak_mb": peak_mb()}


def phase_query(index_dir: Path, name: str, repeats: int) -> dict:
    from searcher import SearcherError, open_index

    with open_index(index_dir) as index:
        index.search(QUERIES["two words (baseline)"])  # warm: arrays mapped, analysis loaded
        before = peak_mb()
        times, outcome = [], ""
        for _ in range(repeats):
            started = time.perf_counter()
            try:
                page = index.search(QUERIES[name])
                outcome = f"{page.total} hits" + (", a suggestion" if page.suggestion else "")
            except SearcherError as error:
                outcome = f"refused: {error}"
            times.append(time.perf_counter() - started)
    return {"seconds": statistics.median(times), "peak_mb": peak_mb(), "peak_before_mb": before, "outcome": outcome}


# The driver


def run_phase(*arguments: str) -> dict:
    result = subprocess.run([sys.executable, __file__, "--phase", *arguments], capture_output=True, text=True,
                            cwd=REPO)
    if result.returncode:
        raise SystemExit(f"phase {arguments[0]} failed:\n{result.stderr}")
    return json.loads(result.stdout.splitlines()[-1])


def write_drops(scratch: Path) -> tuple[Path, Path]:
    """normal/: one seed article; huge/: one article file of HUGE_BYTES of article lines."""
    lines = [line for path in sorted((REPO / "seeds").glob("*.txt"))
             for line in path.read_text(encoding="utf-8").splitlines() if len(line) > 40]
    (scratch / "normal").mkdir()
    (scratch / "huge").mkdir()
    normal = scratch / "normal" / "article.txt"
    normal.write_text((REPO / "seeds" / "004_7c82a9d19096d9a2.txt").read_text(encoding="utf-8"), encoding="utf-8")
    with open(scratch / "huge" / "article.txt", "w", encoding="utf-8") as out:
        written = out.write("Een heel lang bericht over Iran en het nucleaire programma\n")
        for n, line in zip(itertools.count(), itertools.cycle(lines)):
            if written >= HUGE_BYTES:
                break
            written += len((text := f"{line} ({n})\n").encode("utf-8"))
            out.write(text)
    return normal.parent, scratch / "huge"


def query_index(scratch: Path, corpora: Path, docs: int) -> tuple[Path, str]:
    """An index of the first ``docs`` fa_news_raw records, or of the seeds without the corpus."""
    from searcher import open_index

    corpus = corpora / "fa_news_raw.jsonl.gz"
    drop = scratch / "corpus"
    drop.mkdir()
    if corpus.exists():
        with gzip.open(corpus, "rb") as source, open(drop / "news.jsonl", "wb") as out:
            out.writelines(itertools.islice(source, docs))
        what = f"the first {docs} fa_news_raw articles"
    else:
        drop = REPO / "seeds"
        what = "the 5 seed articles (fa_news_raw not found)"
    with open_index(scratch / "query-index", create=True) as index:
        index.add_paths([drop])
    return scratch / "query-index", what


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="folder holding fa_news_raw.jsonl.gz")
    parser.add_argument("--docs", type=int, default=2000, help="articles of the index the queries run on")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each query (the median is shown)")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        name, *rest = args.phase
        if name == "index":
            result = phase_index(Path(rest[0]), Path(rest[1]))
        elif name == "search":
            result = phase_search(Path(rest[0]), int(rest[1]))
        else:
            result = phase_query(Path(rest[0]), rest[1], int(rest[2]))
        print(json.dumps(result, ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory(prefix="searcher-hardening-") as name:
        scratch = Path(name)
        normal, huge = write_drops(scratch)
        print(f"One article: normal {sum(f.stat().st_size for f in normal.iterdir()) / 1e3:.1f} kB, "
              f"huge {sum(f.stat().st_size for f in huge.iterdir()) / 1e6:.1f} MB")
        indexed = {drop.name: run_phase("index", str(drop), str(scratch / f"index-{drop.name}")) for drop in (normal, huge)}
        for drop, result in indexed.items():
            print(f"index {drop:6}: {result['seconds']:6.2f} s, peak RSS {result['peak_mb']:6.0f} MB, "
                  f"added {result['added']} {'; '.join(result['notes'])}")
        print(f"index huge / normal: time {indexed['huge']['seconds'] / indexed['normal']['seconds']:.1f}x, "
              f"peak RSS {indexed['huge']['peak_mb'] / indexed['normal']['peak_mb']:.2f}x")
        searched = {drop: run_phase("search", str(scratch / f"index-{drop}"), str(args.repeats)) for drop in indexed}
        for drop, result in searched.items():
            print(f"search {drop:6}: keyword {result['keyword']['seconds'] * 1000:7.1f} ms "
                  f"({result['keyword']['total']} hits), phrase {result['phrase']['seconds'] * 1000:7.1f} ms "
                  f"({result['phrase']['total']} hits), peak RSS {result['peak_mb']:.0f} MB")
        index_dir, what = query_index(scratch, args.corpora, args.docs)
        print(f"Queries on an index of {what}, median of {args.repeats}:")
        baseline = None
        for query in QUERIES:
            result = run_phase("query", str(index_dir), query, str(args.repeats))
            baseline = baseline or result
            print(f"  {query:38} {result['seconds'] * 1000:8.1f} ms ({result['seconds'] / baseline['seconds']:5.1f}x), "
                  f"peak RSS {result['peak_mb']:4.0f} MB (+{result['peak_mb'] - result['peak_before_mb']:.0f}): "
                  f"{result['outcome'][:70]}")


if __name__ == "__main__":
    main()
