"""Matching and scoring a plan's query with array operations.

Every clause of the query algebra (searcher.query.plan) becomes a mask of the documents it
matches and their scores, over the whole collection at once:

- a ``Term`` scores BM25 in its field: ``idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``
  times its boost, where the ranking field's tf is the BM25F pseudo-frequency (a title word
  counts ``title_weight`` body words) and ``dl`` is Whoosh's one-byte approximation of the
  document's field length; with ``RankingConfig.tf_model = "bm25t"``, ``k1`` is the term's own
  (searcher.search.weighting), and ``idf`` is raised to ``RankingConfig.idf_power``;
- ``Or`` and ``And`` add their children's scores (any of them, all of them must match),
  ``AndNot`` keeps its positive side's, ``AndMaybe`` adds the optional side where it matches;
- a ``Phrase`` takes its candidates from the documents holding all its words in its field and
  checks positions only there (``Positions``: for words side by side, one intersection of
  (candidate, position - place in the phrase) keys per word), scoring as the sum of its words'
  scores;
- a ``Prefix`` is expanded into the ranking field's terms it begins and its own terms as a
  word, the most frequent first, up to ``MAX_EXPANSIONS``.

With ``tf_model = "bm25"`` and ``idf_power = 1``, scores equal those of Whoosh's BM25F over the
same statistics: the engine ranked with Whoosh's matchers before (tests/test_ranking.py checks
the formula).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from searcher.analysis.article import FAMILIES
from searcher.config import RankingConfig
from searcher.query.plan import And, AndMaybe, AndNot, Not, Or, Phrase, Plan, Prefix, Term, normalize
from searcher.search import weighting
from searcher.search.collection import Collection, Statistics

MAX_EXPANSIONS = 200  # terms a wildcard stands for, at most


class Positions(Protocol):
    """Where the positions of words in titles and bodies are read."""

    def places(self, field: str, family: str, term: str, docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Of ``docnums`` (ascending), the places (indices into ``docnums``) of those holding
        ``term`` in ``field``, how many positions each has there, and the positions (ascending
        within a document), document after document."""


def positions_by_document(places: tuple[np.ndarray, np.ndarray, np.ndarray], docnums: np.ndarray) -> dict[int, list[int]]:
    """``Positions.places`` as docnum -> positions."""
    held, counts, positions = places
    split = np.split(positions, np.cumsum(counts)[:-1]) if len(counts) else []
    return dict(zip(docnums[held].tolist(), (part.tolist() for part in split)))


@dataclass
class Matches:
    """The documents a clause matches and their scores (0 where it does not match)."""

    mask: np.ndarray
    scores: np.ndarray


def idf(documents: int, frequency: int, kind: str, power: float = 1.0) -> float:
    """Robertson-Sparck Jones idf as Lucene computes it, ``log(1 + (N - df + 0.5) / (df + 0.5))``
    ("probabilistic"), or Whoosh's ``log(N / (df + 1)) + 1`` ("whoosh"), raised to ``power``
    (``RankingConfig.idf_power``)."""
    if kind == "whoosh":
        weight = math.log(documents / (frequency + 1)) + 1.0
    else:
        weight = math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))
    return weight ** power


def body_rarities(plan: Plan, stats: Statistics, ranking: RankingConfig) -> dict[str, dict[str, float]]:
    """Per family, the plan's content words (``Plan.proximity_words``) that occur in bodies and
    their Robertson-Sparck Jones idf to the ranking's ``idf_power``, in query order (no entry for
    a family without them)."""
    found = {}
    for family in FAMILIES:
        rarity = {word: idf(stats.size, frequency, "probabilistic", ranking.idf_power)
                  for word in plan.proximity_words(family)
                  if (frequency := stats.doc_frequency("body", family, word))}
        if rarity:
            found[family] = rarity
    return found


class Scorer:
    """Scores queries over one collection, with the statistics handed in (the collection's own,
    or a sharded index's sums)."""

    def __init__(self, collection: Collection, stats: Statistics, ranking: RankingConfig, positions: Positions):
        self.collection = collection
        self.stats = stats
        self.ranking = ranking
        self.positions = positions
        self.size = collection.size
        self.expansions: dict[tuple, tuple[str, ...]] = {}
        self.notes: list[str] = []
        self._terms: dict[Term, tuple[np.ndarray, np.ndarray]] = {}

    def match(self, query) -> Matches:
        """The live documents ``query`` matches, with scores (not to be changed: see ``_match``)."""
        found = self._match(query)
        if self.collection.all_live:
            return found
        mask = found.mask & self.collection.live
        return Matches(mask, _kept(found.scores, mask))

    def scores_at(self, query, docnums: np.ndarray) -> np.ndarray:
        """``match(query).scores[docnums]`` for live ``docnums`` (ascending), computed from the
        postings at those documents only when ``query`` is a term or an OR of terms (the head's
        stop words: long postings, a few documents wanted)."""
        terms = (query,) if isinstance(query, Term) else query.children if isinstance(query, Or) else ()
        if not terms or not all(isinstance(term, Term) for term in terms):
            return self.match(query).scores[docnums]
        total = np.zeros(len(docnums), dtype=np.float64)
        for term in terms:
            docs, tf = self.collection.postings_at(term.field, term.family, term.text, docnums)
            total[docs] += self._bm25(term, docnums[docs], tf)
        return total

    def _empty(self) -> Matches:
        return Matches(np.zeros(self.size, dtype=bool), np.zeros(self.size, dtype=np.float64))

    # Results are never changed once returned (_MemoScorer hands the same ones out again):
    # every branch writes only to arrays it made.
    def _match(self, query) -> Matches:
        if query is None:
            return self._empty()
        if isinstance(query, Term):
            found = self._empty()
            docs, scores = self.term_scores(query)
            found.mask[docs] = True
            found.scores[docs] = scores
            return found
        if isinstance(query, Or):
            found = self._empty()
            for child in query.children:
                if isinstance(child, Term):  # the common case: add in place
                    docs, scores = self.term_scores(child)
                    found.mask[docs] = True
                    found.scores[docs] += scores
                else:
                    part = self._match(child)
                    found.mask |= part.mask
                    found.scores += part.scores
            return found
        if isinstance(query, And):
            parts = [self._match(child) for child in query.children if not isinstance(child, Not)]
            banned = [self._match(child.child).mask for child in query.children if isinstance(child, Not)]
            if not parts:
                return self._empty()
            mask = parts[0].mask.copy()
            scores = parts[0].scores.copy()
            for part in parts[1:]:  # summed in the parts' order
                mask &= part.mask
                scores += part.scores
            for excluded in banned:
                mask &= ~excluded
            return Matches(mask, _kept(scores, mask, out=scores))
        if isinstance(query, AndNot):
            found = self._match(query.positive)
            mask = found.mask & ~self._match(query.negative).mask
            return Matches(mask, _kept(found.scores, mask))
        if isinstance(query, AndMaybe):
            found = self._match(query.required)
            optional = self._match(query.optional)
            return Matches(found.mask, found.scores + _kept(optional.scores, found.mask))
        if isinstance(query, Not):
            return Matches(~self._match(query.child).mask, np.zeros(self.size, dtype=np.float64))
        if isinstance(query, Phrase):
            return self._phrase(query)
        if isinstance(query, Prefix):
            return self._match(self.expanded(query))
        raise TypeError(f"not a query clause: {query!r}")

    # Terms

    def term_scores(self, term: Term) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding ``term`` in its field and their BM25 scores (deleted ones too),
        computed once per scorer (a keyword query's tiers and its all-words count share terms)."""
        if term not in self._terms:
            postings = self.collection.postings(term.field, term.family, term.text)
            if postings is None:
                self._terms[term] = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
            else:
                self._terms[term] = postings.docs, self._bm25(term, postings.docs, postings.tf)
        return self._terms[term]

    def _bm25(self, term: Term, docs: np.ndarray, tf: np.ndarray) -> np.ndarray:
        ranking = self.ranking
        b = {"ranking": ranking.b_ranking, "title": ranking.b_title, "body": ranking.b_body}[term.field]
        weight = idf(self.stats.size, self.stats.doc_frequency(term.field, term.family, term.text), ranking.idf,
                     ranking.idf_power)
        avg = self.stats.avg_length(term.field, term.family)
        lengths = self.collection.lengths(term.field)[docs]
        k1 = self._k1(term) if ranking.tf_model == "bm25t" and len(docs) else ranking.k1
        return weighting.bm25(tf, lengths, avg, weight, k1, b) * term.boost

    def _k1(self, term: Term) -> float:
        """BM25T's k1 of the term, from the statistics' repetitions (searcher.search.weighting)."""
        logs, count = self.stats.repetitions.get((term.field, term.family, term.text), (0.0, 0))
        if not count:  # in titles only, or no repetitions asked for: nothing to read
            return self.ranking.k1
        return weighting.word_k1(logs, count, self.ranking.k1, self.ranking.tf_prior_documents)

    # Phrases

    def _phrase(self, phrase: Phrase) -> Matches:
        found = self._empty()
        words = [Term(phrase.field, phrase.family, word, phrase.boost) for word in phrase.words]
        postings = [self.collection.postings(word.field, word.family, word.text) for word in words]
        if any(p is None for p in postings):
            return found
        candidates = postings[0].docs
        for other in postings[1:]:
            candidates = np.intersect1d(candidates, other.docs, assume_unique=True)
        candidates = candidates[self.collection.live[candidates]]
        if not len(candidates):
            return found
        places = {word: self.positions.places(phrase.field, phrase.family, word, candidates)
                  for word in dict.fromkeys(phrase.words)}
        if phrase.slop == 1:
            matched = candidates[_side_by_side([places[word] for word in phrase.words])]
        else:
            where = {word: positions_by_document(found, candidates) for word, found in places.items()}
            matched = np.array([doc for doc in candidates.tolist()
                                if _in_sequence([where[word].get(doc, ()) for word in phrase.words], phrase.slop)],
                               dtype=np.int64)
        if not len(matched):
            return found
        found.mask[matched] = True
        for word, word_postings in zip(words, postings):
            at = np.searchsorted(word_postings.docs, matched)
            found.scores[matched] += self._bm25(word, matched, word_postings.tf[at])
        return found

    # Wildcards

    def expanded(self, prefix: Prefix):
        """The ranking field's terms starting with the prefix, and the prefix's own terms as a
        word that the index holds, as an OR of terms."""
        key = (prefix.family, prefix.prefix, prefix.word)
        if key not in self.expansions:
            own = [term for term in dict.fromkeys(prefix.word)
                   if self.collection.doc_frequency("ranking", prefix.family, term)]
            terms = own + [term for term in self.collection.terms(prefix.family, prefix.prefix) if term not in own]
            if len(terms) > MAX_EXPANSIONS:
                frequency = {term: self.collection.doc_frequency("ranking", prefix.family, term) for term in terms}
                terms = own + sorted(terms[len(own):], key=lambda term: (-frequency[term], term))[:MAX_EXPANSIONS - len(own)]
                self.notes.append(f"'{prefix.prefix}*' stands for more than {MAX_EXPANSIONS} words: "
                                  f"the {MAX_EXPANSIONS} most frequent were searched")
            self.expansions[key] = tuple(terms)
        return normalize(Or(tuple(Term("ranking", prefix.family, term, prefix.boost) for term in self.expansions[key])))


def _kept(scores: np.ndarray, mask: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``scores`` where ``mask`` holds, 0 elsewhere: a product (scores are finite), several
    times faster than assigning through the negated mask."""
    return np.multiply(scores, mask, out=out)


def _side_by_side(places: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> np.ndarray:
    """The places of the candidates where the words stand side by side in this order (each
    word's ``Positions.places``): a word at place i in the phrase and position p gives the key
    (candidate, p - i), and the phrase starts at the keys every word gives."""
    keys = None
    for shift, (held, counts, positions) in enumerate(places):
        word_keys = (np.repeat(held, counts) << 32) | (positions - shift)
        word_keys = word_keys[positions >= shift]
        keys = word_keys if keys is None else np.intersect1d(keys, word_keys, assume_unique=True)
    return np.unique(keys >> 32) if keys is not None else np.zeros(0, np.int64)


def _in_sequence(positions: Sequence[Sequence[int]], slop: int) -> bool:
    """Whether the words stand in this order, each 1 to ``slop`` positions after the span of
    the ones before it (Whoosh's ordered SpanNear with ``mindist=1``)."""
    spans = {(p, p) for p in positions[0]}
    for following in positions[1:]:
        following = sorted(following)
        spans = {(start, p) for start, end in spans for p in following if 1 <= p - end <= slop}
        if not spans:
            return False
    return bool(spans)
