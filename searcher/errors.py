"""The exceptions the library raises: one family, each message names the fix."""


class SearcherError(Exception):
    """Base of every error the library reports to its caller."""


class IndexNotFound(SearcherError):
    """No index exists at the given location."""


class IndexDamaged(SearcherError):
    """The index exists but cannot be read."""


class AnalyzerMismatch(SearcherError):
    """The index was built by another version of the analysis."""


class QueryError(SearcherError):
    """A query that cannot be given any reading."""


class DocumentError(SearcherError):
    """A source file or record that cannot be turned into an article."""


class IndexBusy(SearcherError):
    """Another process holds the index's writer lock."""


class WorkerFailed(SearcherError):
    """An indexing worker process died; nothing of that run was committed."""
