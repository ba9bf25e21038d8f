"""Writing articles into a segment: each analysed once, its Whoosh fields and its ranking arrays.

``ArticleWriter`` is Whoosh's segment writer taking articles (``add_article``): the article is
analysed (searcher.analysis.article), its stored fields and title/body positions go to the
Whoosh segment, its ranking postings, lengths and columns to the segment's ranking arrays
(searcher.backend.whoosh.columnar), written beside the segment's files when the segment is.
When a commit merges older segments into the new one (Whoosh's merge policy, ``optimize``),
their arrays are merged too, their deleted documents left out. Parallel writers
(searcher.backend.whoosh.parallel) use the same machinery in their worker processes.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

from whoosh.writing import SegmentWriter

from searcher.analysis.article import AnalysedArticle, analyse
from searcher.backend.whoosh.columnar import ColumnarSegment, ColumnarWriter, date_number
from searcher.backend.whoosh.postings import with_batched_runs
from searcher.backend.whoosh.schema import POSITION_FIELDS
from searcher.config import IndexConfig
from searcher.model import Article, Provenance

ARRAYS_SUFFIX = ".rank"
ARRAYS_LIMIT_MB = 64  # the ranking arrays' buffer before a run is spilled to disk
# The stored fields a hit without snippets shows (an export row, searcher.rows), kept as each
# document's row in the ranking arrays: read there, a hit does not decompress and unpickle the
# whole stored article, its text included.
ROW_FIELDS = ("id", "stored_title", "lang", "date", "path", "source", "outlet", "url")


def arrays_path(folder: str | Path, segment) -> Path:
    """Where the ranking arrays of ``segment`` lie. Named as the segment's own files, so Whoosh
    deletes them with the segment when a merge replaces it."""
    return Path(folder) / segment.make_filename(ARRAYS_SUFFIX)


class ArraysMixin:
    """Ranking arrays written along a Whoosh segment writer's segment (see the module docstring).
    The class using it sets ``index_config`` and ``signature`` and calls ``_start_arrays``."""

    index_config: IndexConfig
    signature: str
    before_commit: Callable[[], None] | None = None  # called once the segments are written, before the commit

    def _start_arrays(self) -> None:
        self.columnar = ColumnarWriter(self._tempstorage.folder, limit_mb=ARRAYS_LIMIT_MB)
        self._arrays_done = False

    def add_article(self, article: Article, provenance: Provenance) -> None:
        """Analyses ``article`` and adds it: fields to the segment, postings to the arrays."""
        analysed = analyse(article, self.index_config)
        docnum = self.docnum
        fields = fields_of(article, analysed, provenance)
        self.add_document(**fields)
        self.columnar.add(docnum, analysed.family, analysed.ranking, analysed.title_length, analysed.body_length,
                          analysed.ranking_length, article.lang, article.outlet, date_number(article.date),
                          analysed.signature, analysed.title, analysed.body, row_of(fields))

    def add_reader(self, reader) -> None:
        """Merges a segment's live documents (and their arrays) into this writer's segment."""
        first = self.docnum
        super().add_reader(reader)
        live = [docnum for docnum in range(reader.doc_count_all()) if not reader.is_deleted(docnum)]
        docmap = {old: first + i for i, old in enumerate(live)}
        arrays = segment_arrays(self.storage.folder, reader, self.index_config, self.signature)
        try:
            self.columnar.add_segment(arrays, docmap)
        finally:
            arrays.close()

    def _finalize_segment(self):
        segment = super()._finalize_segment()
        self.columnar.finish(arrays_path(self.storage.folder, segment), segment_id=segment.segment_id(),
                             signature=self.signature)
        self._arrays_done = True
        return segment

    def _commit_toc(self, segments) -> None:
        if self.before_commit is not None:
            self.before_commit()
        super()._commit_toc(segments)

    def _finish(self) -> None:
        if not self._arrays_done:
            self.columnar.cancel()
            self._arrays_done = True
        super()._finish()


class ArticleWriter(ArraysMixin, SegmentWriter):
    """A segment writer of articles, in this process."""

    def __init__(self, ix, index_config: IndexConfig, signature: str, **options):
        super().__init__(ix, **options)
        with_batched_runs(self)
        self.index_config = index_config
        self.signature = signature
        self._start_arrays()

    def cancel(self) -> None:
        self.columnar.cancel()
        self._arrays_done = True
        super().cancel()


def fields_of(article: Article, analysed: AnalysedArticle, provenance: Provenance) -> dict:
    """The Whoosh fields of an analysed article written as ``provenance`` says. A title cut
    from the body is not indexed."""
    family = analysed.family
    fields = {
        "id": article.id,
        "lang": article.lang,
        "path": article.path,
        "content_hash": article.content_hash,
        "stored_title": article.title,
        "stored_body": article.body,
        "derived_title": article.derived_title,
        POSITION_FIELDS["body", family]: analysed.body,
        "dup_signature": analysed.signature,
        "run": provenance.run,
    }
    if not article.derived_title:
        fields[POSITION_FIELDS["title", family]] = analysed.title
    optional = {"date": article.date, "source": article.source, "url": article.url, "outlet": article.outlet,
                "stored_page": article.page, "read_with": provenance.read_with}
    fields.update({name: value for name, value in optional.items() if value})
    return fields


def segment_arrays(folder: str | Path, reader, index_config: IndexConfig, signature: str) -> ColumnarSegment:
    """The ranking arrays of the segment ``reader`` reads; written anew from its stored fields
    when they are missing, damaged or stale (an index written before they existed, a lost file)."""
    from searcher.backend.whoosh.columnar import ColumnarError

    segment = reader.segment()
    path = arrays_path(folder, segment)
    try:
        return ColumnarSegment.open(path, expect_segment=segment.segment_id(), expect_signature=signature)
    except (FileNotFoundError, ColumnarError):
        rebuild_arrays(path, reader, index_config, signature)
        return ColumnarSegment.open(path, expect_segment=segment.segment_id(), expect_signature=signature)


def rebuild_arrays(path: Path, reader, index_config: IndexConfig, signature: str) -> None:
    """Writes the ranking arrays of a segment from its documents' stored fields."""
    import tempfile

    from searcher.backend.whoosh.stored import article_of

    with tempfile.TemporaryDirectory(prefix="searcher-arrays-") as temporary:
        writer = ColumnarWriter(temporary, limit_mb=ARRAYS_LIMIT_MB)
        try:
            for docnum in range(reader.doc_count_all()):  # deleted ones too: docnums must line up
                stored = reader.stored_fields(docnum)
                article = article_of(stored)
                analysed = analyse(article, index_config)
                writer.add(docnum, analysed.family, analysed.ranking, analysed.title_length, analysed.body_length,
                           analysed.ranking_length, article.lang, article.outlet, date_number(article.date),
                           analysed.signature, analysed.title, analysed.body, row_of(stored))
            writer.finish(path, segment_id=reader.segment().segment_id(), signature=signature)
        except BaseException:
            writer.cancel()
            raise


def row_of(stored: Mapping) -> bytes:
    """A document's row: its stored ``ROW_FIELDS`` (null where it has none), as JSON."""
    return json.dumps([stored.get(name) for name in ROW_FIELDS], ensure_ascii=False).encode("utf-8")


def fields_of_row(row: bytes) -> dict:
    """The stored fields a row holds, as ``reader.stored_fields`` gives them (absent ones left out)."""
    return {name: value for name, value in zip(ROW_FIELDS, json.loads(row)) if value is not None}
