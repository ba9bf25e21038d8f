"""Index backends. Everything that knows Whoosh's index, query and highlight APIs lives in
``searcher.backend.whoosh``; the rest of the package talks to it through ``WhooshStore`` and
plain dataclasses, so the backend could be replaced without touching the CLI or the API.
(The analysis chains are composed from Whoosh tokenizers and filters by design.)"""
