"""searcher: full-text search for Persian and Dutch news.

The public API::

    from searcher import open_index
    with open_index("indexes/news", create=True) as index:
        index.add_paths(["drops/2025-06-14"])
        page = index.search('"رئیس جمهور" روسیه', limit=10, lang="fa")
        for hit in page.hits:
            print(hit.id, hit.title, hit.score, hit.snippet)

Each name is imported from its module when first used, so a process loads what it uses: the
`searcher` program imports the library under its own start (searcher.startup), and a search
never imports the readers of drops (``ReadOptions``).
"""
from __future__ import annotations

import importlib

# Public name -> the module that defines it.
_HOMES = {
    **dict.fromkeys(("Index", "default_index_path", "open_index", "rebuild_index"), "searcher.api"),
    **dict.fromkeys(("AnalyzerMismatch", "ArticleNotFound", "IndexDamaged", "IndexNotFound", "QueryError",
                     "SearcherError"), "searcher.errors"),
    **dict.fromkeys(("Article", "Hit", "IndexReport", "Line", "Note", "Page", "Reading", "Skipped", "Snippet",
                     "Stats"), "searcher.model"),
    "ReadOptions": "searcher.drops",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    """A public name, imported from its module (and kept here) on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'searcher' has no attribute {name!r}")
    value = globals()[name] = getattr(importlib.import_module(home), name)
    return value


def __dir__() -> list[str]:
    """The module's names with the public ones not imported yet."""
    return sorted({*globals(), *__all__})
