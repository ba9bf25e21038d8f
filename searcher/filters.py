"""What a search or a more-like-this request may be restricted to: language, source, dates."""
from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from searcher import dates
from searcher.errors import SearcherError
from searcher.model import LANGUAGES

SORTS = ("relevance", "date")


@dataclass(frozen=True)
class Filters:
    """Restrictions every hit must meet. A hit may be in any of the languages ``lang`` and
    from any of the sources ``source`` (empty: no restriction); dates are ISO Gregorian, None
    meaning no restriction."""

    lang: tuple[str, ...] = ()
    source: tuple[str, ...] = ()  # the record's source, else the drop folder (case-insensitive)
    date_from: str | None = None  # inclusive; undated articles are left out when a date is given
    date_to: str | None = None
    # Only articles written by indexing runs numbered above this (HistoryEntry.run): what runs
    # added or changed since then (standing queries).
    after_run: int | None = None

    @classmethod
    def of(cls, lang: str | Iterable[str] | None = None, source: str | Iterable[str] | None = None,
           date_from: str | dt.date | None = None, date_to: str | dt.date | None = None) -> "Filters":
        """Checks the values. ``lang`` and ``source``: one value or several (any of them);
        dates may be ISO Gregorian (2024-09-21) or Jalali (1403-06-31)."""
        langs = _values(lang)
        for name in langs:
            if name not in LANGUAGES:
                raise SearcherError(f"unknown language {name!r}: use one of {', '.join(LANGUAGES)}")
        start, end = iso_date(date_from, "from"), iso_date(date_to, "to")
        if start and end and start > end:
            raise SearcherError(f"the date range {start} to {end} is empty: give the earlier date as the start")
        return cls(langs, _values(source), start, end)


def _values(given: str | Iterable[str] | None) -> tuple[str, ...]:
    """One value or several as a tuple, blanks and repeats left out."""
    values = [given] if isinstance(given, str) else list(given or ())
    return tuple(dict.fromkeys(value.strip() for value in values if value and value.strip()))


def iso_date(value: str | dt.date | None, name: str) -> str | None:
    """A date given as ISO Gregorian or Jalali (year 13xx/14xx), as ISO Gregorian."""
    if value is None or isinstance(value, dt.date):
        return value.isoformat() if value else None
    iso = dates.parse_date_value(value.strip()) or _exact_iso(value.strip())
    if iso is None:
        raise SearcherError(f"{name} date {value!r} is not a date: write it as 2024-09-21 (Gregorian) "
                            f"or 1403-06-31 (Jalali)")
    return iso


def _exact_iso(text: str) -> str | None:
    """An ISO Gregorian day of any year (not a Jalali one): the dates articles carry are of
    1900-2099 (or Jalali), but a filter may reach beyond them, as ``since("200y")`` does."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) and int(text[:4]) not in dates.JALALI_YEARS:
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    return None


# Date filters typed in a query (``date:...``) or given as ``--since``.
_PERIOD = re.compile(r"(?P<year>\d{4})(?:[-/](?P<month>\d{1,2})(?:[-/](?P<day>\d{1,2}))?)?")
_RELATIVE = re.compile(r"now-(?P<count>\d{1,4})(?P<unit>[hdwmy])")
UNIT_DAYS = {"h": 1 / 24, "d": 1, "w": 7, "m": 30, "y": 365}


def date_bounds(value: str, today: dt.date | None = None) -> tuple[str | None, str | None]:
    """The inclusive ISO range a ``date:`` value stands for: a day, a month or a year (ISO or
    Jalali: ``2024-09-21``, ``1403-06``, ``2024``), a range ``A..B`` (either end open), a
    comparison ``>A``, ``>=A``, ``<A``, ``<=A``, or ``now-7d`` (also ``h``, ``w``, ``m``, ``y``)
    for a period up to today. Raises SearcherError for anything else."""
    text = value.strip()
    today = today or dt.date.today()
    if ".." in text:
        low, _, high = text.partition("..")
        return (_period(low, today)[0] if low else None), (_period(high, today)[1] if high else None)
    for sign in (">=", "<=", ">", "<"):
        if text.startswith(sign):
            first, last = _period(text[len(sign):], today)
            if sign == ">=":
                return first, None
            if sign == "<=":
                return None, last
            if (sign == ">" and last == dt.date.max.isoformat()) or (sign == "<" and first == dt.date.min.isoformat()):
                raise SearcherError(f"date {text!r} leaves no day: the calendar runs from 0001-01-01 to 9999-12-31")
            if sign == ">":
                return _shifted(last, 1), None
            return None, _shifted(first, -1)
    relative = _RELATIVE.fullmatch(text)
    if relative:
        return since(f"{relative['count']}{relative['unit']}", today), None
    return _period(text, today)


def since(period: str, today: dt.date | None = None) -> str:
    """The first day of a period up to today: ``24h``, ``7d``, ``2w``, ``3m``, ``1y``. Dates are
    days, so a period starts on the day it began: ``24h`` is yesterday and today, ``7d`` the
    same weekday a week ago up to today."""
    match = re.fullmatch(r"(?P<count>\d{1,4})(?P<unit>[hdwmy])", period.strip())
    if not match:
        raise SearcherError(f"{period!r} is not a period: write it as 24h, 7d, 2w, 3m or 1y")
    days = math.ceil(int(match["count"]) * UNIT_DAYS[match["unit"]])
    first = (today or dt.date.today()).toordinal() - days
    return dt.date.fromordinal(max(first, 1)).isoformat()  # 9999y: from the first day of year 1


def later_start(date_from: str | dt.date | None, period: str | None) -> str | None:
    """The later of ``date_from`` (ISO or Jalali) and the first day of ``period`` (``since``),
    as ISO: ``--from`` and ``--since`` given together both hold."""
    start = iso_date(date_from, "from")
    if period is None:
        return start
    first = since(period)
    return max(start, first) if start else first


def _period(text: str, today: dt.date) -> tuple[str, str]:
    """The first and last ISO day of a day, month or year (ISO or Jalali), or ``now-...``."""
    text = dates.fold(text.strip())
    relative = _RELATIVE.fullmatch(text)
    if relative:
        day = since(f"{relative['count']}{relative['unit']}", today)
        return day, day
    match = _PERIOD.fullmatch(text)
    if not match:
        raise SearcherError(f"date {text!r} is not a date: write it as 2024-09-21, 2024-09 or 2024 (or Jalali: "
                            f"1403-06-31, 1403-06, 1403), a range 2024-01..2024-03, >2024-01-01 or now-7d")
    year, month, day = int(match["year"]), match["month"], match["day"]
    if day is not None:
        written = f"{year:04d}-{int(month):02d}-{int(day):02d}"
        iso = dates.parse_date_value(written) or _exact_iso(written)
        if iso is None:
            raise SearcherError(f"date {text!r} does not exist")
        return iso, iso
    if year < dt.MINYEAR:
        raise SearcherError(f"date {text!r} does not exist")
    months = [int(month)] if month is not None else list(range(1, 13))
    if not 1 <= months[0] <= 12:
        raise SearcherError(f"date {text!r} has no month {months[0]}")
    if year in dates.JALALI_YEARS:
        import jdatetime

        first = jdatetime.date(year, months[0], 1).togregorian()
        next_first = jdatetime.date(year + (months[-1] == 12), months[-1] % 12 + 1, 1).togregorian()
        return first.isoformat(), (next_first - dt.timedelta(days=1)).isoformat()
    last_day = calendar.monthrange(year, months[-1])[1]  # not the next month's first day: 9999-12 has none
    return dt.date(year, months[0], 1).isoformat(), dt.date(year, months[-1], last_day).isoformat()


def _shifted(iso: str, days: int) -> str:
    return (dt.date.fromisoformat(iso) + dt.timedelta(days=days)).isoformat()
