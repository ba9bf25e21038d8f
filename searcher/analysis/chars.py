"""Named code points and the translate tables built from them (built once).

Every row says why it is there.  Arabic-script code points come from pyarabic's
``araby`` constants where it names them (its import costs about 10 ms), the rest
are spelled out with their Unicode names; hazm is never imported here.

The tables are applied to *token text* only (never to the input string), so
token offsets always point into the original text.
"""

from __future__ import annotations

import unicodedata

from pyarabic import araby

# --- invisible joiners --------------------------------------------------------
ZWNJ = "\u200c"  # ZERO WIDTH NON-JOINER: Persian "half-space"; a split point
ZWJ = "\u200d"  # ZERO WIDTH JOINER: shaping hint only; deleted from terms

# --- Arabic-script marks and letters (pyarabic's named code points) ------------
TATWEEL = araby.TATWEEL  # U+0640 kashida, typographic stretching
HAMZA_ABOVE = araby.HAMZA_ABOVE  # U+0654 combining; NFKD splits أ ؤ ئ ۀ into base + this
HAMZA_BELOW = araby.HAMZA_BELOW  # U+0655 combining; NFKD splits إ into ا + this
MADDA_ABOVE = araby.MADDA_ABOVE  # U+0653 combining; NFKD splits آ into ا + this
SUPERSCRIPT_ALEF = "\u0670"  # [ALEF_SUPERSCRIPT] dagger alef, a vowel mark
HARAKAT = "".join(chr(c) for c in range(0x064B, 0x0660))  # [TASHKEEL] + 0653-065F
QURANIC_MARKS = "".join(chr(c) for c in range(0x0610, 0x061B)) + "".join(
    chr(c) for c in range(0x06D6, 0x06EE) if c not in (0x06E5, 0x06E6)
)  # honorific/annotation marks; 06E5/06E6 are small waw/yeh letters

ALEF = araby.ALEF  # U+0627
ALEF_WASLA = araby.ALEF_WASLA  # U+0671 Quranic alef
ARABIC_YEH = araby.YEH  # U+064A Arabic yeh (two dots below in every form)
ALEF_MAKSURA = araby.ALEF_MAKSURA  # U+0649 dotless yeh
FARSI_YEH = "\u06cc"  # the Persian yeh: our canonical ی
ARABIC_KAF = araby.KAF  # U+0643
KEHEH = "\u06a9"  # Persian kaf: our canonical ک
HEH = araby.HEH  # U+0647, canonical ه
AE = "\u06d5"  # ARABIC LETTER AE, used as heh in Kurdish-keyboard Persian (seed 002)
HEH_GOAL = "\u06c1"  # Urdu heh; Lucene folds it to heh too
HEH_WITH_YEH_ABOVE = "\u06c0"  # ۀ, the ezafe on a final heh; NFKD splits it into heh + hamza above
ALEF_WITH_MADDA_ABOVE = araby.ALEF_MADDA  # U+0622 آ
TEH_MARBUTA = araby.TEH_MARBUTA  # U+0629, ة

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"  # U+06F0..U+06F9
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"  # U+0660..U+0669
ASCII_DIGITS = "0123456789"
ALL_DIGITS = PERSIAN_DIGITS + ARABIC_INDIC_DIGITS + ASCII_DIGITS

# Apostrophes that may sit inside a Latin word (video's, video’s, ...)
APOSTROPHES = "'\u2019\u2018`\u02bc"  # ' ’ ‘ ` ʼ(modifier letter apostrophe)
# Hyphens that join Latin word parts (Midden-Oosten)
HYPHENS = "-\u2010\u2011"  # hyphen-minus, HYPHEN, NON-BREAKING HYPHEN

COMBINING_DIACRITICS = range(0x0300, 0x0370)  # Latin/Greek/Cyrillic accents

# --- character classes for the tokenizer (regex bracket bodies) ---------------
# Arabic-script letters: base block minus digits/punctuation, supplements and
# presentation forms (folded by NFKD on the token).
AR_LETTERS = (
    "\u0621-\u063a\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06e5\u06e6"
    "\u06ee\u06ef\u06fa-\u06fc\u06ff\u0750-\u077f\u08a0-\u08c9"
    "\ufb50-\ufbb1\ufbd3-\ufd3d\ufd50-\ufdc7\ufdf0-\ufdf9\ufe70-\ufefc"
)
# Marks that live inside Arabic-script words: tatweel, harakat, hamza/madda
# above/below, superscript alef, Quranic annotation marks.
AR_MARKS = "\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06e4\u06e7-\u06ed\u08ca-\u08ff"
JOINERS = ZWNJ + ZWJ
LATIN_LETTERS = "A-Za-z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
LATIN_MARKS = "\u0300-\u036f"


def _table(pairs: dict[str, str | None]) -> dict[int, str | None]:
    return {ord(k): v for k, v in pairs.items()}


#: Digits of any script -> ASCII (applied to tokens of every script).
DIGIT_TABLE = _table(
    {d: str(i % 10) for i, d in enumerate(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS)}
)

#: Persian letter folding, applied after NFKD (so precomposed hamza/madda forms
#: arrive as base letter + combining mark and the mark is simply deleted).
FA_TABLE = {
    **DIGIT_TABLE,
    **{ord(c): None for c in HARAKAT},  # vowel marks, incl. hamza/madda above/below
    ord(SUPERSCRIPT_ALEF): None,  # vowel mark
    **{ord(c): None for c in QURANIC_MARKS},  # annotation marks
    ord(TATWEEL): None,  # stretching only
    ord(ZWJ): None,  # shaping hint only
    ord(ZWNJ): None,  # only reaches here in the generic chain (no split there)
    ord(ARABIC_YEH): FARSI_YEH,  # ي -> ی (Arabic keyboards)
    ord(ALEF_MAKSURA): FARSI_YEH,  # ى -> ی
    ord(ARABIC_KAF): KEHEH,  # ك -> ک
    ord(AE): HEH,  # ە -> ه ; ۀ = ە + hamza above also ends here
    ord(HEH_GOAL): HEH,  # ہ -> ه
    ord(TEH_MARBUTA): HEH,  # ة -> ه (Lucene does the same)
    ord(ALEF_WASLA): ALEF,  # ٱ -> ا
}

#: One character for one, so that match offsets stay valid in the raw text (dates, page chrome
#: are matched there, not in tokens): digits to ASCII, Persian letter variants to one form.
IN_PLACE_TABLE = {
    **DIGIT_TABLE,
    ord(ARABIC_YEH): FARSI_YEH,  # ي -> ی (Arabic keyboards)
    ord(ALEF_MAKSURA): FARSI_YEH,  # ى -> ی
    ord(ARABIC_KAF): KEHEH,  # ك -> ک
    ord(AE): HEH,  # ە -> ه (Kurdish keyboards)
    ord(HEH_WITH_YEH_ABOVE): HEH,  # ۀ -> ه (month and label words are listed without the ezafe)
    ord(ALEF_WITH_MADDA_ABOVE): ALEF,  # آ -> ا (آبان = ابان)
}

#: Words of raw text looked up in word lists (page chrome): the in-place folding, apostrophes
#: written one way, and ZWNJ deleted (سه‌شنبه = سهشنبه); offsets are not kept.
WORD_LOOKUP_TABLE = {
    **IN_PLACE_TABLE,
    **{ord(c): "'" for c in APOSTROPHES},  # video’s = video's
    ord(ZWNJ): None,  # half-space or not, one word
}

#: The other way round, for perturbation experiments (searcher.perturb): Persian yeh and keheh
#: as Arabic keyboards write them, and every digit as a Persian digit.
ARABIC_SPELLING_TABLE = _table({FARSI_YEH: ARABIC_YEH, KEHEH: ARABIC_KAF})
PERSIAN_DIGIT_TABLE = _table({d: PERSIAN_DIGITS[i % 10] for i, d in enumerate(ASCII_DIGITS + ARABIC_INDIC_DIGITS)})

#: Latin folding after NFKD + lowercasing: drop accents and in-word apostrophes.
LATIN_TABLE = {
    **DIGIT_TABLE,
    **{c: None for c in COMBINING_DIACRITICS},
    **{ord(c): None for c in APOSTROPHES},
}


def fold_arabic(text: str) -> str:
    """Persian letter folding of one Arabic-script token.

    >>> fold_arabic("كِتابِ") == "کتاب"
    True
    >>> fold_arabic("رؤسای") == fold_arabic("روسای")
    True
    >>> fold_arabic("آ") == fold_arabic("ا\u0653") == "ا"
    True
    """
    return unicodedata.normalize("NFKD", text).translate(FA_TABLE)


def fold_latin(text: str) -> str:
    """Lowercase, accents and in-word apostrophes removed (before stemming).

    >>> fold_latin("Oekraïne"), fold_latin("video’s")
    ('oekraine', 'videos')
    """
    text = text.lower()
    if text.isascii():
        return text.translate(LATIN_TABLE) if "'" in text or "`" in text else text
    return unicodedata.normalize("NFC", unicodedata.normalize("NFKD", text).translate(LATIN_TABLE))


def fold_digits(text: str) -> str:
    """Persian and Arabic-Indic digits -> ASCII.

    >>> fold_digits("۵۰"), fold_digits("٥٠")
    ('50', '50')
    """
    return text.translate(DIGIT_TABLE)


def fold_in_place(text: str) -> str:
    """Digits to ASCII and Persian letter variants to one form, one character for one.

    >>> fold_in_place("۳۱ شهريور ۱۴۰۳")
    '31 شهریور 1403'
    """
    return text.translate(IN_PLACE_TABLE)


def fold_lookup(word: str) -> str:
    """A raw-text word as word lists are looked up: ``fold_in_place``, one apostrophe, no ZWNJ,
    lower case.

    >>> fold_lookup("Video’s"), fold_lookup("سه\u200cشنبه") == "سهشنبه"
    ("video's", True)
    """
    return word.translate(WORD_LOOKUP_TABLE).lower()


def fold_other(text: str) -> str:
    """Other scripts (Cyrillic, Greek, CJK...): compatibility forms, case, accents."""
    text = unicodedata.normalize("NFKD", text.lower()).translate(LATIN_TABLE)
    return unicodedata.normalize("NFC", text)
