"""Dutch steps (tokens with ``script == "latin"``), in chain order.

1. ``split`` at hyphens, on the raw token (exact offsets): Midden-Oosten =
   Midden -Oosten = Midden Oosten -> [midden, oosten];
2. ``fold``  lowercase, NFKD, accents and in-word apostrophes deleted
   (``chars.fold_latin``): Oekraïne = Oekraine, ideeën = ideeen,
   video's = video’s = videos.  Accents go *before* stemming so the stemmer
   sees one spelling (Snowball's Dutch stemmer would otherwise treat ë and e
   differently);
3. ``compound-parts`` adds the parts of a compound word next to it
   (``compound_parts``): kabinetsformatie -> kabinet, formatie, so a search
   for ``formatie`` meets the compound, as Lucene's dictionary decompounder
   does for Dutch and German.  Parts reach only the combined ranking field;
4. ``stop``  flags Snowball's Dutch stop words (``data/nl_stopwords.txt``,
   already lowercase and accent-free, as the list is matched after fold);
5. ``stem``  Snowball 3 ``dutch`` (Kraaij-Pohlmann based) via PyStemmer 3.1.0:
   ziekenhuizen = ziekenhuis, geactiveerd = activeerden.  Pinned because any
   stemmer change changes index terms (bump ANALYSIS_VERSION).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from searcher import wordlists

from . import chars as C


split_chars = C.HYPHENS
fold = C.fold_latin


@functools.lru_cache(maxsize=None)
def stopwords() -> frozenset[str]:
    return frozenset(fold(word) for word in wordlists.read("analysis/data/nl_stopwords.txt"))


@functools.lru_cache(maxsize=None)
def _snowball(algorithm: str):
    import Stemmer  # PyStemmer 3.1.0 (Snowball 3)

    return Stemmer.Stemmer(algorithm)


@functools.lru_cache(maxsize=200_000)
def snowball_stem(word: str) -> str:
    """Snowball 3 ``dutch`` (Kraaij-Pohlmann based)."""
    return _snowball("dutch").stemWord(word)


@functools.lru_cache(maxsize=200_000)
def porter_stem(word: str) -> str:
    """Snowball's older ``dutch_porter``, the one Whoosh bundles (kept for comparison)."""
    return _snowball("dutch_porter").stemWord(word)


def _none(word: str) -> str:
    return word


STEMMERS = {"none": _none, "snowball": snowball_stem, "porter": porter_stem}
DEFAULT_STEMMER = "snowball"

MIN_PART = 4  # letters of a compound part: shorter ones (ver, zee) are more often affixes or chance
LINKERS = ("s",)  # between the parts: kabinet-s-formatie (-en- and -e- forms are lexicon words)
ENDINGS = ("s", "en", "e", "n")  # plural and adjective endings of a compound's last part


def _read_table(name: str) -> dict[str, float]:
    """``key<TAB>number`` lines of a data file ('#' lines are comments)."""
    rows = (entry.split("\t") for entry in wordlists.read(f"analysis/data/{name}"))
    return {key: float(number) for key, number in rows}


@functools.lru_cache(maxsize=None)
def lexicon() -> dict[str, float]:
    """Folded Dutch word -> Zipf frequency (``data/nl_lexicon.txt``, from wordfreq)."""
    return _read_table("nl_lexicon.txt")


@functools.lru_cache(maxsize=None)
def stem_zipf() -> dict[str, float]:
    """Snowball stem -> Zipf frequency of all the lexicon's words with that stem together, so
    a word's forms weigh alike (ziekenhuis and the rarer ziekenhuizen split or not together).
    Computed from the lexicon when the data files are built (``data/nl_stems.txt``)."""
    return _read_table("nl_stems.txt")


@functools.lru_cache(maxsize=200_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """The two parts of a folded compound word, or ``()``: of the ways to write ``word`` as two
    lexicon words (``_splits``), the one whose parts have the highest mean Zipf frequency (the
    geometric mean of their frequencies), if that beats the word's own (Koehn and Knight 2003).
    So rare compounds split (woningmarkt -> woning, markt) and common words that merely
    contain words stay whole (minister, not mini + ster). Frequencies are those of the words'
    stems (``stem_zipf``), so a word's inflections split alike. Three-way splits were mostly
    wrong (kinderopvang -> kind, erop, vang) and are not tried."""
    if len(word) < 2 * MIN_PART:
        return ()
    stems = stem_zipf()
    best, best_zipf = (), stems.get(snowball_stem(word), 0.0)
    for parts in _splits(word, lexicon(), stopwords()):
        zipf = sum(stems.get(snowball_stem(part), 0.0) for part in parts) / 2
        if zipf > best_zipf:
            best, best_zipf = parts, zipf
    return best


def _splits(word: str, words: dict[str, float], stops: frozenset[str]) -> Iterator[tuple[str, str]]:
    """Every way to write ``word`` as two parts of at least ``MIN_PART`` letters, neither a stop
    word: lexicon words, perhaps joined by a linking s, the last one (the head, which carries
    the compound's inflection) perhaps with an ending the lexicon lacks (kabinetsformatie-s)."""
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        first, rest = word[:cut], word[cut:]
        if first not in words or first in stops:
            continue
        for last in [rest] + [rest[len(link):] for link in LINKERS if rest.startswith(link)]:
            if len(last) < MIN_PART or last in stops:
                continue
            if last in words or any(last.endswith(end) and last[: -len(end)] in words for end in ENDINGS):
                yield first, last


def _no_parts(word: str) -> tuple[str, ...]:
    return ()


SPLITTERS = {"lexicon": compound_parts, "none": _no_parts}
DEFAULT_SPLITTER = "lexicon"
