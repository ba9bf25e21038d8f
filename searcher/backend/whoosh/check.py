"""Every file of one commit read through, each damaged one named: what `verify` reports, and
how an error met while reading an index is told from a bug.

Per segment of the table of contents: the terms file (``.trm``: every term and its posting
information), the postings file (``.pst``: every posting of every term, positions decoded,
document numbers in range), every column file (``.col``: ids, hashes, field lengths, stored
fields unpickled), and the ranking arrays (``.rank``, searcher.backend.whoosh.columnar). Whoosh
files carry no checksums, so damage shows as an error while decoding (of any type: a damaged
block raises ``Exception("Block tag error")``) or as a value out of range; the error, whatever
its type, is reported against the file being read.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from whoosh import formats
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, W3Codec, _lenfield
from whoosh.filedb.filestore import OverlayStorage

from searcher.backend.whoosh.columnar import ColumnarError, ColumnarSegment
from searcher.backend.whoosh.writer import arrays_path

# Columns every segment has: a segment without one of them is damaged (other fields' columns
# exist only where a document had the field).
REQUIRED_COLUMNS = ("_stored", "id")


def describe(error: BaseException) -> str:
    """An error as one short line: its message, else its type."""
    text = " ".join(str(error).split())
    return (text[:200] + "...") if len(text) > 200 else text or type(error).__name__


def problems(storage, schema, segments, folder: Path, signature: str, first: bool = False,
             arrays: bool = True) -> list[str]:
    """The damaged files of ``segments`` (all of them, or with ``first`` the first one found),
    one line each: ``FILE: what is wrong``; the ranking arrays too with ``arrays``."""
    found = []
    for segment in segments:
        for problem in _segment_problems(storage, schema, segment, folder, signature, arrays):
            found.append(problem)
            if first:
                return found
    return found


def _segment_problems(storage, schema, segment, folder: Path, signature: str, arrays: bool) -> Iterator[str]:
    codec = segment.codec()
    if segment.is_compound():  # older indexes: the segment's files inside one .seg file
        compound = segment.make_filename(".seg")
        try:
            storage = segment_storage(storage, segment)
        except Exception as error:
            yield f"{compound}: cannot be read ({describe(error)})"
            return
        found = [*_terms_problems(codec, storage, schema, segment), *_column_problems(codec, storage, schema, segment)]
        yield from (f"{compound} ({problem})" for problem in found)
    else:
        yield from _terms_problems(codec, storage, schema, segment)
        yield from _column_problems(codec, storage, schema, segment)
    if arrays:
        yield from arrays_problems(folder, segment, signature)


def segment_storage(storage, segment):
    """Where a segment's files are read from: the index's storage, or for a compound segment
    its ``.seg`` file (over the storage, as Whoosh's SegmentReader reads it)."""
    if not segment.is_compound():
        return storage
    return OverlayStorage(segment.open_compound_file(storage), storage)


def _terms_problems(codec, storage, schema, segment) -> Iterator[str]:
    """The terms file and the postings file: every term, every posting."""
    terms_file = segment.make_filename(W3Codec.TERMS_EXT)
    postings_file = segment.make_filename(W3Codec.POSTS_EXT)
    try:
        terms = codec.terms_reader(storage, segment)
    except Exception as error:
        yield f"{_missing_or(error, terms_file)}: cannot be read ({describe(error)})"
        return
    documents = segment.doc_count_all()
    reading = terms_file
    try:
        for (fieldname, _), info in terms.items():
            reading = terms_file if info.is_inlined() else postings_file
            field_format = schema[fieldname].format
            positions = isinstance(field_format, formats.Positions)
            matcher = codec.postings_reader(terms._postfile, info, field_format)
            while matcher.is_active():
                docnum = matcher.id()
                if not 0 <= docnum < documents:
                    raise ValueError(f"a posting of document {docnum} in a segment of {documents}")
                matcher.weight()
                if positions:
                    field_format.decode_positions(matcher.value())
                matcher.next()
            reading = terms_file
    except Exception as error:
        yield f"{reading}: cannot be read ({describe(error)})"
    finally:
        terms.close()


def _column_problems(codec, storage, schema, segment) -> Iterator[str]:
    """Every column file: each document's value (stored fields unpickled, lengths decoded). A
    column of a stored field (id, content hash...) must agree with the stored fields: Whoosh's
    columns carry no checksum, and a damaged one may decode to other values without an error."""
    perdoc = codec.per_document_reader(storage, segment)
    documents = segment.doc_count_all()
    columns = [("_stored", STORED_COLUMN)]
    for name, field in schema.items():
        if field.column_type is not None:
            columns.append((name, field.column_type))
        if field.scorable:
            columns.append((_lenfield(name), LENGTHS_COLUMN))
    stored: list[dict] | None = None
    try:
        for name, column in columns:
            filename = W3Codec.column_filename(segment, name)
            if not perdoc.has_column(name):
                if name in REQUIRED_COLUMNS and documents:  # a worker that got no articles writes none
                    yield f"{filename}: missing"
                continue
            try:
                reader = perdoc.column_reader(name, column)
                values = [reader[docnum] for docnum in range(documents)]
                if name == "_stored":
                    stored = values
                elif stored is not None and name in schema and schema[name].stored:
                    _agree(schema[name], name, values, stored)
            except Exception as error:
                yield f"{filename}: cannot be read ({describe(error)})"
    finally:
        perdoc.close()


def _agree(field, name: str, column: list, stored: list[dict]) -> None:
    """Raises ValueError at the first document whose column value is not its stored value."""
    for docnum, (value, fields) in enumerate(zip(column, stored)):
        if field.from_column_value(value) != fields.get(name, field.from_column_value(field.column_type.default_value())):
            raise ValueError(f"document {docnum}'s value differs from its stored field")


def arrays_problems(folder: Path, segment, signature: str) -> Iterator[str]:
    """The ranking arrays of a segment (missing or stale ones are rebuilt when read)."""
    path = arrays_path(folder, segment)
    try:
        arrays = ColumnarSegment.open(path, expect_segment=segment.segment_id(), expect_signature=signature)
    except FileNotFoundError:
        yield f"{path.name}: missing (the ranking arrays are rebuilt when the index is next read)"
        return
    except ColumnarError as error:
        yield f"{path.name}: {error.reason}"
        return
    try:
        for problem in arrays.verify():
            yield f"{path.name}: {problem}"
    finally:
        arrays.close()


def _missing_or(error: Exception, filename: str) -> str:
    """The file an open error names (the postings file, when that is the one missing)."""
    return Path(error.filename).name if isinstance(error, FileNotFoundError) and error.filename else filename
