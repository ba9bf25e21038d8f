"""Term proximity: the best-ranked matches whose query words stand close together move up.

BM25F scores each query word on its own, so an article that mentions the words far apart
ranks with one that uses them side by side (a headline's words in the article's lead, a
question's words around its answer). As in the sequential dependence model (Metzler and Croft
2005), the pairs are the query's neighbouring content words; as in Rasolofo and Savoy (2003),
each occurrence of a pair within ``WINDOW`` positions in an article's body adds
``1 / distance**2`` to the pair's count, and the pair adds ``idf * count / (1 + count)`` to the
article's score, with the idf of the rarer word. Neighbouring pairs keep the bonus in step
with BM25F as queries grow (all pairs would grow with the square of the query's length and
swamp it on long headlines). Stop words take no part: in questions they are question words,
close to everything. Only the first ``DEPTH`` matches of the BM25F ranking are rescored: the
bonus reorders the head of the ranking and brings in no match of its own. Chosen by
measurement: docs/relevance.md.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from whoosh import query as wq
from whoosh.searching import Searcher

from searcher.backend.whoosh.parsing import positive_terms
from searcher.backend.whoosh.schema import GENERIC_FIELDS, TEXT_FIELDS, probabilistic_idf

DEPTH = 20  # how many of the best BM25F matches are rescored
WINDOW = 5  # the farthest apart (in positions) two words count as close


Pair = tuple[str, str, float]  # two neighbouring query words and the idf of the rarer one


def pairs(searcher: Searcher, query: wq.Query) -> dict[str, list[Pair]]:
    """Per body field, the pairs of neighbouring content words of ``query`` that occur in it
    (empty: the query gets no bonus, e.g. a single word)."""
    found = {}
    documents = searcher.doc_count_all()
    for family in (TEXT_FIELDS, GENERIC_FIELDS):
        body = family["body"]
        rarity = {word: probabilistic_idf(documents, frequency) for word in _in_order(query, family.values())
                  if (frequency := searcher.doc_frequency(body, word))}
        words = list(rarity)
        neighbours = [(first, second, min(rarity[first], rarity[second])) for first, second in zip(words, words[1:])]
        if neighbours:
            found[body] = neighbours
    return found


def bonuses(searcher: Searcher, pairs: dict[str, list[Pair]], docnums: Iterable[int]) -> dict[int, float]:
    """The proximity bonus of each of ``docnums`` (in any order) for the word ``pairs``."""
    docnums = sorted(set(docnums))
    total = dict.fromkeys(docnums, 0.0)
    for body, neighbours in pairs.items():
        found: dict[int, dict[str, list[int]]] = {docnum: {} for docnum in docnums}
        for word in dict.fromkeys(word for first, second, _ in neighbours for word in (first, second)):
            for docnum, positions in _positions(searcher, body, word, docnums):
                found[docnum][word] = positions
        for docnum, positions in found.items():
            total[docnum] += _bonus(neighbours, positions)
    return total


def _in_order(query: wq.Query, fieldnames) -> list[str]:
    """The query's content words in its fields, in query order, each once."""
    return list(dict.fromkeys(term for name, term in positive_terms(query, stop_words=False) if name in fieldnames))


def _positions(searcher: Searcher, fieldname: str, word: str, docnums: list[int]) -> Iterable[tuple[int, list[int]]]:
    """(document, positions of ``word`` in it) for those of the sorted ``docnums`` that have it."""
    postings = searcher.postings(fieldname, word)
    for docnum in docnums:
        if not postings.is_active():
            return
        if postings.id() < docnum:
            postings.skip_to(docnum)
        if postings.is_active() and postings.id() == docnum:
            yield docnum, postings.value_as("positions")


def _bonus(neighbours: list[Pair], positions: dict[str, list[int]]) -> float:
    """The sum over the pairs found in a document of ``idf * count / (1 + count)``."""
    total = 0.0
    for first, second, idf in neighbours:
        if first in positions and second in positions:
            closeness = _closeness(positions[first], positions[second])
            total += idf * closeness / (1.0 + closeness)
    return total


def _closeness(first: list[int], second: list[int]) -> float:
    """The sum of ``1 / distance**2`` over the pairs of positions (sorted lists) at most
    ``WINDOW`` apart."""
    total = 0.0
    for a in first:
        for b in second[bisect_left(second, a - WINDOW) : bisect_right(second, a + WINDOW)]:
            if b != a:
                total += 1.0 / (a - b) ** 2
    return total
