"""The codec searcher's segments are written with: Whoosh's W3 codec, with field lengths read
from memory.

BM25 asks for a document's field length for every posting it scores, and Whoosh asks for it
for every posting it writes into a segment. W3's per-document reader answers each question
with a seek and a read in the field's length column; this one reads a field's column once (a
byte per document) and answers from the bytes.

``SearcherCodec`` is pickled with every segment it writes (readers find their codec there):
keep its import path. Segments of older indexes keep the plain W3 codec.
"""
from __future__ import annotations

from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, _lenfield
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


class SearcherCodec(W3Codec):
    """W3, with ``LengthsInMemoryReader`` for per-document values."""

    def per_document_reader(self, storage, segment) -> LengthsInMemoryReader:
        return LengthsInMemoryReader(storage, segment)
