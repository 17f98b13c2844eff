"""Opening hours of places: the common subset of OSM ``opening_hours`` and schema.org ``openingHours``.

A station of theme ``poi`` keeps its hours as text in the stations table (``opening_hours``),
the way OpenStreetMap and schema.org write them::

    Mo-Fr 08:00-18:00; Sa 09:00-13:00
    Tu-Su 10:00-17:00; Mo off
    24/7

Rules are separated by ``;``; a later rule that names a day replaces what earlier rules said
about that day (OSM semantics). A time range past midnight (``Fr 22:00-02:00``) runs into the
next day. What this subset does not know — months, weeks, ``sunrise``, public holidays
(``PH``) — makes :func:`parse` raise :class:`OpeningHoursError`, and :func:`is_open` answer
``None`` ("unknown"): a page then says nothing rather than something wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_SCHEMA_DAYS = {name: DAYS[i] for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
_TIME = r"(\d{1,2}):(\d{2})"
_RANGE = re.compile(rf"^{_TIME}\s*-\s*{_TIME}$")
_DAY_PART = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")
_CLOSED = {"off", "closed"}
MAX_LENGTH = 500  # feed text: a longer "opening hours" string is not opening hours


class OpeningHoursError(ValueError):
    """Text that is not opening hours in the supported subset."""


@dataclass(frozen=True)
class Schedule:
    """Per weekday (0 = Monday), the open intervals in minutes since that day's midnight; an end may pass 1440."""

    week: tuple[tuple[tuple[int, int], ...], ...]

    def is_open(self, at: dt.datetime) -> bool:
        """Open at the wall-clock time ``at`` (the place's local time)."""
        minute = at.hour * 60 + at.minute
        today, yesterday = at.weekday(), (at.weekday() - 1) % 7
        if any(start <= minute < end for start, end in self.week[today]):
            return True
        return any(end > 1440 and minute < end - 1440 for _, end in self.week[yesterday])


def _days(selector: str) -> list[int]:
    out: list[int] = []
    for part in selector.split(","):
        found = _DAY_PART.match(part.strip())
        if not found:
            msg = f"unsupported day selector {part.strip()!r} (supported: Mo … Su, ranges like Mo-Fr, lists)"
            raise OpeningHoursError(msg)
        first = DAYS.index(found[1])
        last = DAYS.index(found[2]) if found[2] else first
        out += [(first + i) % 7 for i in range((last - first) % 7 + 1)]
    return out


def _minutes(hour: str, minute: str) -> int:
    h, m = int(hour), int(minute)
    if h > 24 or m > 59 or (h == 24 and m):
        msg = f"no time of day: {hour}:{minute}"
        raise OpeningHoursError(msg)
    return h * 60 + m


def _intervals(selector: str) -> tuple[tuple[int, int], ...]:
    out = []
    for part in selector.split(","):
        found = _RANGE.match(part.strip())
        if not found:
            msg = f"unsupported time range {part.strip()!r} (supported: HH:MM-HH:MM)"
            raise OpeningHoursError(msg)
        start, end = _minutes(found[1], found[2]), _minutes(found[3], found[4])
        if end <= start:  # 22:00-02:00: into the next day
            end += 1440
        out.append((start, end))
    return tuple(out)


def parse(spec: str) -> Schedule:
    """The weekly schedule of ``spec``.

    >>> s = parse("Mo-Fr 08:00-18:00; Sa 09:00-13:00")
    >>> s.week[0], s.week[5], s.week[6]
    (((480, 1080),), ((540, 780),), ())
    """
    text = " ".join(str(spec).split())
    if not text or len(text) > MAX_LENGTH:
        msg = "empty opening hours" if not text else f"opening hours longer than {MAX_LENGTH} characters"
        raise OpeningHoursError(msg)
    if text == "24/7":
        return Schedule(tuple(((0, 1440),) for _ in DAYS))
    week: list[tuple[tuple[int, int], ...]] = [() for _ in DAYS]
    for rule in filter(None, (r.strip() for r in text.split(";"))):
        if rule == "24/7":
            week = [((0, 1440),) for _ in DAYS]
            continue
        head, _, rest = rule.partition(" ")
        if _DAY_PART.match(head.split(",")[0]):
            days, times = _days(head), rest.strip()
        else:  # no day selector: every day
            days, times = list(range(7)), rule
        hours = () if times.lower() in _CLOSED else ((0, 1440),) if not times else _intervals(times)
        for day in days:
            week[day] = hours
    return Schedule(tuple(week))


def is_open(spec: str | None, at: dt.datetime) -> bool | None:
    """Open at ``at`` (local wall-clock time); ``None`` when the hours are unknown or not understood.

    >>> is_open("Mo-Fr 08:00-18:00", dt.datetime(2026, 12, 1, 9, 30))  # a Tuesday
    True
    >>> is_open("Mo-Fr 08:00-18:00; PH off", dt.datetime(2026, 12, 1, 9, 30)) is None
    True
    """
    if spec is None or not str(spec).strip():
        return None
    try:
        return parse(spec).is_open(at)
    except OpeningHoursError:
        return None


def _clock(value: object) -> str:
    found = re.match(rf"^\s*{_TIME}", str(value or ""))
    if not found:
        msg = f"no time of day: {str(value)[:40]!r}"
        raise OpeningHoursError(msg)
    return f"{int(found[1]):02d}:{found[2]}"


def from_specification(items: Iterable[Mapping]) -> str:
    """schema.org ``openingHoursSpecification`` (FIWARE Museum, Store …) as opening-hours text.

    >>> from_specification([{"dayOfWeek": "https://schema.org/Monday", "opens": "10:00:00", "closes": "18:00:00"}])
    'Mo 10:00-18:00'
    """
    per_day: dict[str, list[str]] = {}  # several entries for one day are one rule: a later rule would replace it
    for item in items:
        if not isinstance(item, Mapping):
            msg = "an openingHoursSpecification entry is not an object"
            raise OpeningHoursError(msg)
        days = item.get("dayOfWeek")
        for name in days if isinstance(days, list) else [days]:
            code = _SCHEMA_DAYS.get(str(name).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower())
            if code is None:
                msg = f"unknown dayOfWeek {str(name)[:40]!r}"
                raise OpeningHoursError(msg)
            per_day.setdefault(code, []).append(f"{_clock(item.get('opens'))}-{_clock(item.get('closes'))}")
    text = "; ".join(f"{day} {','.join(per_day[day])}" for day in DAYS if day in per_day)
    parse(text)  # what goes into the store is understood by is_open
    return text
