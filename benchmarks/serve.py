"""Load benchmark of ``searcher serve``: concurrent clients over loopback while a drop is
indexed and a rebuild switches generations, for 1 and 2 worker processes.

Usage (from the repository root, in a venv with ``pip install -e ".[serve,test]"``)::

    python benchmarks/serve.py                            # full fa_news_raw, 2,000 requests, 16 clients
    nice -n 10 python benchmarks/serve.py --docs 3000     # a smaller index
    python benchmarks/serve.py --workers 2 --requests 500 --out serve.json

Options: ``--corpus NAME`` (a ``*.jsonl.gz`` in ``--corpora``, default fa_news_raw), ``--docs N``
(the first N records; default all), ``--drop N`` (of those, the last N are the drop indexed
during the load; default 200), ``--requests N`` (per worker count, default 2000), ``--clients
N`` (concurrent, default 16), ``--workers 1,2``, ``--turns N`` (queries of the overhead
measure, default 400), ``--seed S``, ``--max-seconds S`` (a load phase stops by then whatever
happened, default 900), ``--workdir DIR``, ``--out FILE`` (JSON).

What it does, for each worker count:

* the index holds the corpus without the drop (built once, copied for each worker count).
  ``searcher serve --workers W`` is started on the copy and warmed up;
* overhead (first worker count only): ``--turns`` queries, each run once through the library
  (``Index.search`` in this process, warm, the call the API makes) and twice through
  ``GET /api/search``, with the standard library's ``http.client`` (the goal's figure: the
  leanest client, so the difference is the server's own) and with httpx2, each on one
  keep-alive connection, taking turns so the machine's drift hits all alike: the median of the
  per-query differences; and the median time of a request
  outside the worker's library call (round trip less its ``Server-Timing``), which the other
  process's scheduling does not blur;
* load: ``--clients`` concurrent clients (asyncio, keep-alive connections) send the query mix
  of benchmarks/bench.py (kw1-3, kw3-8, phrase2, boolean in equal parts, shuffled) until
  ``--requests`` are answered and the events below are over. After a tenth of the requests,
  ``searcher index DROP`` runs in another process; when it is done, ``searcher rebuild``. A
  probe asks every 50 ms for a marker article of the drop: the time from the start of the
  index run to the sending of the probe that finds it is "new articles visible after" (under
  load, the probe's answer itself waits its turn behind the clients' requests);
* checks: a failed request is a transport error or a status other than 200; a wrong total is
  one that is neither the query's total without the drop nor with it (both from the library, on
  copies of the index: every phase starts from a copy of the state the totals were counted on);
* throughput and latency over the whole load, and apart while nothing writes ("quiet") and
  while the rebuild runs (which takes a core of the two).

The clients run on the same machine as the server: on 2 cores, they take CPU from it.
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import CORPORA, QUERY_CLASSES, machine, percentiles, queries_from, read_records  # noqa: E402

from searcher import open_index  # noqa: E402

WARM_UP = 20  # queries per class each server answers before it is timed
PROBE_SECONDS = 0.05
START_SECONDS = 120


@dataclass
class LoadResult:
    """What the clients saw during one load phase."""

    latencies_ms: list[float] = field(default_factory=list)
    completed: list[tuple[float, float]] = field(default_factory=list)  # (seconds from the start, latency ms)
    answers: list[tuple[str, int]] = field(default_factory=list)  # (query, total) of each 200
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Events:
    """The writes made during a load phase, in seconds from the start of the load."""

    index_started: float | None = None
    index_seconds: float | None = None
    visible_after: float | None = None  # from the start of the index run to sending the probe that found the drop
    probe_ms: float | None = None  # how long that probe took to answer (it waits behind the load)
    rebuild_started: float | None = None
    rebuild_seconds: float | None = None
    generations: tuple[str | None, str | None] = (None, None)
    errors: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def searcher_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "searcher.cli", *args]


def split_corpus(corpus: Path, docs: int | None, drop: int, workdir: Path, nonce: str) -> tuple[list[dict], Path, int]:
    """The records to index first, the drop file (the last ``drop`` records and a marker
    article the probe looks for) and the number of articles in it."""
    records = list(read_records(corpus, docs))
    base, dropped = records[:-drop], records[-drop:]
    marker = {"id": f"serve-bench-{nonce}", "lang": "nl", "title": f"probe{nonce}", "text": f"probe{nonce} marker article"}
    drop_file = workdir / "drop.jsonl"
    with drop_file.open("w", encoding="utf-8") as out:
        for record in [*dropped, marker]:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return base, drop_file, len(dropped) + 1


def totals(index_dir: Path, queries: list[str]) -> dict[str, int]:
    """Each distinct query's total, as the API's search call counts it."""
    with open_index(index_dir) as index:
        return {query: index.search(query, group=True, snippets=False, suggest=False).total for query in set(queries)}


def start_server(index_dir: Path, workers: int, port: int, log_file: Path) -> subprocess.Popen:
    output = log_file.open("w")
    process = subprocess.Popen(searcher_command("serve", "--index", str(index_dir), "--port", str(port),
                                                "--workers", str(workers)), stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/api/stats", timeout=10).status_code == 200:
                return process
        except httpx2.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("the server did not start: " + log_file.read_text())
        time.sleep(0.2)


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def overhead(base: str, index_dir: Path, queries: list[str]) -> dict:
    """Library and HTTP latency of the same queries, taking turns (the order rotates): through the
    library in this process, through ``GET /api/search`` with the standard library's
    ``http.client`` (the leanest client: the difference is the server's and the loopback's, hardly
    the client's) and with httpx2 (a full-featured client, for comparison); each on one keep-alive
    connection. Also each lean request's time outside the library call the worker made for it
    (its round trip less the worker's ``Server-Timing`` library time)."""
    systems = ("library", "lean", "httpx2")
    times: dict[str, list[float]] = {system: [] for system in systems}
    differences: dict[str, list[float]] = {"lean": [], "httpx2": []}
    outside_ms = []
    host, port = base.removeprefix("http://").split(":")
    lean = http.client.HTTPConnection(host, int(port), timeout=60)
    with open_index(index_dir) as index, httpx2.Client(base_url=base, timeout=60) as http_x:
        for query in queries[:WARM_UP]:
            index.search(query, group=True, suggest=True)
        for turn, query in enumerate(queries):
            timings = {}
            for system in systems[turn % 3:] + systems[:turn % 3]:
                started = time.perf_counter()
                if system == "library":
                    index.search(query, group=True, suggest=True).to_dict()
                elif system == "lean":
                    lean.request("GET", "/api/search?" + urllib.parse.urlencode({"q": query}))
                    response = lean.getresponse()
                    json.loads(response.read())
                    if response.status != 200:
                        raise RuntimeError(f"{query!r}: status {response.status}")
                    library_call_ms = float(response.getheader("server-timing").split("dur=")[1])
                else:
                    answer = http_x.get("/api/search", params={"q": query})
                    answer.raise_for_status()
                    answer.json()
                timings[system] = (time.perf_counter() - started) * 1000
            outside_ms.append(timings["lean"] - library_call_ms)
            for system in systems:
                times[system].append(timings[system])
            for client in differences:
                differences[client].append(timings[client] - timings["library"])
    lean.close()
    return {"library_ms": percentiles(times["library"]), "server_ms": percentiles(times["lean"]),
            "server_httpx2_ms": percentiles(times["httpx2"]), "overhead_ms": percentiles(differences["lean"]),
            "overhead_httpx2_ms": percentiles(differences["httpx2"]), "outside_library_ms": percentiles(outside_ms)}


def run_events(index_dir: Path, drop_file: Path, started: float, result: LoadResult, requests: int,
               events: Events) -> None:
    """After a tenth of the requests: index the drop in another process, then rebuild."""
    try:
        while len(result.answers) + len(result.failures) < requests // 10:
            time.sleep(0.05)
        with open_index(index_dir) as index:
            before = index.stats().generation
        events.index_started = time.monotonic() - started
        subprocess.run(searcher_command("index", str(drop_file), "--index", str(index_dir), "--quiet"),
                       check=True, capture_output=True)
        events.index_seconds = time.monotonic() - started - events.index_started
        events.rebuild_started = time.monotonic() - started
        subprocess.run(searcher_command("rebuild", "--index", str(index_dir)), check=True, capture_output=True)
        events.rebuild_seconds = time.monotonic() - started - events.rebuild_started
        with open_index(index_dir) as index:
            events.generations = (before, index.stats().generation)
    except subprocess.CalledProcessError as error:
        events.errors.append(f"{error.cmd[3]}: {error.stderr.decode(errors='replace').strip()}")
    finally:
        events.done.set()


async def load(base: str, mix: list[str], clients: int, requests: int, max_seconds: float, index_dir: Path,
               drop_file: Path, marker: str) -> tuple[LoadResult, Events]:
    result, events = LoadResult(), Events()
    started = time.monotonic()
    writer = threading.Thread(target=run_events, args=(index_dir, drop_file, started, result, requests, events))
    writer.start()
    queries = iter(mix * (1 + 50 * requests // max(1, len(mix))))

    def finished() -> bool:
        answered = len(result.answers) + len(result.failures)
        return time.monotonic() - started > max_seconds or (answered >= requests and events.done.is_set())

    async with httpx2.AsyncClient(base_url=base, timeout=120,
                                  limits=httpx2.Limits(max_connections=clients + 1)) as http:

        async def client() -> None:
            while not finished():
                query = next(queries)
                sent = time.perf_counter()
                try:
                    response = await http.get("/api/search", params={"q": query})
                except httpx2.HTTPError as error:
                    result.failures.append(f"{query}: {error!r}")
                    continue
                latency = (time.perf_counter() - sent) * 1000
                result.latencies_ms.append(latency)
                result.completed.append((time.monotonic() - started, latency))
                if response.status_code == 200:
                    result.answers.append((query, response.json()["total"]))
                else:
                    result.failures.append(f"{query}: {response.status_code} {response.text[:200]}")

        async def probe() -> None:
            while events.visible_after is None and not finished():
                if events.index_started is not None:
                    sent = time.monotonic()
                    response = await http.get("/api/search", params={"q": marker})
                    if response.status_code == 200 and response.json()["total"] == 1:
                        events.visible_after = sent - started - events.index_started
                        events.probe_ms = (time.monotonic() - sent) * 1000
                await asyncio.sleep(PROBE_SECONDS)

        await asyncio.gather(probe(), *(client() for _ in range(clients)))
    result.seconds = time.monotonic() - started
    writer.join()
    return result, events


def phase(workers: int, index_dir: Path, workdir: Path, mix: list[str], expected: dict[str, set[int]],
          args: argparse.Namespace, drop_file: Path, marker: str, turns: list[str] | None) -> dict:
    port = free_port()
    server = start_server(index_dir, workers, port, workdir / f"server-{workers}.log")
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx2.Client(base_url=base, timeout=60) as http:
            for query in mix[: WARM_UP * len(QUERY_CLASSES)]:
                http.get("/api/search", params={"q": query}).raise_for_status()
        measured = {}
        if turns:
            log(f"{workers} worker(s): overhead over the library, {len(turns)} queries taking turns")
            measured["overhead"] = overhead(base, index_dir, turns)
        log(f"{workers} worker(s): {args.requests} requests from {args.clients} clients, a drop and a rebuild meanwhile")
        result, events = asyncio.run(load(base, mix, args.clients, args.requests, args.max_seconds, index_dir,
                                          drop_file, marker))
    finally:
        stop_server(server)
    wrong = [(query, total) for query, total in result.answers if total not in expected[query]]
    index_end = (events.index_started or 0) + (events.index_seconds or 0)
    rebuild_end = (events.rebuild_started or 0) + (events.rebuild_seconds or 0)
    windows = {"quiet": [(0.0, events.index_started or result.seconds), (rebuild_end, result.seconds)],
               "indexing": [(events.index_started or 0, index_end)],
               "rebuilding": [(events.rebuild_started or 0, rebuild_end)]}
    answered = len(result.answers)
    measured.update({
        "workers": workers, "requests": answered + len(result.failures), "answered": answered, "seconds": round(result.seconds, 2), "requests_per_s": round(answered / result.seconds, 1),
        "latency_ms": percentiles(result.latencies_ms),
        "windows": {name: window_stats(result.completed, spans) for name, spans in windows.items()}, "failed": len(result.failures), "failures": result.failures[:5],
        "wrong_totals": len(wrong), "wrong": wrong[:5],
        "drop": {"index_started_s": events.index_started, "index_seconds": events.index_seconds,
                 "visible_after_s": events.visible_after, "probe_ms": events.probe_ms},
        "rebuild": {"started_s": events.rebuild_started, "seconds": events.rebuild_seconds,
                    "generations": list(events.generations),
                    "during_load": events.rebuild_started is not None and events.rebuild_started + (events.rebuild_seconds or 0) < result.seconds},
        "errors": events.errors,
    })
    return measured


def window_stats(completed: list[tuple[float, float]], spans: list[tuple[float, float]]) -> dict | None:
    """Requests answered within ``spans`` (seconds from the start of the load): req/s and latency."""
    latencies = [latency for at, latency in completed if any(start <= at < end for start, end in spans)]
    seconds = sum(max(0.0, end - start) for start, end in spans)
    if len(latencies) < 2 or seconds <= 0:
        return None
    return {"seconds": round(seconds, 1), "requests_per_s": round(len(latencies) / seconds, 1), **percentiles(latencies)}


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def query_mix(records: list[dict], per_class: int, seed: int) -> tuple[list[str], dict[str, list[str]]]:
    rng = random.Random(seed)
    by_class = queries_from((record.get("text", "") for record in records), per_class, rng)
    mix = [query for queries in by_class.values() for query in queries]
    rng.shuffle(mix)
    return mix, by_class


def run(args: argparse.Namespace, workdir: Path) -> dict:
    corpus = args.corpora / f"{args.corpus}.jsonl.gz"
    nonce = f"{random.Random(args.seed).randrange(10**8):08d}"
    base, drop_file, dropped = split_corpus(corpus, args.docs, args.drop, workdir, nonce)
    pristine = workdir / "pristine"
    log(f"index: {len(base)} records of {corpus.name}, a drop of {dropped} held back")
    started = time.monotonic()
    with open_index(pristine, create=True) as index:
        index.add_documents(base)
    log(f"indexed in {time.monotonic() - started:.0f} s")
    mix, by_class = query_mix(base, max(1, args.requests // len(QUERY_CLASSES)), args.seed)
    turns = [query for queries in zip(*by_class.values()) for query in queries][: args.turns]
    without_drop = totals(pristine, mix)
    with_drop_dir = workdir / "with-drop"
    shutil.copytree(pristine, with_drop_dir)
    subprocess.run(searcher_command("index", str(drop_file), "--index", str(with_drop_dir), "--quiet"), check=True,
                   capture_output=True)
    with_drop = totals(with_drop_dir, mix)
    shutil.rmtree(with_drop_dir)
    expected = {query: {without_drop[query], with_drop[query]} for query in without_drop}
    phases = []
    for workers in args.workers:
        index_dir = workdir / f"index-{workers}"
        shutil.copytree(pristine, index_dir)  # every phase starts from the state the totals were counted on
        phases.append(phase(workers, index_dir, workdir, mix, expected, args, drop_file, f"probe{nonce}",
                            turns if not phases else None))
        shutil.rmtree(index_dir)
    return {"date": time.strftime("%Y-%m-%d"), "machine": machine(), "corpus": args.corpus, "documents": len(base),
            "drop": dropped, "clients": args.clients, "changed_totals": sum(len(v) > 1 for v in expected.values()),
            "phases": phases}


def table(result: dict) -> str:
    lines = [f"{result['date']}: {result['corpus']}, {result['documents']} articles + a drop of {result['drop']}, "
             f"{result['clients']} clients over loopback ({result['changed_totals']} of the queries change total "
             f"with the drop)", "",
             "| workers | requests | failed | wrong totals | req/s | p50 / p95 / p99 ms | quiet: req/s, p50 ms "
             "| rebuilding: req/s, p50 ms | drop visible after s (index run s) | rebuild s |",
             "|---:|---:|---:|---:|---:|---|---|---|---|---|"]
    for measured in result["phases"]:
        latency, drop, rebuild, windows = measured["latency_ms"], measured["drop"], measured["rebuild"], measured["windows"]
        visible = "never" if drop["visible_after_s"] is None else f"{drop['visible_after_s']:.2f}"
        switched = " -> ".join(str(generation) for generation in rebuild["generations"])
        lines.append(
            f"| {measured['workers']} | {measured['requests']} | {measured['failed']} | {measured['wrong_totals']} | "
            f"{measured['requests_per_s']} | {latency['p50']:.0f} / {latency['p95']:.0f} / {latency['p99']:.0f} | "
            f"{_window(windows['quiet'])} | {_window(windows['rebuilding'])} | {visible} ({drop['index_seconds'] or 0:.1f}) | "
            f"{rebuild['seconds'] or 0:.0f} ({switched}{', during the load' if rebuild['during_load'] else ''}) |")
    for measured in result["phases"]:
        if "overhead" in measured:
            o = measured["overhead"]
            lines += ["", f"overhead, {o['overhead_ms']['n']} queries taking turns, one keep-alive connection each: "
                      f"library p50 {o['library_ms']['p50']:.2f} ms; through the API with http.client "
                      f"{o['server_ms']['p50']:.2f} ms, per-query difference p50 {o['overhead_ms']['p50']:.2f} / p95 "
                      f"{o['overhead_ms']['p95']:.2f} ms; with httpx2 {o['server_httpx2_ms']['p50']:.2f} ms, difference "
                      f"p50 {o['overhead_httpx2_ms']['p50']:.2f} / p95 {o['overhead_httpx2_ms']['p95']:.2f} ms; outside "
                      f"the worker's library call (http.client) p50 {o['outside_library_ms']['p50']:.2f} / p95 "
                      f"{o['outside_library_ms']['p95']:.2f} ms"]
    return "\n".join(lines)


def _window(stats: dict | None) -> str:
    return "-" if stats is None else f"{stats['requests_per_s']}, {stats['p50']:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="fa_news_raw")
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--docs", type=int, default=None)
    parser.add_argument("--drop", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=lambda text: [int(n) for n in text.split(",")], default=[1, 2])
    parser.add_argument("--turns", type=int, default=400)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="searcher-serve-bench-", dir=args.workdir))
    try:
        result = run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(table(result))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
