"""The codec searcher's segments are written with: Whoosh's W3 codec, with field lengths read
from memory and postings written with fewer calls.

BM25 asks for a document's field length for every posting it scores, and Whoosh asks for it
for every posting it writes into a segment. W3's per-document reader answers each question
with a seek and a read in the field's length column; this one reads a field's column once (a
byte per document) and answers from the bytes.

Writing a segment, W3 makes four Python calls per posting, each re-checking the types of what
the writer itself produced; ``LeanFieldWriter`` reads the sorted postings term by term and adds
each with one call and no checks. The bytes written are the same.

``SearcherCodec`` is pickled with every segment it writes (readers find their codec there):
keep its import path. Segments of older indexes keep the plain W3 codec.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable
from operator import itemgetter

from whoosh.codec.base import OutOfOrderError
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PerDocReader, W3PostingsWriter, _lenfield
from whoosh.util.numeric import byte_to_length


class LengthsInMemoryReader(W3PerDocReader):
    """W3's per-document reader, with each field's length bytes loaded at their first use."""

    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._length_bytes: dict[str, bytes | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        """The length of the field in the document (Whoosh's one-byte approximation), or
        ``default`` where the field has no lengths or the document has no such field."""
        try:
            length_bytes = self._length_bytes[fieldname]
        except KeyError:
            length_bytes = self._length_bytes[fieldname] = self._read_length_bytes(fieldname)
        length_byte = length_bytes[docnum] if length_bytes and docnum < len(length_bytes) else 0
        return byte_to_length(length_byte) if length_byte else default

    def _read_length_bytes(self, fieldname: str) -> bytes | None:
        """The field's length column as it is on disk: one byte per document (W3 writes it as
        ``NumericColumn("B")``, shorter when the last documents lack the field)."""
        column = _lenfield(fieldname)
        if not self.has_column(column):
            return None
        file, offset, length = self._get_column_file(column)
        try:
            return file.get(offset, length)
        finally:
            file.close()


class LeanPostingsWriter(W3PostingsWriter):
    """W3's posting list writer, without the type checks of every posting."""

    def add_posting(self, id_: int, weight: float, vbytes: bytes, length: int | None = None) -> None:
        if len(self._ids) >= self._blocklimit:
            self._write_block()
        self._ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        if vbytes:
            self._values.append(vbytes)
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length


class LeanFieldWriter(W3FieldWriter):
    """W3's field writer, taking the sorted postings a term at a time."""

    def add_postings(self, schema, lengths, items: Iterable[tuple]) -> None:
        """Writes ``items``, (fieldname, term bytes, docnum, weight, value bytes or None)
        sorted by field and term, as W3's ``add_postings`` does."""
        field_length = lengths.doc_field_length if lengths else (lambda docnum, fieldname: 0)
        last_field = last_key = None
        for key, postings in itertools.groupby(items, itemgetter(0, 1)):
            if last_key is not None and key <= last_key:
                raise OutOfOrderError(f"{last_key!r} .. {key!r}")
            last_key = key
            fieldname, btext = key
            if fieldname != last_field:
                if last_field is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                last_field = fieldname
            add = None
            for _, _, docnum, weight, value in postings:
                if docnum == -1:  # a word for a spelling graph (W3 ignores these too)
                    continue
                if add is None:
                    self.start_term(btext)
                    add = self._postwriter.add_posting
                add(docnum, weight, value or b"", field_length(docnum, fieldname))
            if add is not None:
                self.finish_term()
        if last_field is not None:
            self.finish_field()


class SearcherCodec(W3Codec):
    """W3, with ``LengthsInMemoryReader`` for per-document values and the lean writers."""

    def per_document_reader(self, storage, segment) -> LengthsInMemoryReader:
        return LengthsInMemoryReader(storage, segment)

    def field_writer(self, storage, segment) -> LeanFieldWriter:
        return LeanFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids: bool = False) -> W3PostingsWriter:
        if byteids:  # vectors: keep W3's
            return super().postings_writer(dbfile, byteids)
        return LeanPostingsWriter(dbfile, blocklimit=self._blocklimit, compression=self._compression,
                                  inlinelimit=self._inlinelimit)
