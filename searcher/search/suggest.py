"""Did you mean: query words the index barely knows, corrected from its own vocabulary.

A word is checked in its analysed form, so spelling variants the analysis folds (Arabic and
Persian letter forms, half-spaces, digits) are never taken for misspellings. A correction is
a term of the index's titles or bodies within one edit (two for longer words) of the word's,
the most frequent of them; it is shown as the index's articles write it. Words longer than
``Limits.suggest_word_chars`` are not corrected (a long "word" is no typo, and would cost).
The corrected query is offered only when it finds more articles than the query typed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from searcher.analysis.article import chain
from searcher.query import plan as planning

if TYPE_CHECKING:
    from searcher.search.engine import Engine, Request

RARE = 2  # a word whose terms are in fewer articles than this looks misspelled
LONG_WORD = 5  # from this many letters, two edits are allowed


def better_query(engine: "Engine", plan: planning.Plan, request: "Request", total: int) -> str | None:
    """The query with its misspelled-looking words corrected, when that finds more articles."""
    corrected = corrected_text(engine, plan)
    if corrected is None:
        return None
    try:
        found = engine.count(planning.plan(corrected, engine.config), request.filters)
    except planning.QueryError:
        return None
    return corrected if found > total else None


def corrected_text(engine: "Engine", plan: planning.Plan) -> str | None:
    """``plan``'s text with its misspelled-looking words corrected, or None when none is. Each
    distinct word is looked up once, and only the first ``Limits.suggest_words`` of them, so a
    query of many words costs a few look-ups, not one per word."""
    corrections: dict[str, str | None] = {}
    for span in plan.suggestible:
        if span.text not in corrections and len(corrections) < engine.config.limits.suggest_words:
            corrections[span.text] = _correction(engine, span.text)
    parts, end, changed = [], 0, False
    for span in plan.suggestible:
        correction = corrections.get(span.text)
        if correction is not None:
            parts += [plan.text[end : span.start], correction]
            end, changed = span.end, True
    return "".join(parts) + plan.text[end:] if changed else None


def _correction(engine: "Engine", word: str) -> str | None:
    if len(word) > engine.config.limits.suggest_word_chars:
        return None
    analyzer = chain("text", engine.config.index)
    terms = [token.text for token in analyzer(word) if not (token.is_stop or token.part)]
    if len(terms) != 1 or _frequency(engine, "text", terms[0]) >= RARE or _known_generic(engine, word):
        return None
    term = terms[0]
    for distance in (1, 2) if len(term) >= LONG_WORD else (1,):
        # From the title and body vocabularies: the ranking field also holds the solid forms of
        # half-space runs, which are spellings, not words to suggest.
        candidates = {found for field in ("title", "body") for found in engine.source.spellings(field, "text", term, distance)}
        frequencies = {found: _frequency(engine, "text", found) for found in candidates}
        best = max(frequencies, key=lambda found: (frequencies[found], found), default=None)
        if best is not None and frequencies[best] >= RARE:
            return _as_written(engine, best)
    return None


def _frequency(engine: "Engine", family: str, term: str) -> int:
    """Live articles with ``term`` in their title or body (the ranking field)."""
    postings = engine.collection.postings("ranking", family, term)
    return int(engine.collection.live[postings.docs].sum()) if postings is not None else 0


def _known_generic(engine: "Engine", word: str) -> bool:
    """Whether articles in other languages (the generic family) have the word."""
    terms = chain("generic", engine.config.index).terms(word)
    return bool(terms) and all(_frequency(engine, "generic", term) for term in terms)


def _as_written(engine: "Engine", term: str) -> str:
    """How an article of the index writes the analysed ``term`` (the term itself if none does)."""
    analyzer = chain("text", engine.config.index)
    for field in ("title", "body"):
        postings = engine.collection.postings(field, "text", term)
        if postings is None:
            continue
        live = postings.docs[engine.collection.live[postings.docs]]
        for docnum in live[:10].tolist():
            text = engine.source.stored(docnum).get(f"stored_{field}", "")
            for start, end, _ in analyzer.matches(text, frozenset([term])):
                return text[start:end]
    return term



