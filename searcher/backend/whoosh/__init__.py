"""The Whoosh backend: schema, storage, query parsing, search and snippets."""
from searcher.backend.whoosh.store import WhooshStore

__all__ = ["WhooshStore"]
