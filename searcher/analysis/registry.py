"""Analyzer names -> Whoosh analyzers, and ``ANALYSIS_VERSION``.

Each chain is listed once (``steps(name)``); the index, the query parser,
the highlighter and ``explain`` all use that list, with no branch on mode
(the one exception, required by Whoosh, is in ``steps.StopFlagFilter``).

Names: ``"text"`` (script-aware Persian + Dutch), ``"generic"`` (any other
language: fold only, no stop flags, no stemming).  ``"text@<stemmer>"``
builds the text chain with another Persian stemmer from ``fa.STEMMERS``,
``"text@<fa stemmer>/<nl stemmer>"`` with another Dutch one from ``nl.STEMMERS``
too, and ``"text@<fa stemmer>/<nl stemmer>/<splitter>"`` with another Dutch
compound splitter from ``nl.SPLITTERS`` (for relevance experiments); they
pickle as those names as well.
"""

from __future__ import annotations

import functools

from whoosh.analysis import Analyzer, CompositeAnalyzer

from . import chars as C
from . import fa, nl
from .steps import (
    ARABIC, DIGIT, LATIN, OTHER, AffixJoinFilter, CompoundPartsFilter, CompoundSplitFilter, FoldFilter,
    ScriptTokenizer, SplitFilter, StemFilter, StopFlagFilter,
)

ANALYZER_NAMES = ("text", "generic")
RECENT_TEXTS = 4  # index-time analyses kept per analyzer (an article's title and body)
# Index-time calls with only these options share the kept tokens (made with positions and
# offsets, a superset of what any of them asks for); any other option analyses afresh.
SHARED_OPTIONS = frozenset({"mode", "positions", "chars", "boosts"})

#: Bump when a step's code or a data file changes output; the stemmer names
#: are part of the version, so changing a default re-versions by itself.
CHAIN_VERSION = "3"
ANALYSIS_VERSION = f"{CHAIN_VERSION}+fa.{fa.DEFAULT_STEMMER}+nl.{nl.DEFAULT_STEMMER}.{nl.DEFAULT_SPLITTER}"


def _text_prestop():
    return [
        ScriptTokenizer(),
        SplitFilter({ARABIC: fa.split_chars, LATIN: nl.split_chars}),
        FoldFilter({ARABIC: fa.fold, LATIN: nl.fold, DIGIT: C.fold_digits, OTHER: C.fold_other}),
        AffixJoinFilter(fa.PREFIXES, fa.SUFFIXES, fa.ZWNJ_SUFFIXES),
        CompoundSplitFilter(fa.compound_parts, ARABIC),
    ]


@functools.lru_cache(maxsize=None)
def fa_stopwords() -> frozenset[str]:
    """hazm's list normalized by the same steps the text gets before ``stop``
    (entries that come out as several terms are left out)."""
    pre = CompositeAnalyzer(*_text_prestop())
    out = set()
    for w in fa.raw_stopwords():
        terms = [t for t in pre(w) if t.script == ARABIC]
        if len(terms) == 1:
            out.add(terms[0].text)
    return frozenset(out)


def steps(name: str) -> list:
    """The step list of an analyzer name (tokenizer first)."""
    base, _, stemmer = name.partition("@")
    if base == "text":
        fa_stemmer, _, rest = stemmer.partition("/")
        nl_stemmer, _, splitter = rest.partition("/")
        fa_stemmer, nl_stemmer = fa_stemmer or fa.DEFAULT_STEMMER, nl_stemmer or nl.DEFAULT_STEMMER
        splitter = splitter or nl.DEFAULT_SPLITTER
        if fa_stemmer not in fa.STEMMERS or nl_stemmer not in nl.STEMMERS or splitter not in nl.SPLITTERS:
            raise ValueError(f"unknown step in {name!r}; Persian stemmers: {sorted(fa.STEMMERS)}, "
                             f"Dutch stemmers: {sorted(nl.STEMMERS)}, Dutch splitters: {sorted(nl.SPLITTERS)}")
        return _text_prestop() + [
            CompoundPartsFilter(nl.SPLITTERS[splitter], LATIN),
            StopFlagFilter({ARABIC: fa_stopwords, LATIN: nl.stopwords}),
            StemFilter({ARABIC: fa.STEMMERS[fa_stemmer], LATIN: nl.STEMMERS[nl_stemmer]}),
        ]
    if base == "generic" and not stemmer:
        return [
            ScriptTokenizer(),
            SplitFilter({LATIN: C.HYPHENS}),
            FoldFilter({ARABIC: C.fold_arabic, LATIN: C.fold_latin, DIGIT: C.fold_digits,
                        OTHER: C.fold_other}),
        ]
    raise ValueError(f"unknown analyzer {name!r}; choose from {ANALYZER_NAMES}")


class NamedAnalyzer(Analyzer):
    """A Whoosh analyzer that pickles as its name (``analyzer(name)``), so the
    on-disk schema does not depend on the import paths of the steps."""

    def __init__(self, name: str):
        self.name = name
        self.chain = CompositeAnalyzer(*steps(name))
        self._recent: dict[str, list] = {}

    def __call__(self, value, **kwargs):
        if kwargs.get("mode") != "index" or not SHARED_OPTIONS.issuperset(kwargs):
            return self.chain(value, **kwargs)
        return iter(self._indexed(value))

    def _indexed(self, value: str) -> list:
        """The index-time tokens of ``value``, positions and offsets included. An article's
        body feeds several index fields (its own, the combined field, the near-duplicate
        signature): the last few texts' tokens are kept so each is analysed once."""
        tokens = self._recent.get(value)
        if tokens is None:
            tokens = list(self.chain(value, positions=True, chars=True, mode="index"))
            if len(self._recent) >= RECENT_TEXTS:
                del self._recent[next(iter(self._recent))]
            self._recent[value] = tokens
        return tokens

    def __reduce__(self):
        return (analyzer, (self.name,))

    def __eq__(self, other):
        return isinstance(other, NamedAnalyzer) and other.name == self.name

    def __hash__(self):
        return hash(("NamedAnalyzer", self.name))

    def __repr__(self):
        return f"analyzer({self.name!r})"

    def has_morph(self):
        return self.chain.has_morph()

    def clean(self):
        self.chain.clean()


@functools.lru_cache(maxsize=None)
def analyzer(name: str) -> NamedAnalyzer:
    """The analyzer for ``name`` (one shared instance per name)."""
    return NamedAnalyzer(name)
