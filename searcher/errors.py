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


class ArticleNotFound(SearcherError):
    """No article with this id in the index. ``article_id`` is the id asked for; the message
    says where ids are shown."""

    def __init__(self, article_id: str):
        super().__init__(article_id)  # args hold the id alone, so the error pickles (shards send it back)
        self.article_id = article_id

    def __str__(self) -> str:
        return (f"no article with id {self.article_id!r} in the index: `searcher search WORDS` shows each hit's id "
                f"after its date and source (`--json`: \"id\")")


class DocumentError(SearcherError):
    """A source file or record that cannot be turned into an article."""


class IndexBusy(SearcherError):
    """Another process holds the index's writer lock."""


class WorkerFailed(SearcherError):
    """An indexing worker process died; nothing of that run was committed."""
