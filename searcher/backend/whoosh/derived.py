"""Index fields computed from an article at index time: the combined field keyword queries
are ranked on, and the fields for filtering, facets and grouping.

``CombinedTextField`` and ``SignatureField`` are pickled into the index's schema: keep their
import path.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import PurePath

from whoosh import fields
from whoosh.system import pack_uint

from searcher import dedup
from searcher.documents import Article


class CombinedTextField(fields.TEXT):
    """An article's title and body as one field, for BM25F ranking: a title word counts
    ``title_weight`` times a body word before BM25 saturates the sum (Robertson's BM25F with
    one length normalisation), instead of scoring title and body apart and adding the scores,
    which lets a short title's single match outweigh the body. It is given ``(title, body)``;
    no positions are kept (phrases are matched in the title and body fields)."""

    def __init__(self, analyzer, title_weight: float):
        super().__init__(analyzer=analyzer, phrase=False, multitoken_query="or")
        self.title_weight = title_weight

    def process_text(self, qstring: str, mode: str = "", **kwargs) -> Iterator[str]:
        """A query word's terms; stop words among them only when it has nothing else (the
        parts of ``عراق‌هم`` search ``عراق``)."""
        tokens = list(self.tokenize(qstring, mode=mode, **kwargs))
        content = [token for token in tokens if not token.is_stop]
        return (token.text for token in content or tokens)

    def index(self, value: tuple[str, str], **kwargs) -> Iterator[tuple[bytes, int, float, bytes]]:
        frequencies: dict[str, int] = defaultdict(int)
        weights: dict[str, float] = defaultdict(float)
        for text, weight in zip(value, (self.title_weight, 1.0)):
            for token in self.analyzer(text, mode="index") if text else ():
                frequencies[token.text] += 1
                weights[token.text] += weight
        for term, frequency in frequencies.items():
            yield term.encode("utf-8"), frequency, weights[term], pack_uint(frequency)


class SignatureField(fields.COLUMN):
    """A column of near-duplicate signatures (searcher.dedup). It is given ``(lang, title,
    body)`` and computes the signature where Whoosh processes the document: in the worker
    processes when indexing runs in several. Articles without words get ``b""``."""

    def to_column_value(self, value: tuple[str, str, str]) -> bytes:
        return dedup.signature(dedup.article_terms(*value)) or b""


def outlet(article: Article) -> str | None:
    """The record's source, else the name of the folder its file was dropped in."""
    return article.source or PurePath(article.path).parent.name or None


def derived_fields(article: Article, combined_field: str) -> dict:
    """The combined text (named ``combined_field``), ``outlet`` (when known) and
    ``dup_signature`` fields of an article. A title cut from the body is not indexed."""
    title = "" if article.derived_title else article.title
    derived = {combined_field: (title, article.body), "dup_signature": (article.lang, title, article.body)}
    name = outlet(article)
    return {**derived, "outlet": name} if name else derived
