"""The Whoosh backend: schema, storage, query parsing, search and snippets."""
from searcher.backend.whoosh import stand_ins, unpickling

stand_ins.import_whoosh()  # first: without the standard library packages Whoosh loads for nothing
unpickling.install()  # before any index is read: Whoosh's pickles through the restricted unpickler

from searcher.backend.whoosh.store import WhooshStore  # noqa: E402

__all__ = ["WhooshStore"]
