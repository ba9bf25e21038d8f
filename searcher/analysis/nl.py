"""Dutch steps (tokens with ``script == "latin"``), in chain order.

1. ``split`` at hyphens, on the raw token (exact offsets): Midden-Oosten =
   Midden -Oosten = Midden Oosten -> [midden, oosten];
2. ``fold``  lowercase, NFKD, accents and in-word apostrophes deleted
   (``chars.fold_latin``): Oekraïne = Oekraine, ideeën = ideeen,
   video's = video’s = videos.  Accents go *before* stemming so the stemmer
   sees one spelling (Snowball's Dutch stemmer would otherwise treat ë and e
   differently);
3. ``stop``  flags Snowball's Dutch stop words (``data/nl_stopwords.txt``,
   already lowercase and accent-free, as the list is matched after fold);
4. ``stem``  Snowball 3 ``dutch`` (Kraaij-Pohlmann based) via PyStemmer 3.1.0:
   ziekenhuizen = ziekenhuis, geactiveerd = activeerden.  Pinned because any
   stemmer change changes index terms (bump ANALYSIS_VERSION).
"""

from __future__ import annotations

import functools
from pathlib import Path

from . import chars as C

DATA = Path(__file__).with_name("data")

split_chars = C.HYPHENS
fold = C.fold_latin


@functools.lru_cache(maxsize=None)
def stopwords() -> frozenset[str]:
    with open(DATA / "nl_stopwords.txt", encoding="utf-8") as f:
        return frozenset(fold(w) for w in (ln.strip() for ln in f) if w and not w.startswith("#"))


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
