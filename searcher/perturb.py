"""Perturbations: small named str -> str rewrites that mimic how the same words get typed
differently, to measure how much retrieval depends on the analysis chains folding them.

Each one is pure and applies to one language's sets (``PERTURBATIONS``, by name).

>>> remove_zwnj("می\u200cروم")
'میروم'
>>> strip_diacritics("Oekraïne")
'oekraine'
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from searcher.analysis.chars import ARABIC_SPELLING_TABLE, PERSIAN_DIGIT_TABLE, ZWNJ

SIDES = ("docs", "queries")  # what a perturbation may rewrite: a set's documents or its queries


def remove_zwnj(text: str) -> str:
    """Deletes every ZWNJ: "می‌روم" -> "میروم"."""
    return text.replace(ZWNJ, "")


def zwnj_to_space(text: str) -> str:
    """Turns every ZWNJ into a space: "می‌روم" -> "می روم"."""
    return text.replace(ZWNJ, " ")


def arabic_yeh_kaf(text: str) -> str:
    """Writes Persian yeh and kaf as their Arabic forms: ی -> ي, ک -> ك."""
    return text.translate(ARABIC_SPELLING_TABLE)


def persian_digits(text: str) -> str:
    """Writes ASCII and Arabic-Indic digits as Persian digits: "1403" -> "۱۴۰۳"."""
    return text.translate(PERSIAN_DIGIT_TABLE)


def strip_diacritics(text: str) -> str:
    """Drops combining marks (after NFD decomposition) and lowercases: "Één" -> "een"."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


@dataclass(frozen=True)
class Perturbation:
    """A named rewrite and the language of the sets it applies to."""

    name: str
    lang: str
    apply: Callable[[str], str]


PERTURBATIONS: dict[str, Perturbation] = {
    p.name: p
    for p in (
        Perturbation("zwnj-remove", "fa", remove_zwnj),
        Perturbation("zwnj-space", "fa", zwnj_to_space),
        Perturbation("arabic-yeh-kaf", "fa", arabic_yeh_kaf),
        Perturbation("persian-digits", "fa", persian_digits),
        Perturbation("strip-diacritics", "nl", strip_diacritics),
    )
}


def for_language(lang: str) -> list[Perturbation]:
    """The perturbations that apply to sets in ``lang``."""
    return [p for p in PERTURBATIONS.values() if p.lang == lang]
