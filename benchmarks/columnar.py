"""Rank file benchmark (searcher/backend/whoosh/columnar.py): writing and reading figures on real
analysed articles, against the Whoosh segment of the same articles in the same run.

Usage (from the repository root, in the venv)::

    python benchmarks/columnar.py                        # 2,000 fa_news_raw articles, x60 for scale
    python benchmarks/columnar.py --docs 500 --repeat 4  # a quick run

Options: ``--corpus NAME`` (a ``*.jsonl.gz`` in ``--corpora``, default fa_news_raw), ``--docs N``
(default 2000), ``--repeat K`` (the scale run writes the articles K times over, docnums
continuing; default 60, about 24 million postings), ``--limit-mb M`` (the spilling writer's
limit, default 64), ``--lookups N`` (terms looked up per round, default 5000), ``--out FILE``
(JSON), ``--workdir DIR`` (default a temporary directory, removed afterwards).

What it does:

1. builds a searcher index of the articles in one process (``add_documents(procs=1)``: one
   Whoosh segment) and measures its generation folder, per kind of file;
2. analyses the segment's articles with the index's own schema, as the index did: the combined
   field's (term, frequency, weight), the title and body fields' frequencies, into the rows
   ``ColumnarWriter.add`` takes (saved to a file, marshal, one length-prefixed row at a time);
   the rank file's term and posting counts are checked against the Whoosh segment's combined
   field;
3. writes rank files, each in a fresh subprocess (so its peak RSS is its own): the segment's
   rows once; the rows ``--repeat`` times with no spill (limit 100 GB) and with ``--limit-mb``;
   a merge (``add_segment`` of the repeated file with every 10th article deleted). Each reports
   seconds, postings/s, size and runs, and its peak RSS above a baseline child that reads the
   same rows without writing;
4. reads the single-segment file: open, term lookups (present and absent terms; median
   microseconds over rounds) next to Whoosh's ``doc_frequency`` and reading a term's postings
   (ids and weights) on the same segment, prefix iteration, ``verify``.
"""
from __future__ import annotations

import argparse
import json
import marshal
import random
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402

from searcher.backend.whoosh.columnar import ColumnarSegment, ColumnarWriter, date_number  # noqa: E402

ROW_LENGTH = struct.Struct("<I")
ROUNDS = 7  # timing rounds of the read figures (median)


# --- rows from the index ----------------------------------------------------------------------


def build_index(records: list[dict], directory: Path) -> tuple[Path, float]:
    """A searcher index of the records in one segment; its generation folder and build seconds."""
    from searcher import open_index

    start = time.perf_counter()
    with open_index(directory, create=True) as index:
        index.add_documents(records, procs=1)
    seconds = time.perf_counter() - start
    (generation,) = [path for path in directory.iterdir() if path.name.startswith("gen-")]
    return generation, seconds


def write_rows(generation: Path, rows_path: Path) -> dict:
    """The segment's articles analysed into rank rows (docnum order), written to ``rows_path``;
    returns the Whoosh segment's combined-field term and posting counts to check against."""
    from whoosh import index as windex

    from searcher.backend.whoosh import store
    from searcher.backend.whoosh.schema import GENERIC_FIELDS, TEXT_FIELDS, TEXT_LANGUAGES

    ix = windex.open_dir(str(generation), indexname=store.INDEX_NAME)
    schema = ix.schema
    with ix.reader() as reader, open(rows_path, "wb") as out:
        expected = {"segments": len(reader.leaf_readers()) if hasattr(reader, "leaf_readers") else 1}
        for family, names in (("text", TEXT_FIELDS), ("generic", GENERIC_FIELDS)):
            infos = [info for _, info in reader.iter_field(names["combined"])] if names["combined"] in reader.indexed_field_names() else []
            expected[family] = {"terms": len(infos), "postings": sum(info.doc_frequency() for info in infos)}
        for docnum, stored in reader.iter_docs():
            article = store._article_of(stored)
            fields = store._fields_of(article)
            family, names = ("text", TEXT_FIELDS) if article.lang in TEXT_LANGUAGES else ("generic", GENERIC_FIELDS)

            def frequencies(name: str) -> Counter:
                if name not in fields:
                    return Counter()
                return Counter({term.decode(): freq for term, freq, _, _ in schema[name].index(fields[name])})

            title, body = frequencies(names["title"]), frequencies(names["body"])
            combined = [(term.decode(), freq, weight) for term, freq, weight, _ in schema[names["combined"]].index(fields[names["combined"]])]
            postings = {term: (weight, title[term], body[term]) for term, _, weight in combined}
            row = (docnum, family, postings, sum(title.values()), sum(body.values()), sum(freq for _, freq, _ in combined),
                   article.lang, article.outlet, date_number(article.date))
            data = marshal.dumps(row)
            out.write(ROW_LENGTH.pack(len(data)))
            out.write(data)
    ix.close()
    return expected


def read_rows(rows_path: Path, repeat: int = 1) -> Iterator[tuple]:
    """The rows, ``repeat`` times over with docnums continuing."""
    next_docnum = 0
    for _ in range(repeat):
        with open(rows_path, "rb") as f:
            while header := f.read(ROW_LENGTH.size):
                row = marshal.loads(f.read(ROW_LENGTH.unpack(header)[0]))
                yield (next_docnum, *row[1:])
                next_docnum += 1


# --- write phases (each in its own subprocess) -------------------------------------------------


def child(args: argparse.Namespace) -> None:
    """One write phase; prints its figures as JSON."""
    out = Path(args.out_file)
    start = time.perf_counter()
    runs = 0
    if args.phase == "baseline":
        postings = sum(len(row[2]) for row in read_rows(args.rows, args.repeat))
        size = 0
    elif args.phase == "write":
        writer = ColumnarWriter(out.parent, args.limit_mb)
        postings = 0
        for row in read_rows(args.rows, args.repeat):
            writer.add(*row)
            postings += len(row[2])
        runs = writer.spills
        size = writer.finish(out, segment_id="bench", signature="bench")
    else:  # merge: every 10th article of the source deleted
        with ColumnarSegment.open(args.source) as source:
            live = [n for n in range(source.doc_count) if n % 10]
            writer = ColumnarWriter(out.parent, args.limit_mb)
            writer.add_segment(source, {old: new for new, old in enumerate(live)})
            size = writer.finish(out, segment_id="merged", signature="bench")
        with ColumnarSegment.open(out) as merged:
            postings = merged.family("text").posting_count + merged.family("generic").posting_count
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "postings": postings, "size": size, "runs": runs, "peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM): ru_maxrss would carry the parent's peak over the exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(phase: str, rows: Path, out: Path, repeat: int = 1, limit_mb: float = 64, source: Path | None = None) -> dict:
    command = [sys.executable, __file__, "--child", phase, "--rows", str(rows), "--out-file", str(out),
               "--repeat", str(repeat), "--limit-mb", str(limit_mb)]
    if source:
        command += ["--source", str(source)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- read figures ----------------------------------------------------------------------------


def median_us(function, items: list, rounds: int = ROUNDS) -> float:
    """Median over rounds of the microseconds per item of ``function`` over ``items``."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            function(item)
        times.append((time.perf_counter() - start) / max(len(items), 1) * 1e6)
    return statistics.median(times)


def read_figures(path: Path, generation: Path, lookups: int, seed: int) -> dict:
    from whoosh import index as windex

    from searcher.backend.whoosh import store

    rng = random.Random(seed)
    opens = []
    for _ in range(ROUNDS * 3):
        start = time.perf_counter()
        ColumnarSegment.open(path, expect_segment="bench", expect_signature="bench").close()
        opens.append((time.perf_counter() - start) * 1e3)
    segment = ColumnarSegment.open(path)
    text = segment.family("text")
    start = time.perf_counter()
    text.term_index("")  # the first lookup samples the term table
    first_lookup_ms = (time.perf_counter() - start) * 1e3
    terms = list(segment.terms("text"))
    present = rng.sample(terms, min(lookups, len(terms)))
    absent = [term + "ـ" for term in present]  # a tatweel never survives analysis
    ix = windex.open_dir(str(generation), indexname=store.INDEX_NAME)
    reader = ix.reader()
    whoosh_df = lambda term: reader.doc_frequency("content", term)  # noqa: E731

    def whoosh_postings(term: str) -> None:
        matcher = reader.postings("content", term)
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()

    def our_postings(term: str) -> None:
        postings = segment.postings("text", term)
        postings.docs.sum(), postings.weight.sum()  # touch the arrays, as ranking will

    by_df = sorted(present, key=segment.family("text").doc_frequency, reverse=True)
    common = by_df[: max(len(by_df) // 50, 10)]  # the 2% most frequent sampled terms
    prefixes = rng.sample(sorted({term[:2] for term in terms if len(term) >= 2}), min(300, len(terms)))
    start = time.perf_counter()
    yielded = sum(1 for prefix in prefixes for _ in segment.terms("text", prefix))
    prefix_seconds = time.perf_counter() - start
    start = time.perf_counter()
    problems = segment.verify()
    verify_seconds = time.perf_counter() - start
    figures = {
        "open_ms_median": statistics.median(opens),
        "first_lookup_ms": first_lookup_ms,
        "lookup_present_us": median_us(text.term_index, present),
        "lookup_absent_us": median_us(text.term_index, absent),
        "postings_call_us": median_us(lambda term: segment.postings("text", term), present),
        "whoosh_doc_frequency_us": median_us(whoosh_df, present),
        "common_terms": len(common),
        "common_mean_df": statistics.mean(text.doc_frequency(term) for term in common),
        "read_common_postings_us": median_us(our_postings, common),
        "whoosh_read_common_postings_us": median_us(whoosh_postings, common, rounds=3),
        "prefixes": len(prefixes),
        "prefix_terms_yielded": yielded,
        "prefix_us_per_term": prefix_seconds / max(yielded, 1) * 1e6,
        "verify_seconds": verify_seconds,
        "verify_problems": problems,
    }
    reader.close()
    ix.close()
    segment.close()
    return figures


def folder_sizes(folder: Path) -> dict[str, int]:
    """Bytes per kind of file (extension) of a Whoosh generation folder."""
    sizes: Counter[str] = Counter()
    for entry in folder.iterdir():
        if entry.is_file():
            sizes[entry.suffix or entry.name] += entry.stat().st_size
    return dict(sizes)


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="fa_news_raw")
    parser.add_argument("--corpora", type=Path, default=bench.CORPORA)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--limit-mb", type=float, default=64)
    parser.add_argument("--lookups", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--child", choices=("baseline", "write", "merge"), dest="phase", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out-file", help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return child(args)

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="columnar-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        report = run(args, workdir)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False))


def run(args: argparse.Namespace, workdir: Path) -> dict:
    corpus = args.corpora / f"{args.corpus}.jsonl.gz"
    records = list(bench.read_records(corpus, args.docs))
    generation, build_seconds = build_index(records, workdir / "index")
    whoosh = folder_sizes(generation)
    whoosh_total = sum(whoosh.values())
    rows = workdir / "rows.bin"
    expected = write_rows(generation, rows)
    print(f"corpus {args.corpus}: {len(records):,} articles; searcher index built in {build_seconds:.1f} s "
          f"(one process), generation folder {whoosh_total / 2**20:.1f} MB: "
          + ", ".join(f"{kind} {size / 2**20:.1f}" for kind, size in sorted(whoosh.items(), key=lambda kv: -kv[1])))

    single = workdir / "single.rank"
    figures: dict = {"docs": len(records), "whoosh_bytes": whoosh_total, "whoosh_by_kind": whoosh,
                     "whoosh_build_seconds": build_seconds}
    figures["write_x1"] = run_child("write", rows, single)
    with ColumnarSegment.open(single) as segment:
        counts = {family: {"terms": segment.family(family).term_count, "postings": segment.family(family).posting_count}
                  for family in ("text", "generic")}
        doc_count = segment.doc_count
    assert counts == {family: expected[family] for family in counts}, (counts, expected)
    postings = sum(count["postings"] for count in counts.values())
    terms = sum(count["terms"] for count in counts.values())
    size = figures["write_x1"]["size"]
    figures.update(postings=postings, terms=terms, rank_bytes=size)
    print(f"rank file: {size / 2**20:.2f} MB for {doc_count:,} articles, {terms:,} terms, {postings:,} postings "
          f"(the same as the Whoosh segment's combined field): {size / postings:.2f} bytes per posting, "
          f"{size / doc_count:,.0f} per article; {size / whoosh_total:.1%} of the Whoosh generation folder")

    print("\nwriting (fresh process each; RSS above a child that reads the same rows without writing):")
    print(f"  {'phase':<34} {'postings':>12} {'seconds':>8} {'postings/s':>11} {'runs':>5} {'MB':>8} {'peak RSS MB':>12}")
    for name, phase, repeat, limit in (("x1", "write", 1, args.limit_mb),
                                       (f"x{args.repeat}, no spill", "write", args.repeat, 100_000),
                                       (f"x{args.repeat}, limit {args.limit_mb:g} MB", "write", args.repeat, args.limit_mb)):
        key = f"write {name}"
        baseline = run_child("baseline", rows, workdir / "none.rank", repeat)
        result = figures[key] = run_child(phase, rows, workdir / f"{phase}{repeat}-{limit}.rank", repeat, limit)
        result["rss_above_baseline_mb"] = result["peak_rss_mb"] - baseline["peak_rss_mb"]
        result["baseline_seconds"] = baseline["seconds"]
        write_seconds = result["seconds"] - baseline["seconds"]  # reading the rows is not the writer's
        result["postings_per_second"] = result["postings"] / write_seconds
        print(f"  {key:<34} {result['postings']:>12,} {write_seconds:>8.1f} {result['postings_per_second']:>11,.0f} "
              f"{result['runs']:>5} {result['size'] / 2**20:>8.1f} {result['rss_above_baseline_mb']:>12.1f}")
    source = workdir / f"write{args.repeat}-{args.limit_mb}.rank"
    merge = figures["merge"] = run_child("merge", rows, workdir / "merged.rank", limit_mb=args.limit_mb, source=source)
    merge["postings_per_second"] = merge["postings"] / merge["seconds"]
    print(f"  {'merge (add_segment, 10% deleted)':<34} {merge['postings']:>12,} {merge['seconds']:>8.1f} "
          f"{merge['postings_per_second']:>11,.0f} {'':>5} {merge['size'] / 2**20:>8.1f} {merge['peak_rss_mb']:>12.1f} (total)")

    print(f"\nreading the x1 file ({args.lookups:,} sampled terms; median over {ROUNDS} rounds):")
    reads = figures["read"] = read_figures(single, generation, args.lookups, args.seed)
    print(f"  open (header, metadata, mapping)       {reads['open_ms_median']:.2f} ms; first lookup (samples the term table) {reads['first_lookup_ms']:.2f} ms")
    print(f"  term lookup, present / absent          {reads['lookup_present_us']:.2f} / {reads['lookup_absent_us']:.2f} us"
          f"   (Whoosh doc_frequency {reads['whoosh_doc_frequency_us']:.2f} us: ratio {reads['lookup_present_us'] / reads['whoosh_doc_frequency_us']:.2f})")
    print(f"  postings() call                        {reads['postings_call_us']:.2f} us")
    print(f"  read a common term's postings          {reads['read_common_postings_us']:.1f} us   (Whoosh matcher ids + weights "
          f"{reads['whoosh_read_common_postings_us']:.1f} us: ratio {reads['read_common_postings_us'] / reads['whoosh_read_common_postings_us']:.3f}; "
          f"{reads['common_terms']} terms, mean df {reads['common_mean_df']:.0f})")
    print(f"  terms(prefix)                          {reads['prefix_us_per_term']:.2f} us per term yielded ({reads['prefixes']} prefixes, {reads['prefix_terms_yielded']:,} terms)")
    print(f"  verify()                               {reads['verify_seconds']:.2f} s, problems: {reads['verify_problems'] or 'none'}")
    return figures


if __name__ == "__main__":
    main()
