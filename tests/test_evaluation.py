"""Evaluation plumbing (searcher.evaluation), perturbations (searcher.perturb), `searcher eval`."""
from __future__ import annotations

import gzip
import json
import math
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher import evaluation, perturb
from searcher.cli import main
from searcher.errors import SearcherError
from searcher.evaluation import EvalSet, Query, load_set, read_qrels, read_run, score_run, write_run

NDCG_RANK_2 = 1 / math.log2(3)  # one relevant doc, found second: DCG 1/log2(2+1), ideal DCG 1

DOCS = [
    {"id": "d1", "lang": "nl", "title": "Zebra", "text": "De zebra loopt door het park."},
    {"id": "d2", "lang": "nl", "title": "Leeuw in het circus", "text": "De leeuw brult. Leeuw, leeuw, de leeuw van het circus."},
    {"id": "d3", "lang": "nl", "title": "Dierentuin",
     "text": "Een lang verhaal over de dierentuin met olifanten, giraffen, apen en nog veel meer dieren; "
             "ook een leeuw is er te zien, en verder vogels en vissen in grote bakken."},
]
QUERIES = [{"qid": "q1", "lang": "nl", "text": "zebra"}, {"qid": "q2", "lang": "nl", "text": "leeuw"}]
QRELS = "q1\td1\t1\nq2\td3\t1\n"


def write_set(directory: Path, docs: list[dict] = DOCS, queries: list[dict] = QUERIES, qrels: str = QRELS) -> Path:
    """A judged set on disk: q1 finds its doc first, q2 second (d2 says "leeuw" more often)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    (directory / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    (directory / "qrels.tsv").write_text(qrels, encoding="utf-8")
    return directory


@pytest.fixture
def set_dir(tmp_path: Path) -> Path:
    return write_set(tmp_path / "tiny")


# Scoring


def test_score_run_by_hand():
    run = {"q1": [("d1", 3.0), ("d2", 1.0)], "q2": [("d2", 2.0), ("d3", 1.0)]}
    means, per_query = score_run(run, {"q1": {"d1": 1}, "q2": {"d3": 1}})
    assert per_query["q1"] == {"nDCG@10": 1.0, "MRR@10": 1.0, "R@100": 1.0, "AP": 1.0}
    assert per_query["q2"] == pytest.approx({"nDCG@10": NDCG_RANK_2, "MRR@10": 0.5, "R@100": 1.0, "AP": 0.5})
    assert means == pytest.approx({"nDCG@10": (1 + NDCG_RANK_2) / 2, "MRR@10": 0.75, "R@100": 1.0, "AP": 0.75})


def test_score_run_follows_rank_not_engine_score():
    """The engine's tiers can rank a lower score above a higher one; the ranking counts."""
    _, per_query = score_run({"q": [("rel", 0.1), ("other", 9.0)]}, {"q": {"rel": 1}})
    assert per_query["q"]["MRR@10"] == 1.0


def test_queries_missing_from_the_run_score_zero():
    means, per_query = score_run({"q1": [("d1", 1.0)]}, {"q1": {"d1": 1}, "q2": {"d2": 1}})
    assert per_query["q2"] == {"nDCG@10": 0.0, "MRR@10": 0.0, "R@100": 0.0, "AP": 0.0}
    assert means["MRR@10"] == 0.5


def test_graded_ndcg_by_formula():
    _, per_query = score_run({"q": [("a", 2.0), ("b", 1.0)]}, {"q": {"a": 1, "b": 2}})
    dcg = 1 + 2 / math.log2(3)
    ideal = 2 + 1 / math.log2(3)
    assert per_query["q"]["nDCG@10"] == pytest.approx(dcg / ideal)


def test_missing_ir_measures_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "ir_measures", None)
    with pytest.raises(SearcherError, match=r"pip install 'searcher\[eval\]'"):
        score_run({}, {"q": {"d": 1}})


# End to end


def test_evaluate_tiny_set(set_dir: Path):
    result = evaluation.evaluate(load_set(set_dir))
    assert result.set == "tiny" and result.queries == 2 and result.docs_skipped == 0
    assert [docid for docid, _ in result.run["q2"][:2]] == ["d2", "d3"]
    assert result.per_query["q1"]["MRR@10"] == 1.0
    assert result.scores == pytest.approx({"nDCG@10": (1 + NDCG_RANK_2) / 2, "MRR@10": 0.75, "R@100": 1.0, "AP": 0.75})


def test_rejected_query_is_an_empty_ranking(tmp_path: Path):
    queries = QUERIES + [{"qid": "q3", "lang": "nl", "text": '"-" ( ) : ~'}]
    directory = write_set(tmp_path / "s", queries=queries, qrels=QRELS + "q3\td1\t1\n")
    result = evaluation.evaluate(load_set(directory))
    assert result.run["q3"] == [] and result.queries == 3
    assert result.scores["MRR@10"] == pytest.approx(0.5)


def test_given_index_is_reused(set_dir: Path, tmp_path: Path):
    eval_set = load_set(set_dir)
    first = evaluation.evaluate(eval_set, tmp_path / "index")
    again = evaluation.evaluate(eval_set, tmp_path / "index")
    assert again.scores == first.scores


def test_index_holding_other_documents_is_refused(set_dir: Path, tmp_path: Path):
    evaluation.evaluate(load_set(set_dir), tmp_path / "index")
    other = write_set(tmp_path / "other", docs=DOCS[:2], qrels="q1\td1\t1\n")
    with pytest.raises(SearcherError, match=r"holds 1 documents that are not in other"):
        evaluation.evaluate(load_set(other), tmp_path / "index")


# Run files


def test_run_file_format(tmp_path: Path):
    path = tmp_path / "run.txt"
    write_run({"q1": [("d1", 7.5), ("d2", 9.0)], "q2": []}, path, tag="mine")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines == ["q1 Q0 d1 1 1.000000 mine", "q1 Q0 d2 2 0.500000 mine"]


def test_run_tag_must_be_one_word(tmp_path: Path):
    with pytest.raises(SearcherError, match="one word"):
        write_run({}, tmp_path / "run.txt", tag="two words")


def test_read_run_gives_back_what_write_run_wrote(tmp_path: Path):
    path = tmp_path / "run.trec"
    write_run({"q1": [("d1", 7.5), ("d2", 9.0), ("d3", 0.0)]}, path)
    assert [docid for docid, _ in read_run(path)["q1"]] == ["d1", "d2", "d3"]


def test_read_run_ranks_by_score_then_rank_and_reads_gzip(tmp_path: Path):
    """trec_eval ranks a run by score; equal scores keep the file's ranks."""
    path = tmp_path / "baseline.trec.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write("q1 Q0 low 1 0.5 bm25\nq1 Q0 high 2 2.0 bm25\nq1 Q0 tied 3 0.5 bm25\n\nq2 Q0 x 1 1 bm25\n")
    run = read_run(path)
    assert run == {"q1": [("high", 2.0), ("low", 0.5), ("tied", 0.5)], "q2": [("x", 1.0)]}
    assert score_run(run, {"q1": {"high": 1}})[1]["q1"]["MRR@10"] == 1.0


@pytest.mark.parametrize("text, message", [
    ("q1 Q0 d1 1 0.5\n", r"run.trec:1: expected 'qid Q0 docid rank score tag', found 5 fields"),
    ("q1 Q0 d1 1 0.5 t\nq1 Q0 d2 two 0.4 t\n", r"run.trec:2: rank 'two' or score '0.4' is not a number"),
])
def test_bad_run_file(tmp_path: Path, text: str, message: str):
    (tmp_path / "run.trec").write_text(text, encoding="utf-8")
    with pytest.raises(SearcherError, match=message):
        read_run(tmp_path / "run.trec")


# Qrels


@pytest.mark.parametrize("text", [
    "q1\td1\t1\nq1\td2\t0\nq2\td3\t2\n",
    "q1 0 d1 1\nq1 0 d2 0\nq2 0 d3 2\n",
    "qid\tdocid\trelevance\nq1\td1\t1\n\nq1\td2\t0\nq2\td3\t2\n",
    "query_id iteration doc_id relevance\nq1 Q0 d1 1\nq1 Q0 d2 0\nq2 Q0 d3 2",
])
def test_qrels_formats(tmp_path: Path, text: str):
    path = tmp_path / "qrels.tsv"
    path.write_text(text, encoding="utf-8")
    assert read_qrels(path) == {"q1": {"d1": 1, "d2": 0}, "q2": {"d3": 2}}


@pytest.mark.parametrize("text, message", [
    ("q1\td1\t1\nq1\td2\n", r"qrels.tsv:2: expected 'qid docid relevance' or 'qid 0 docid relevance', found 2 fields"),
    ("q1\td1\t1\nq1\td2\tyes\n", r"qrels.tsv:2: relevance 'yes' is not an integer"),
    ("q1\td1\t1\nq1\td1\t2\n", r"qrels.tsv:2: q1 d1 judged again with another relevance"),
    ("\n\n", r"qrels.tsv holds no judgements"),
])
def test_bad_qrels(tmp_path: Path, text: str, message: str):
    path = tmp_path / "qrels.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SearcherError, match=message):
        read_qrels(path)


# Bad sets


def test_missing_file(set_dir: Path):
    (set_dir / "queries.jsonl").unlink()
    with pytest.raises(SearcherError, match=r"queries.jsonl is missing"):
        load_set(set_dir)


def test_no_set_directory(tmp_path: Path):
    with pytest.raises(SearcherError, match="no evaluation set at"):
        load_set(tmp_path / "absent")


@pytest.mark.parametrize("file, content, message", [
    ("docs.jsonl", '{"id": "d1", "text": "x"}\n{"id": "d2", "text": \n', r"docs.jsonl:2: bad JSON: Expecting value at column 22"),
    ("docs.jsonl", '{"id": "d1", "text": "x"}\n["d2"]\n', r"docs.jsonl:2: not a JSON object"),
    ("docs.jsonl", '{"id": "d1"}\n', r"docs.jsonl:1: 'text' must be a non-empty string"),
    ("docs.jsonl", '{"id": "d1", "text": "x"}\n\n{"id": "d1", "text": "y"}\n', r"docs.jsonl:3: document id 'd1' already used on line 1"),
    ("docs.jsonl", '{"id": "d 1", "text": "x"}\n', r"docs.jsonl:1: 'id' must not contain whitespace"),
    ("docs.jsonl", '{"id": "d1", "text": "x", "title": 3}\n', r"docs.jsonl:1: 'title' is not a string"),
    ("queries.jsonl", '{"qid": "q1", "text": ""}\n', r"queries.jsonl:1: 'text' must be a non-empty string"),
    ("queries.jsonl", '{"qid": "q1", "text": "a"}\n{"qid": "q1", "text": "b"}\n', r"queries.jsonl:2: query id 'q1' already used on line 1"),
    ("queries.jsonl", '{"qid": "q9", "text": "a"}\n', r"no query of .*queries.jsonl has a judgement"),
])
def test_bad_set_files(set_dir: Path, file: str, content: str, message: str):
    (set_dir / file).write_text(content, encoding="utf-8")
    with pytest.raises(SearcherError, match=message):
        load_set(set_dir)


def test_not_utf8(set_dir: Path):
    (set_dir / "queries.jsonl").write_bytes(b'{"qid": "q1", "text": "a"}\n{"qid": "q2", "text": "\xe9"}\n')
    with pytest.raises(SearcherError, match=r"queries.jsonl:2: not UTF-8 \(invalid byte at offset 23 of the line\)"):
        load_set(set_dir)


def test_unjudged_queries_and_foreign_qrels_are_left_out(set_dir: Path):
    write_set(set_dir, queries=QUERIES + [{"qid": "q3", "text": "park"}], qrels=QRELS + "q9\td1\t1\n")
    eval_set = load_set(set_dir)
    assert [q.qid for q in eval_set.queries] == ["q1", "q2"]
    assert set(eval_set.qrels) == {"q1", "q2"} and eval_set.unjudged == 1


def test_sample_is_seeded_and_keeps_file_order():
    queries = tuple(Query(f"q{i}", "fa", "x") for i in range(20))
    eval_set = EvalSet("s", (), queries, {q.qid: {"d": 1} for q in queries})
    sample = eval_set.sample(5, seed=3)
    assert sample == eval_set.sample(5, seed=3)
    assert len(sample.queries) == 5 and set(sample.qrels) == {q.qid for q in sample.queries}
    assert list(sample.queries) == sorted(sample.queries, key=lambda q: int(q.qid[1:]))
    assert eval_set.sample(50) is eval_set


# Perturbations


@pytest.mark.parametrize("function, text, expected", [
    (perturb.remove_zwnj, "می\u200cروم به کتاب\u200cخانه", "میروم به کتابخانه"),
    (perturb.remove_zwnj, "", ""),
    (perturb.zwnj_to_space, "می\u200cروم", "می روم"),
    (perturb.arabic_yeh_kaf, "کتاب یک", "كتاب يك"),
    (perturb.arabic_yeh_kaf, "ي ك", "ي ك"),
    (perturb.persian_digits, "سال 1403 و ٢٠٢٤", "سال ۱۴۰۳ و ۲۰۲۴"),
    (perturb.persian_digits, "۱۲", "۱۲"),
    (perturb.strip_diacritics, "Één Oekraïne café", "een oekraine cafe"),
    (perturb.strip_diacritics, "ÇA", "ca"),
])
def test_perturbation(function, text: str, expected: str):
    assert function(text) == expected


def test_perturbations_by_language():
    assert [p.name for p in perturb.for_language("fa")] == ["zwnj-remove", "zwnj-space", "arabic-yeh-kaf", "persian-digits"]
    assert [p.name for p in perturb.for_language("nl")] == ["strip-diacritics"]


def test_perturbed_set_sides(set_dir: Path):
    eval_set = load_set(set_dir)
    docs = eval_set.perturbed("strip-diacritics", "docs")
    assert docs.docs[0]["title"] == "zebra" and docs.queries == eval_set.queries
    assert docs.perturbation == ("strip-diacritics", "docs")
    queries = eval_set.perturbed("strip-diacritics", "queries")
    assert queries.docs == eval_set.docs


@pytest.mark.parametrize("name, side, message", [
    ("zwnj-remove", "docs", "zwnj-remove applies to fa sets; tiny is nl"),
    ("nope", "docs", "unknown perturbation 'nope'"),
    ("strip-diacritics", "both", "unknown perturbation side 'both'"),
])
def test_perturbed_set_errors(set_dir: Path, name: str, side: str, message: str):
    with pytest.raises(SearcherError, match=message):
        load_set(set_dir).perturbed(name, side)


# CLI


def test_cli_eval_json(set_dir: Path, tmp_path: Path):
    run_file = tmp_path / "run.txt"
    result = CliRunner().invoke(main, ["eval", str(set_dir), "--json", "--run", str(run_file)], catch_exceptions=False)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data) == ["set", "queries", "nDCG@10", "MRR@10", "R@100", "AP"]
    assert data["set"] == "tiny" and data["queries"] == 2 and data["MRR@10"] == pytest.approx(0.75)
    assert run_file.read_text(encoding="utf-8").startswith("q1 Q0 d1 1 1.000000 searcher\n")


def test_cli_eval_json_perturbed_per_query(set_dir: Path):
    args = ["eval", str(set_dir), "--json", "--per-query", "--perturb", "strip-diacritics", "--perturb-side", "docs"]
    data = json.loads(CliRunner().invoke(main, args, catch_exceptions=False).stdout)
    assert data["perturb"] == {"name": "strip-diacritics", "side": "docs"}
    assert set(data["per_query"]) == {"q1", "q2"} and data["per_query"]["q2"]["MRR@10"] == 0.5


def test_cli_eval_text(set_dir: Path):
    result = CliRunner().invoke(main, ["eval", str(set_dir), "--per-query"], catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "qid\tnDCG@10\tMRR@10\tR@100\tMAP"
    assert lines[2] == "q2\t0.6309\t0.5000\t1.0000\t0.5000"
    assert lines[-5:] == ["tiny: 2 queries", "nDCG@10  0.8155", "MRR@10   0.7500", "R@100    1.0000", "MAP      0.7500"]


def test_cli_eval_bad_set_is_one_error_line(set_dir: Path):
    (set_dir / "qrels.tsv").write_text("q1\td1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(set_dir)], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {set_dir / 'qrels.tsv'}:1: expected 'qid docid relevance' or 'qid 0 docid relevance', found 2 fields"
