"""The language of an article's text: ``fa``, ``nl`` or ``und`` (anything else)."""
from __future__ import annotations

import functools
import re
import unicodedata

from searcher import wordlists

FA_MIN_SHARE = 0.5  # share of Arabic-script letters among all letters -> fa
NL_MIN_SHARE = 0.12  # share of Dutch function words among Latin words -> nl
NL_MIN_HITS = 1  # ... at least this many of them, more than the other languages' function words
LANG_SAMPLE_CHARS = 5000  # the language is judged on the text's beginning

_LATIN_WORD = re.compile(r"[^\W\d_]+")


@functools.cache
def function_words(name: str) -> frozenset[str]:
    """The words of ``data/NAME``, lower case."""
    return frozenset(word.lower() for entry in wordlists.entries(f"drops/data/{name}") for word in entry.split())


def is_arabic_letter(char: str) -> bool:
    """True for letters of the Arabic script (Persian, Arabic, Urdu, ...)."""
    return char.isalpha() and (
        "\u0600" <= char <= "\u06ff"
        or "\u0750" <= char <= "\u077f"
        or "\ufb50" <= char <= "\ufdff"
        or "\ufe70" <= char <= "\ufeff"
    )


def is_latin_letter(char: str) -> bool:
    """True for letters of the Latin script, accented ones included."""
    return char.isalpha() and unicodedata.name(char, "").startswith("LATIN")


def detect_lang(text: str) -> str:
    """``fa`` for Arabic-script text, ``nl`` for Latin text with many Dutch function words
    (``data/nl_function_words.txt``) and fewer English/German/French/Spanish ones
    (``data/other_function_words.txt``), else ``und``.

    >>> detect_lang("Trump belt met Poetin"), detect_lang("The president spoke on the phone")
    ('nl', 'und')
    """
    sample = text[:LANG_SAMPLE_CHARS]
    letters = [c for c in sample if c.isalpha()]
    if not letters:
        return "und"
    if sum(map(is_arabic_letter, letters)) / len(letters) >= FA_MIN_SHARE:
        return "fa"
    if sum(map(is_latin_letter, letters)) / len(letters) < 0.5:
        return "und"
    words = [w.lower() for w in _LATIN_WORD.findall(sample)]
    hits = sum(w in function_words("nl_function_words.txt") for w in words)
    others = sum(w in function_words("other_function_words.txt") for w in words)
    if hits >= NL_MIN_HITS and hits > others and hits / len(words) >= NL_MIN_SHARE:
        return "nl"
    return "und"
