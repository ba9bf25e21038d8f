"""searcher: full-text search for Persian and Dutch news.

The public API::

    from searcher import open_index
    with open_index("indexes/news", create=True) as index:
        index.add_paths(["drops/2025-06-14"])
        page = index.search('"رئیس جمهور" روسیه', limit=10, lang="fa")
        for hit in page.hits:
            print(hit.id, hit.title, hit.score, hit.snippet)
"""
from searcher.api import Index, default_index_path, open_index
from searcher.drops import ReadOptions
from searcher.model import Article, Note, Skipped
from searcher.errors import AnalyzerMismatch, IndexDamaged, IndexNotFound, QueryError, SearcherError
from searcher.model import Hit, IndexReport, Line, Page, Reading, Snippet, Stats

__all__ = [
    "AnalyzerMismatch",
    "Article",
    "Hit",
    "Index",
    "IndexDamaged",
    "IndexNotFound",
    "IndexReport",
    "Line",
    "Note",
    "Page",
    "QueryError",
    "ReadOptions",
    "Reading",
    "SearcherError",
    "Skipped",
    "Snippet",
    "Stats",
    "default_index_path",
    "open_index",
]
