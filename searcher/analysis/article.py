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

import functools
from collections import defaultdict
from dataclasses import dataclass

from searcher import dedup
from searcher.analysis.chars import ZWNJ
from searcher.analysis.registry import Analyzer, analyzer
from searcher.analysis.wordwise import Unit, terms_of
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
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    fields = []
    content_words: list[str] = []
    ranking_length = 0
    for field_index, (text, weight) in enumerate(((title_text, config.title_weight), (article.body, 1.0))):
        positions: dict[str, list[int]] = defaultdict(list)
        units = chosen.units(text) if text else []
        length = 0
        for pos, term in terms_of(units):
            if term.part:
                weights[term.text] += weight * config.part_weight
                continue
            positions[term.text].append(pos)
            counts[term.text][field_index] += 1
            weights[term.text] += weight
            length += 1
            if not term.is_stop:
                content_words.append(term.text)
        joined = _joined_terms(chosen, text, units)
        for term in joined:
            weights[term] += weight
        ranking_length += length + len(joined)
        fields.append((dict(positions), length))
    (title, title_length), (body, body_length) = fields
    ranking = {term: (weight, *counts.get(term, (0, 0))) for term, weight in weights.items()}
    return AnalysedArticle(family, title, body, ranking, title_length, body_length, ranking_length,
                           dedup.signature(content_words) or b"")


def _joined_terms(chosen: Analyzer, text: str, units: list[Unit]) -> list[str]:
    """The terms of each run of words joined by half-spaces, analysed with the half-spaces
    left out, where that gives other terms than the run's own."""
    if ZWNJ not in text:
        return []
    joined = []
    for unit in units:
        words = [term for term in unit.terms if not term.part]  # parts overlap their compound
        run = words[:1]
        for previous, term in zip(words, words[1:]):
            gap_start = unit.start + previous.end
            if unit.start + term.start - gap_start == 1 and text[gap_start] == ZWNJ:
                run.append(term)
                continue
            joined += _solid_terms(chosen, text, unit.start, run)
            run = [term]
        joined += _solid_terms(chosen, text, unit.start, run)
    return joined


def _solid_terms(chosen: Analyzer, text: str, offset: int, run: list) -> list[str]:
    """The solid spelling's terms of a run of two or more terms that are not the run's own."""
    if len(run) < 2:
        return []
    own = {term.text for term in run}
    written = text[offset + run[0].start : offset + run[-1].end].replace(ZWNJ, "")
    return [term for term in _terms(chosen, written) if term not in own]


@functools.lru_cache(maxsize=100_000)
def _terms(chosen: Analyzer, word: str) -> tuple[str, ...]:
    """The terms of a short text (a half-space run written solid), remembered: the same runs
    come back in article after article."""
    return tuple(chosen.terms(word))
