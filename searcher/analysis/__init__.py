"""Language analysis: text -> index terms, one definition for index and query time.

CONTRACT (used by the backend and the query module):

- ``registry.ANALYSIS_VERSION: str`` - changes whenever any chain's output changes.
- ``registry.analyzer(name) -> whoosh.analysis.Analyzer`` for name in
  ``registry.ANALYZER_NAMES`` = ("text", "generic"):
  * "text": the script-aware chain used for fa and nl articles (Arabic-script
    tokens get the Persian steps, Latin-script tokens the Dutch steps), so a
    query needs no language flag;
  * "generic": for articles of any other language ("und").
  The returned object pickles as its name only (Whoosh pickles analyzers into
  the schema), so the on-disk format does not depend on import paths of steps.
- Tokens keep ``startchar``/``endchar`` pointing into the original text (the
  highlighter relies on it); stop words are kept in the index and flagged with
  ``token.stopped = True`` rather than removed.
"""
