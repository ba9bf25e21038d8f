"""Articles, and how they were written, from their stored fields."""
from __future__ import annotations

from searcher.model import Article, Provenance


def article_of(stored: dict) -> Article:
    """The article a document's stored fields describe."""
    return Article(
        id=stored["id"], title=stored.get("stored_title", ""), body=stored.get("stored_body", ""),
        lang=stored["lang"], date=stored.get("date"), path=stored.get("path", ""),
        source=stored.get("source"), url=stored.get("url"), content_hash=stored["content_hash"],
        derived_title=stored.get("derived_title", False), page=stored.get("stored_page"),
    )


def provenance_of(stored: dict) -> Provenance:
    """How the article a document's stored fields describe was written (run 0 for articles
    written before runs were numbered)."""
    return Provenance(stored.get("run", 0), stored.get("read_with"))
