"""Water levels: every gauge now (status, trend, margin to the next level) and its hydrograph.

Levels are data: Informationsstufe 1–3 come from the city config (per gauge) or a feed's
``info1..3``; MNW/MW/MHW come from a feed's characteristic values (PEGELONLINE). Passing a
*warning* level raises the page's banner; the margin is measured to the next one above.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from core import flood
from core.config import CityConfig
from core.status import status
from core.store import StoreReader
from core.views._series import TREND_WINDOW, trend_word, trends
from core.views._time import now_or

QUANTITY = "water_level"


@dataclass(frozen=True)
class LevelSpec:
    key: str  # level name as in core.schema.LEVELS_SCHEMA
    warn: bool  # reaching it raises a banner and the margin counts to it
    severity: int  # 0 reference line, 1 warning, 2 and more alarm


LEVELS: tuple[LevelSpec, ...] = (
    LevelSpec("MNW", warn=False, severity=0),
    LevelSpec("MW", warn=False, severity=0),
    LevelSpec("MHW", warn=True, severity=1),
    LevelSpec("info1", warn=True, severity=1),
    LevelSpec("info2", warn=True, severity=2),
    LevelSpec("info3", warn=True, severity=3),
)
INFO = ("info1", "info2", "info3")

# Chart window (hours) -> rollup drawn: 15 min while a week fits, hourly beyond.
WINDOWS: dict[int, str] = {24: "15m", 48: "15m", 168: "15m", 720: "1h", 2160: "1h"}
DEFAULT_HOURS = 48
GLANCE = 8  # gauges a kiosk screen shows with their curves

LEVELS_FRAME_SCHEMA = {"station_id": pl.String, "level": pl.String, "value": pl.Float64}
_SPEC = pl.DataFrame(
    [{"level": s.key, "warn": s.warn, "level_severity": s.severity} for s in LEVELS],
    schema={"level": pl.String, "warn": pl.Boolean, "level_severity": pl.Int8},
)


@dataclass(frozen=True)
class WaterView:
    """What the Pegel page draws; frames are small (one row per gauge, level or bucket)."""

    gauges: pl.DataFrame  # one row per gauge, worst first (see :func:`summary`), with core.flood's projection_* columns
    levels: pl.DataFrame  # station_id, level, value (cm), ordered by value
    series: pl.DataFrame  # station_id, ts (bucket start, UTC), mean, min, max
    every: str
    hours: int
    as_of: dt.datetime | None


def gauge_levels(thresholds: Mapping[str, Any], levels: pl.DataFrame, station_ids: list[str]) -> pl.DataFrame:
    """Levels of the given gauges: config Informationsstufen win over a feed's, plus MNW/MW/MHW."""
    config = {sid: per.get(QUANTITY) for sid, per in thresholds.get("stations", {}).items() if per.get(QUANTITY)}
    rows = [
        {"station_id": sid, "level": INFO[i], "value": float(v)}
        for sid, edges in config.items()
        if sid in station_ids
        for i, v in enumerate(edges[: len(INFO)])
    ]
    from_config = pl.DataFrame(rows, schema=LEVELS_FRAME_SCHEMA)
    fed = levels.filter(
        (pl.col("quantity") == QUANTITY)
        & pl.col("station_id").is_in(station_ids)
        & pl.col("level").is_in([s.key for s in LEVELS])
        # the config's Informationsstufen replace a feed's as a whole set
        & ~(pl.col("level").is_in(list(INFO)) & pl.col("station_id").is_in(list(config)))
    ).select(LEVELS_FRAME_SCHEMA.keys())
    return pl.concat([from_config, fed]).unique(["station_id", "level"], keep="first").sort("station_id", "value")


def summary(now_rows: pl.DataFrame, levels: pl.DataFrame, trends: pl.DataFrame) -> pl.DataFrame:
    """Add trend, band (low/normal/high against MNW/MHW), the level passed and the margin to the next.

    ``now_rows``: latest water levels with status columns and station name; ``levels``: from
    :func:`gauge_levels`; ``trends``: station_id, quantity, trend (cm/h).
    Adds trend, trend_word, band, passed, passed_value, passed_severity, next_level, next_value,
    margin; sorted by name (a kiosk keeps every gauge in its place).
    """
    long = (
        now_rows.select("station_id", current=pl.col("value")).join(levels.join(_SPEC, on="level"), on="station_id").filter(pl.col("warn"))
    )
    # the most severe level reached names the state (Informationsstufe 2 over a higher MHW)
    reached = (
        long.filter(pl.col("value") <= pl.col("current"))
        .sort("level_severity", "value")
        .group_by("station_id")
        .agg(passed=pl.col("level").last(), passed_value=pl.col("value").last(), passed_severity=pl.col("level_severity").last())
    )
    ahead = (
        long.filter(pl.col("value") > pl.col("current"))
        .sort("value")
        .group_by("station_id")
        .agg(next_level=pl.col("level").first(), next_value=pl.col("value").first())
    )
    wide = levels.filter(pl.col("level").is_in(["MNW", "MHW"])).pivot(on="level", index="station_id", values="value")
    for name in ("MNW", "MHW"):
        if name not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(name))
    value = pl.col("value")
    band = (
        pl.when(pl.col("MHW").is_not_null() & (value >= pl.col("MHW")))
        .then(pl.lit("high"))
        .when(pl.col("MNW").is_not_null() & (value <= pl.col("MNW")))
        .then(pl.lit("low"))
        .when(pl.col("MNW").is_not_null() | pl.col("MHW").is_not_null())
        .then(pl.lit("normal"))
    )
    trend = pl.col("trend")
    return (
        now_rows.join(trends.filter(pl.col("quantity") == QUANTITY).select("station_id", "trend"), on="station_id", how="left")
        .join(wide.select("station_id", "MNW", "MHW"), on="station_id", how="left")
        .join(reached, on="station_id", how="left")
        .join(ahead, on="station_id", how="left")
        .with_columns(
            band=band,
            trend=pl.when(pl.col("stale")).then(None).otherwise(trend),
            trend_word=pl.when(pl.col("stale")).then(None).otherwise(trend_word(trend, pl.lit(QUANTITY))),
            margin=pl.col("next_value") - value,
            passed_severity=pl.col("passed_severity").cast(pl.Int8),
        )
        .drop("MNW", "MHW")
        .sort("name", "station_id")
    )


def overview(
    store: StoreReader,
    city: CityConfig,
    *,
    hours: int = DEFAULT_HOURS,
    station_ids: tuple[str, ...] | None = None,
    now: dt.datetime | None = None,
) -> WaterView:
    """Every water gauge now and the hydrograph of ``station_ids`` (all gauges when None).

    Reads only materialized data: latest values, stations, levels and one rollup query over
    the chart window, whose last hour also gives the trends.
    """
    if hours not in WINDOWS:
        msg = f"hours must be one of {sorted(WINDOWS)}, got {hours!r}"
        raise ValueError(msg)
    now = now_or(now)
    stations = store.stations().filter(pl.col("theme") == "water").select("station_id", "name", "district")
    latest = store.latest(now).filter(pl.col("quantity") == QUANTITY).join(stations, on="station_id")
    ids = latest["station_id"].to_list()
    levels = gauge_levels(city.thresholds, store.levels(), ids)
    rated = status(latest, thresholds=city.thresholds, levels=store.levels())
    every = WINDOWS[hours]
    drawn = ids if station_ids is None else [sid for sid in station_ids if sid in ids]
    series = store.rollup(every, start=now - dt.timedelta(hours=hours), station_ids=drawn, quantities=[QUANTITY])
    trend_start = now - TREND_WINDOW - dt.timedelta(minutes=15)
    recent_start = min(trend_start, now - flood.WINDOW)  # the projection fits a longer window than the trend
    if every == "15m" and set(drawn) == set(ids):  # the chart's own buckets already hold the last hours
        recent = series.filter(pl.col("bucket_start") >= recent_start)
    else:
        recent = store.rollup("15m", start=recent_start, station_ids=ids, quantities=[QUANTITY])
    gauges = summary(rated, levels, trends(recent.filter(pl.col("bucket_start") >= trend_start)))
    gauges = gauges.join(flood.projections(recent, gauges, levels, now=now), on="station_id", how="left")
    return WaterView(
        gauges=gauges,
        levels=levels,
        series=series.select("station_id", ts=pl.col("bucket_start"), mean="value", min="min", max="max"),
        every=every,
        hours=hours,
        as_of=latest["ts"].max() if len(latest) else None,
    )


def alerts(gauges: pl.DataFrame) -> pl.DataFrame:
    """Gauges at or above a warning level, the most severe first (what the banner lists)."""
    return gauges.filter(pl.col("passed").is_not_null()).sort(
        pl.col("passed_severity"), pl.col("value") - pl.col("passed_value"), descending=True, maintain_order=True
    )


def glance(gauges: pl.DataFrame, n: int = GLANCE) -> pl.DataFrame:
    """The ``n`` gauges a screen shows: at a level first, then the least margin; in name order."""
    ranked = gauges.sort(
        pl.col("passed_severity").fill_null(0),
        pl.col("margin").fill_null(float("inf")),
        "name",
        descending=[True, False, False],
        maintain_order=True,
    )
    return ranked.head(n).sort("name", "station_id")
