"""The engine's settings: one frozen value, passed down, never patched.

``Config`` has three parts:

- ``IndexConfig``: what an article puts into the index (the analysis chain's stemmers and
  compound splitter, how much a title word weighs in the ranking field). It is fixed when an
  index is created and recorded in its manifest; opening an index with another one asks for a
  rebuild.
- ``RankingConfig``: how a query is answered (BM25F parameters, tiers, stop words, proximity,
  near-duplicate folding, did-you-mean). It may change from one search to the next.
- ``Limits``: bounds that keep one query from costing too much (its length and nesting, the
  words did-you-mean looks at). What reading a drop may cost is bounded by its ReadOptions
  (searcher.drops.options).

The defaults are the measured choices documented in docs/relevance.md.

>>> from searcher.config import Config, RankingConfig
>>> variant = Config().with_ranking(k1=0.9)
>>> variant.ranking.k1, Config().ranking.k1
(0.9, 1.2)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from searcher.errors import SearcherError


@dataclass(frozen=True)
class IndexConfig:
    """Index-time settings (recorded in the manifest)."""

    fa_stemmer: str = "lexicon"  # searcher.analysis.fa.STEMMERS
    nl_stemmer: str = "snowball"  # searcher.analysis.nl.STEMMERS
    nl_splitter: str = "lexicon"  # searcher.analysis.nl.SPLITTERS: Dutch compound parts, or "none"
    # In the ranking field a title word counts this many times a body word (BM25F).
    title_weight: float = 3.0
    # A match through a compound's part counts this much of a match of the word itself.
    part_weight: float = 0.25

    @property
    def text_chain(self) -> str:
        """The name of the analysis chain of Persian and Dutch articles (searcher.analysis.registry)."""
        return f"text@{self.fa_stemmer}/{self.nl_stemmer}/{self.nl_splitter}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "IndexConfig":
        """The settings a manifest recorded; unknown names are an error (a newer searcher's index)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SearcherError(f"the index was made with settings this searcher does not know: {', '.join(unknown)}")
        return cls(**data)


# The values a RankingConfig setting of named methods takes.
RANKING_CHOICES = {"tf_model": ("bm25", "bm25t"), "proximity": ("covered", "pairs"),
                   "idf": ("probabilistic", "whoosh")}
# The range of a numeric RankingConfig setting, (lowest, highest; None: no bound): a negative
# weight or a length normalisation above 1 would rank, silently, by something else.
RANKING_RANGES = {
    **dict.fromkeys(("k1", "tf_prior_documents", "title_boost", "idf_power", "all_words_first_max",
                     "feedback_docs", "feedback_terms", "feedback_weight", "proximity_depth",
                     "passage_weight", "lead_weight", "lead_length", "suggest_below"), (0, None)),
    **dict.fromkeys(("b_title", "b_body", "b_ranking", "near_duplicate_threshold"), (0, 1)),
    **dict.fromkeys(("proximity_window", "passage_window", "grouping_depth"), (1, None)),
}


@dataclass(frozen=True)
class RankingConfig:
    """Query-time settings of the ranking."""

    k1: float = 1.2
    # "bm25t": each word's k1 from how often the articles holding it repeat it, its mean shrunk
    # towards k1's by tf_prior_documents documents (searcher.search.weighting); "bm25": k1 for all.
    tf_model: str = "bm25t"
    tf_prior_documents: float = 100.0
    b_title: float = 0.5  # length normalisation of a title phrase or ``title:`` match
    b_body: float = 0.75
    b_ranking: float = 0.9  # of the ranking field (title and body together)
    title_boost: float = 3.0  # a phrase or fielded match in a title counts this many times one in a body
    idf: str = "probabilistic"  # "probabilistic" (Robertson-Sparck Jones, as Lucene) or "whoosh"
    # Every idf (BM25's and the head's evidence's) is raised to this power: above 1, a query's rare
    # words outweigh its common ones more (classic TF-IDF squares it; 1: Robertson-Sparck Jones's).
    idf_power: float = 1.1
    # Keyword queries of 2..this many words, none a stop word, rank articles with all of them first
    # (1: none do; BM25T's own preference for more of the query's words decides, which measured
    # better on topic searches: an article about a topic often lacks one of its words).
    all_words_first_max: int = 1
    # Pseudo-relevance feedback (RM3, searcher.search.feedback): a keyword query's best this many
    # matches lend it feedback_terms terms weighing feedback_weight times its own (0: off).
    feedback_docs: int = 0
    feedback_terms: int = 10
    feedback_weight: float = 0.5
    score_stop_words: bool = True  # a keyword query's stop words add to the scores of its head
    proximity_depth: int = 20  # the head: best matches rescored by proximity and stop words (0: off)
    proximity_window: int = 5  # positions within which two query words count as close
    # The head's proximity bonus (searcher.search.proximity): "covered" (neighbouring pairs close
    # together, scaled by the share of the query the article holds) or "pairs" (not scaled).
    proximity: str = "covered"
    # Passage evidence (searcher.search.passages): the head's matches gain passage_weight times the
    # BM25 score of their body's best window of passage_window positions (0: off), and lead_weight
    # times that of their body's first lead_length positions, the lead of a news article (0: off).
    passage_weight: float = 0.0
    passage_window: int = 150
    lead_weight: float = 0.0
    lead_length: int = 50
    near_duplicate_threshold: float = 0.5  # estimated shingle Jaccard similarity that folds hits
    grouping_depth: int = 3  # with folding, first rank this many matches per hit wanted
    suggest_below: int = 3  # a query finding fewer articles may get a did-you-mean suggestion

    def __post_init__(self) -> None:
        for name, choices in RANKING_CHOICES.items():
            if getattr(self, name) not in choices:
                raise SearcherError(f"{name} {getattr(self, name)!r} is not one of {', '.join(choices)}")
        for name, (lowest, highest) in RANKING_RANGES.items():
            value = getattr(self, name)
            if isinstance(value, (int, float)) and not (lowest <= value and (highest is None or value <= highest)):
                bounds = f"at least {lowest}" if highest is None else f"between {lowest} and {highest}"
                raise SearcherError(f"{name} {value!r} is not {bounds}")


@dataclass(frozen=True)
class Limits:
    """Bounds on what one request may ask for."""

    query_chars: int = 2000  # a longer query is refused
    query_depth: int = 32  # nesting of parentheses
    suggest_word_chars: int = 40  # longer words are never spelling-corrected
    suggest_words: int = 8  # distinct words of one query did-you-mean looks up


@dataclass(frozen=True)
class Config:
    """Everything that shapes the index and its answers."""

    index: IndexConfig = field(default_factory=IndexConfig)
    ranking: RankingConfig = field(default_factory=RankingConfig)
    limits: Limits = field(default_factory=Limits)

    def with_index(self, **changes) -> "Config":
        return replace(self, index=replace(self.index, **changes))

    def with_ranking(self, **changes) -> "Config":
        return replace(self, ranking=replace(self.ranking, **changes))

    def with_limits(self, **changes) -> "Config":
        return replace(self, limits=replace(self.limits, **changes))


DEFAULT = Config()
