"""School days in NRW: weekends, public holidays, school holidays (``holidays`` package, KMK data) and each school's own free days.

A day is one of :data:`KINDS`. Lessons take place on a ``school_day`` only; a weekday outside
the package's school-holiday data (it ends in summer 2029 for NW) is ``unknown``, never assumed
to be a school day. Public holidays follow fixed rules and are known for every year.

>>> calendar = SchoolCalendar()
>>> calendar.kind(dt.date(2026, 7, 21))
'school_holiday'
>>> calendar.kind(dt.date(2026, 7, 14))
'school_day'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import holidays
import polars as pl

# Weekends first, then public holidays, then school holidays, then the school's own free days.
KINDS = ("school_day", "weekend", "public_holiday", "school_holiday", "free_day", "unknown")
FIRST_YEAR = 1985  # the scan for the dataset's first year starts here (KMK data from 1990/91 on)
LOOKAHEAD_YEARS = 15  # the scan for its last year ends this far after the current year


@lru_cache(maxsize=8)
def _school_holidays(subdiv: str, last_year: int) -> dict[dt.date, str]:
    found = holidays.country_holidays("DE", subdiv=subdiv, years=range(FIRST_YEAR, last_year + 1), categories=("school",), language="de")
    return dict(found)


@lru_cache(maxsize=8)
def _coverage(subdiv: str, last_year: int) -> tuple[dt.date, dt.date]:
    known = _school_holidays(subdiv, last_year)
    return dt.date(min(known).year, 1, 1), max(known)


@lru_cache(maxsize=256)
def _public_holidays(subdiv: str, year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("DE", subdiv=subdiv, years=year, categories=("public",), language="de"))


@dataclass(frozen=True)
class SchoolCalendar:
    """The school calendar of one German state (``subdiv``, default NW) plus per-school free days.

    ``free_days`` maps a school's name (as the Schulen page groups rooms) to the days the school
    itself keeps free ("bewegliche Ferientage", set by its Schulkonferenz; the city's TOML
    ``[schools."<name>"] free_days``).
    """

    subdiv: str = "NW"
    free_days: Mapping[str, frozenset[dt.date]] = field(default_factory=dict)

    def _holidays(self) -> dict[dt.date, str]:
        return _school_holidays(self.subdiv, dt.date.today().year + LOOKAHEAD_YEARS)

    def coverage(self) -> tuple[dt.date, dt.date]:
        """First and last day the school-holiday data speaks for (Jan 1 of its first year, the end of its last break)."""
        return _coverage(self.subdiv, dt.date.today().year + LOOKAHEAD_YEARS)

    def kind(self, day: dt.date, school: str | None = None) -> str:
        """What ``day`` is for ``school`` (None: any school of the state): one of :data:`KINDS`."""
        if day.isoweekday() >= 6:
            return "weekend"
        if day in _public_holidays(self.subdiv, day.year):
            return "public_holiday"
        first, last = self.coverage()
        if first <= day <= last and day in self._holidays():
            return "school_holiday"
        if school is not None and day in self.free_days.get(school, frozenset()):
            return "free_day"
        return "school_day" if first <= day <= last else "unknown"

    def name(self, day: dt.date) -> str | None:
        """The German name of the holiday on ``day`` ("Sommerferien", "Fronleichnam"), None on other days."""
        return _public_holidays(self.subdiv, day.year).get(day) or self._holidays().get(day)

    def lessons(self, day: dt.date, school: str | None = None) -> bool | None:
        """True on a school day, False on a day without lessons, None when the calendar does not know."""
        kind = self.kind(day, school)
        return None if kind == "unknown" else kind == "school_day"

    def days(self, start: dt.date, end: dt.date, school: str | None = None) -> pl.DataFrame:
        """Every day in [start, end): date, kind, name, lessons (null where unknown)."""
        dates = [start + dt.timedelta(days=i) for i in range((end - start).days)]
        return pl.DataFrame(
            {
                "date": dates,
                "kind": [self.kind(d, school) for d in dates],
                "name": [self.name(d) for d in dates],
                "lessons": [self.lessons(d, school) for d in dates],
            },
            schema={"date": pl.Date, "kind": pl.String, "name": pl.String, "lessons": pl.Boolean},
        )


def free_days_of(table: Mapping[str, Iterable[dt.date]]) -> dict[str, frozenset[dt.date]]:
    """The per-school free days of a config table as frozensets."""
    return {school: frozenset(days) for school, days in table.items()}
