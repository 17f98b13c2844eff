"""Clock and calendar helpers the views share: "now", local midnight, the local week."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UTC = dt.UTC


def now_or(now: dt.datetime | None) -> dt.datetime:
    """``now`` as given (tests pin the clock), else the current time in UTC."""
    return dt.datetime.now(UTC) if now is None else now


def local_day_start(now: dt.datetime, tz: str, *, days_back: int = 0) -> dt.datetime:
    """UTC instant of local midnight ``days_back`` days before the local day of ``now``.

    >>> local_day_start(dt.datetime(2026, 3, 29, 12, tzinfo=UTC), "Europe/Berlin")
    datetime.datetime(2026, 3, 28, 23, 0, tzinfo=datetime.timezone.utc)
    """
    zone = ZoneInfo(tz)
    day = now.astimezone(zone).date() - dt.timedelta(days=days_back)
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(UTC)


def week_start(now: dt.datetime, tz: str, *, weeks_back: int = 0) -> dt.datetime:
    """UTC instant of local Monday 00:00 of this week (``weeks_back`` weeks earlier)."""
    local = now.astimezone(ZoneInfo(tz))
    return local_day_start(now, tz, days_back=local.weekday() + 7 * weeks_back)
