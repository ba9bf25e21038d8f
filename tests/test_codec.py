"""Our writing shortcuts give what Whoosh gives: field lengths, postings and terms files, posting values."""
from __future__ import annotations

from whoosh import fields
from whoosh import index as windex
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader

from searcher.backend.whoosh.codec import LengthsInMemoryReader, SearcherCodec
from searcher.backend.whoosh.postings import with_batched_runs


def test_lengths_from_memory_equal_w3_lengths(tmp_path):
    schema = fields.Schema(title=fields.TEXT, body=fields.TEXT)
    ix = windex.create_in(str(tmp_path), schema)
    writer = ix.writer(codec=SearcherCodec(), compound=False)
    for n in range(40):
        document = {"title": "word " * (n % 3)} if n % 4 else {}
        if n < 30:  # the last documents have no body: a shorter length column
            document["body"] = "many words here " * (n * 7)
        writer.add_document(**document)
    writer.commit()
    segment = ix._segments()[0]
    assert isinstance(segment.codec(), SearcherCodec)
    ours, w3 = LengthsInMemoryReader(ix.storage, segment), W3PerDocReader(ix.storage, segment)
    for field in ("title", "body", "missing"):
        for docnum in range(40):
            expected = w3.doc_field_length(docnum, field, 7)
            assert ours.doc_field_length(docnum, field, 7) == (7 if expected is None else expected)
    assert ours.doc_field_length(29, "body") == w3.doc_field_length(29, "body") > 255  # the one-byte approximation
    ours.close()
    w3.close()


def _segment_files(directory, codec, pool) -> dict[str, bytes]:
    """The postings and terms files of a one-segment index of the same documents."""
    schema = fields.Schema(id=fields.ID(stored=True), title=fields.TEXT, body=fields.TEXT(phrase=True),
                           tags=fields.KEYWORD(scorable=True))
    ix = windex.create_in(str(directory), schema)
    writer = pool(ix.writer(codec=codec, compound=False, limitmb=0.2))  # a small pool: several runs
    for n in range(400):
        words = [f"w{(n * k) % 97}" for k in range(1, 60 + n % 50)]  # terms in few to all documents
        writer.add_document(id=str(n), title=" ".join(words[:3]), body=" ".join(words), tags=f"t{n % 7} t{n}")
    writer.commit()
    return {path.suffix: path.read_bytes() for path in directory.iterdir() if path.suffix in (".pst", ".trm")}


def test_lean_writers_write_what_w3_writes(tmp_path):
    (tmp_path / "w3").mkdir()
    (tmp_path / "ours").mkdir()
    w3 = _segment_files(tmp_path / "w3", W3Codec(), lambda writer: writer)
    ours = _segment_files(tmp_path / "ours", SearcherCodec(), with_batched_runs)
    assert set(ours) == {".pst", ".trm"} and ours == w3
