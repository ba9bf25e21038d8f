"""Index fields computed from an article at index time: the combined field keyword queries
are ranked on, and the fields for filtering, facets and grouping.

``WrittenTextField``, ``CombinedTextField`` and ``SignatureField`` are pickled into the index's
schema: keep their import path.
"""
from __future__ import annotations

import functools
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator

from whoosh import fields
from whoosh.system import pack_uint

from searcher import dedup
from searcher.analysis.chars import ZWNJ
from searcher.model import Article


class WrittenTextField(fields.TEXT):
    """A title or body: the words as written, with positions (phrases, snippets), without the
    parts the analysis adds after compounds. Whoosh's posting formats already skip them (they
    are flagged stopped); this keeps them out of the phrases the query parser builds too."""

    def tokenize(self, value: str, **kwargs) -> Iterator:
        return (token for token in super().tokenize(value, **kwargs) if not token.part)

    def index(self, value: str, **kwargs) -> Iterator[tuple[bytes, int, float, bytes]]:
        """(term, frequency, weight, positions) of each term, as Whoosh's Positions format
        gives them, in one pass over the tokens instead of three generators deep."""
        positions: dict[str, list[int]] = defaultdict(list)
        weights: dict[str, float] = defaultdict(float)
        for token in self.analyzer(value, **{"mode": "index", **kwargs, "positions": True, "boosts": True}):
            if not token.stopped:
                positions[token.text].append(token.pos)
                weights[token.text] += token.boost
        encode, field_boost = self.format.encode, self.format.field_boost
        for term, term_positions in positions.items():
            yield term.encode("utf-8"), len(term_positions), weights[term] * field_boost, encode(term_positions)


class CombinedTextField(fields.TEXT):
    """An article's title and body as one field, for BM25F ranking: a title word counts
    ``title_weight`` times a body word before BM25 saturates the sum (Robertson's BM25F with
    one length normalisation), instead of scoring title and body apart and adding the scores,
    which lets a short title's single match outweigh the body. It is given ``(title, body)``;
    no positions are kept (phrases are matched in the title and body fields)."""

    def __init__(self, analyzer, title_weight: float):
        super().__init__(analyzer=analyzer, phrase=False, multitoken_query="or")
        self.title_weight = title_weight

    def process_text(self, qstring: str, mode: str = "", **kwargs) -> Iterator[str]:
        """A query word's terms, with the joined forms of its half-space runs; stop words among
        them only when it has nothing else (the parts of ``عراق‌هم`` search ``عراق``)."""
        tokens = list(self.analyzer(qstring, mode=mode, chars=True))
        terms = [token.text for token in tokens if not token.is_stop] or [token.text for token in tokens]
        return iter(terms + self._joined_terms(qstring, tokens))

    def index(self, value: tuple[str, str], **kwargs) -> Iterator[tuple[bytes, int, float, bytes]]:
        """(term, frequency, weight, value) of each term. The parts of compounds add to their
        terms' weights, not to frequencies: the field's length (the sum of frequencies) stays
        the number of words as written."""
        frequencies: Counter[str] = Counter()
        weights: dict[str, float] = defaultdict(float)
        for text, weight in zip(value, (self.title_weight, 1.0)):
            tokens = list(self.analyzer(text, mode="index")) if text else []
            counts = Counter([token.text for token in tokens if not token.part])
            counts.update(self._joined_terms(text, tokens))
            frequencies.update(counts)
            counts.update([token.text for token in tokens if token.part])
            for term, count in counts.items():
                weights[term] += weight * count
        for term, weight in weights.items():
            frequency = frequencies[term]
            yield term.encode("utf-8"), frequency, weight, pack_uint(frequency)

    def _joined_terms(self, text: str, tokens: list) -> list[str]:
        """The terms of each run of words joined by half-spaces (``تیم‌ملی``) analysed with the
        half-spaces left out (``تیمملی``), where that gives other terms: so an article or a
        query that writes the run as one word still meets the other spelling. Lucene's word
        delimiter filter adds such catenated forms for hyphenated words."""
        if ZWNJ not in text:
            return []
        tokens = [token for token in tokens if not token.part]  # compound parts overlap their words
        # Indexes of the tokens a lone half-space separates from the previous token.
        linked = [
            i for i, end, start in zip(itertools.count(1), [token.endchar for token in tokens],
                                       [token.startchar for token in tokens[1:]])
            if start - end == 1 and text[end] == ZWNJ
        ]
        joined = []
        for first, last in _runs(linked):
            parts = {token.text for token in tokens[first : last + 1]}
            written = text[tokens[first].startchar : tokens[last].endchar].replace(ZWNJ, "")
            joined += [term for term in _terms(self.analyzer, written) if term not in parts]
        return joined


def _runs(linked: list[int]) -> Iterator[tuple[int, int]]:
    """(first, last) token index of each run of tokens, given the indexes of the tokens linked
    to their previous one (in increasing order)."""
    for _, group in itertools.groupby(enumerate(linked), lambda pair: pair[1] - pair[0]):
        indexes = [i for _, i in group]
        yield indexes[0] - 1, indexes[-1]


@functools.lru_cache(maxsize=100_000)
def _terms(analyzer, word: str) -> tuple[str, ...]:
    """The terms of a short text (a half-space run written as one word), remembered: the same
    runs come back in article after article."""
    return tuple(token.text for token in analyzer(word, mode="query"))


class SignatureField(fields.COLUMN):
    """A column of near-duplicate signatures (searcher.dedup). It is given ``(lang, title,
    body)`` and computes the signature where Whoosh processes the document: in the worker
    processes when indexing runs in several. Articles without words get ``b""``."""

    def to_column_value(self, value: tuple[str, str, str]) -> bytes:
        return dedup.signature(dedup.article_terms(*value)) or b""


def derived_fields(article: Article, combined_field: str) -> dict:
    """The combined text (named ``combined_field``), ``outlet`` (when known) and
    ``dup_signature`` fields of an article. A title cut from the body is not indexed."""
    title = "" if article.derived_title else article.title
    derived = {combined_field: (title, article.body), "dup_signature": (article.lang, title, article.body)}
    name = article.outlet
    return {**derived, "outlet": name} if name else derived
