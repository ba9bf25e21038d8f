"""Analyzer names -> analysis chains, and the analysis version.

Each chain is listed once (``steps(name)``); indexing, query planning, snippets and ``explain``
all use that list, with no branch on mode: index-time and query-time analysis are one
definition.

Names: ``"text"`` (script-aware Persian + Dutch), ``"generic"`` (any other language: fold only,
no stop flags, no stemming). ``"text@<fa stemmer>/<nl stemmer>/<splitter>"`` builds the text
chain with other Persian or Dutch stemmers (``fa.STEMMERS``, ``nl.STEMMERS``) or another Dutch
compound splitter (``nl.SPLITTERS``); a shorter suffix leaves the rest at their defaults. An
index's configuration (searcher.config.IndexConfig.text_chain) names its chain.

The analysis version is derived, not declared: a hash of the data files and of what every
chain makes of a fixed probe text (``analysis_version``), so a change of a step or a data file
that changes output changes it, and an index built with other output is asked to rebuild.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import json
import os
from pathlib import Path

from . import chars as C
from . import fa, nl
from .steps import (
    ARABIC, DIGIT, LATIN, OTHER, AffixJoinFilter, CompoundPartsFilter, CompoundSplitFilter, FoldFilter,
    ScriptTokenizer, SplitFilter, StemFilter, StopFlagFilter, Token,
)
from .wordwise import Entry, Term, Unit, Wordwise, entry_of

ANALYZER_NAMES = ("text", "generic")
DATA = Path(__file__).with_name("data")

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
    pre = _text_prestop()
    out = set()
    for w in fa.raw_stopwords():
        terms = [t for t in _run(pre, w) if t.script == ARABIC]
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


def _run(chain: list, text: str, **options) -> list[Token]:
    tokens = chain[0](text, **options)
    for step in chain[1:]:
        tokens = step(tokens)
    return tokens


class Analyzer:
    """A named chain: text -> tokens (``steps.Token``), the same at index and query time.

    ``analyzer(text)`` analyses a text whole; ``units(text)`` gives the same terms word by
    word from a memo (searcher.analysis.wordwise), which is what indexing and snippets use.
    """

    def __init__(self, name: str):
        self.name = name
        self.steps = steps(name)
        self._wordwise = Wordwise.of(self.steps)

    def __call__(self, text: str, start_pos: int = 0, start_char: int = 0, tokenize: bool = True) -> list[Token]:
        """The tokens of ``text``: positions from ``start_pos``, offsets from ``start_char``."""
        return _run(self.steps, text, start_pos=start_pos, start_char=start_char, tokenize=tokenize)

    def units(self, text: str) -> list[Unit]:
        """The terms of ``text`` by unit (a word, or words the analysis joins), in text order."""
        if self._wordwise is None:
            return [Unit(0, tuple(_as_term(token) for token in self(text)))]
        return self._wordwise.units_of(text)

    def entries(self, text: str) -> list[Entry]:
        """What indexing reads of ``text``, unit by unit (searcher.analysis.wordwise.Entry)."""
        if self._wordwise is None:
            return [entry_of(text, self.units(text)[0].terms, self.terms)]
        return self._wordwise.entries_of(text)

    def matches(self, text: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
        """(start, end, term) of the tokens of ``text`` whose terms are in ``terms``."""
        if self._wordwise is None:
            return [(t.startchar, t.endchar, t.text) for t in self(text) if t.text in terms]
        return self._wordwise.matches(text, terms)

    def terms(self, text: str) -> list[str]:
        """The terms of a short text (a query word), in order, parts included."""
        return [token.text for token in self(text)]

    def __reduce__(self):
        return (analyzer, (self.name,))

    def __eq__(self, other):
        return isinstance(other, Analyzer) and other.name == self.name

    def __hash__(self):
        return hash(("Analyzer", self.name))

    def __repr__(self):
        return f"analyzer({self.name!r})"


def _as_term(token: Token) -> Term:
    return Term(token.text, token.startchar, token.endchar, token.is_stop, token.part)


def analyzer(name: str) -> Analyzer:
    """The analyzer for ``name`` (one shared instance per chain: ``text`` and
    ``text@lexicon/snowball/lexicon`` are the same one)."""
    return _analyzer(canonical(name))


def canonical(name: str) -> str:
    """The full name of a chain: a text chain with every step named."""
    base, _, choice = name.partition("@")
    if base != "text":
        return name
    fa_stemmer, _, rest = choice.partition("/")
    nl_stemmer, _, splitter = rest.partition("/")
    return f"text@{fa_stemmer or fa.DEFAULT_STEMMER}/{nl_stemmer or nl.DEFAULT_STEMMER}/{splitter or nl.DEFAULT_SPLITTER}"


@functools.lru_cache(maxsize=None)
def _analyzer(name: str) -> Analyzer:
    return Analyzer(name)


# A fixed text exercising every step: half-spaces, detached affixes, Arabic letter forms, Kurdish
# heh, harakat, digits of three scripts, known and solid compounds, stop words, plurals, the final
# ی (indefinite, nisba, the glide after an alef), Dutch compounds, hyphens, diacritics and
# apostrophes, another script.
PROBE = (
    "رئیس‌جمهور رئیس جمهور رئيسجمهوری می‌کند می کند نمیتوانست کتاب‌ها کتاب ها كتابهای هسته‌ای هسته ای "
    "مذاکرات نمایندگان دانشجویان ایرانیان انتخابات روسای رؤسای آمریکا امریکا كِتابِ ە ۀ ۱۴۰۳ ٥٠ 2024 "
    "بی‌نظیر بینظیر و در از که را این برای است غیرقابل پیش‌بینی تو خود مي آيي و او را عکسی ایرانی کرونای "
    "De kabinetsformatie en ziekenhuizen, woningmarkt Midden-Oosten Midden -Oosten Oekraïne video's ideeën "
    "geactiveerd activeerden minister natuurlijk bondgenoten herboren het een van Москва Ελλάδα"
)


@functools.lru_cache(maxsize=None)
def analysis_version(text_chain: str = "text") -> str:
    """A short hash of the data files and of the terms the chains ``text_chain`` and
    ``generic`` make of ``PROBE`` (positions, stop flags and parts included).

    Analysing the probe loads every data file of the chains (0.1 s), which a search in one
    language would not otherwise need: the result is remembered in the user's cache folder
    under a fingerprint of everything it is derived from (the data files, this package's
    source, the stemmer library), so a change of any of them computes it anew."""
    key = f"{canonical(text_chain)} {_fingerprint()}"
    cache = _cache_file()
    try:
        remembered = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        remembered = {}
    if isinstance(remembered, dict) and isinstance(remembered.get(key), str):
        return remembered[key]
    version = _probe_version(text_chain)
    with contextlib.suppress(OSError):
        cache.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
        kept = dict(list(remembered.items())[-20:]) if isinstance(remembered, dict) else {}
        temporary.write_text(json.dumps({**kept, key: version}), encoding="utf-8")
        os.replace(temporary, cache)
    return version


def _probe_version(text_chain: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(DATA.glob("*.txt")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for name in (text_chain, "generic"):
        for token in analyzer(name)(PROBE):
            digest.update(f"{token.text}|{token.pos}|{token.startchar}|{token.endchar}|{token.is_stop:d}{token.part:d}\n".encode())
    return digest.hexdigest()[:16]


def _fingerprint() -> str:
    """A hash of what the analysis version is derived from: the data files, the source files
    of this package, and the stemmer library's file, each by its path, size and modification
    time (as Python's bytecode cache knows its sources): hashing their 1.7 MB was a few per
    cent of a cold search."""
    digest = hashlib.sha256()
    spec = importlib.util.find_spec("Stemmer")
    stemmer = [spec.origin] if spec is not None and spec.origin else []
    for path in [*sorted(DATA.glob("*.txt")), *sorted(Path(__file__).parent.glob("*.py")), *stemmer]:
        status = os.stat(path)
        digest.update(f"{path}|{status.st_size}|{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]


def _cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "searcher" / "analysis-versions.json"
