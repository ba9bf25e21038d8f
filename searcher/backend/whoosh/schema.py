"""The index schema: which article fields are indexed, how they are analysed and weighted."""
from __future__ import annotations

import math

from whoosh import fields, scoring

from searcher.analysis import registry
from searcher.backend.whoosh.derived import CombinedTextField, SignatureField, WrittenTextField

# Bump when what an article puts into the index changes (fields, what goes in them): indexes
# record INDEX_VERSION, and one built by another version is asked to rebuild.
FIELDS_REVISION = 8
INDEX_VERSION = f"{registry.ANALYSIS_VERSION}+fields.{FIELDS_REVISION}"

# Articles in fa or nl go to the script-aware "text" fields; any other language to the
# "generic" ones. A query searches both families, so it needs no language flag.
TEXT_LANGUAGES = ("fa", "nl")
# Each family has a title and a body field (positions kept: phrases, snippets, `title:word`)
# and a combined field of both, which ranks the plain words of a query.
TEXT_FIELDS = {"title": "title", "body": "body", "combined": "content"}
GENERIC_FIELDS = {"title": "title_und", "body": "body_und", "combined": "content_und"}
# Where a query clause is searched: a single word in the combined fields; a phrase (or a word
# the analysis splits into several terms) in titles and bodies.
WORD_FIELDS = ("content", "content_und")
PHRASE_FIELDS = ("title", "body", "title_und", "body_und")
# What a user may name in a query (`title:word`) -> the index fields it covers.
FIELD_ALIASES = {
    "title": ("title", "title_und"),
    "body": ("body", "body_und"),
}

# Ranking, chosen by measurement (docs/relevance.md). In the combined fields a title word
# counts this many times a body word (fixed at index time).
TITLE_WEIGHT = 3.0
# Query-time boosts of phrase matches, per field.
FIELD_BOOSTS = {"title": TITLE_WEIGHT, "title_und": TITLE_WEIGHT, "body": 1.0, "body_und": 1.0,
                "content": 1.0, "content_und": 1.0}
BM25_K1 = 1.2
BM25_B = {"title": 0.5, "body": 0.75, "combined": 0.9}
IDF = "probabilistic"  # or "whoosh" (Whoosh's own BM25F idf)


def build_schema() -> fields.Schema:
    """The schema of a new index."""
    text = registry.analyzer("text")
    generic = registry.analyzer("generic")
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        lang=fields.ID(stored=True, sortable=True),
        date=fields.ID(stored=True, sortable=True),
        path=fields.ID(stored=True),
        source=fields.ID(stored=True),
        # The record's source, else the drop folder: what --source filters and facets count.
        outlet=fields.ID(stored=True, sortable=True),
        dup_signature=SignatureField(),  # searcher.dedup: MinHash of the analysed body
        url=fields.STORED(),
        content_hash=fields.ID(stored=True, sortable=True),
        stored_title=fields.STORED(),
        stored_body=fields.STORED(),
        derived_title=fields.STORED(),
        stored_page=fields.STORED(),  # the text as read, page chrome included (Article.page), for reading
        title=WrittenTextField(analyzer=text, multitoken_query="phrase"),
        body=WrittenTextField(analyzer=text, multitoken_query="phrase"),
        title_und=fields.TEXT(analyzer=generic, multitoken_query="phrase"),
        body_und=fields.TEXT(analyzer=generic, multitoken_query="phrase"),
        content=CombinedTextField(text, TITLE_WEIGHT),
        content_und=CombinedTextField(generic, TITLE_WEIGHT),
    )


class ProbabilisticIdfBM25F(scoring.BM25F):
    """BM25F with the idf of Robertson-Sparck Jones as Lucene computes it,
    ``log(1 + (N - df + 0.5) / (df + 0.5))``, instead of Whoosh's ``log(N / (df + 1)) + 1``,
    whose ``+ 1`` narrows the gap between rare and common words."""

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, scoring.BM25FScorer):
            parent = searcher.get_parent()
            scorer.idf = probabilistic_idf(parent.doc_count_all(), parent.doc_frequency(fieldname, text))
        return scorer


def probabilistic_idf(documents: int, frequency: int) -> float:
    """Robertson-Sparck Jones idf of a term in ``frequency`` of ``documents`` articles."""
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def weighting() -> scoring.WeightingModel:
    """BM25F with a length normalisation per field family."""
    per_field = {f"{name}_B": BM25_B[role] for family in (TEXT_FIELDS, GENERIC_FIELDS) for role, name in family.items()}
    model = ProbabilisticIdfBM25F if IDF == "probabilistic" else scoring.BM25F
    return model(B=BM25_B["body"], K1=BM25_K1, **per_field)
