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

from searcher import wordlists
from searcher.analysis.chars import fold_in_place


def _months(name: str) -> dict[str, int]:
    """Month name (folded, lower case) -> month number, from ``data/NAME``."""
    pairs = (entry.rsplit(maxsplit=1) for entry in wordlists.entries(f"data/{name}"))
    return {fold_in_place(word).lower(): int(number) for word, number in pairs}


JALALI_MONTHS = _months("jalali_months.txt")
GREGORIAN_MONTHS = _months("gregorian_months.txt")

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


fold = fold_in_place  # digits and letter variants to one form, every offset kept


def to_iso(year: int, month: int, day: int, jalali: bool) -> str | None:
    """The ISO Gregorian date for a calendar date, or None if it does not exist."""
    try:
        if jalali:
            import jdatetime  # here: a search without dates starts faster without it

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


# Dates in names: ``--date-from-name`` patterns.
_DIRECTIVES = {
    "Y": r"(?P<y>\d{4})",  # a year: 13xx/14xx Jalali, 19xx/20xx Gregorian, as in text
    "m": r"(?P<m>\d{1,2})",
    "d": r"(?P<d>\d{1,2})",
    "b": r"(?P<b>" + _alternation([*JALALI_MONTHS, *GREGORIAN_MONTHS]) + r")",
}


@dataclass(frozen=True)
class NamePattern:
    """A date as names write it, in strftime style: ``%Y`` a four-digit year (13xx/14xx for the
    Jalali calendar, 19xx/20xx for the Gregorian one), ``%m`` a month number, ``%b`` a month
    name (Dutch, or Persian of either calendar), ``%d`` a day, ``%%`` a percent sign; any other
    character stands for itself. It is looked for anywhere in a name, in Persian or ASCII digits:
    ``%Y-%m-%d`` finds 2025-06-14 in "fars-2025-06-14-017", ``%Y%m%d`` finds 14030331 in
    "ir_14030331".

    >>> NamePattern.parse("%Y-%m-%d").find("fars-2025-06-14-017")
    '2025-06-14'
    >>> NamePattern.parse("%d %b %Y").find("۳۱ شهریور ۱۴۰۳ گزارش")
    '2024-09-21'
    """

    pattern: str
    regex: re.Pattern

    @classmethod
    def parse(cls, pattern: str) -> "NamePattern":
        """Reads a pattern; raises ValueError naming what is wrong with it."""
        parts, seen, rest = [], set(), pattern
        while rest:
            if rest[0] != "%":
                parts.append(re.escape(rest[0]))
                rest = rest[1:]
                continue
            code = rest[1:2]
            if code == "%":
                parts.append("%")
            elif code in _DIRECTIVES and code not in seen:
                parts.append(_DIRECTIVES[code])
                seen.add(code)
            else:
                wrong = f"%{code} twice" if code in seen else f"unknown directive %{code}" if code else "a lone % at its end"
                raise ValueError(f"date pattern {pattern!r} has {wrong}: use %Y, %m or %b, %d, and %% for a percent sign")
            rest = rest[2:]
        if not {"Y", "d"} <= seen or len(seen & {"m", "b"}) != 1:
            raise ValueError(f"date pattern {pattern!r} needs a year (%Y), a month (%m or %b) and a day (%d)")
        return cls(pattern, re.compile(r"(?<!\d)" + "".join(parts) + r"(?!\d)", re.IGNORECASE))

    def find(self, name: str) -> str | None:
        """The first valid date the pattern finds in ``name``, as ISO, or None."""
        for match in self.regex.finditer(fold(name)):
            fields = match.groupdict()
            day, year = int(fields["d"]), int(fields["y"])
            iso = _named_iso(day, fields["b"], year) if fields.get("b") else _numeric_iso(year, int(fields["m"]), day)
            if iso:
                return iso
        return None
