"""Did you mean: query words the index barely knows, corrected from its own vocabulary.

A word is checked in its analysed form, so spelling variants the analysis folds (Arabic and
Persian letter forms, half-spaces, digits) are never taken for misspellings. A correction is
an analysed term of the index within one edit (two for longer words) of the word's, found by
Whoosh's corrector; it is shown as the index's articles write it.
"""
from __future__ import annotations

import re

from whoosh import query as wq
from whoosh.searching import Searcher

from searcher.backend.whoosh.schema import GENERIC_FIELDS, TEXT_FIELDS

RARE = 2  # a word whose terms are in fewer articles than this looks misspelled
LONG_WORD = 5  # from this many letters, two edits are allowed
WORD = re.compile(r"[^\s\"'()\[\]{}^~:*?]+")
OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})


def corrected_query(searcher: Searcher, text: str) -> str | None:
    """``text`` with its misspelled-looking words corrected, or None when none is."""
    parts, end, changed = [], 0, False
    for match in WORD.finditer(text):
        word = match.group().lstrip("+-")
        if word in OPERATORS or text.startswith(":", match.end()):
            continue
        correction = _correction(searcher, word)
        if correction is not None:
            parts += [text[end : match.end() - len(word)], correction]
            end, changed = match.end(), True
    return "".join(parts) + text[end:] if changed else None


def _correction(searcher: Searcher, word: str) -> str | None:
    analyzer = searcher.schema[TEXT_FIELDS["body"]].analyzer
    terms = [token.text for token in analyzer(word, mode="query") if not token.stopped]
    if len(terms) != 1 or _frequency(searcher, TEXT_FIELDS, terms[0]) >= RARE or _known_generic(searcher, word):
        return None
    term = terms[0]
    for distance in (1, 2) if len(term) >= LONG_WORD else (1,):
        # From the title and body vocabularies: the combined field also holds the joined forms
        # of half-space runs, which are spellings, not words to suggest.
        candidates = {found for role in ("title", "body")
                      for found in searcher.corrector(TEXT_FIELDS[role]).suggest(term, limit=5, maxdist=distance, prefix=1)}
        frequencies = {found: _frequency(searcher, TEXT_FIELDS, found) for found in candidates}
        best = max(frequencies, key=lambda found: (frequencies[found], found), default=None)
        if best is not None and frequencies[best] >= RARE:
            return _as_written(searcher, best)
    return None


def _frequency(searcher: Searcher, family: dict[str, str], term: str) -> int:
    """Articles containing ``term`` in the title or body of ``family``."""
    return len(searcher.search(wq.Term(family["combined"], term), limit=None, scored=False))


def _known_generic(searcher: Searcher, word: str) -> bool:
    """Whether articles in other languages (the generic fields) have the word."""
    analyzer = searcher.schema[GENERIC_FIELDS["body"]].analyzer
    terms = [token.text for token in analyzer(word, mode="query")]
    return bool(terms) and all(_frequency(searcher, GENERIC_FIELDS, term) for term in terms)


def _as_written(searcher: Searcher, term: str) -> str:
    """How an article of the index writes the analysed ``term`` (the term itself if none does)."""
    for role in ("title", "body"):
        name = TEXT_FIELDS[role]
        for docnum in searcher.docs_for_query(wq.Term(name, term)):
            text = searcher.stored_fields(docnum).get(f"stored_{role}", "")
            for token in searcher.schema[name].analyzer(text, chars=True, mode="index"):
                if token.text == term:
                    return text[token.startchar : token.endchar]
    return term
