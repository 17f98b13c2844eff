"""Stadtklima: temperatures across the city now, day curves, DWD heat-day counts, young trees' soil."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import polars as pl

from core.config import CityConfig
from core.rollup import BUCKET_SCHEMA
from core.status import edges, felt, status
from core.store import StoreReader
from core.views._time import local_day_start
from core.views._time import now_or as _now

THEME = "microclimate"
TREE_THEME = "soil"
SOIL = ("soil_moisture", "soil_tension")
RANK_N = 5  # hottest and coolest spots listed
CURVE_DAYS = 7  # today and the six days before
TREE_DAYS = 14
TREE_CURVES = 5  # trees drawn by default: the driest ones
CLOCK_DAY = dt.datetime(2000, 1, 1)  # all day curves share this date, so they overlay on one time-of-day axis


@dataclass(frozen=True)
class DayCount:
    """A DWD climatological day type counted from the daily rollup of temperature.

    ``final_today``: today's partial day already decides once it qualifies (a maximum only
    rises, a minimum only falls); a Tropennacht (min ≥ 20 °C) is only known when the day is over.
    """

    key: str
    column: str  # "max" or "min" of the day
    threshold: float
    above: bool  # True: column >= threshold; False: column < threshold
    final_today: bool


DAY_COUNTS: tuple[DayCount, ...] = (
    DayCount("summer", "max", 25.0, True, True),
    DayCount("hot", "max", 30.0, True, True),
    # DWD takes the night's minimum (18–06 UTC); the day's minimum (local midnight to midnight) approximates it
    DayCount("tropical", "min", 20.0, True, False),
    DayCount("frost", "min", 0.0, False, True),
)


def _station_ids(store: StoreReader, theme: str) -> list[str]:
    return store.stations().filter(pl.col("theme") == theme)["station_id"].to_list()


@dataclass(frozen=True)
class CityNow:
    """Temperatures now: every station (warmest first, stale ones last) and the ranked spots."""

    stations: pl.DataFrame
    hottest: pl.DataFrame
    coolest: pl.DataFrame
    mean: float | None
    as_of: dt.datetime | None
    worst: dict | None  # the station with the highest heat-stress severity, then felt temperature


def city_now(store: StoreReader, city: CityConfig, *, now: dt.datetime | None = None) -> CityNow:
    """Latest temperature, humidity and felt temperature with heat-stress status per station."""
    latest = store.latest(_now(now)).filter(pl.col("quantity").is_in(["temperature", "humidity"]))
    places = store.stations().filter(pl.col("theme") == THEME).select("station_id", "name", "district", "lat", "lon")
    temps = latest.filter(pl.col("quantity") == "temperature").select("station_id", "ts", "age_s", "stale", temperature="value")
    frame = places.join(temps, on="station_id", how="inner").join(felt(latest), on="station_id", how="left")
    rated = status(frame.with_columns(quantity=pl.lit("felt_temperature"), value=pl.col("felt")), thresholds=city.thresholds)
    ordered = rated.drop("quantity", "value").sort(["stale", "temperature"], descending=[False, True], nulls_last=True)
    fresh = ordered.filter(~pl.col("stale"))
    n_hot = min(RANK_N, (len(fresh) + 1) // 2)
    n_cool = min(RANK_N, len(fresh) - n_hot)
    worst = fresh.filter(pl.col("severity").is_not_null()).sort(["severity", "felt"], descending=True)
    return CityNow(
        stations=ordered,
        hottest=fresh.head(n_hot),
        coolest=fresh.tail(n_cool).reverse(),
        mean=float(fresh["temperature"].mean()) if len(fresh) else None,
        as_of=ordered["ts"].max() if len(ordered) else None,
        worst=worst.row(0, named=True) if len(worst) else None,
    )


def _clock(tz: str) -> pl.Expr:
    """Local time of day of ``bucket_start`` placed on :data:`CLOCK_DAY` (naive), for overlaid curves."""
    local = pl.col("bucket_start").dt.convert_time_zone(tz)
    return pl.lit(CLOCK_DAY) + (local.dt.replace_time_zone(None) - local.dt.replace_time_zone(None).dt.truncate("1d"))


def day_curves(
    store: StoreReader, city: CityConfig, *, station_id: str | None = None, days: int = CURVE_DAYS, now: dt.datetime | None = None
) -> pl.DataFrame:
    """Temperature over the local time of day: today from 15-min buckets, earlier days hourly.

    ``station_id`` None gives the city mean (mean over stations of their bucket means; a
    station missing in a bucket just does not count there). Columns: day (local date),
    today (bool), clock (naive datetime on :data:`CLOCK_DAY`), value; sorted by day, clock.
    """
    now = _now(now)
    ids = [station_id] if station_id else _station_ids(store, THEME)
    if not ids:
        return pl.DataFrame(schema={"day": pl.Date, "today": pl.Boolean, "clock": pl.Datetime("us"), "value": pl.Float64})
    today = local_day_start(now, city.timezone)
    parts = [
        store.rollup(
            "1h", start=local_day_start(now, city.timezone, days_back=days - 1), end=today, station_ids=ids, quantities=["temperature"]
        ),
        store.rollup("15m", start=today, station_ids=ids, quantities=["temperature"]),
    ]
    buckets = pl.concat(parts).filter(pl.col("bucket_start") <= now)
    return (
        buckets.group_by("bucket_start")
        .agg(value=pl.col("value").mean())
        .with_columns(day=pl.col("bucket_start").dt.convert_time_zone(city.timezone).dt.date(), clock=_clock(city.timezone))
        .with_columns(today=pl.col("bucket_start") >= today)
        .sort("day", "clock")
        .select("day", "today", "clock", "value")
    )


@dataclass(frozen=True)
class HeatDays:
    """Counts of :data:`DAY_COUNTS` this year: per station, and city-wide ("anywhere in the city")."""

    per_station: pl.DataFrame  # station_id, name, district, days, max, min, and one count column per DayCount
    city: dict[str, int]  # days on which at least one station met the criterion
    since: dt.date
    through: dt.date
    days: int  # days with any temperature data
    first: dt.date | None  # the first day with data (a young store counts from there, not from 1 January)


def heat_days(store: StoreReader, city: CityConfig, *, now: dt.datetime | None = None) -> HeatDays:
    """Sommertage, heiße Tage, Tropennächte and Frosttage since local 1 January, from the 1d rollup."""
    now = _now(now)
    local_today = now.astimezone(ZoneInfo(city.timezone)).date()
    since = dt.date(local_today.year, 1, 1)
    start = dt.datetime.combine(since, dt.time(0), tzinfo=ZoneInfo(city.timezone)).astimezone(dt.UTC)
    places = store.stations().filter(pl.col("theme") == THEME).select("station_id", "name", "district")
    ids = places["station_id"].to_list()
    daily = store.rollup("1d", start=start, station_ids=ids, quantities=["temperature"]) if ids else pl.DataFrame(schema=BUCKET_SCHEMA)
    today_start = local_day_start(now, city.timezone)
    flags = [
        ((pl.col(c.column) >= c.threshold) if c.above else (pl.col(c.column) < c.threshold))
        & ((pl.col("bucket_start") < today_start) | pl.lit(c.final_today))
        for c in DAY_COUNTS
    ]
    marked = daily.select("station_id", "bucket_start", "min", "max", *[f.alias(c.key) for f, c in zip(flags, DAY_COUNTS)])
    per_station = (
        marked.group_by("station_id")
        .agg(pl.len().alias("days"), pl.col("max").max(), pl.col("min").min(), *[pl.col(c.key).sum().cast(pl.Int64) for c in DAY_COUNTS])
        .join(places, on="station_id", how="left")
        .sort("name")
        .select("station_id", "name", "district", "days", "max", "min", *[c.key for c in DAY_COUNTS])
    )
    anywhere = marked.group_by("bucket_start").agg(*[pl.col(c.key).any() for c in DAY_COUNTS])
    return HeatDays(
        per_station=per_station,
        city={c.key: int(anywhere[c.key].sum()) for c in DAY_COUNTS},
        since=since,
        through=local_today,
        days=anywhere.height,
        first=marked["bucket_start"].min().astimezone(ZoneInfo(city.timezone)).date() if len(marked) else None,
    )


def trees(store: StoreReader, city: CityConfig, *, now: dt.datetime | None = None) -> pl.DataFrame:
    """One row per tree sensor: its worst-rated soil value and status, driest (most urgent) first.

    Columns: station_id, name, district, quantity, value, ts, age_s, stale, severity, status,
    status_de, status_en, tone. Bands: core.status "soil_moisture" / "soil_tension", with the
    sensor's own levels (store.levels()) and the city's thresholds where given.
    """
    places = store.stations().filter(pl.col("theme") == TREE_THEME).select("station_id", "name", "district")
    latest = (
        store.latest(_now(now)).filter(pl.col("quantity").is_in(SOIL)).select("station_id", "quantity", "value", "ts", "age_s", "stale")
    )
    rated = status(places.join(latest, on="station_id", how="inner"), thresholds=city.thresholds, levels=store.levels())
    # status() keeps the frame's columns and adds its own at the end: the documented order
    return rated.sort(["severity", "stale", "value"], descending=[True, False, False], nulls_last=True).unique(
        "station_id", keep="first", maintain_order=True
    )


def tree_curves(
    store: StoreReader, city: CityConfig, *, station_ids: tuple[str, ...] = (), days: int = TREE_DAYS, now: dt.datetime | None = None
) -> pl.DataFrame:
    """Hourly soil values of the chosen trees (default: the :data:`TREE_CURVES` most urgent) over ``days`` days.

    Columns: station_id, name, quantity, time (naive local datetime), value (hourly mean).
    """
    now = _now(now)
    ids = list(station_ids) or trees(store, city, now=now)["station_id"].head(TREE_CURVES).to_list()
    names = store.stations().select("station_id", "name")
    if not ids:
        return pl.DataFrame(
            schema={"station_id": pl.String, "name": pl.String, "quantity": pl.String, "time": pl.Datetime("us"), "value": pl.Float64}
        )
    start = local_day_start(now, city.timezone, days_back=days - 1)
    hourly = store.rollup("1h", start=start, station_ids=ids, quantities=list(SOIL))
    return (
        hourly.join(names, on="station_id", how="left")
        .select(
            "station_id",
            "name",
            "quantity",
            time=pl.col("bucket_start").dt.convert_time_zone(city.timezone).dt.replace_time_zone(None),
            value="value",
        )
        .sort("station_id", "quantity", "time")
    )


def soil_edges(store: StoreReader, city: CityConfig) -> dict[str, tuple[float, ...]]:
    """The city-wide band edges of each soil quantity (a sensor's own levels may differ)."""
    return {q: edges(q, city.thresholds) for q in SOIL}
