"""Scale benchmark: index about 100,000 documents of the three shared corpora, and measure
throughput, query latency and index size as the index grows.

Usage (from the repository root, in the venv)::

    python benchmarks/scale.py                                  # 10k, 50k, 100k documents
    python benchmarks/scale.py --checkpoints 2000,5000 --queries 50 --out scale.json

The corpora (fa_news_raw, fa_poems_scaling, nl_nunl_headlines_2022_2024: 112,431 documents) are
streamed and interleaved in proportion to their sizes (the next document always comes from the
corpus least consumed, as a fraction of its length), so every prefix, 10k as well as 100k, has the
same mix of long Persian news, medium poems and short Dutch headlines.

One indexing process (``Index.add_documents(procs=--procs)``, the public API) adds the stream one
checkpoint at a time, one commit each, as drops would arrive; after each commit the index is
copied aside (copy not timed). Reported per checkpoint: documents read and documents in the
index (records without usable text are skipped), docs/s and raw MB/s of that step and of the
whole run so far, index size against raw text, peak RSS so far of the indexing process and of
its largest worker process (the stream is never held whole). Then, per
copy, warm query latency p50/p95/p99 (``Index.search(q, limit=10)``, with snippets and without,
the two taking turns query by query) in a fresh process, over one seeded query set (bench.py's classes) drawn from the first checkpoint's
documents, so every query has matches at every size. ``--workdir DIR --keep`` keeps the copies;
``--reuse DIR`` measures queries again on kept copies without indexing.
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402

SCALE_CORPORA = ("fa_news_raw", "fa_poems_scaling", "nl_nunl_headlines_2022_2024")


def corpus_lengths(corpora: Path) -> dict[str, int]:
    """Documents per corpus (one line each)."""
    lengths = {}
    for name in SCALE_CORPORA:
        with gzip.open(corpora / f"{name}.jsonl.gz", "rb") as lines:
            lengths[name] = sum(1 for _ in lines)
    return lengths


def interleaved(corpora: Path, lengths: dict[str, int]) -> Iterator[dict]:
    """The corpora's records, the next always from the corpus least consumed (as a fraction)."""
    streams = {name: bench.read_records(corpora / f"{name}.jsonl.gz", None) for name in SCALE_CORPORA}
    taken = dict.fromkeys(SCALE_CORPORA, 0)
    while streams:
        name = min(streams, key=lambda n: taken[n] / lengths[n])
        record = next(streams[name], None)
        if record is None:
            del streams[name]
            continue
        taken[name] += 1
        yield record


def phase_build(args: dict) -> dict:
    """Indexes the stream checkpoint by checkpoint, copying the index aside after each."""
    import searcher

    corpora, workdir = Path(args["corpora"]), Path(args["workdir"])
    stream = interleaved(corpora, args["lengths"])
    raw = {"docs": 0, "bytes": 0}

    def counted(n: int) -> Iterator[dict]:
        for record in itertools.islice(stream, n):
            raw["docs"] += 1
            raw["bytes"] += bench.raw_bytes(record)
            yield record

    steps, done, total_seconds = [], 0, 0.0
    with searcher.open_index(workdir / "live", create=True) as index:
        for checkpoint in args["checkpoints"]:
            before = dict(raw)
            start = time.perf_counter()
            index.add_documents(counted(checkpoint - done), procs=args["procs"])
            seconds = time.perf_counter() - start
            total_seconds += seconds
            done = raw["docs"]
            shutil.copytree(workdir / "live", workdir / f"at-{checkpoint}")
            size = sum(p.stat().st_size for p in (workdir / f"at-{checkpoint}").rglob("*") if p.is_file())
            steps.append({
                "docs": done, "indexed": len(index), "step_docs": done - before["docs"], "step_seconds": seconds,
                "step_docs_per_s": (done - before["docs"]) / seconds,
                "step_mb_per_s": (raw["bytes"] - before["bytes"]) / 1e6 / seconds,
                "docs_per_s": done / total_seconds, "raw_mb": raw["bytes"] / 1e6, "index_mb": size / 1e6,
                "peak_rss_mb": bench.peak_rss_mb(),
                "peak_rss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "peak_rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            })
            print(json.dumps(steps[-1]), file=sys.stderr, flush=True)
    return {"steps": steps}


def first_texts(corpora: Path, lengths: dict[str, int], n: int) -> Iterator[str]:
    for record in itertools.islice(interleaved(corpora, lengths), n):
        yield record.get("text") or record.get("title", "")


def table(result: dict) -> str:
    header = (f"{'docs':>7} {'indexed':>7} {'docs/s step':>11} {'docs/s all':>10} {'MB/s step':>9} {'raw MB':>7} {'index MB':>8} "
              f"{'RSS MB parent/worker':>20}  " + "  ".join(f"{name} p50/p95/p99 ms" for name in bench.QUERY_CLASSES))
    lines = [header]
    for step in result["build"]["steps"]:
        latency = result["query"][str(step["docs"])]["latency_ms"]
        cells = "  ".join(f"{latency[name]['p50']:.1f}/{latency[name]['p95']:.1f}/{latency[name]['p99']:.1f}".rjust(len(name) + 17)
                          for name in bench.QUERY_CLASSES)
        lines.append(f"{step['docs']:>7} {step.get('indexed', 0):>7} {step['step_docs_per_s']:>11.0f} {step['docs_per_s']:>10.0f} "
                     f"{step['step_mb_per_s']:>9.2f} {step['raw_mb']:>7.1f} {step['index_mb']:>8.1f} "
                     f"{step['peak_rss_parent_mb']:>13.0f}/{step['peak_rss_worker_mb']:<6.0f}  {cells}")
    lines += ["", "the same queries without snippets (the ranking alone), p50/p95/p99 ms:",
              f"{'docs':>7}  " + "  ".join(f"{name:>17}" for name in bench.QUERY_CLASSES)]
    for step in result["build"]["steps"]:
        latency = result["query"][str(step["docs"])].get("ranking_latency_ms")
        if latency:
            lines.append(f"{step['docs']:>7}  " + "  ".join(
                f"{latency[name]['p50']:.1f}/{latency[name]['p95']:.1f}/{latency[name]['p99']:.1f}".rjust(17)
                for name in bench.QUERY_CLASSES))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=bench.CORPORA)
    parser.add_argument("--checkpoints", default="10000,50000,100000", help="document counts, ascending")
    parser.add_argument("--queries", type=int, default=200, help="per query class")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the index copies in --workdir")
    parser.add_argument("--reuse", type=Path, default=None, help="a kept workdir: measure queries only")
    parser.add_argument("--phase", choices=["build"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase_build(json.load(sys.stdin))))
        return

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    checkpoints = sorted(int(n) for n in args.checkpoints.split(","))
    lengths = corpus_lengths(args.corpora)
    workdir = args.reuse or Path(tempfile.mkdtemp(prefix="searcher-scale-", dir=args.workdir))
    try:
        if args.reuse:
            build = json.loads((workdir / "build.json").read_text())
        else:
            log(f"indexing {checkpoints[-1]} documents of {sum(lengths.values())} ({lengths}), {args.procs} process(es)")
            build = run_build(args, checkpoints, lengths, workdir)
            (workdir / "build.json").write_text(json.dumps(build))
        queries = bench.queries_from(first_texts(args.corpora, lengths, checkpoints[0]), args.queries, random.Random(args.seed))
        query = {}
        for step in build["steps"]:
            log(f"queries at {step['docs']} documents")
            copy = str(workdir / f"at-{step['docs']}")
            timed = bench.in_subprocess("query", {"systems": {"ours": copy, "ours_ranking": copy}, "queries": queries})
            query[str(step["docs"])] = {"latency_ms": timed["latency_ms"]["ours"],
                                        "ranking_latency_ms": timed["latency_ms"]["ours_ranking"],
                                        "peak_rss_mb": timed["peak_rss_mb"]}
    finally:
        if not (args.keep or args.reuse):
            shutil.rmtree(workdir, ignore_errors=True)
    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": bench.machine(),
        "config": {"corpora": lengths, "checkpoints": checkpoints, "queries_per_class": args.queries,
                   "seed": args.seed, "procs": args.procs},
        "build": build, "query": query,
    }
    print(table(result))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def run_build(args: argparse.Namespace, checkpoints: list[int], lengths: dict[str, int], workdir: Path) -> dict:
    """The build phase in a fresh interpreter (its peak RSS is its own); progress on stderr."""
    import subprocess

    done = subprocess.run(
        [sys.executable, __file__, "--phase", "build"], text=True, stdout=subprocess.PIPE, check=False,
        input=json.dumps({"corpora": str(args.corpora), "workdir": str(workdir), "lengths": lengths,
                          "checkpoints": checkpoints, "procs": args.procs}),
    )
    if done.returncode != 0:
        raise RuntimeError("the build phase failed (its error is above)")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
