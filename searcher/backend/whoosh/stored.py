"""Articles from their stored fields."""
from __future__ import annotations

from searcher.model import Article


def article_of(stored: dict) -> Article:
    """The article a document's stored fields describe."""
    return Article(
        id=stored["id"], title=stored.get("stored_title", ""), body=stored.get("stored_body", ""),
        lang=stored["lang"], date=stored.get("date"), path=stored.get("path", ""),
        source=stored.get("source"), url=stored.get("url"), content_hash=stored["content_hash"],
        derived_title=stored.get("derived_title", False), page=stored.get("stored_page"),
    )
