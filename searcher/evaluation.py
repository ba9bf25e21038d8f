"""Retrieval evaluation on judged sets: index a set's documents, run its queries, score the
rankings with ir-measures.

A set is a directory holding ``docs.jsonl`` (``{"id", "lang", "title", "text"}``),
``queries.jsonl`` (``{"qid", "lang", "text"}``) and ``qrels.tsv`` (``qid docid relevance`` or
the TREC ``qid 0 docid relevance``, tab- or space-separated, optional header line).

>>> eval_set = load_set("../shared/eval/fa_parsinlu_rc")            # doctest: +SKIP
>>> result = evaluate(eval_set.perturbed("zwnj-remove", "queries"))  # doctest: +SKIP
>>> result.scores["nDCG@10"]                                         # doctest: +SKIP

Queries are searched as plain words (``Index.search(literal=True)``), the top ``DEPTH`` hits each; a query
the engine rejects counts as an empty ranking. Scoring needs the optional ``ir-measures``
package (``pip install 'searcher[eval]'``).
"""
from __future__ import annotations

import gzip
import random
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from searcher.api import Index, open_index
from searcher.drops.formats.jsonl import json_lines
from searcher.drops.formats.streams import numbered_lines
from searcher.drops.records import optional_str, record_id
from searcher.errors import DocumentError, QueryError, SearcherError
from searcher.perturb import PERTURBATIONS, SIDES

DEPTH = 100  # hits retrieved per query
# Reported name -> ir-measures name.
MEASURES = {"nDCG@10": "nDCG@10", "MRR@10": "RR@10", "R@100": "R@100", "AP": "AP"}
INSTALL_HINT = "pip install 'searcher[eval]'"
MAX_LINE_BYTES = 64_000_000  # a line of a set's file (a document may be long)

Run = dict[str, list[tuple[str, float]]]  # qid -> (docid, engine score), best first
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Query:
    """One judged set's query."""

    qid: str
    lang: str | None
    text: str


@dataclass(frozen=True)
class EvalSet:
    """A judged set in memory: document records, queries and relevance judgements."""

    name: str
    docs: tuple[dict, ...]  # records for Index.add_documents
    queries: tuple[Query, ...]  # the judged queries, in file order
    qrels: dict[str, dict[str, int]]  # qid -> docid -> relevance, judged queries only
    unjudged: int = 0  # queries of queries.jsonl without any judgement (not kept)
    perturbation: tuple[str, str] | None = None  # (name, side) when perturbed

    @property
    def langs(self) -> set[str]:
        """The languages its documents and queries declare."""
        return {d["lang"] for d in self.docs if d.get("lang")} | {q.lang for q in self.queries if q.lang}

    def sample(self, n: int, seed: int = 0) -> EvalSet:
        """The set with ``n`` of its queries chosen at random (``seed``), in file order."""
        if n >= len(self.queries):
            return self
        chosen = set(random.Random(seed).sample([q.qid for q in self.queries], n))
        return replace(
            self,
            queries=tuple(q for q in self.queries if q.qid in chosen),
            qrels={qid: judged for qid, judged in self.qrels.items() if qid in chosen},
        )

    def perturbed(self, name: str, side: str) -> EvalSet:
        """The set with perturbation ``name`` (searcher.perturb) applied to its "docs" (title
        and text) or its "queries"."""
        if name not in PERTURBATIONS:
            raise SearcherError(f"unknown perturbation {name!r}: use one of {', '.join(PERTURBATIONS)}")
        if side not in SIDES:
            raise SearcherError(f"unknown perturbation side {side!r}: use docs or queries")
        perturbation = PERTURBATIONS[name]
        if perturbation.lang not in self.langs:
            raise SearcherError(f"{name} applies to {perturbation.lang} sets; {self.name} is {', '.join(sorted(self.langs)) or 'of no language'}")
        rewrite = perturbation.apply
        if side == "docs":
            docs = tuple({**d, "title": rewrite(d.get("title") or ""), "text": rewrite(d["text"])} for d in self.docs)
            return replace(self, docs=docs, perturbation=(name, side))
        queries = tuple(replace(q, text=rewrite(q.text)) for q in self.queries)
        return replace(self, queries=queries, perturbation=(name, side))


@dataclass(frozen=True)
class EvalResult:
    """Scores of one evaluation: the mean over the judged queries and each query's own."""

    set: str
    queries: int
    scores: dict[str, float]  # by reported name (MEASURES)
    per_query: dict[str, dict[str, float]]  # qid -> reported name -> score
    run: Run
    docs_skipped: int
    perturbation: tuple[str, str] | None = None

    def to_dict(self, per_query: bool = False) -> dict:
        """What ``searcher eval --json`` prints."""
        data: dict = {"set": self.set, "queries": self.queries, **self.scores}
        if self.perturbation:
            data["perturb"] = {"name": self.perturbation[0], "side": self.perturbation[1]}
        if per_query:
            data["per_query"] = self.per_query
        return data


# Loading


def load_set(path: str | Path) -> EvalSet:
    """Reads and checks a set directory; bad input raises SearcherError naming file and line."""
    directory = Path(path)
    if not directory.is_dir():
        raise SearcherError(f"no evaluation set at {directory}: expected a directory with docs.jsonl, queries.jsonl and qrels.tsv")
    docs = read_docs(directory / "docs.jsonl")
    queries = read_queries(directory / "queries.jsonl")
    qrels = read_qrels(directory / "qrels.tsv")
    judged = tuple(q for q in queries if q.qid in qrels)
    if not judged:
        raise SearcherError(f"no query of {directory / 'queries.jsonl'} has a judgement in {directory / 'qrels.tsv'}")
    return EvalSet(
        name=directory.resolve().name,
        docs=tuple(docs),
        queries=judged,
        qrels={q.qid: qrels[q.qid] for q in judged},
        unjudged=len(queries) - len(judged),
    )


def read_docs(path: Path) -> list[dict]:
    """The records of a ``docs.jsonl``: ``id`` and ``text`` required, ``title``, ``lang`` optional."""
    docs, seen = [], {}
    for line_no, record in _jsonl(path):
        where = f"{path}:{line_no}"
        doc_id = _id_field(record, "id", where)
        text = _field(record, "text", where)
        if doc_id in seen:
            raise SearcherError(f"{where}: document id {doc_id!r} already used on line {seen[doc_id]}")
        seen[doc_id] = line_no
        docs.append({"id": doc_id, "title": _field(record, "title", where, required=False) or "",
                     "text": text, "lang": _field(record, "lang", where, required=False)})
    return docs


def read_queries(path: Path) -> list[Query]:
    """The queries of a ``queries.jsonl``: ``qid`` and ``text`` required, ``lang`` optional."""
    queries, seen = [], {}
    for line_no, record in _jsonl(path):
        where = f"{path}:{line_no}"
        qid = _id_field(record, "qid", where)
        if qid in seen:
            raise SearcherError(f"{where}: query id {qid!r} already used on line {seen[qid]}")
        seen[qid] = line_no
        queries.append(Query(qid, _field(record, "lang", where, required=False), _field(record, "text", where)))
    return queries


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """Judgements from ``qid docid rel`` or ``qid iteration docid rel`` lines (tabs or spaces);
    blank lines are skipped, and a first line whose relevance is not a number is a header."""
    qrels: dict[str, dict[str, int]] = {}
    first = True
    with _opened(path) as stream:
        for line_no, raw in numbered_lines(stream, MAX_LINE_BYTES):
            fields = _decoded(raw, path, line_no).split()
            if not fields:
                continue
            if len(fields) not in (3, 4):
                raise SearcherError(f"{path}:{line_no}: expected 'qid docid relevance' or 'qid 0 docid relevance', found {len(fields)} fields")
            try:
                relevance = int(fields[-1])
            except ValueError:
                if first:
                    first = False
                    continue
                raise SearcherError(f"{path}:{line_no}: relevance {fields[-1]!r} is not an integer") from None
            first = False
            qid, docid = fields[0], fields[-2]
            if qrels.get(qid, {}).get(docid, relevance) != relevance:
                raise SearcherError(f"{path}:{line_no}: {qid} {docid} judged again with another relevance")
            qrels.setdefault(qid, {})[docid] = relevance
    if not qrels:
        raise SearcherError(f"{path} holds no judgements")
    return qrels


@contextmanager
def _opened(path: Path) -> Iterator[BinaryIO]:
    """A file of the set, open for reading; a missing or unreadable one is a SearcherError."""
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        raise SearcherError(f"{path} is missing: an evaluation set needs docs.jsonl, queries.jsonl and qrels.tsv") from None
    except OSError as error:
        raise SearcherError(f"cannot read {path}: {error.strerror or error}") from error
    with stream:
        yield stream


def _decoded(raw: bytes | None, path: Path, line_no: int) -> str:
    if raw is None:
        raise SearcherError(f"{path}:{line_no}: longer than {MAX_LINE_BYTES:,} bytes")
    try:
        return raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
    except UnicodeDecodeError:
        raise SearcherError(f"{path}:{line_no}: not UTF-8 text") from None


def _jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """Numbered JSON objects of a JSON Lines file (the drops' reader), blank lines skipped; the
    first bad line is a SearcherError naming file and line."""
    with _opened(path) as stream:
        for line_no, record, problem in json_lines(stream, MAX_LINE_BYTES):
            if problem:
                raise SearcherError(f"{path}:{line_no}: {problem}" if line_no else f"{path}: {problem}")
            if not isinstance(record, dict):
                raise SearcherError(f"{path}:{line_no}: not a JSON object")
            yield line_no, record


def _field(record: dict, name: str, where: str, required: bool = True) -> str | None:
    """A string field of a record (the drops' record check); required ones must be non-empty."""
    try:
        value = optional_str(record, name)
    except DocumentError as error:
        raise SearcherError(f"{where}: {error}") from None
    if value is None and required:
        raise SearcherError(f"{where}: {name!r} must be a non-empty string")
    return value


def _id_field(record: dict, name: str, where: str) -> str:
    """An id field (the drops' id check) without whitespace: qrels and run files split on it."""
    try:
        value = record_id(record, name)
    except DocumentError as error:
        raise SearcherError(f"{where}: {error}") from None
    if re.search(r"\s", value):
        raise SearcherError(f"{where}: {name!r} must not contain whitespace, found {value!r}")
    return value


# Searching


def search_all(index: Index, queries: tuple[Query, ...], depth: int = DEPTH) -> Run:
    """The top ``depth`` hits of each query searched literally; a query the engine rejects
    (QueryError, e.g. no words left) gets an empty ranking."""
    run: Run = {}
    for query in queries:
        try:
            hits = index.search(query.text, limit=depth, snippets=False, suggest=False, literal=True).hits
        except QueryError:
            hits = []
        run[query.qid] = [(hit.id, hit.score) for hit in hits]
    return run


def index_set(index: Index, eval_set: EvalSet) -> int:
    """Adds the set's documents (an upsert: unchanged ones cost little) and returns how many
    were skipped as unusable. Raises SearcherError if the index holds other documents too."""
    report = index.add_documents(eval_set.docs)
    if len(index) > report.indexed:
        raise SearcherError(
            f"the index at {index.path} holds {len(index) - report.indexed} documents that are not in {eval_set.name}: "
            "evaluate with a new or dedicated --index directory"
        )
    return len(report.skipped)


# Scoring


def score_run(run: Run, qrels: dict[str, dict[str, int]]) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Mean and per-query scores (MEASURES) of ``run`` over every query of ``qrels``; a query
    missing from the run scores 0. Hits are scored in run order, whatever their scores."""
    ir_measures = _ir_measures()
    measures = {ir_measures.parse_measure(name): reported for reported, name in MEASURES.items()}
    ranked = {qid: {docid: rank_score(rank) for rank, (docid, _) in enumerate(hits, start=1)} for qid, hits in run.items()}
    per_query: dict[str, dict[str, float]] = {qid: {} for qid in qrels}
    for metric in ir_measures.iter_calc(list(measures), qrels, ranked):
        per_query[metric.query_id][measures[metric.measure]] = metric.value
    ordered = {qid: {name: scores.get(name, 0.0) for name in MEASURES} for qid, scores in per_query.items()}
    means = {name: sum(scores[name] for scores in ordered.values()) / len(ordered) for name in MEASURES}
    return means, ordered


def rank_score(rank: int) -> float:
    """The score that stands for a hit's rank (1 = best) in scoring and run files: the
    engine's scores need not fall with rank (with ``all_words_first_max``, its tiers rank
    all-words matches first), and scorers such as trec_eval sort by score."""
    return 1.0 / rank


def _ir_measures():
    """The ir_measures module, imported on first use (an optional dependency)."""
    try:
        import ir_measures
    except ImportError:
        raise SearcherError(f"evaluation needs the ir-measures package: {INSTALL_HINT}") from None
    return ir_measures


def evaluate(eval_set: EvalSet, index_dir: str | Path | None = None, on_progress: Progress | None = None) -> EvalResult:
    """Indexes the set (into ``index_dir``, created if needed, or a temporary index), runs its
    queries and scores them."""
    _ir_measures()
    report = on_progress or (lambda message: None)
    if index_dir is not None:
        return _evaluate_in(Path(index_dir), eval_set, report)
    with tempfile.TemporaryDirectory(prefix="searcher-eval-") as scratch:
        return _evaluate_in(Path(scratch) / "index", eval_set, report)


def _evaluate_in(index_dir: Path, eval_set: EvalSet, report: Progress) -> EvalResult:
    with open_index(index_dir, create=True) as index:
        report(f"indexing {len(eval_set.docs)} documents of {eval_set.name} into {index_dir}")
        skipped = index_set(index, eval_set)
        if skipped:
            report(f"skipped {skipped} unusable documents")
        report(f"searching {len(eval_set.queries)} queries")
        run = search_all(index, eval_set.queries)
    means, per_query = score_run(run, eval_set.qrels)
    return EvalResult(eval_set.name, len(eval_set.queries), means, per_query, run, skipped, eval_set.perturbation)


def read_run(path: str | Path) -> Run:
    """A TREC run file (``qid Q0 docid rank score tag`` lines; gzipped when it ends in ``.gz``),
    each query's hits best first: by score, as trec_eval ranks them, then by rank. The scores
    returned are the file's. Bad lines raise SearcherError naming file and line."""
    path = Path(path)
    found: dict[str, list[tuple[float, int, str]]] = {}
    with _opened(path) as raw:
        stream = gzip.GzipFile(fileobj=raw) if path.name.endswith(".gz") else raw
        try:
            for line_no, line in numbered_lines(stream, MAX_LINE_BYTES):
                fields = _decoded(line, path, line_no).split()
                if not fields:
                    continue
                if len(fields) != 6:
                    raise SearcherError(f"{path}:{line_no}: expected 'qid Q0 docid rank score tag', found {len(fields)} fields")
                qid, _, docid, rank, score, _ = fields
                try:
                    found.setdefault(qid, []).append((-float(score), int(rank), docid))
                except ValueError:
                    raise SearcherError(f"{path}:{line_no}: rank {rank!r} or score {score!r} is not a number") from None
        except (OSError, EOFError) as error:  # gzip.BadGzipFile is an OSError
            raise SearcherError(f"cannot read {path}: {error}") from error
    return {qid: [(docid, -negated) for negated, _, docid in sorted(hits)] for qid, hits in found.items()}


def write_run(run: Run, path: str | Path, tag: str = "searcher") -> None:
    """Writes ``run`` as a TREC run file: ``qid Q0 docid rank score tag`` lines, where score is
    ``rank_score(rank)`` so that tools re-sorting by score keep the engine's order."""
    if not re.fullmatch(r"\S+", tag):
        raise SearcherError(f"a run tag must be one word without spaces, not {tag!r}")
    lines = (
        f"{qid} Q0 {docid} {rank} {rank_score(rank):.6f} {tag}\n"
        for qid, hits in run.items()
        for rank, (docid, _) in enumerate(hits, start=1)
    )
    try:
        with open(path, "w", encoding="utf-8") as out:
            out.writelines(lines)
    except OSError as error:
        raise SearcherError(f"cannot write the run file {path}: {error.strerror or error}") from error
