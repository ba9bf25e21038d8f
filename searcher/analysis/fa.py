"""Persian steps (tokens with ``script == "arabic"``), in chain order.

1. ``split``  at ZWNJ, on the raw token, so each part keeps exact offsets
   (folding may delete characters, so it cannot come first);
2. ``fold``   NFKD + letter folding (``chars.fold_arabic``): NFC/NFD input,
   hamza forms, ي/ى/ئ -> ی, ك -> ک, ە/ۀ/ة -> ه, أ/إ/آ/ٱ -> ا, harakat,
   tatweel and ZWJ deleted, digits -> ASCII.  Before joining/compounds/stop,
   because those look words up in folded lists;
3. ``join-affixes`` joins detached affixes (``PREFIXES``, ``SUFFIXES``,
   ``ZWNJ_SUFFIXES``) so half-space / space / nothing spell one term;
4. ``split-compounds`` splits known compounds (``data/fa_compounds.txt``)
   written solid into the parts their half-space spelling gives, so the
   canonical form of a compound is "apart";
5. ``stop``   flags stop words (``data/fa_stopwords.txt``, normalized at load
   time by steps 1-4, so the list and the text meet);
6. ``stem``   the pluggable stemmer (``STEMMERS``, default ``DEFAULT_STEMMER``).

Decisions (with hazm ``words.dat`` frequencies, see data/build_data.py):

* ئ folds to ی (رئیس = رییس, both spellings are current); ؤ to و (رؤسای =
  روسای, both in the seeds); آ to ا like Lucene (آمریکا = امریکا).
* Affixes joined also across a *space* are those that are (almost) never a
  word of their own: می/نمی (می "wine" freq 125), ها/های/... (0), ای (0 as a
  word; the vocative "ای" is rare in news), ترین (0) and تر: "تر" (wet) has a
  high count only because the corpus itself writes بیش تر, so it joins.
  Pronominal/verbal endings (ام، ات، اش، مان، تان، شان، اند، ایم، اید، ی)
  join only after a ZWNJ: apart they are words too (شان = شأن "dignity").
  بی is *not* a prefix here: it is a frequent word (P, 159M), and بی‌نظیر is
  handled as a compound instead, so all three spellings still agree.
"""

from __future__ import annotations

import functools

from searcher import wordlists

from . import chars as C


PREFIXES = ("می", "نمی")
SUFFIXES = (
    "ها", "های", "هایی", "هایم", "هایت", "هایش", "هایمان", "هایتان", "هایشان",
    "ای", "ایی", "تر", "تری", "ترین",
)
ZWNJ_SUFFIXES = ("ی", "ام", "ات", "اش", "مان", "تان", "شان", "اند", "ایم", "اید", "ای")

split_chars = C.ZWNJ
fold = C.fold_arabic


def _lines(name: str) -> list[str]:
    return wordlists.read(f"analysis/data/{name}")


@functools.lru_cache(maxsize=None)
def compounds() -> dict[str, str]:
    """Solid spelling (folded, no ZWNJ) -> its parts joined by spaces, from data/fa_compounds.txt.
    The parts are split when a word is looked up: splitting all 12,000 lines would be most of
    the table's load time, paid by every process that analyses Persian."""
    return dict(line.split("\t") for line in _lines("fa_compounds.txt"))


# Endings tried when a solid word is not itself a known compound:
# رئیسجمهوری -> رئیس‌جمهور + ی -> [رئیس, جمهوری].
_COMPOUND_ENDINGS = tuple(sorted(set(SUFFIXES + ZWNJ_SUFFIXES + ("ان", "ات")), key=len, reverse=True))


@functools.lru_cache(maxsize=65536)
def compound_parts(word: str):
    table = compounds()
    parts = table.get(word)
    if parts:
        return tuple(parts.split(" "))
    for end in _COMPOUND_ENDINGS:
        if word.endswith(end) and len(word) > len(end) + 3:
            parts = table.get(word[: -len(end)])
            if parts:
                return tuple(f"{parts}{end}".split(" "))
    return None


@functools.lru_cache(maxsize=None)
def bases() -> frozenset[str]:
    """Words a stripped suffix may leave behind (nouns/adjectives, folded)."""
    return frozenset(_lines("fa_bases.txt"))


@functools.lru_cache(maxsize=None)
def protected() -> frozenset[str]:
    """Words the stemmers keep whole: frequent words that only look inflected (انسان is
    not انس + ان, data/fa_protected.txt) and relational adjectives in ‌ای, which must not
    meet the plural or indefinite of their base (هسته‌ای "nuclear" is not هسته + ای,
    data/fa_adjectives.txt)."""
    return frozenset(line.split("\t")[0] for name in ("fa_protected.txt", "fa_adjectives.txt") for line in _lines(name))


def raw_stopwords() -> list[str]:
    return list(_lines("fa_stopwords.txt"))


# --- stemmers -----------------------------------------------------------------
# The lexicon stemmer strips one ending, in this priority order, and accepts
# the result only if a candidate base is a known noun/adjective (bases()),
# except for the ها family, which is a plural marker wherever it is detached.
# Candidates: "{}" = the stripped word, "{}ه" = with final heh restored
# (مذاکرات -> مذاکره, نمایندگان -> نماینده).
SUFFIX_RULES = (
    ("هایشان", ("{}",), True), ("هایتان", ("{}",), True), ("هایمان", ("{}",), True),
    ("هایی", ("{}",), True), ("هایم", ("{}",), True), ("هایت", ("{}",), True),
    ("هایش", ("{}",), True), ("های", ("{}",), True), ("ها", ("{}",), True),
    ("ترین", ("{}",), False), ("تر", ("{}",), False),
    ("گان", ("{}ه",), False),  # نمایندگان -> نماینده
    ("ان", ("{}",), False),  # کودکان -> کودک, ایرانیان -> ایرانی
    ("یان", ("{}",), False),  # دانشجویان -> دانشجو
    ("ات", ("{}ه", "{}"), False),  # مذاکرات -> مذاکره, انتخابات -> انتخاب
    ("ایی", ("{}ا", "{}"), False),  # ezafe after alef: روسای -> روسا
    ("ای", ("{}ا", "{}"), False),  # indefinite: پرونده‌ای -> پرونده (adjectives are protected)
    ("وی", ("{}و",), False),  # ezafe after waw: دانشجوی -> دانشجو
)
MIN_STEM = 2


def lexicon_stem_raw(word: str, known: frozenset[str]) -> str:
    """The lexicon rule without protection (the data generator uses it).

    First pass: of all candidates that are known bases, the longest (least
    stripped) wins, ties by rule order: هسته‌ای is هسته + ای, not هست + های;
    روسای is روسا + ی, not روس + ای.  Second pass: the ها family regardless.
    """
    n = len(word)
    best = None
    for end, cands, _always in SUFFIX_RULES:
        if word.endswith(end) and n - len(end) >= MIN_STEM:
            stem = word[: -len(end)]
            for c in cands:
                c = c.format(stem)
                if c in known and (best is None or len(c) > len(best)):
                    best = c
    if best is not None:
        return best
    for end, _cands, always in SUFFIX_RULES:
        if always and word.endswith(end) and n - len(end) >= MIN_STEM:
            return word[: -len(end)]
    return word


# A final ی is the most ambiguous ending of Persian: the indefinite (عکسی "a photo"), the ezafe
# after a vowel (کرونای), a nisba adjective (ایرانی, تلویزیونی) or a noun of its own (سربازی
# "military service", ماهی "fish"). Which of them the lexicon rule strips (``lexicon_yeh_stem``):
#   "any":      every final ی that leaves a known base (as Lucene's Persian stemmer);
#   "unlisted": only from a word the lexicon does not list (the indefinite, unlisted nisbas);
#   "none":     none (the glide after an alef neither).


def _after_alef(word: str) -> str | None:
    """A word in ای or ایی whose alef ends its base (not the ها of a plural, not ه + ای), without
    the ezafe or indefinite ی after it: کرونای, کرونایی -> کرونا, whether or not the lexicon knows
    the base (the glide ی after a vowel is never part of a word the lexicon does not list)."""
    for end in ("یی", "ی"):
        base = word[: -len(end)]
        if word.endswith(end) and base.endswith("ا") and len(base) > MIN_STEM + 1 and base[-2] != "ه":
            return base
    return None


def lexicon_yeh_stem(word: str, yeh: str) -> str:
    """The lexicon rule (``lexicon_stem_raw``) with protected words kept whole, then the final
    ی as ``yeh`` ("any", "unlisted" or "none", above) says: the glide after an alef of an
    unlisted word (``_after_alef``) first, else a final ی the rule left, when a known base
    remains."""
    if word in protected():
        return word
    known = bases()
    if yeh != "none" and word not in known:
        base = _after_alef(word)
        if base is not None:
            return base
    stem = lexicon_stem_raw(word, known)
    if yeh == "none" or stem != word or not word.endswith("ی") or len(word) <= MIN_STEM + 1:
        return stem
    if word[:-1] in known and (yeh == "any" or word not in known):
        return word[:-1]
    return stem


@functools.lru_cache(maxsize=200_000)
def lexicon_stem(word: str) -> str:
    """Default: lexicon-checked suffix stripping + protected words + a final ی stripped from a
    word the lexicon does not list, when a known base remains (the glide after an alef whatever
    remains).

    >>> lexicon_stem("کتابها"), lexicon_stem("مذاکرات"), lexicon_stem("ایران"), lexicon_stem("عکسی")
    ('کتاب', 'مذاکره', 'ایران', 'عکس')
    >>> lexicon_stem("کرونای"), lexicon_stem("ایرانی"), lexicon_stem("سربازی"), lexicon_stem("رای")
    ('کرونا', 'ایرانی', 'سربازی', 'رای')
    """
    return lexicon_yeh_stem(word, "unlisted")


@functools.lru_cache(maxsize=200_000)
def lexicon_any_yeh_stem(word: str) -> str:
    """``lexicon_stem``, and a listed word in ی stripped too: ایرانی -> ایران, سربازی ("military
    service") -> سرباز ("soldier")."""
    return lexicon_yeh_stem(word, "any")


@functools.lru_cache(maxsize=200_000)
def lexicon_keep_yeh_stem(word: str) -> str:
    """``lexicon_stem`` without the ی rules: کرونای -> کرون, عکسی stays."""
    return lexicon_yeh_stem(word, "none")


@functools.lru_cache(maxsize=None)
def _snowball():
    import Stemmer  # PyStemmer 3.1.0 (Snowball 3)

    return Stemmer.Stemmer("persian")


@functools.lru_cache(maxsize=200_000)
def snowball_stem(word: str) -> str:
    return _snowball().stemWord(word)


@functools.lru_cache(maxsize=200_000)
def snowball_protected_stem(word: str) -> str:
    """Snowball, but protected words are kept, and a final ه is dropped from
    the result so مذاکره meets مذاکرات (Snowball: مذاکر vs مذاکره)."""
    if word in protected():
        return word
    s = _snowball().stemWord(word)
    if len(s) > 3 and s.endswith("ه"):
        s = s[:-1]
    return s


_HAZM_ENDS = ("ات", "ان", "ترین", "تر", "م", "ت", "ش", "یی", "ی", "ها", "ٔ", "\u200cا", "\u200c")


@functools.lru_cache(maxsize=200_000)
def hazm_stem(word: str) -> str:
    """hazm 0.10 ``Stemmer.stem`` logic (re-implemented: no hazm import)."""
    for end in _HAZM_ENDS:
        if word.endswith(end):
            word = word[: -len(end)]
    if word.endswith("ۀ"):
        word = word[:-1] + "ه"
    return word


def _none(word: str) -> str:
    return word


STEMMERS = {
    "none": _none,
    "lexicon": lexicon_stem,
    "lexicon-any-yeh": lexicon_any_yeh_stem,
    "lexicon-keep-yeh": lexicon_keep_yeh_stem,
    "snowball": snowball_stem,
    "snowball+protected": snowball_protected_stem,
    "hazm-stem": hazm_stem,
}
#: To be settled by the relevance work (nDCG on judged sets).  "lexicon" is
#: the starting point because it is the only option that passes both the
#: conflation cases (کتاب‌ها, مذاکرات -> مذاکره) and the negative list (ایران,
#: مردم, تهران, استان, انسان, هسته != هست, هسته‌ای != هسته‌ها): Snowball
#: gives هسته -> هست and مذاکرات -> مذاکر != مذاکره; hazm's rules give
#: ایران -> ایر, مردم -> مرد.
DEFAULT_STEMMER = "lexicon"
