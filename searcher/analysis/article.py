"""One article -> everything the index keeps of its words, analysed once.

``analyse(article, config)`` decides the article's *family* (which chain analyses it: Persian
and Dutch articles the script-aware "text" chain, any other language the "generic" one) and
returns an ``AnalysedArticle``:

- ``title`` and ``body``: term -> positions of the words as written (stop words included,
  compound parts not), for phrases, proximity and ``title:``/``body:`` matches;
- ``ranking``: term -> (weight, title count, body count) of the ranking field, title and body
  together (BM25F): a title word weighs ``title_weight`` body words; a run of words joined by
  half-spaces (``تیم‌ملی``) also counts as the run written solid (``تیمملی``) where that gives
  other terms, so an article or a query that writes it as one word still meets the other
  spelling (Lucene's word delimiter filter adds such catenated forms for hyphenated words);
  a Dutch compound's parts count ``part_weight`` each, and not in the field's length;
- the three lengths BM25 normalises by, and the near-duplicate signature (searcher.dedup).

A title cut from the body for display (``Article.derived_title``) is not indexed as a title,
so the body's opening does not count twice.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from searcher import dedup
from searcher.analysis.registry import Analyzer, analyzer
from searcher.config import IndexConfig
from searcher.model import Article

FAMILIES = ("text", "generic")
TEXT_LANGUAGES = ("fa", "nl")  # the languages of the "text" family


def family_of(lang: str) -> str:
    """The family (analysis chain) of an article in ``lang``."""
    return "text" if lang in TEXT_LANGUAGES else "generic"


def chain(family: str, config: IndexConfig) -> Analyzer:
    """The analyzer of ``family`` under ``config``."""
    return analyzer(config.text_chain if family == "text" else "generic")


@dataclass(frozen=True)
class AnalysedArticle:
    """What the index keeps of an article's words."""

    family: str
    title: dict[str, list[int]]  # term -> positions
    body: dict[str, list[int]]
    ranking: dict[str, tuple[float, int, int]]  # term -> (weight, title count, body count)
    title_length: int  # words as written
    body_length: int
    ranking_length: int  # words as written, and solid forms of half-space runs
    signature: bytes  # near-duplicate MinHash; b"" for an article without content words


def analyse(article: Article, config: IndexConfig) -> AnalysedArticle:
    """The analysed fields of ``article``."""
    family = family_of(article.lang)
    chosen = chain(family, config)
    title_text = "" if article.derived_title else article.title
    weights: dict[str, float] = defaultdict(float)
    content_words: list[str] = []
    fields = []
    ranking_length = 0
    for text, weight in ((title_text, config.title_weight), (article.body, 1.0)):
        words: list[str] = []
        parts: list[str] = []
        solid: list[str] = []
        for entry in chosen.entries(text) if text else ():
            words += entry.words
            content_words += entry.content
            parts += entry.parts
            solid += entry.solid
        positions: dict[str, list[int]] = defaultdict(list)
        for pos, term in enumerate(words):
            positions[term].append(pos)
        for term, places in positions.items():
            weights[term] += weight * len(places)
        for term in solid:
            weights[term] += weight
        for term in parts:
            weights[term] += weight * config.part_weight
        ranking_length += len(words) + len(solid)
        fields.append((dict(positions), len(words)))
    (title, title_length), (body, body_length) = fields
    ranking = {term: (weight, len(title.get(term, ())), len(body.get(term, ()))) for term, weight in weights.items()}
    return AnalysedArticle(family, title, body, ranking, title_length, body_length, ranking_length,
                           dedup.signature(content_words) or b"")
