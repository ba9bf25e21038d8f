"""The columnar rank file: what is written is read back (round trips, merges with deletions,
spilled runs), damaged and stale files are refused by name, writes are atomic."""
from __future__ import annotations

import os
import random
import struct
import tempfile
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searcher.backend.whoosh import columnar
from searcher.backend.whoosh.columnar import (
    FAMILIES, TF_MAX, ColumnarDamaged, ColumnarSegment, ColumnarStale, ColumnarWriter, Document, date_number,
    verify_file, write_segment,
)

# Persian (with ZWNJ and an Arabic kaf), Latin, an accented letter and a 4-byte emoji: UTF-8
# byte order must agree with what `terms` yields.
TERM = st.text(alphabet=st.sampled_from(["a", "b", "z", "é", "ا", "ی", "ر", "ك", "\u200c", "😀"]), max_size=4)
POSTING = st.tuples(st.floats(0, 50, width=32), st.integers(0, 3) | st.just(70_000), st.integers(0, 3) | st.just(65_535))
ROW = st.tuples(
    st.sampled_from(FAMILIES),
    st.dictionaries(TERM, POSTING, max_size=8),
    st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1),
    st.sampled_from(["fa", "nl", "en", "und"]),
    st.none() | st.sampled_from(["irna", "nos", "bbc"]),
    st.just(0) | st.integers(19000101, 20991231),
    st.none() | st.binary(min_size=256, max_size=256),  # a near-duplicate signature
)
ROWS = st.lists(ROW, max_size=25)


def positioned(document: Document) -> Document:
    """The document with positions as many as its counts, different for each term and field
    (a count of 70,000 goes past 16 bits)."""
    title, body = {}, {}
    for number, (term, (_, title_tf, body_tf)) in enumerate(document.postings.items()):
        if title_tf:
            title[term] = list(range(3 * number, 3 * number + title_tf))
        if body_tf:
            body[term] = list(range(5 * number + 1, 5 * number + 1 + 2 * body_tf, 2))
    return document._replace(title_positions=title, body_positions=body)


def documents_of(rows: list[tuple], first: int = 0) -> list[Document]:
    return [positioned(Document(first + i, *row)) for i, row in enumerate(rows)]


def write(path: Path, documents: list[Document], limit_mb: float = 64, segment_id: str = "seg",
          signature: str = "sig") -> ColumnarWriter:
    writer = ColumnarWriter(path.parent, limit_mb)
    for document in documents:
        writer.add(*document)
    writer.finish(path, segment_id=segment_id, signature=signature)
    return writer


def assert_holds(segment: ColumnarSegment, documents: list[Document]) -> None:
    """The segment holds exactly these documents (docnums as given), and verifies clean."""
    expected: dict[str, dict[str, list]] = {family: defaultdict(list) for family in FAMILIES}
    for document in documents:
        for term, (weight, title_tf, body_tf) in document.postings.items():
            expected[document.family][term].append((document.docnum, np.float32(weight), min(title_tf, TF_MAX),
                                                    min(body_tf, TF_MAX)))
    for family in FAMILIES:
        terms = sorted(expected[family], key=lambda term: term.encode("utf-8"))
        assert list(segment.terms(family)) == terms
        for term in terms:
            rows = expected[family][term]
            postings = segment.postings(family, term)
            assert postings.docs.tolist() == [row[0] for row in rows]
            assert postings.weight.tolist() == [row[1] for row in rows]
            assert postings.title_tf.tolist() == [row[2] for row in rows]
            assert postings.body_tf.tolist() == [row[3] for row in rows]
            assert (postings.df, postings.title_df, postings.body_df) == (
                len(rows), sum(row[2] > 0 for row in rows), sum(row[3] > 0 for row in rows))
            assert segment.doc_frequency(family, term) == len(rows)
            for field in ("title", "body"):
                given = [(document.docnum, (getattr(document, f"{field}_positions") or {}).get(term, [])[:TF_MAX])
                         for document in documents if document.family == family and term in document.postings]
                docs = np.array([docnum for docnum, _ in given])
                places, counts, positions = segment.places(family, field, term, docs)
                held = [(docnum, found) for docnum, found in given if found]
                assert docs[places].tolist() == [docnum for docnum, _ in held]
                assert counts.tolist() == [len(found) for _, found in held]
                assert positions.tolist() == [p for _, found in held for p in found]
        members = [document for document in documents if document.family == family]
        assert segment.totals(family) == columnar.FamilyTotals(
            len(members), *(sum(getattr(document, name) for document in members) for name in ("title_len", "body_len", "ranking_len")))
    assert segment.doc_count == len(documents)
    assert [FAMILIES[code] for code in segment.family_codes] == [document.family for document in documents]
    assert segment.title_len.tolist() == [document.title_len for document in documents]
    assert segment.body_len.tolist() == [document.body_len for document in documents]
    assert segment.ranking_len.tolist() == [document.ranking_len for document in documents]
    assert [segment.langs[code] for code in segment.lang] == [document.lang for document in documents]
    assert [segment.outlets[code] if code >= 0 else None for code in segment.outlet] == [document.outlet for document in documents]
    assert segment.date.tolist() == [document.date for document in documents]
    assert [row.tobytes() if mark else None for row, mark in zip(segment.minhash, segment.has_minhash)] == [
        document.minhash for document in documents]
    assert segment.verify() == []


@settings(max_examples=60, deadline=None)
@given(ROWS)
def test_documents_round_trip(rows):
    documents = documents_of(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "seg.rank"
        write(path, documents)
        with ColumnarSegment.open(path, expect_segment="seg", expect_signature="sig") as segment:
            assert_holds(segment, documents)
        assert os.listdir(folder) == ["seg.rank"]  # no run or temporary file left


@settings(max_examples=40, deadline=None)
@given(ROWS)
def test_spilled_runs_write_the_same_file(rows):
    documents = documents_of(rows)
    with tempfile.TemporaryDirectory() as folder:
        whole, spilled = Path(folder) / "whole.rank", Path(folder) / "spilled.rank"
        write(whole, documents)
        write(spilled, documents, limit_mb=0.0005)  # about one document per run
        assert whole.read_bytes() == spilled.read_bytes()
        assert sorted(os.listdir(folder)) == ["spilled.rank", "whole.rank"]


def generated(count: int, seed: int = 7, vocabulary: int = 3000, first: int = 0) -> list[Document]:
    """Documents with Zipf-like term choice: common terms in many documents, rare ones in one."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(vocabulary // 2)] + [f"واژه{i}" for i in range(vocabulary // 2)]
    documents = []
    for docnum in range(first, first + count):
        size = rng.choice([0, 5, 40, 120])
        terms = {words[min(int(rng.paretovariate(0.8)) - 1, len(words) - 1)] for _ in range(size)}
        postings = {term: (rng.random() * 5, rng.randint(0, 2), rng.randint(0, 9)) for term in terms}
        documents.append(positioned(Document(
            docnum, rng.choice(FAMILIES), postings, rng.randint(0, 20), rng.randint(0, 900), rng.randint(0, 960),
            rng.choice(["fa", "nl", "de"]), rng.choice([None, "irna", "nos"]), rng.choice([0, 20240131, 19991231]))))
    return documents


def test_spilling_makes_several_runs_and_merges_them_to_the_same_file(tmp_path):
    documents = generated(600)
    whole = write(tmp_path / "whole.rank", documents)
    spilled = write(tmp_path / "spilled.rank", documents, limit_mb=0.1)
    assert whole.spills == 0 and spilled.spills >= 5
    assert (tmp_path / "whole.rank").read_bytes() == (tmp_path / "spilled.rank").read_bytes()
    with ColumnarSegment.open(tmp_path / "spilled.rank") as segment:
        assert_holds(segment, documents)
    assert sorted(os.listdir(tmp_path)) == ["spilled.rank", "whole.rank"]


@settings(max_examples=40, deadline=None)
@given(ROWS, ROWS, ROWS, st.randoms(use_true_random=False), st.booleans())
def test_merges_keep_the_live_documents_renumbered(new_rows, rows_a, rows_b, rng, spill):
    """A merge: new documents first, then two older segments' live documents, as Whoosh's
    segment writer numbers them (docmap: old docnum -> new, deleted ones absent)."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        olds = []
        for name, rows in (("a", rows_a), ("b", rows_b)):
            write(folder / f"{name}.rank", documents_of(rows))
            olds.append((ColumnarSegment.open(folder / f"{name}.rank"), documents_of(rows)))
        writer = ColumnarWriter(folder, limit_mb=0.0005 if spill else 64)
        merged = documents_of(new_rows)
        for document in merged:
            writer.add(*document)
        for segment, documents in olds:
            live = [document for document in documents if rng.random() < 0.7]
            docmap = {document.docnum: len(merged) + i for i, document in enumerate(live)}
            writer.add_segment(segment, docmap)
            merged += [document._replace(docnum=docmap[document.docnum]) for document in live]
        writer.finish(folder / "merged.rank", segment_id="m", signature="sig")
        for segment, _ in olds:
            segment.close()
        with ColumnarSegment.open(folder / "merged.rank") as segment:
            assert_holds(segment, merged)
        assert sorted(os.listdir(folder)) == ["a.rank", "b.rank", "merged.rank"]


def test_a_merge_without_deletions_takes_every_document(tmp_path):
    documents = generated(300)
    write(tmp_path / "a.rank", documents)
    with ColumnarSegment.open(tmp_path / "a.rank") as old:
        writer = ColumnarWriter(tmp_path)
        writer.add(*generated(1, seed=3)[0])
        writer.add_segment(old)  # no docmap: every document, numbered on
        writer.finish(tmp_path / "b.rank", segment_id="b", signature="sig")
    with ColumnarSegment.open(tmp_path / "b.rank") as merged:
        assert_holds(merged, generated(1, seed=3) + [document._replace(docnum=document.docnum + 1) for document in documents])


def test_a_docmap_that_does_not_number_on_is_refused(tmp_path):
    write(tmp_path / "a.rank", generated(10))
    with ColumnarSegment.open(tmp_path / "a.rank") as old, ColumnarWriter(tmp_path) as writer:
        writer.add(*generated(1)[0])
        with pytest.raises(ValueError, match="number the live documents 1"):
            writer.add_segment(old, {0: 0, 1: 1})
        with pytest.raises(ValueError, match="number the live documents"):
            writer.add_segment(old, {0: 2, 1: 1})
        with pytest.raises(ValueError, match="outside"):
            writer.add_segment(old, {10: 1})
    assert os.listdir(tmp_path) == ["a.rank"]


def test_term_lookup_finds_every_term_and_no_other(tmp_path):
    rng = random.Random(5)
    alphabet = "abcdefghij" + "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی" + "\u200c"
    terms = sorted({"".join(rng.choices(alphabet, k=rng.randint(1, 9))) for _ in range(3000)})
    postings = {term: (1.0, 1, 1) for term in terms}
    write(tmp_path / "t.rank", [positioned(Document(0, "text", postings, 1, 1, 1, "fa", None, 0))])
    with ColumnarSegment.open(tmp_path / "t.rank") as segment:
        assert all(segment.doc_frequency("text", term) == 1 for term in terms)
        present = set(terms)
        for absent in ["", "\x00", "\U0010ffff", "zzz", "ی" * 12, *(term + "\u200c" for term in terms[:300]),
                       *(term[:-1] for term in terms[:300])]:
            if absent not in present:
                assert segment.postings("text", absent) is None
                assert segment.doc_frequency("text", absent) == 0
        assert segment.postings("generic", terms[0]) is None
        assert segment.postings("text", "\ud800") is None  # a lone surrogate, as argv can carry
        for prefix in ["", "a", "ب", "زز", "\u200c", "q", "\U0010ffff", *terms[::250]]:
            assert list(segment.terms("text", prefix)) == [term for term in terms if term.startswith(prefix)]
        assert list(segment.terms("generic", "")) == []


def test_an_empty_segment_round_trips(tmp_path):
    write(tmp_path / "e.rank", [])
    with ColumnarSegment.open(tmp_path / "e.rank") as segment:
        assert segment.doc_count == 0 and len(segment.ranking_len) == 0
        assert segment.postings("text", "a") is None and list(segment.terms("text")) == []
        assert segment.totals("generic") == columnar.FamilyTotals(0, 0, 0, 0)
        assert segment.verify() == []


def test_views_stay_valid_after_close(tmp_path):
    write(tmp_path / "s.rank", generated(50))
    segment = ColumnarSegment.open(tmp_path / "s.rank")
    postings = segment.postings("text", "w0")
    docs = postings.docs.copy()
    segment.close()
    assert postings.docs.tolist() == docs.tolist()
    with pytest.raises(ValueError, match="closed"):
        segment.postings("text", "w0")


def test_family_columns_hold_every_posting_term_by_term(tmp_path):
    documents = generated(200)
    write(tmp_path / "s.rank", documents)
    with ColumnarSegment.open(tmp_path / "s.rank") as segment:
        family = segment.family("text")
        assert family.starts[-1] == family.posting_count == len(family.docs)
        terms = list(family.terms())
        index = terms.index("w3")
        assert family.term_index("w3") == index
        assert family.docs[family.starts[index]:family.starts[index + 1]].tolist() == segment.postings("text", "w3").docs.tolist()
        with pytest.raises(ValueError, match="unknown family"):
            segment.family("fa")


# Writing: order, bad values, atomicity


def test_documents_must_come_in_order_without_gaps(tmp_path):
    with ColumnarWriter(tmp_path) as writer:
        writer.add(0, "text", {}, 0, 0, 0, "fa", None, 0)
        with pytest.raises(ValueError, match="document 2 added where document 1"):
            writer.add(2, "text", {}, 0, 0, 0, "fa", None, 0)
        with pytest.raises(ValueError, match="unknown family"):
            writer.add(1, "persian", {}, 0, 0, 0, "fa", None, 0)


def test_a_document_with_a_bad_value_is_left_out_whole(tmp_path):
    writer = ColumnarWriter(tmp_path)
    good = positioned(Document(0, "text", {"a": (1.0, 1, 1)}, 1, 1, 2, "fa", None, 0))
    writer.add(*good)
    with pytest.raises(OverflowError):
        writer.add(*positioned(Document(1, "text", {"b": (1.0, -1, 0)}, 1, 1, 1, "fa", None, 0)))  # negative frequency
    with pytest.raises(OverflowError):
        writer.add(*positioned(Document(1, "text", {"c": (1.0, 1, 0)}, -1, 1, 1, "fa", None, 0)))  # negative length
    with pytest.raises(TypeError):
        writer.add(*positioned(Document(1, "text", {b"d": (1.0, 1, 0)}, 1, 1, 1, "fa", None, 0)))  # bytes term
    with pytest.raises(ValueError, match="positions"):
        writer.add(1, "text", {"e": (1.0, 2, 0)}, 2, 1, 1, "fa", None, 0, None, {"e": [0]})  # one position of two
    with pytest.raises(ValueError, match="positions"):
        writer.add(1, "text", {"f": (1.0, 0, 1)}, 1, 1, 1, "fa", None, 0)  # none given
    assert writer.doc_count == 1
    writer.finish(tmp_path / "s.rank", segment_id="s", signature="sig")
    with ColumnarSegment.open(tmp_path / "s.rank") as segment:
        assert_holds(segment, [good])


def test_a_cancelled_writer_leaves_no_file(tmp_path):
    writer = ColumnarWriter(tmp_path, limit_mb=0.05)
    for document in generated(200):
        writer.add(*document)
    assert writer.spills > 0 and os.listdir(tmp_path)  # runs on disk
    writer.cancel()
    assert os.listdir(tmp_path) == []
    with pytest.raises(ValueError, match="finished or cancelled"):
        writer.add(200, "text", {}, 0, 0, 0, "fa", None, 0)


def test_an_error_inside_with_leaves_no_file(tmp_path):
    with pytest.raises(RuntimeError):
        with ColumnarWriter(tmp_path, limit_mb=0.05) as writer:
            for document in generated(200):
                writer.add(*document)
            raise RuntimeError("analysis failed")
    assert os.listdir(tmp_path) == []


def test_a_failed_finish_keeps_the_previous_file(tmp_path):
    path = tmp_path / "s.rank"
    write(path, generated(20))
    before = path.read_bytes()
    writer = ColumnarWriter(tmp_path)
    writer.add(*positioned(Document(0, "text", {"\ud800": (1.0, 1, 1)}, 1, 1, 1, "fa", None, 0)))  # not encodable as UTF-8
    with pytest.raises(UnicodeEncodeError):
        writer.finish(path, segment_id="s", signature="sig")
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["s.rank"]


def test_finish_replaces_a_stale_file(tmp_path):
    path = tmp_path / "s.rank"
    write(path, generated(20), signature="old")
    size = write_segment(path, generated(30), segment_id="seg", signature="new")
    assert size == path.stat().st_size
    with ColumnarSegment.open(path, expect_signature="new") as segment:
        assert_holds(segment, generated(30))


def test_write_segment_takes_plain_tuples_and_spills_to_tempdir(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    documents = generated(300)
    write_segment(tmp_path / "s.rank", (tuple(document) for document in documents), segment_id="s", signature="sig",
                  tempdir=runs, limit_mb=0.05)
    assert os.listdir(runs) == []
    with ColumnarSegment.open(tmp_path / "s.rank") as segment:
        assert_holds(segment, documents)


# Damaged and stale files


@pytest.fixture
def rank_file(tmp_path) -> Path:
    path = tmp_path / "s.rank"
    write(path, generated(120), segment_id="seg-1", signature="analysis 7")
    return path


def test_a_truncated_file_is_damaged(rank_file):
    data = rank_file.read_bytes()
    for size in (0, 10, 64, 200, len(data) // 2, len(data) - 1):
        rank_file.write_bytes(data[:size])
        with pytest.raises(ColumnarDamaged) as caught:
            ColumnarSegment.open(rank_file)
        assert caught.value.path == str(rank_file)
        assert str(rank_file) in str(caught.value)


def test_an_extended_file_is_damaged(rank_file):
    rank_file.write_bytes(rank_file.read_bytes() + b"\0" * 64)
    with pytest.raises(ColumnarDamaged, match="truncated or extended"):
        ColumnarSegment.open(rank_file)


def test_wrong_magic_is_not_a_rank_file(rank_file):
    data = bytearray(rank_file.read_bytes())
    data[:8] = b"PK\x03\x04\0\0\0\0"
    rank_file.write_bytes(bytes(data))
    with pytest.raises(ColumnarDamaged, match="not a rank file"):
        ColumnarSegment.open(rank_file)


def test_a_flipped_byte_in_an_array_is_named_by_verify(rank_file):
    with ColumnarSegment.open(rank_file) as segment:
        arrays = {name: dict(spec) for name, spec in segment._meta["arrays"].items()}
        assert segment.verify() == []
    data = rank_file.read_bytes()
    rng = random.Random(1)
    checked = 0
    for name, spec in arrays.items():
        nbytes = spec["length"] * np.dtype(spec["dtype"]).itemsize
        if not nbytes:
            continue
        damaged = bytearray(data)
        damaged[spec["offset"] + rng.randrange(nbytes)] ^= 0x10
        rank_file.write_bytes(bytes(damaged))
        try:
            segment = ColumnarSegment.open(rank_file)
        except ColumnarDamaged as error:  # the ends of an index array are checked at open
            assert name.endswith(("term_offsets", "starts")), (name, error)
        else:
            with segment:
                problems = segment.verify()
            assert problems and all(problem.startswith(name) for problem in problems), (name, problems)
        checked += 1
    assert checked >= 20


def test_a_flipped_byte_in_the_header_or_metadata_is_damaged(rank_file):
    data = rank_file.read_bytes()
    with ColumnarSegment.open(rank_file):  # the file as written opens
        meta_offset = struct.unpack_from("<Q", data, 24)[0]
    for position in (9, 20, 30, 40, 47, meta_offset, meta_offset + 40, len(data) - 1):
        damaged = bytearray(data)
        damaged[position] ^= 0x01
        rank_file.write_bytes(bytes(damaged))
        with pytest.raises(ColumnarDamaged):
            ColumnarSegment.open(rank_file)


def test_consistent_but_wrong_metadata_is_damaged(rank_file):
    """Metadata rewritten with its checksums made right but its arrays misplaced: refused at
    open, never mapped as it says."""
    data = rank_file.read_bytes()
    meta_offset, meta_length = struct.unpack_from("<QQ", data, 24)
    import json

    meta = json.loads(data[meta_offset:])
    for change in ("offset", "length", "dtype", "missing"):
        broken = json.loads(json.dumps(meta))
        spec = broken["arrays"]["text.docs"]
        if change == "offset":
            spec["offset"] += 8
        elif change == "length":
            spec["length"] += 1
        elif change == "dtype":
            spec["dtype"] = "<f8"
        else:
            del broken["arrays"]["text.weight"]
        meta_bytes = json.dumps(broken).encode()
        size = meta_offset + len(meta_bytes)
        header = columnar._header(size, meta_offset, meta_bytes)
        rank_file.write_bytes(header + data[len(header):meta_offset] + meta_bytes)
        with pytest.raises(ColumnarDamaged):
            ColumnarSegment.open(rank_file)


def test_another_segment_or_analysis_is_stale(rank_file):
    with ColumnarSegment.open(rank_file, expect_segment="seg-1", expect_signature="analysis 7") as segment:
        assert (segment.segment_id, segment.signature) == ("seg-1", "analysis 7")
    with pytest.raises(ColumnarStale, match="analysis 8"):
        ColumnarSegment.open(rank_file, expect_signature="analysis 8")
    with pytest.raises(ColumnarStale, match="seg-2"):
        ColumnarSegment.open(rank_file, expect_segment="seg-2")


def test_another_format_version_is_stale(rank_file):
    data = bytearray(rank_file.read_bytes())
    data[8:12] = struct.pack("<I", columnar.VERSION + 1)
    data[44:48] = struct.pack("<I", zlib.crc32(bytes(data[:44])))
    rank_file.write_bytes(bytes(data))
    with pytest.raises(ColumnarStale, match="format version"):
        ColumnarSegment.open(rank_file)


def test_a_missing_file_is_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        ColumnarSegment.open(tmp_path / "absent.rank")


def test_verify_file_names_what_makes_a_file_unusable(rank_file):
    assert verify_file(rank_file, expect_segment="seg-1", expect_signature="analysis 7") == []
    assert verify_file(rank_file, expect_signature="analysis 8") == [
        f"{rank_file}: written with analysis 'analysis 7', not 'analysis 8'"]
    assert verify_file(rank_file.with_name("absent.rank")) == [f"{rank_file.with_name('absent.rank')}: missing"]
    rewrite_array(rank_file, "text.docs", lambda docs: docs.__setitem__(slice(0, 2), docs[1::-1]))
    assert verify_file(rank_file) == [f"{rank_file}: text.docs: postings out of order within a term"]
    data = rank_file.read_bytes()
    rank_file.write_bytes(data[:-3])
    (problem,) = verify_file(rank_file)
    assert problem.startswith(f"{rank_file}: ") and "truncated" in problem


def test_date_numbers():
    assert date_number("2024-01-31") == 20240131
    assert date_number(None) == date_number("") == date_number("yesterday") == 0


def test_large_offsets_are_written_in_64_bits(tmp_path, monkeypatch):
    monkeypatch.setattr(columnar, "INDEX_32_MAX", 100)  # as past 4 GB of terms or postings
    documents = generated(100)
    write(tmp_path / "s.rank", documents)
    with ColumnarSegment.open(tmp_path / "s.rank") as segment:
        assert segment.family("text").starts.dtype == np.dtype("<u8")
        assert_holds(segment, documents)


def rewrite_array(path: Path, name: str, change) -> None:
    """Changes an array in place and makes its checksum match again (a writer's bug, not
    damage on disk)."""
    import json

    data = bytearray(path.read_bytes())
    meta_offset = struct.unpack_from("<Q", data, 24)[0]
    meta = json.loads(data[meta_offset:])
    spec = meta["arrays"][name]
    values = np.frombuffer(data, spec["dtype"], spec["length"], spec["offset"]).copy()
    change(values)
    data[spec["offset"]:spec["offset"] + values.nbytes] = values.tobytes()
    spec["crc32"] = zlib.crc32(values.tobytes())
    meta_bytes = json.dumps(meta).encode()
    header = columnar._header(meta_offset + len(meta_bytes), meta_offset, meta_bytes)
    path.write_bytes(header + bytes(data[len(header):meta_offset]) + meta_bytes)


@pytest.mark.parametrize("name, change, problem", [
    ("text.docs", lambda docs: docs.__setitem__(slice(0, 2), docs[1::-1]), "out of order"),
    ("text.docs", lambda docs: docs.__setitem__(0, 10_000), "outside the family"),
    ("text.title_df", lambda df: df.__setitem__(0, df[0] + 1), "text.title_df"),
    ("doc.ranking_len", lambda lengths: lengths.__setitem__(0, lengths[0] + 1), "totals"),
    ("doc.lang", lambda codes: codes.__setitem__(0, 300), "language table"),
    ("doc.has_minhash", lambda marks: marks.__setitem__(0, 2), "doc.has_minhash"),
    ("doc.minhash", lambda values: values.__setitem__(0, 7), "doc.minhash: a signature where the document has none"),
])
def test_verify_checks_the_structure_behind_the_checksums(rank_file, name, change, problem):
    with ColumnarSegment.open(rank_file) as segment:
        first = segment.postings("text", next(segment.terms("text")))
        assert first.df >= 2  # the generated collection's first term is common
    rewrite_array(rank_file, name, change)
    with ColumnarSegment.open(rank_file) as segment:
        problems = segment.verify()
    assert any(problem in found for found in problems), problems


def test_a_finished_file_is_readable_as_the_segments_other_files_are(tmp_path):
    """A rank file gets the mode the process's umask gives new files (mkstemp's is 0600)."""
    import os
    import stat

    mask = os.umask(0o022)
    try:
        writer = ColumnarWriter(tmp_path)
        writer.add(*positioned(Document(0, "text", {"brug": (1.0, 0, 1)}, 0, 1, 1, "nl", None, 0)))
        writer.finish(tmp_path / "a.rank", segment_id="a", signature="s")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "a.rank").stat().st_mode) == 0o644


def minhash(seed: int) -> bytes:
    return struct.pack("<64I", *range(seed, seed + 64))


def test_near_duplicate_signatures_round_trip_and_merge(tmp_path, monkeypatch):
    """Each document's signature (or none) is its row, through a merge that drops a document
    and through the spill to a temporary file of many rows."""
    monkeypatch.setattr(columnar, "COPY_BLOCK", 3 * 256)  # spilled every three documents
    signatures = [minhash(n) if n % 4 else None for n in range(10)]
    documents = [positioned(Document(n, "text", {"a": (1.0, 1, 0)}, 1, 1, 2, "nl", None, 0, signature))
                 for n, signature in enumerate(signatures)]
    path = tmp_path / "a.rank"
    write(path, documents)
    assert sorted(os.listdir(tmp_path)) == ["a.rank"]  # the spilled rows' file removed
    with ColumnarSegment.open(path) as segment:
        assert segment.minhash.shape == (10, 64) and segment.verify() == []
        assert segment.has_minhash.tolist() == [int(value is not None) for value in signatures]
        assert [row.tobytes() if value else None for row, value in zip(segment.minhash, signatures)] == signatures
        merged = ColumnarWriter(tmp_path)
        merged.add(0, "generic", {}, 0, 0, 0, "en", None, 0, minhash(99))
        merged.add_segment(segment, {old: old for old in range(1, 10)})  # document 0 deleted
        merged.finish(tmp_path / "b.rank", segment_id="b", signature="sig")
    with ColumnarSegment.open(tmp_path / "b.rank") as segment:
        kept = [minhash(99)] + signatures[1:]
        assert [row.tobytes() if mark else None for row, mark in zip(segment.minhash, segment.has_minhash)] == kept
        assert segment.verify() == []


def test_a_signature_of_the_wrong_size_leaves_the_document_out(tmp_path):
    writer = ColumnarWriter(tmp_path)
    with pytest.raises(ValueError, match="256 bytes"):
        writer.add(0, "text", {"a": (1.0, 1, 0)}, 1, 1, 2, "nl", None, 0, b"short", {"a": [0]})
    assert writer.doc_count == 0
    writer.add(0, "text", {"a": (1.0, 1, 0)}, 1, 1, 2, "nl", None, 0, minhash(1), {"a": [0]})
    writer.finish(tmp_path / "a.rank", segment_id="a", signature="s")
    with ColumnarSegment.open(tmp_path / "a.rank") as segment:
        assert segment.doc_count == 1 and segment.minhash[0].tobytes() == minhash(1)


# Rows


def test_rows_are_read_back_spilled_and_through_a_merge(tmp_path, monkeypatch):
    """Each document's row as given, also when the rows went through the writer's temporary
    file, and a merge keeps the live documents' rows in their new order."""
    monkeypatch.setattr(columnar, "ROW_BLOCK", 50)
    documents = generated(40)
    rows = [f'["a{i}", "titel {i}", "ایران"]'.encode() * (i % 3) for i in range(40)]
    writer = ColumnarWriter(tmp_path, 64)
    for document, row in zip(documents, rows):
        writer.add(*document, row=row)
    writer.finish(tmp_path / "old.rank", segment_id="old", signature="sig")
    with ColumnarSegment.open(tmp_path / "old.rank") as old:
        assert [old.row(docnum) for docnum in range(40)] == rows
        assert old.verify() == []
        merged = ColumnarWriter(tmp_path, 64)
        merged.add(*Document(0, "text", {}, 0, 0, 0, "fa", None, 0), row=b"new")
        live = [docnum for docnum in range(40) if docnum % 4]
        merged.add_segment(old, {old_docnum: 1 + i for i, old_docnum in enumerate(live)})
        merged.finish(tmp_path / "new.rank", segment_id="new", signature="sig")
    with ColumnarSegment.open(tmp_path / "new.rank") as new:
        assert [new.row(docnum) for docnum in range(new.doc_count)] == [b"new"] + [rows[docnum] for docnum in live]
        assert new.verify() == []
    assert sorted(os.listdir(tmp_path)) == ["new.rank", "old.rank"]


def test_row_offsets_past_the_data_are_damaged(rank_file):
    with ColumnarSegment.open(rank_file) as segment:
        spec = segment._meta["arrays"]["rows.offsets"]
    data = bytearray(rank_file.read_bytes())
    last = spec["offset"] + 8 * (spec["length"] - 1)
    data[last : last + 8] = struct.pack("<Q", 10**9)
    rank_file.write_bytes(bytes(data))
    with pytest.raises(ColumnarDamaged, match="rows.offsets"):
        ColumnarSegment.open(rank_file)
