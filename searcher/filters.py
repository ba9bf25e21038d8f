"""What a search or a more-like-this request may be restricted to: language, source, dates."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from searcher import dates
from searcher.errors import SearcherError

LANGUAGES = ("fa", "nl", "und")
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
    iso = dates.parse_date_value(value.strip())
    if iso is None:
        raise SearcherError(f"{name} date {value!r} is not a date: write it as 2024-09-21 (Gregorian) "
                            f"or 1403-06-31 (Jalali)")
    return iso
