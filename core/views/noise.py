"""Lärm: each sound meter's day level (LAeq 06–22) and last night's level (22–06) against the city's guideline values.

Levels are energetic means in local time (10·log10 of the mean of 10^(L/10)), never the
arithmetic mean of dB: the 15-minute rollup buckets of a period are merged by
``core.rollup.coarsen``, which combines each quantity by its declared aggregation. A
comparison with guideline values (``core.config.NoiseGuide``), never an official measurement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import polars as pl

from core.config import CityConfig, NoiseGuide
from core.rollup import BUCKET_SCHEMA, coarsen
from core.store import StoreReader
from core.views._time import now_or
from core.views.parking import wide

THEME = "noise"
LEVEL, PEAK = "noise", "noise_max"
DAY_STARTS, NIGHT_STARTS = dt.time(6), dt.time(22)  # TA Lärm: day 06–22, night 22–06 (local time)
BUCKET = "15m"
PROFILE_HOURS = 24  # the chart: the last 24 hours, the current one included  # every real time zone's offset is a multiple of 15 minutes, so these buckets fit local hours
# Against a guideline value: at or below it, or above it (tone and icon go with the word on the page).
RATINGS = {"below": "good", "above": "poor"}


@dataclass(frozen=True)
class Periods:
    """The day period shown (today's, still running until 22:00; before 06:00 yesterday's) and the last complete night, in UTC."""

    day: tuple[dt.datetime, dt.datetime]
    night: tuple[dt.datetime, dt.datetime]
    day_running: bool


def periods(now: dt.datetime, tz: str) -> Periods:
    """The periods of :class:`Periods` for ``now`` in time zone ``tz``.

    >>> p = periods(dt.datetime(2026, 7, 15, 12, tzinfo=dt.UTC), "Europe/Berlin")
    >>> [t.isoformat(timespec="minutes") for t in (*p.day, *p.night)], p.day_running
    (['2026-07-15T04:00+00:00', '2026-07-15T12:00+00:00', '2026-07-14T20:00+00:00', '2026-07-15T04:00+00:00'], True)
    """
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)

    def at(day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=zone).astimezone(dt.UTC)

    day = local.date() if local.time() >= DAY_STARTS else local.date() - dt.timedelta(days=1)
    day_start, day_end = at(day, DAY_STARTS), at(day, NIGHT_STARTS)
    night_end = at(local.date() if local.time() >= DAY_STARTS else local.date() - dt.timedelta(days=1), DAY_STARTS)
    night_start = at(night_end.astimezone(zone).date() - dt.timedelta(days=1), NIGHT_STARTS)
    return Periods(day=(day_start, min(day_end, now)), night=(night_start, night_end), day_running=now < day_end)


def _merged(buckets: pl.DataFrame, label: pl.Expr, tz: str) -> pl.DataFrame:
    """Buckets merged per series and ``label`` (a UTC instant on the 15-minute grid) by each quantity's aggregation."""
    return coarsen(buckets.with_columns(bucket_start=label), BUCKET, tz)


def period_levels(buckets: pl.DataFrame, start: dt.datetime, end: dt.datetime, tz: str) -> pl.DataFrame:
    """station_id, quantity, value (energetic for LAeq, max for the peak), hours (covered by buckets) over [start, end)."""
    inside = buckets.filter((pl.col("bucket_start") >= start) & (pl.col("bucket_start") < end))
    merged = _merged(inside, pl.lit(start, pl.Datetime("us", "UTC")), tz)
    counts = inside.group_by("station_id", "quantity").agg(hours=pl.len() * 0.25)
    return merged.join(counts, on=["station_id", "quantity"], how="left").select("station_id", "quantity", "value", "hours")


def hourly_levels(buckets: pl.DataFrame, tz: str) -> pl.DataFrame:
    """station_id, quantity, bucket_start (the local hour's start, UTC), value: the buckets merged per local hour."""
    local_hour = pl.col("bucket_start").dt.convert_time_zone(tz).dt.truncate("1h").dt.convert_time_zone("UTC")
    return _merged(buckets, local_hour, tz).select("station_id", "quantity", "bucket_start", "value")


@dataclass(frozen=True)
class NoiseView:
    """What the Lärm part of the page shows."""

    stations: pl.DataFrame  # one row per sound meter, loudest day first (see :func:`overview`)
    hourly: pl.DataFrame  # station_id, quantity, bucket_start (UTC), time (naive local), value: the last 24 hours
    guide: NoiseGuide
    periods: Periods
    as_of: dt.datetime | None


def overview(store: StoreReader, city: CityConfig, *, now: dt.datetime | None = None) -> NoiseView:
    """Per sound meter: LAeq and peak now, the day level, last night's level, hours today above the day value.

    ``stations`` columns: station_id, name, district, lat, lon, now (latest LAeq), peak (latest
    LAFmax), ts, age_s, stale, day (energetic LAeq of the day period so far), day_hours (hours
    with data), night, night_hours, day_rating, night_rating (a :data:`RATINGS` key against
    the city's guideline values), day_tone, night_tone, hours_above (hours of the day period
    whose hourly LAeq is above the day value), hours_counted (its hours with data).
    """
    now = now_or(now)
    tz, guide = city.timezone, city.noise
    spans = periods(now, tz)
    stations = store.stations().filter(pl.col("theme") == THEME).select("station_id", "name", "district", "lat", "lon")
    ids = stations["station_id"].to_list()
    since = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=PROFILE_HOURS - 1)
    start = min(spans.night[0], spans.day[0], since)
    buckets = (
        store.rollup(BUCKET, start=start, station_ids=ids, quantities=[LEVEL, PEAK]).filter(pl.col("bucket_start") < now)
        if ids
        else pl.DataFrame(schema=BUCKET_SCHEMA)
    )
    day = period_levels(buckets, *spans.day, tz).filter(pl.col("quantity") == LEVEL)
    night = period_levels(buckets, *spans.night, tz).filter(pl.col("quantity") == LEVEL)
    hours = hourly_levels(buckets, tz).with_columns(time=pl.col("bucket_start").dt.convert_time_zone(tz).dt.replace_time_zone(None))
    in_day = (pl.col("bucket_start") >= spans.day[0]) & (pl.col("bucket_start") < spans.day[1])
    above = (
        hours.filter((pl.col("quantity") == LEVEL) & in_day)
        .group_by("station_id")
        .agg(hours_above=(pl.col("value") > guide.day).sum().cast(pl.Int32), hours_counted=pl.len().cast(pl.Int32))
    )
    hourly = hours.filter(pl.col("bucket_start") >= since).sort("station_id", "quantity", "bucket_start")
    current = wide(store.latest(now), stations, (LEVEL, PEAK)).rename({LEVEL: "now", PEAK: "peak"})

    def rating(column: str, limit: float) -> pl.Expr:
        return pl.when(pl.col(column).is_null()).then(None).when(pl.col(column) > limit).then(pl.lit("above")).otherwise(pl.lit("below"))

    table = (
        current.join(day.select("station_id", day="value", day_hours="hours"), on="station_id", how="left")
        .join(night.select("station_id", night="value", night_hours="hours"), on="station_id", how="left")
        .join(above, on="station_id", how="left")
        .with_columns(
            pl.col("hours_above", "hours_counted").fill_null(0),
            day_rating=rating("day", guide.day),
            night_rating=rating("night", guide.night),
        )
        .with_columns(
            day_tone=pl.col("day_rating").replace_strict(RATINGS, default="unknown"),
            night_tone=pl.col("night_rating").replace_strict(RATINGS, default="unknown"),
        )
        .sort(["stale", "day", "name"], descending=[False, True, False], nulls_last=True)
    )
    return NoiseView(stations=table, hourly=hourly, guide=guide, periods=spans, as_of=table["ts"].max() if len(table) else None)
