"""Verkehr: each counter's traffic now and today against what this weekday and hour usually bring, modal split, V85.

"Usual" for traffic is per weekday (a Saturday is not a Tuesday): the median of the same
local hour on the same weekday of the last :data:`USUAL_WEEKS` weeks, with the band between
their 10th and 90th percentile, from the hourly rollup (Telraam's "typisch für einen Dienstag
um 8 Uhr"). Counts are rates per hour, so a day's count is the sum of its hourly rates × the
hours they cover (the current hour only as far as it has gone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import polars as pl

from core.config import CityConfig
from core.rollup import BUCKET_SCHEMA
from core.store import StoreReader
from core.views._time import local_day_start, now_or
from core.views.parking import wide

THEME = "traffic"
MODES = ("traffic_car", "traffic_heavy", "traffic_bike", "traffic_pedestrian")  # the modal split, in this order
SPEED = "speed_v85"
QUANTITIES = (*MODES, SPEED)
HEADLINE = "traffic_car"
USUAL_WEEKS = 8
BAND = (0.1, 0.9)  # the usual band: 10th to 90th percentile of the same weekday-hours
# Added to both sides of now/usual before dividing, so that 3 cars instead of 1 at night is not "far more".
SMOOTHING = 20.0


@dataclass(frozen=True)
class Comparison:
    """A word for traffic now against the usual: ``below`` is the upper end of its ratio band (exclusive)."""

    key: str
    below: float
    de: str
    en: str
    tone: str


COMPARISONS: tuple[Comparison, ...] = (
    Comparison("much_less", 0.7, "deutlich weniger als üblich", "far less than usual", "fair"),
    Comparison("less", 0.92, "etwas weniger als üblich", "a little less than usual", "fair"),
    Comparison("usual", 1.08, "so viel wie üblich", "as usual", "good"),
    Comparison("more", 1.3, "etwas mehr als üblich", "a little more than usual", "moderate"),
    Comparison("much_more", float("inf"), "deutlich mehr als üblich", "far more than usual", "poor"),
)
BY_KEY = {c.key: c for c in COMPARISONS}


def comparison(value: pl.Expr, usual: pl.Expr) -> pl.Expr:
    """The :data:`COMPARISONS` key of ``value`` against ``usual`` (null when either is unknown).

    >>> pl.select(comparison(pl.lit(420.0), pl.lit(380.0))).item()
    'more'
    """
    ratio = (value + SMOOTHING) / (usual + SMOOTHING)
    chosen = pl.when(value.is_null() | usual.is_null()).then(None)
    for c in COMPARISONS:
        chosen = chosen.when(ratio < c.below).then(pl.lit(c.key))
    return chosen.otherwise(pl.lit(COMPARISONS[-1].key))


def compare(value: float | None, usual: float | None) -> Comparison | None:
    """:func:`comparison` for one pair of numbers."""
    key = pl.select(comparison(pl.lit(value, pl.Float64), pl.lit(usual, pl.Float64))).item()
    return BY_KEY.get(key) if key else None


def weekday_usual(rollup_1h: pl.DataFrame, now: dt.datetime, tz: str, *, weeks: int = USUAL_WEEKS) -> pl.DataFrame:
    """Per series and local hour of the day: the usual of today's weekday over the last ``weeks`` weeks.

    Today is left out. Returns station_id, quantity, hour (0–23, local), usual (median), low,
    high (the :data:`BAND` percentiles) and days (how many earlier weekdays had that hour).
    """
    today = now.astimezone(ZoneInfo(tz)).date()
    local = pl.col("bucket_start").dt.convert_time_zone(tz)
    return (
        rollup_1h.filter(
            (local.dt.weekday() == today.isoweekday()) & (local.dt.date() < today) & (local.dt.date() >= today - dt.timedelta(weeks=weeks))
        )
        .group_by("station_id", "quantity", hour=local.dt.hour().cast(pl.Int8))
        .agg(
            usual=pl.col("value").median(),
            low=pl.col("value").quantile(BAND[0], interpolation="linear"),
            high=pl.col("value").quantile(BAND[1], interpolation="linear"),
            days=pl.len().cast(pl.Int32),
        )
        .sort("station_id", "quantity", "hour")
    )


def usual_of(rollup_1h: pl.DataFrame, latest: pl.DataFrame, tz: str, *, weeks: int = USUAL_WEEKS) -> pl.DataFrame:
    """Per series, what the hour of its latest reading usually brings: the median of that local hour on the same weekday of the ``weeks`` weeks before.

    Counters publish an hour when it is over (Telraam), so the latest reading is often the last
    hour's, or yesterday's at midnight: it is compared with its own hour and weekday, never the
    clock's. ``latest``: station_id, quantity, ts. Returns station_id, quantity, usual.
    """
    local = pl.col("bucket_start").dt.convert_time_zone(tz)
    at = pl.col("at").dt.convert_time_zone(tz)
    days_before = (at.dt.date() - local.dt.date()).dt.total_days()
    return (
        rollup_1h.join(latest.select("station_id", "quantity", at="ts"), on=["station_id", "quantity"], how="inner")
        .filter(
            (local.dt.weekday() == at.dt.weekday()) & (local.dt.hour() == at.dt.hour()) & (days_before > 0) & (days_before <= 7 * weeks)
        )
        .group_by("station_id", "quantity")
        .agg(usual=pl.col("value").median())
    )


def history(
    store: StoreReader, city: CityConfig, station_ids: Iterable[str], now: dt.datetime, *, weeks: int = USUAL_WEEKS
) -> pl.DataFrame:
    """The hourly rollup of the counters' quantities before today: ``weeks`` weeks and a day (for a reading from yesterday)."""
    ids = list(station_ids)
    if not ids:
        return pl.DataFrame(schema=BUCKET_SCHEMA)
    today = local_day_start(now, city.timezone)
    start = local_day_start(now, city.timezone, days_back=7 * weeks + 1)
    return store.rollup("1h", start=start, end=today, station_ids=ids, quantities=list(QUANTITIES))


def usual_now(store: StoreReader, city: CityConfig, latest: pl.DataFrame, now: dt.datetime) -> pl.DataFrame:
    """station_id, quantity, usual for the Heute tile: :func:`usual_of` the counters' latest readings (station_id, quantity, ts)."""
    ids = latest["station_id"].unique().to_list()
    return usual_of(history(store, city, ids, now), latest, city.timezone)


@dataclass(frozen=True)
class TrafficView:
    """What the Verkehr part of the page shows; frames are small (a row per counter, mode or hour)."""

    counters: pl.DataFrame  # one row per counter, busiest first (see :func:`overview`)
    split: pl.DataFrame  # station_id, quantity, count (today so far), share
    hourly: pl.DataFrame  # station_id, quantity, hour, value (today), usual, low, high, days
    weekday: int  # ISO weekday of today (1 = Monday), local
    hour: int  # the local hour now
    as_of: dt.datetime | None


def overview(store: StoreReader, city: CityConfig, *, now: dt.datetime | None = None) -> TrafficView:
    """Every traffic counter now and today against the usual of this weekday and hour.

    ``counters`` columns: station_id, name, district, lat, lon, the latest value of each of
    :data:`QUANTITIES`, ts, age_s, stale, usual (cars per hour the hour of the latest car count
    usually brings on its weekday, see :func:`usual_of`), at (that reading's time), comparison
    (a :data:`COMPARISONS` key), comparison_de, comparison_en, tone, today (cars counted today
    so far), usual_today (what the same hours usually bring on this weekday).
    """
    now = now_or(now)
    tz = city.timezone
    local_now = now.astimezone(ZoneInfo(tz))
    stations = store.stations().filter(pl.col("theme") == THEME).select("station_id", "name", "district", "lat", "lon")
    ids = stations["station_id"].to_list()
    hist = history(store, city, ids, now)
    usual = weekday_usual(hist, now, tz)
    midnight = local_day_start(now, tz)
    today = store.rollup("1h", start=midnight, station_ids=ids, quantities=list(QUANTITIES)) if ids else pl.DataFrame(schema=BUCKET_SCHEMA)
    local = pl.col("bucket_start").dt.convert_time_zone(tz)
    end = pl.min_horizontal(pl.col("bucket_start") + pl.duration(hours=1), pl.lit(now, pl.Datetime("us", "UTC")))
    hours = ((end - pl.col("bucket_start")).dt.total_seconds() / 3600).clip(lower_bound=0)
    today = today.filter(pl.col("bucket_start") <= now).with_columns(hour=local.dt.hour().cast(pl.Int8), covered=hours)
    hourly = (
        usual.join(
            today.select("station_id", "quantity", "hour", "value"), on=["station_id", "quantity", "hour"], how="full", coalesce=True
        )
        .select("station_id", "quantity", "hour", "value", "usual", "low", "high", "days")
        .sort("station_id", "quantity", "hour")
    )
    counted = (
        today.filter(pl.col("quantity").is_in(MODES))
        .group_by("station_id", "quantity")
        .agg(count=(pl.col("value") * pl.col("covered")).sum())
    )
    split = (
        counted.with_columns(share=pl.col("count") / pl.col("count").sum().over("station_id"))
        .with_columns(order=pl.col("quantity").replace_strict({q: i for i, q in enumerate(MODES)}, return_dtype=pl.Int8))
        .sort("station_id", "order")
        .drop("order")
    )
    cars_today = counted.filter(pl.col("quantity") == HEADLINE).select("station_id", today="count")
    # what the usual day has counted in the same hours (like with like: an hour not published yet counts on neither side)
    usual_today = (
        today.filter(pl.col("quantity") == HEADLINE)
        .join(usual.filter(pl.col("quantity") == HEADLINE), on=["station_id", "quantity", "hour"], how="inner")
        .group_by("station_id")
        .agg(usual_today=(pl.col("usual") * pl.col("covered")).sum())
    )
    latest = store.latest(now).filter(pl.col("quantity").is_in(QUANTITIES) & pl.col("station_id").is_in(ids))
    cars = latest.filter(pl.col("quantity") == HEADLINE).select("station_id", "quantity", "ts")
    this_hour = (
        usual_of(hist, cars, tz).select("station_id", "usual").join(cars.select("station_id", at="ts"), on="station_id", how="right")
    )
    counters = (
        wide(latest, stations, QUANTITIES)
        .join(this_hour, on="station_id", how="left")
        .join(cars_today, on="station_id", how="left")
        .join(usual_today, on="station_id", how="left")
        .with_columns(comparison=comparison(pl.col(HEADLINE), pl.col("usual")))
        .with_columns(
            comparison_de=pl.col("comparison").replace_strict({c.key: c.de for c in COMPARISONS}, default=None),
            comparison_en=pl.col("comparison").replace_strict({c.key: c.en for c in COMPARISONS}, default=None),
            tone=pl.col("comparison").replace_strict({c.key: c.tone for c in COMPARISONS}, default="unknown"),
        )
        .sort(["stale", HEADLINE, "name"], descending=[False, True, False], nulls_last=True)
    )
    return TrafficView(
        counters=counters,
        split=split,
        hourly=hourly,
        weekday=local_now.isoweekday(),
        hour=local_now.hour,
        as_of=counters["ts"].max() if len(counters) else None,
    )
