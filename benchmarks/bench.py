"""Speed benchmark: searcher against plain Whoosh on the same documents and queries, in one run.

Usage (from the repository root, in the venv)::

    python benchmarks/bench.py                                  # full fa_news_raw, 500 queries per class
    python benchmarks/bench.py --docs 1000 --queries 100        # a quick run
    python benchmarks/bench.py --corpus nl_nunl_headlines_2022_2024 --out bench.json

Options: ``--corpus NAME`` (a ``*.jsonl.gz`` in ``--corpora``, default fa_news_raw), ``--docs N``
(the first N documents; default all), ``--queries N`` (per query class, default 500), ``--seed S``
(query sampling, default 13), ``--procs N`` (the "all cores" figure, default ``os.cpu_count()``),
``--cold-runs N`` (cold-start repetitions, default 7), ``--build-rounds N`` (default 1: how many
times each build runs, plain Whoosh and ours back to back in each round; figures are medians over
the rounds, and the ratio's median over the rounds is printed too), ``--out FILE`` (JSON),
``--workdir DIR`` (where indexes are built; default a temporary directory, removed afterwards).

What it measures, each phase in a fresh subprocess (so peak RSS is that phase's own):

* build: documents/s and raw MB/s while streaming the corpus into a new index, for searcher with
  one process and with ``--procs`` processes (the public API,
  ``open_index(create=True).add_documents(records, procs=N)``), and the same for plain Whoosh
  (``MpWriter``, ``procs=N, multisegment=True``); index size on disk against the raw text
  (title + text);
* warm queries: p50/p95/p99 ms of ``Index.search(q, limit=10)`` (hits with snippets) on the
  one-process index, after the first ``WARM_UP`` queries of each class ran once; plain Whoosh:
  a reused searcher, ``MultifieldParser`` over title and body with OR grouping (any word, as our
  keyword queries), top 10 with stored fields, no highlighting; ours again with
  ``snippets=False`` (the ranking alone, printed as "no snippets"). The three take turns query by
  query in one process (who goes first rotates), so the machine's drift hits them alike; the
  peak RSS of searching is each one's own, running the first ``MEMORY_QUERIES`` of each class
  alone in a fresh process;
* cold start: wall time of ``searcher search QUERY --index DIR`` from process start to exit, median
  of ``--cold-runs``, next to the floor ``python -c "import hazm, whoosh"`` measured interleaved;
  and whether the command imports hazm at all (``python -X importtime``);
* peak RSS (max of the phase process and its children) of every build and query phase.

Query classes (seeded, drawn from the indexed documents' words): ``kw1-3`` and ``kw3-8``
(consecutive words), ``phrase2`` (two consecutive words in quotes), ``boolean``
(``a AND (b OR c) AND NOT d``, a-c consecutive, d from another document).

Plain Whoosh: ``StandardAnalyzer``, BM25F, title + body TEXT fields, body stored, unique id.
Every figure of ours is printed with its ratio to plain Whoosh's.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
QUERY_CLASSES = ("kw1-3", "kw3-8", "phrase2", "boolean")
WARM_UP = 20  # queries of each class run once before timing
MEMORY_QUERIES = 100  # queries of each class a system runs alone for its peak RSS
WORD_EDGES = re.compile(r"^\W+|\W+$")


# --- corpus and queries -----------------------------------------------------------------------


def read_records(corpus: Path, limit: int | None) -> Iterator[dict]:
    """The corpus records, streamed (the first ``limit`` when given)."""
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            if limit is not None and n >= limit:
                return
            yield json.loads(line)


def raw_bytes(record: dict) -> int:
    return len(record.get("title", "").encode()) + len(record.get("text", "").encode())


def words_of(text: str) -> list[str]:
    """Whitespace-separated words without edge punctuation; words with a letter only."""
    words = (WORD_EDGES.sub("", w) for w in text.split())
    return [w for w in words if any(c.isalpha() for c in w)]


def make_queries(corpus: Path, limit: int | None, per_class: int, seed: int) -> dict[str, list[str]]:
    """``per_class`` queries of every class, from documents picked with ``seed``."""
    count = sum(1 for _ in read_records(corpus, limit))
    rng = random.Random(seed)
    wanted = set(rng.choices(range(count), k=per_class * len(QUERY_CLASSES) * 2))
    texts = (record.get("text", "") for n, record in enumerate(read_records(corpus, limit)) if n in wanted)
    return queries_from(texts, per_class, rng)


def queries_from(texts: Iterable[str], per_class: int, rng: random.Random) -> dict[str, list[str]]:
    """``per_class`` queries of every class, drawn with ``rng`` from the texts of 8 words or more."""
    picked = [words for words in map(words_of, texts) if len(words) >= 8]
    rng.shuffle(picked)

    def window(k: int) -> list[str]:
        words = rng.choice(picked)
        start = rng.randrange(len(words) - k + 1)
        return words[start : start + k]

    queries: dict[str, list[str]] = {name: [] for name in QUERY_CLASSES}
    for _ in range(per_class):
        queries["kw1-3"].append(" ".join(window(rng.randint(1, 3))))
        queries["kw3-8"].append(" ".join(window(rng.randint(3, 8))))
        queries["phrase2"].append('"' + " ".join(window(2)) + '"')
        a, b, c = window(3)
        queries["boolean"].append(f"{a} AND ({b} OR {c}) AND NOT {rng.choice(rng.choice(picked))}")
    return queries


# --- phases (each runs in its own subprocess) ---------------------------------------------------


def peak_rss_mb() -> float:
    """Peak RSS of this process and of its largest finished child, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def plain_schema():
    from whoosh import fields
    from whoosh.analysis import StandardAnalyzer

    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=StandardAnalyzer()),
        body=fields.TEXT(analyzer=StandardAnalyzer(), stored=True),
    )


def build_ours(records: Iterator[dict], directory: Path, procs: int) -> None:
    """The public API: ``open_index(create=True).add_documents(records, procs=procs)``."""
    import searcher

    with searcher.open_index(directory, create=True) as index:
        index.add_documents(records, procs=procs)


def build_plain(records: Iterator[dict], directory: Path, procs: int) -> None:
    from whoosh import index as windex

    directory.mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(directory), plain_schema())
    writer = ix.writer(procs=procs, multisegment=True) if procs > 1 else ix.writer()
    for record in records:
        writer.update_document(id=record["id"], title=record.get("title", ""), body=record.get("text", ""))
    writer.commit()
    ix.close()


def phase_build(args: dict) -> dict:
    records = read_records(Path(args["corpus"]), args["docs"])
    counted = {"docs": 0, "bytes": 0}

    def counting() -> Iterator[dict]:
        for record in records:
            counted["docs"] += 1
            counted["bytes"] += raw_bytes(record)
            yield record

    directory = Path(args["dir"])
    build = build_ours if args["system"] == "ours" else build_plain
    import searcher.api, whoosh.multiproc  # noqa: E401, F401  (imports are not indexing time)

    start = time.perf_counter()
    build(counting(), directory, args["procs"])
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
    return {
        "docs": counted["docs"], "raw_mb": counted["bytes"] / 1e6, "seconds": seconds,
        "docs_per_s": counted["docs"] / seconds, "mb_per_s": counted["bytes"] / 1e6 / seconds,
        "index_mb": size / 1e6, "peak_rss_mb": peak_rss_mb(),
    }


def searcher_of(system: str, directory: str) -> Callable[[str], None]:
    """A warm search function of ``system`` over the index in ``directory``."""
    if system in ("ours", "ours_ranking"):
        import searcher

        index = searcher.open_index(directory)
        with_snippets = system == "ours"

        def run(q: str) -> None:
            try:
                index.search(q, limit=10, snippets=with_snippets)
            except searcher.QueryError:
                pass
        return run
    from whoosh import index as windex
    from whoosh import scoring
    from whoosh.qparser import MultifieldParser, OrGroup

    ix = windex.open_dir(directory)
    whoosh_searcher = ix.searcher(weighting=scoring.BM25F())
    parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)

    def run(q: str) -> None:
        for hit in whoosh_searcher.search(parser.parse(q), limit=10):
            hit.fields()
    return run


def phase_query(args: dict) -> dict:
    """Latency percentiles per system and query class, the systems taking turns query by query
    (who goes first rotates), so drift of the machine's speed hits them alike."""
    queries: dict[str, list[str]] = args["queries"]
    runs = {system: searcher_of(system, directory) for system, directory in args["systems"].items()}
    for run in runs.values():
        for q in (q for qs in queries.values() for q in qs[:WARM_UP]):
            run(q)
    times: dict[str, dict[str, list[float]]] = {system: {name: [] for name in queries} for system in runs}
    turns = list(runs.items())
    for name, qs in queries.items():
        for n, q in enumerate(qs):
            for system, run in turns[n % len(turns):] + turns[: n % len(turns)]:
                start = time.perf_counter()
                run(q)
                times[system][name].append((time.perf_counter() - start) * 1000)
    latency = {system: {name: percentiles(values) for name, values in by_class.items()} for system, by_class in times.items()}
    return {"latency_ms": latency, "peak_rss_mb": peak_rss_mb()}


PHASES = {"build": phase_build, "query": phase_query}


def percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": statistics.median(values), "p95": cuts[94], "p99": cuts[98], "n": len(values)}


def in_subprocess(phase: str, args: dict) -> dict:
    """Runs ``phase`` in a fresh interpreter; its JSON answer is the last line of stdout."""
    done = subprocess.run(
        [sys.executable, __file__, "--phase", phase], input=json.dumps(args), capture_output=True,
        text=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"phase {phase} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- cold start -------------------------------------------------------------------------------


def wall(command: list[str]) -> float:
    """Wall seconds of ``command``; a failure raises with its stderr (a cold run must answer)."""
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{command[1:4]} failed: {done.stderr.strip()[-500:]}")
    return time.perf_counter() - start


def cold_start(directory: Path, queries: list[str], runs: int) -> dict:
    """Median wall time of `searcher search` and of the import floor, interleaved."""
    cli = [sys.executable, "-m", "searcher.cli"]
    floor_cmd = [sys.executable, "-c", "import hazm, whoosh"]
    search, floor = [], []
    for n in range(runs):
        floor.append(wall(floor_cmd))
        search.append(wall(cli + ["search", queries[n % len(queries)], "--index", str(directory)]))
    trace = subprocess.run(
        [sys.executable, "-X", "importtime"] + cli[1:] + ["search", queries[0], "--index", str(directory)],
        capture_output=True, text=True, check=True,
    )
    imports_hazm = any(line.rsplit("|", 1)[-1].strip().split(".")[0] == "hazm" for line in trace.stderr.splitlines())
    return {
        "search_s": statistics.median(search), "floor_s": statistics.median(floor),
        "search_minus_floor_s": statistics.median(search) - statistics.median(floor),
        "imports_hazm": imports_hazm, "runs": runs,
    }


# --- report -----------------------------------------------------------------------------------


def medians(runs: list[dict]) -> dict:
    """Each figure's median over the build rounds (the docs and raw MB are the same in all)."""
    return {name: statistics.median(run[name] for run in runs) for name in runs[0]}


def ratio(ours: float, plain: float) -> float:
    return ours / plain if plain else float("nan")


def table(result: dict) -> str:
    b, q = result["build"], result["query"]
    procs = result["config"]["procs"]
    rows = [
        ("build docs/s, 1 process", b["ours_1"]["docs_per_s"], b["plain_1"]["docs_per_s"]),
        (f"build docs/s, {procs} processes", b["ours_n"]["docs_per_s"], b["plain_n"]["docs_per_s"]),
        (f"build docs/s, ours {procs} procs vs plain 1", b["ours_n"]["docs_per_s"], b["plain_1"]["docs_per_s"]),
        ("build MB/s, 1 process", b["ours_1"]["mb_per_s"], b["plain_1"]["mb_per_s"]),
        (f"build MB/s, {procs} processes", b["ours_n"]["mb_per_s"], b["plain_n"]["mb_per_s"]),
        ("index MB (1 process)", b["ours_1"]["index_mb"], b["plain_1"]["index_mb"]),
        ("index MB / raw text MB", b["ours_1"]["index_mb"] / b["ours_1"]["raw_mb"],
         b["plain_1"]["index_mb"] / b["plain_1"]["raw_mb"]),
        ("peak RSS MB, build 1 process", b["ours_1"]["peak_rss_mb"], b["plain_1"]["peak_rss_mb"]),
        (f"peak RSS MB, build {procs} processes", b["ours_n"]["peak_rss_mb"], b["plain_n"]["peak_rss_mb"]),
    ]
    for name in QUERY_CLASSES:
        for cut in ("p50", "p95", "p99"):
            rows.append((f"query {name} {cut} ms", q["ours"]["latency_ms"][name][cut], q["plain"]["latency_ms"][name][cut]))
    if "ours_ranking" in q:  # the same searches without snippets: what ranking alone costs
        for name in QUERY_CLASSES:
            for cut in ("p50", "p95"):
                rows.append((f"query {name} {cut} ms, no snippets", q["ours_ranking"]["latency_ms"][name][cut],
                             q["plain"]["latency_ms"][name][cut]))
    rows.append(("peak RSS MB, queries", q["ours"]["peak_rss_mb"], q["plain"]["peak_rss_mb"]))
    cold = result["cold_start"]
    if "error" not in cold:
        rows.append(("cold `searcher search` s vs import floor", cold["search_s"], cold["floor_s"]))
    if len(b["ours_1"].get("round_ratios", ())) > 1:
        for key, label in (("1", "1 process"), ("n", f"{procs} processes")):
            rows.append((f"build docs/s {label}: median of round ratios",
                         statistics.median(b[f"ours_{key}"]["round_ratios"]), 1.0))
    width = max(len(r[0]) for r in rows)
    lines = [f"{'':{width}}  {'searcher':>10}  {'whoosh':>10}  {'ratio':>6}"]
    lines += [f"{label:{width}}  {ours:10.2f}  {plain:10.2f}  {ratio(ours, plain):6.2f}" for label, ours, plain in rows]
    if "error" in cold:
        lines.append(f"cold start not measured: {cold['error']}")
    else:
        lines.append(f"cold search - floor: {cold['search_minus_floor_s']:+.3f} s; "
                     f"`searcher search` imports hazm: {cold['imports_hazm']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="fa_news_raw")
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--docs", type=int, default=None)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("--build-rounds", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](json.load(sys.stdin))))
        return

    corpus = args.corpora / f"{args.corpus}.jsonl.gz"
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="searcher-bench-", dir=args.workdir))
    try:
        result = run(corpus, args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(table(result))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def machine() -> dict:
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "python": platform.python_version()}


def run(corpus: Path, args: argparse.Namespace, workdir: Path) -> dict:
    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    log(f"queries: {args.queries} per class, seed {args.seed}")
    queries = make_queries(corpus, args.docs, args.queries, args.seed)
    rounds: dict[str, list[dict]] = {}
    for number in range(1, args.build_rounds + 1):
        for key, procs in (("1", 1), ("n", args.procs)):
            for system in ("plain", "ours"):
                log(f"build {system}, {procs} process(es), round {number} of {args.build_rounds}")
                directory = workdir / f"{system}_{key}"
                shutil.rmtree(directory, ignore_errors=True)  # each round builds anew; the last one is searched
                rounds.setdefault(f"{system}_{key}", []).append(in_subprocess("build", {
                    "system": system, "procs": procs, "corpus": str(corpus), "docs": args.docs, "dir": str(directory),
                }))
    build = {name: medians(runs) for name, runs in rounds.items()}
    for key in ("1", "n"):  # plain and ours built back to back: the machine's drift hits each pair alike
        build[f"ours_{key}"]["round_ratios"] = [ours["docs_per_s"] / plain["docs_per_s"]
                                                for ours, plain in zip(rounds[f"ours_{key}"], rounds[f"plain_{key}"])]
    directories = {system: str(workdir / ("plain_1" if system == "plain" else "ours_1"))
                   for system in ("plain", "ours", "ours_ranking")}
    log("queries: " + ", ".join(directories) + ", taking turns")
    timed = in_subprocess("query", {"systems": directories, "queries": queries})
    query = {}
    for system, directory in directories.items():
        log(f"peak memory of queries, {system}")
        alone = in_subprocess("query", {"systems": {system: directory},
                                        "queries": {name: qs[:MEMORY_QUERIES] for name, qs in queries.items()}})
        query[system] = {"latency_ms": timed["latency_ms"][system], "peak_rss_mb": alone["peak_rss_mb"]}
    log("cold start")
    try:
        cold = cold_start(workdir / "ours_1", queries["kw3-8"], args.cold_runs)
    except RuntimeError as error:  # e.g. the analysis version changed since the build
        log(str(error))
        cold = {"error": str(error)}
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "config": {"corpus": corpus.name, "docs": args.docs, "queries_per_class": args.queries,
                   "seed": args.seed, "procs": args.procs, "cold_runs": args.cold_runs,
                   "build_rounds": args.build_rounds},
        "build": build, "query": query, "cold_start": cold,
        "query_examples": {name: qs[:3] for name, qs in queries.items()},
    }


if __name__ == "__main__":
    main()
