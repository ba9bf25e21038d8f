"""A Whoosh index on disk: open or create it, write articles to it, open searchers on it."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as windex
from whoosh import query as wq
from whoosh.index import EmptyIndexError, IndexError as WhooshIndexError

from searcher.backend.whoosh import parsing, searching
from searcher.backend.whoosh.schema import GENERIC_FIELDS, TEXT_FIELDS, TEXT_LANGUAGES, build_schema, weighting
from searcher.documents import Article
from searcher.errors import IndexDamaged, IndexNotFound
from searcher.results import Hit

INDEX_NAME = "articles"


class WhooshStore:
    """One Whoosh index directory."""

    def __init__(self, ix: windex.Index):
        self._ix = ix
        self._parser = parsing.make_parser(ix.schema)

    @classmethod
    def create(cls, directory: Path) -> "WhooshStore":
        """Makes a new, empty index in ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        return cls(windex.create_in(str(directory), build_schema(), indexname=INDEX_NAME))

    @classmethod
    def open(cls, directory: Path) -> "WhooshStore":
        """Opens the index in ``directory``."""
        if not windex.exists_in(str(directory), indexname=INDEX_NAME):
            raise IndexNotFound(f"no index at {directory}")
        try:
            return cls(windex.open_dir(str(directory), indexname=INDEX_NAME))
        except (EmptyIndexError, WhooshIndexError, OSError, EOFError, ValueError) as error:
            raise IndexDamaged(f"the index at {directory} cannot be read ({error})") from error

    @staticmethod
    def exists(directory: Path) -> bool:
        return windex.exists_in(str(directory), indexname=INDEX_NAME)

    def close(self) -> None:
        self._ix.close()

    # Writing

    def content_hashes(self) -> dict[str, str]:
        """id -> content hash of every live article."""
        with self._ix.searcher() as searcher:
            reader = searcher.reader()
            if reader.doc_count() == 0:
                return {}
            ids = reader.column_reader("id")
            hashes = reader.column_reader("content_hash")
            return {ids[n]: hashes[n] for n in reader.all_doc_ids()}

    @contextmanager
    def writer(self) -> Iterator[Callable[[Article], None]]:
        """Yields ``put(article)``, which adds or replaces an article by id; commits on success,
        cancels on error so the last committed index stays as it was."""
        writer = self._ix.writer()
        try:
            yield lambda article: writer.update_document(**_fields_of(article))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    # Reading

    def document_count(self) -> int:
        return self._ix.doc_count()

    def language_counts(self) -> dict[str, int]:
        with self._ix.searcher() as searcher:
            langs = {lang for lang in searcher.lexicon("lang")}
            return {
                lang.decode() if isinstance(lang, bytes) else lang: sum(1 for _ in searcher.docs_for_query(wq.Term("lang", lang)))
                for lang in sorted(langs)
            }

    def search(self, text: str, *, offset: int, limit: int, lang: str | None) -> tuple[int, list[Hit]]:
        """Total matches and the hits ranked ``offset`` to ``offset + limit``."""
        parsed = parsing.parse(self._parser, text)
        with self._ix.searcher(weighting=weighting()) as searcher:
            return searching.ranked_hits(searcher, parsed, offset=offset, limit=limit, lang=lang)


def _fields_of(article: Article) -> dict:
    """The index fields of an article."""
    family = TEXT_FIELDS if article.lang in TEXT_LANGUAGES else GENERIC_FIELDS
    fields = {
        "id": article.id,
        "lang": article.lang,
        "path": article.path,
        "content_hash": article.content_hash,
        "stored_title": article.title,
        "stored_body": article.body,
        family["title"]: article.title,
        family["body"]: article.body,
    }
    optional = {"date": article.date, "source": article.source, "url": article.url}
    fields.update({name: value for name, value in optional.items() if value})
    return fields


def directory_size(directory: Path) -> int:
    """Bytes used by the files of an index directory."""
    return sum(entry.stat().st_size for entry in os.scandir(directory) if entry.is_file())


__all__ = ["WhooshStore", "directory_size"]
