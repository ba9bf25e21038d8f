"""searcher: full-text search for Persian and Dutch news.

The public API::

    from searcher import open_index
    with open_index("indexes/news", create=True) as index:
        index.add_paths(["drops/2025-06-14"])
        page = index.search('"رئیس جمهور" روسیه', limit=10, lang="fa")
        for hit in page.hits:
            print(hit.id, hit.title, hit.score, hit.snippet)
"""
from searcher.api import Index, default_index_path, open_index, rebuild_index
from searcher.model import Article, Note, Skipped
from searcher.errors import AnalyzerMismatch, ArticleNotFound, IndexDamaged, IndexNotFound, QueryError, SearcherError
from searcher.model import Hit, IndexReport, Line, Page, Reading, Snippet, Stats

__all__ = [
    "AnalyzerMismatch",
    "Article",
    "ArticleNotFound",
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
    "rebuild_index",
]


def __getattr__(name: str):
    """``ReadOptions`` is imported on first use: reading drops is not for searches, which start
    faster without the readers' modules."""
    if name == "ReadOptions":
        from searcher.drops import ReadOptions

        return ReadOptions
    raise AttributeError(f"module 'searcher' has no attribute {name!r}")
