"""Deep pages and exports with near-duplicates folded, against the same query with --all.

Folding near-duplicates (the default of ``searcher search``) reads the ranking as a stream:
a deep page folds only the matches up to it, an export folds them all before its first hit.
This measures both against the same request without folding (``--all``), in one process,
the two taking turns run by run so that the machine's drift hits both alike:

- page: ``Index.search(Q, page=300)`` folded against ``group=False`` (hits 2,991-3,000), in a
  warm process: before the runs, the folded page is taken until the process has folded as many
  matches as the index holds, when it finds the index's similar pairs and folds from them
  (searcher.search.engine.Engine._fold_by_pairs); the first search's time is printed too;
- export: the first 10,000 hits of ``Index.export(Q, group=True)`` against
  ``Index.search(Q, limit=10000, group=False)``, and ``export(Q)`` unfolded against the same;
- peak memory (tracemalloc; without snippets, which tracing makes slow) of taking 1,000 and
  10,000 hits from the export, folded or not, and of a page of as many hits.

With ``--cli``, also ``searcher search Q --page 300 --json`` and ``searcher search Q --format
jsonl --limit 10000`` against the same commands with ``--all`` (``--json`` for the page of
10,000), a process per run, as the issue measured them.

It prints medians, the ratio of the medians and the median of the runs' ratios (target: at
most 2), of the wall-clock time and of the CPU time (this process's and its children's). On a
shared machine the CPU time is the steadier figure for short calls: a call of a few
milliseconds often ends within one scheduler slice, one of twice as long waits for the next,
so the wall-clock ratio of two short calls grows with the machine's load. Snippets are left
out unless ``--snippets`` (they cost the same on both sides).

    python benchmarks/paging.py [--docs N] [--index DIR] [--runs 5] [--snippets] [--cli] [--corpus PATH]

``--index DIR`` keeps the index of the first ``--docs`` articles of fa_news_raw there and
reuses it on the next run; without it the index is built in a temporary folder.
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
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

from searcher import open_index
from searcher.errors import IndexNotFound

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "fa_news_raw.jsonl.gz"
PAGE_QUERY = "ایران"  # 3,707 matches in all of fa_news_raw
EXPORT_QUERY = "ایران تهران گزارش سال کشور روز کار"  # 10,207 matches
PAGE, PAGE_SIZE, EXPORTED = 300, 10, 10_000


def records(corpus: Path, limit: int | None) -> Iterator[dict]:
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for line in itertools.islice(lines, limit):
            yield json.loads(line)


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of a call."""
    start, start_cpu = time.perf_counter(), cpu_seconds()
    run()
    return time.perf_counter() - start, cpu_seconds() - start_cpu


def peak_mb(run: Callable[[], object]) -> float:
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def compare(name: str, ours: Callable[[], object], baseline: Callable[[], object], runs: int, warm: int = 1) -> dict:
    for _ in range(warm):  # warm: the postings and stored fields read once (and what ``warm`` says)
        ours(), baseline()
    pairs = []
    for _ in range(runs):
        pairs.append((timed(ours), timed(baseline)))
    row = {"case": name}
    for clock, (suffix, kind) in enumerate((("s", "wall"), ("cpu_s", "cpu"))):
        ours_median = statistics.median(a[clock] for a, _ in pairs)
        baseline_median = statistics.median(b[clock] for _, b in pairs)
        row |= {f"ours_{suffix}": round(ours_median, 4), f"all_{suffix}": round(baseline_median, 4),
                f"{kind}_ratio_of_medians": round(ours_median / baseline_median, 2),
                f"{kind}_median_ratio": round(statistics.median(a[clock] / b[clock] for a, b in pairs), 2)}
    print(f"{name:<40} {row['ours_s']:>8.3f} {row['all_s']:>8.3f} {row['wall_ratio_of_medians']:>6.2f} "
          f"{row['wall_median_ratio']:>6.2f} {row['ours_cpu_s']:>8.3f} {row['all_cpu_s']:>8.3f} "
          f"{row['cpu_ratio_of_medians']:>6.2f} {row['cpu_median_ratio']:>6.2f}", flush=True)
    return row


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--docs", type=int, default=None, help="articles of fa_news_raw to index (default: all)")
    options.add_argument("--corpus", type=Path, default=CORPUS,
                         help="fa_news_raw.jsonl.gz [default: ../shared/corpora/ beside the repository]")
    options.add_argument("--index", type=Path, default=None, help="keep (and reuse) the index here")
    options.add_argument("--runs", type=int, default=5)
    options.add_argument("--snippets", action="store_true", help="with snippets on both sides")
    options.add_argument("--cli", action="store_true",
                         help="also through the command line, a process per run (as a user runs it)")
    args = options.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.index or Path(scratch) / "index"
        with open_index(directory, create=True) as index:
            if not _articles(index):
                start = time.perf_counter()
                index.add_documents(records(args.corpus, args.docs))
                print(f"indexed {len(index)} articles in {time.perf_counter() - start:.0f} s", flush=True)
            run(index, args)


def _articles(index) -> int:
    """Articles in the index; 0 when none was written yet (an index is made by its first article)."""
    try:
        return len(index)
    except IndexNotFound:
        return 0


def run(index, args: argparse.Namespace) -> None:
    snippets = args.snippets
    page_total = index.search(PAGE_QUERY, snippets=False, suggest=False).total
    export_total = index.search(EXPORT_QUERY, snippets=False, suggest=False).total
    page = min(PAGE, max(1, page_total // PAGE_SIZE))
    exported = min(EXPORTED, export_total)
    print(f"{len(index)} articles; {PAGE_QUERY!r}: {page_total} matches, page {page}; "
          f"{EXPORT_QUERY!r}: {export_total} matches, {exported} exported; snippets: {snippets}", flush=True)
    print(f"{'case':<40} {'ours s':>8} {'--all s':>8} {'ratio':>6} {'med.r':>6} {'ours cpu':>8} {'all cpu':>8} "
          f"{'ratio':>6} {'med.r':>6}")

    def folded_page():
        return index.search(PAGE_QUERY, page=page, limit=PAGE_SIZE, group=True, snippets=snippets, suggest=False)

    def page_all():
        return index.search(PAGE_QUERY, page=page, limit=PAGE_SIZE, group=False, snippets=snippets, suggest=False)

    def export(group: bool, count: int = exported, with_snippets: bool = snippets) -> Callable[[], int]:
        def take() -> int:
            with index.export(EXPORT_QUERY, group=group, snippets=with_snippets) as hits:
                return sum(1 for _ in itertools.islice(hits, count))
        return take

    def all_hits(count: int = exported, with_snippets: bool = snippets) -> Callable[[], object]:
        return lambda: index.search(EXPORT_QUERY, limit=count, group=False, snippets=with_snippets, suggest=False)

    page_all()  # the ids read once (ties are broken by id), as every later search finds them
    first, _ = timed(folded_page)
    print(f"page {page}, folded, the first folded search of the process (from signatures): {first:.3f} s", flush=True)
    # Folded searches until the engine has folded as many matches as the index holds.
    warm = -(-len(index) // max(page_total, 1))
    rows = [
        compare(f"page {page}, folded", folded_page, page_all, args.runs, warm),
        compare(f"export {exported}, folded", export(True), all_hits(), args.runs),
        compare(f"export {exported}, not folded", export(False), all_hits(), args.runs),
    ]
    if args.cli:
        snippet_option = [] if snippets else ["--no-snippets"]

        def cli(*options: str) -> Callable[[], None]:
            command = [sys.executable, "-m", "searcher.cli", "search", *options, "--index", str(index.path),
                       *snippet_option]
            return lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

        rows += [
            compare(f"CLI --page {page} --json", cli(PAGE_QUERY, "--page", str(page), "--json"),
                    cli(PAGE_QUERY, "--page", str(page), "--json", "--all"), args.runs),
            compare(f"CLI --format jsonl --limit {exported}", cli(EXPORT_QUERY, "--format", "jsonl", "--limit", str(exported)),
                    cli(EXPORT_QUERY, "--limit", str(exported), "--json", "--all"), args.runs),
        ]
    small = exported // 10
    memory = {f"{name} {count}": round(peak_mb(run(count)), 1) for count in (small, exported)
              for name, run in (("export", lambda count: export(False, count, False)),
                                ("export folded", lambda count: export(True, count, False)),
                                ("page (--all)", lambda count: all_hits(count, False)))}
    print("peak traced memory MB (hits taken and dropped one by one; a page holds its hits): "
          + ", ".join(f"{name}: {value}" for name, value in memory.items()))
    print(json.dumps({"date": time.strftime("%Y-%m-%d"), "articles": len(index), "snippets": snippets,
                      "rows": rows, "peak_mb": memory}))


if __name__ == "__main__":
    main()
