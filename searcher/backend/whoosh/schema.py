"""The Whoosh index schema: which article fields are stored, indexed and kept as columns.

Whoosh is the index of record: every article's stored fields, and the positions of its words
in its title and body (spelling suggestions read their vocabulary). The ranking field (title and
body together, for BM25F) lives in the ranking arrays beside each segment
(searcher.backend.whoosh.columnar), derived from the same analysis, with a copy of the title
and body positions that phrases and proximity read.

Field values come analysed (searcher.analysis.article): the title and body fields take a
mapping of term -> positions and only write it; no Whoosh analyzer runs.
"""
from __future__ import annotations

from collections.abc import Iterator

from whoosh import columns, fields, formats

# Bump when what an article puts into the index changes (fields, what goes in them): an index
# records its revision in the manifest, and one of another revision is asked to rebuild.
FIELDS_REVISION = 10

# Where each family's title and body positions go (searcher.analysis.article.FAMILIES).
POSITION_FIELDS = {
    ("title", "text"): "title", ("body", "text"): "body",
    ("title", "generic"): "title_und", ("body", "generic"): "body_und",
}


class PositionsField(fields.FieldType):
    """A title or body: the words as written, with their positions. It is given the analysed
    field (term -> positions) and writes one posting per term; the field's length is the
    number of words."""

    def __init__(self):
        super().__init__(formats.Positions(), analyzer=None, scorable=True)

    def index(self, value: dict[str, list[int]], **kwargs) -> Iterator[tuple[bytes, int, float, bytes]]:
        encode = self.format.encode
        for term, positions in value.items():
            yield term.encode("utf-8"), len(positions), float(len(positions)), encode(positions)

    def separate_spelling(self) -> bool:
        return False


def build_schema() -> fields.Schema:
    """The schema of a new index."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        lang=fields.ID(stored=True, sortable=True),
        date=fields.ID(stored=True, sortable=True),
        path=fields.ID(stored=True),
        source=fields.ID(stored=True),
        # The record's source, else the drop folder: what --source filters and facets count.
        outlet=fields.ID(stored=True, sortable=True),
        dup_signature=fields.COLUMN(columns.VarBytesColumn()),  # searcher.dedup: MinHash of the analysed text
        url=fields.STORED(),
        content_hash=fields.ID(stored=True, sortable=True),
        stored_title=fields.STORED(),
        stored_body=fields.STORED(),
        derived_title=fields.STORED(),
        stored_page=fields.STORED(),  # the text as read, page chrome included (Article.page), for reading
        # The number of the run that wrote the article (searcher.model.Provenance): which articles
        # a run added or changed (standing queries). One term a value (no tiers): the largest
        # is the last run that committed; the column is read as a mask by the search engine.
        run=fields.NUMERIC(int, bits=32, signed=False, shift_step=0, stored=True, sortable=True, default=0),
        # The reading options the article was read with, when not the defaults (a rebuild re-reads with them).
        read_with=fields.STORED(),
        title=PositionsField(),
        body=PositionsField(),
        title_und=PositionsField(),
        body_und=PositionsField(),
    )
