"""The public library API: open or create an index, add drops or documents, search it.

>>> from searcher import open_index
>>> with open_index("indexes/demo", create=True) as index:      # doctest: +SKIP
...     index.add_paths(["seeds"])
...     page = index.search("رئیس جمهور", limit=5)
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from searcher import documents
from searcher.analysis import registry
from searcher.backend.whoosh import WhooshStore
from searcher.backend.whoosh.store import directory_size
from searcher.documents import Article, Skipped
from searcher.errors import AnalyzerMismatch, IndexDamaged, IndexNotFound, SearcherError
from searcher.index import ingest
from searcher.manifest import Manifest, read_manifest, write_manifest
from searcher.results import IndexReport, Page, Stats

DEFAULT_INDEX = Path("indexes") / "default"
INDEX_ENV = "SEARCHER_INDEX"
LANGUAGES = ("fa", "nl", "und")


def default_index_path() -> Path:
    """``$SEARCHER_INDEX`` if set, else ``indexes/default``."""
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


class Index:
    """An open search index. Use it as a context manager, or call ``close()``."""

    def __init__(self, path: Path, store: WhooshStore, manifest: Manifest):
        self.path = path
        self._store = store
        self._manifest = manifest

    # Writing

    def add_paths(self, paths: Iterable[str | os.PathLike], on_skip: Callable[[Skipped], None] | None = None) -> IndexReport:
        """Indexes the article files found in ``paths`` (files or folders, recursively)."""
        return self._ingest(documents.read_paths(paths), on_skip)

    def add_documents(self, records: Iterable[Article | dict], on_skip: Callable[[Skipped], None] | None = None) -> IndexReport:
        """Indexes articles given in memory: Article objects, or dicts with ``id``, ``title``,
        ``text`` and optional ``lang``, ``date``, ``source``, ``url``."""
        return self._ingest((_as_article(record) for record in records), on_skip)

    def _ingest(self, items: Iterable[Article | Skipped], on_skip: Callable[[Skipped], None] | None) -> IndexReport:
        report = ingest(self._store, items, on_skip)
        self._manifest = self._manifest.touched()
        write_manifest(self.path, self._manifest)
        return report

    # Reading

    def search(self, query: str, limit: int = 10, page: int = 1, lang: str | None = None) -> Page:
        """Ranked hits for ``query``: page ``page`` (from 1) of ``limit`` hits, optionally only
        articles in ``lang`` ("fa", "nl" or "und")."""
        if limit < 1 or page < 1:
            raise SearcherError("limit and page must be at least 1")
        if lang is not None and lang not in LANGUAGES:
            raise SearcherError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
        total, hits = self._store.search(query, offset=(page - 1) * limit, limit=limit, lang=lang)
        return Page(query=query, total=total, page=page, limit=limit, hits=hits)

    def stats(self) -> Stats:
        """Documents per language, size on disk, analysis version, last update."""
        return Stats(
            path=str(self.path),
            documents=self._store.document_count(),
            languages=self._store.language_counts(),
            size_bytes=directory_size(self.path),
            analysis_version=self._manifest.analysis_version,
            created=self._manifest.created,
            last_update=self._manifest.last_update,
        )

    def __len__(self) -> int:
        return self._store.document_count()

    # Lifetime

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def open_index(path: str | os.PathLike | None = None, create: bool = False) -> Index:
    """Opens the index at ``path`` (default: ``default_index_path()``); with ``create=True``
    an index is made there when none exists yet."""
    directory = Path(path) if path is not None else default_index_path()
    if not WhooshStore.exists(directory):
        if not create:
            raise IndexNotFound(f"no index at {directory}: create one with `searcher index PATH --index {directory}`")
        return _create(directory)
    manifest = read_manifest(directory)
    if manifest is None:
        raise IndexDamaged(f"the index at {directory} has no manifest: rebuild it")
    if manifest.analysis_version != registry.ANALYSIS_VERSION:
        raise AnalyzerMismatch(
            f"the index at {directory} was built with analysis {manifest.analysis_version}, this searcher uses "
            f"{registry.ANALYSIS_VERSION}: rebuild it (delete {directory} and run `searcher index` again)"
        )
    return Index(directory, WhooshStore.open(directory), manifest)


def _create(directory: Path) -> Index:
    """Writes the manifest first: a crash in between leaves no index, only a manifest to overwrite."""
    manifest = Manifest.new(registry.ANALYSIS_VERSION)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        write_manifest(directory, manifest)
        store = WhooshStore.create(directory)
    except OSError as error:
        raise SearcherError(f"cannot create an index at {directory}: {error.strerror or error}") from error
    return Index(directory, store, manifest)


def _as_article(record: Article | dict) -> Article | Skipped:
    if isinstance(record, Article):
        return record
    try:
        return documents.article_from_record(record, path="<memory>")
    except SearcherError as error:
        return Skipped("<memory>", str(error))
