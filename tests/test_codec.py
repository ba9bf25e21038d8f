"""The codec's field lengths read from memory answer what Whoosh's W3 reader answers."""
from __future__ import annotations

from whoosh import fields
from whoosh import index as windex
from whoosh.codec.whoosh3 import W3PerDocReader

from searcher.backend.whoosh.codec import LengthsInMemoryReader, SearcherCodec


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
