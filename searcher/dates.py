"""Publication dates stated in article text, as ISO Gregorian ``YYYY-MM-DD``.

Understands Jalali dates ("۳۱ شهريور ۱۴۰۳", "۱۰-۱۰-۱۴۰۰", "1400/10/10"),
Gregorian numeric dates ("2024-06-14", "14/06/2024"), Dutch dates
("14 juni 2024", "za 14 jun 2025") and Persian names of Gregorian months
("۱۵ ژوئن ۲۰۲۵"). Numeric dates are read day-first; a four-digit year of
13xx/14xx means the Jalali calendar, 19xx/20xx the Gregorian one. Dates that
do not exist (month 13, day 32, 30 Esfand of a common year) are ignored.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import jdatetime

# One-to-one character folding applied before matching, so that match offsets
# stay valid in the original text: Persian and Arabic-Indic digits become ASCII,
# Arabic yeh/kaf/ae and alef madda become their plain Persian forms.
_FOLD = str.maketrans(
    "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩يىكەۀآ",
    "01234567890123456789ییکهها",
)

# Month names (after folding) -> month number, per calendar.
JALALI_MONTHS = {
    "فروردین": 1, "اردیبهشت": 2, "خرداد": 3, "تیر": 4, "مرداد": 5, "امرداد": 5,
    "شهریور": 6, "مهر": 7, "ابان": 8, "اذر": 9, "دی": 10, "بهمن": 11, "اسفند": 12,
}
GREGORIAN_MONTHS = {
    # Dutch, full names and the usual abbreviations
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3,
    "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "augustus": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    # Persian names of Gregorian months, with common spelling variants
    "ژانویه": 1, "فوریه": 2, "مارس": 3, "اوریل": 4, "مه": 5, "می": 5,
    "ژوئن": 6, "ژوئیه": 7, "جولای": 7, "اوت": 8, "اگوست": 8, "سپتامبر": 9,
    "اکتبر": 10, "نوامبر": 11, "دسامبر": 12,
}

# Year ranges that identify each calendar.
JALALI_YEARS = range(1300, 1500)
GREGORIAN_YEARS = range(1900, 2100)


def _alternation(names: Iterable[str]) -> str:
    """A regex alternation of names, longest first so "مهر" wins over "مه"."""
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


# "31 شهریور 1403", "14 juni 2024", "14 jun. 2025", "15 ژوئن 2025"
_NAMED = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})\s+(?P<m>"
    + _alternation([*JALALI_MONTHS, *GREGORIAN_MONTHS])
    + r")\b\.?,?\s+(?P<y>\d{4})(?!\d)",
    re.IGNORECASE,
)
# "2024-06-14", "1400/10/10" (also with a time after it: "2024-06-14T10:00")
_YMD = re.compile(r"(?<!\d)(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d)")
# "14/06/2024", "10-10-1400", "14.06.2024"
_DMY = re.compile(r"(?<!\d)(?P<d>\d{1,2})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4})(?!\d)")


@dataclass(frozen=True)
class DateMatch:
    """A valid date found in a text: its span there and its ISO form."""

    start: int
    end: int
    iso: str


def fold(text: str) -> str:
    """Fold digits and letter variants to one form, keeping every offset."""
    return text.translate(_FOLD)


def to_iso(year: int, month: int, day: int, jalali: bool) -> str | None:
    """The ISO Gregorian date for a calendar date, or None if it does not exist."""
    try:
        if jalali:
            return jdatetime.date(year, month, day).togregorian().isoformat()
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _numeric_iso(year: int, month: int, day: int) -> str | None:
    """A numeric date; the year's range decides the calendar."""
    if year in JALALI_YEARS:
        return to_iso(year, month, day, jalali=True)
    if year in GREGORIAN_YEARS:
        return to_iso(year, month, day, jalali=False)
    return None


def _named_iso(day: int, month_name: str, year: int) -> str | None:
    """A date with a month name; the name decides the calendar."""
    name = month_name.lower()
    if name in JALALI_MONTHS:
        if year not in JALALI_YEARS:
            return None
        return to_iso(year, JALALI_MONTHS[name], day, jalali=True)
    if year not in GREGORIAN_YEARS:
        return None
    return to_iso(year, GREGORIAN_MONTHS[name], day, jalali=False)


def iter_dates(text: str) -> Iterator[DateMatch]:
    """Every valid date in ``text``, in order of position."""
    folded = fold(text)
    found: list[DateMatch] = []
    for m in _NAMED.finditer(folded):
        iso = _named_iso(int(m["d"]), m["m"], int(m["y"]))
        if iso:
            found.append(DateMatch(m.start(), m.end(), iso))
    for pattern in (_YMD, _DMY):
        for m in pattern.finditer(folded):
            iso = _numeric_iso(int(m["y"]), int(m["m"]), int(m["d"]))
            if iso:
                found.append(DateMatch(m.start(), m.end(), iso))
    return iter(sorted(found, key=lambda d: d.start))


def first_date(lines: Iterable[str]) -> str | None:
    """The first valid date in the given lines, as ISO, or None."""
    for line in lines:
        for match in iter_dates(line):
            return match.iso
    return None


def parse_date_value(value: str) -> str | None:
    """A date field of a record ("2024-06-14", "1400/10/10", ...) as ISO, or None."""
    return first_date([value])
