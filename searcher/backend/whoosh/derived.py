"""Index fields computed from an article at index time, for filtering, facets and grouping.

``SignatureField`` is pickled into the index's schema: keep its import path.
"""
from __future__ import annotations

from pathlib import PurePath

from whoosh import fields

from searcher import dedup
from searcher.documents import Article


class SignatureField(fields.COLUMN):
    """A column of near-duplicate signatures (searcher.dedup). It is given ``(lang, title,
    body)`` and computes the signature where Whoosh processes the document: in the worker
    processes when indexing runs in several. Articles without words get ``b""``."""

    def to_column_value(self, value: tuple[str, str, str]) -> bytes:
        return dedup.signature(dedup.article_terms(*value)) or b""


def outlet(article: Article) -> str | None:
    """The record's source, else the name of the folder its file was dropped in."""
    return article.source or PurePath(article.path).parent.name or None


def derived_fields(article: Article) -> dict:
    """The ``outlet`` (when known) and ``dup_signature`` fields of an article."""
    derived = {"dup_signature": (article.lang, article.title, article.body)}
    name = outlet(article)
    return {**derived, "outlet": name} if name else derived
