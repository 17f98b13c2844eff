""""Wie geht es meiner Stadt heute?": the city's current state per theme, from latest values only.

Tiles are declared as data (which quantities, how stations are combined); one generic
function computes them all. The result carries sentence keys and numbers, never text:
the UI's i18n table turns them into German or English.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from zoneinfo import ZoneInfo

import polars as pl

from core.schema import QUANTITIES, THEME_TABLE
from core.status import felt, status

TREND_WINDOW = dt.timedelta(hours=1)


@dataclass(frozen=True)
class TileSpec:
    key: str
    theme: str
    quantities: tuple[str, ...]
    combine: str  # how the shown value is made: "mean" or "sum" over stations, or "worst" station's value
    show: str  # quantity whose value the tile shows
    rate: str = "worst"  # status of the "worst" station, or of the combined "value" itself


TILES: tuple[TileSpec, ...] = (
    TileSpec("heat", "microclimate", ("temperature", "humidity"), "mean", "temperature"),
    TileSpec("air", "air_quality", ("pm10", "pm2_5", "no2", "o3"), "worst", "pm10"),
    TileSpec("classrooms", "indoor_air", ("co2",), "mean", "co2", rate="value"),
    TileSpec("water", "water", ("water_level",), "worst", "water_level"),
    TileSpec("trees", "soil", ("soil_moisture", "soil_tension"), "worst", "soil_moisture"),
    TileSpec("parking", "parking", ("parking_free", "occupancy"), "sum", "parking_free"),
)


@dataclass(frozen=True)
class Tile:
    """One theme now: value, status of the deciding station, counts for the sentence, freshness."""

    key: str
    quantity: str | None = None
    value: float | None = None
    severity: int | None = None
    status: str = "unknown"
    status_de: str = "keine Daten"
    status_en: str = "no data"
    tone: str = "unknown"
    station: str | None = None  # name of the deciding station (untrusted text from the feed)
    trend: float | None = None  # change per hour of the deciding station
    trend_word: str | None = None  # "up", "down", "flat" (core.today.trend_word), None when unknown
    usual: float | None = None  # what this hour normally brings (median of the last 14 days)
    as_of: dt.datetime | None = None
    stale: bool = False
    stations: int = 0
    flagged: int = 0  # stations at severity >= 1 (rooms to air, trees to water, gauges above a level)
    extra: dict[str, Any] = field(default_factory=dict)


def current(latest: pl.DataFrame, stations: pl.DataFrame, *, thresholds: Mapping[str, Any] | None = None, levels: pl.DataFrame | None = None) -> pl.DataFrame:
    """Latest value per station and quantity joined with station data and status.

    A temperature is rated as the station's felt temperature (``core.status.felt``) under the
    key ``felt_temperature``, exactly as the Stadtklima page rates it; ``felt`` holds that value.
    """
    frame = (
        latest.join(stations.select("station_id", "name", "theme", "district", "lat", "lon"), on="station_id", how="left")
        .join(felt(latest), on="station_id", how="left")
        .with_columns(felt=pl.when(pl.col("quantity") == "temperature").then(pl.col("felt")))
    )
    is_heat = pl.col("felt").is_not_null()
    asked = frame.with_columns(
        quantity=pl.when(is_heat).then(pl.lit("felt_temperature")).otherwise(pl.col("quantity")),
        value=pl.when(is_heat).then(pl.col("felt")).otherwise(pl.col("value")),
    )
    rated = status(asked, thresholds=thresholds, levels=levels)
    return rated.with_columns(quantity=frame["quantity"], value=frame["value"])


def trend_word(trend: pl.Expr, quantity: pl.Expr) -> pl.Expr:
    """ "up", "down" or "flat" for a change per hour; null when the trend is unknown.

    A change smaller than the quantity's ``steady_per_h`` (core.schema) is steady, so Heute,
    Pegel and every arrow call the same change the same word.
    """
    limit = quantity.replace_strict({k: q.steady_per_h for k, q in QUANTITIES.items()}, default=0.3, return_dtype=pl.Float64)
    return pl.when(trend.is_null()).then(None).when(trend > limit).then(pl.lit("up")).when(trend < -limit).then(pl.lit("down")).otherwise(pl.lit("flat"))


def trends(rollup_15m: pl.DataFrame) -> pl.DataFrame:
    """Change per hour of each series over the last hour, from 15-min buckets, and its word (:func:`trend_word`)."""
    return (
        rollup_15m.sort("station_id", "quantity", "bucket_start")
        .group_by("station_id", "quantity")
        .agg(
            first=pl.col("value").first(),
            last=pl.col("last").last(),
            hours=(pl.col("bucket_start").last() - pl.col("bucket_start").first()).dt.total_seconds() / 3600,
        )
        .with_columns(trend=pl.when(pl.col("hours") > 0).then((pl.col("last") - pl.col("first")) / pl.col("hours")))
        .select("station_id", "quantity", "trend", trend_word=trend_word(pl.col("trend"), pl.col("quantity")))
    )


USUAL_DAYS = 14


def usual(rollup_1h: pl.DataFrame, now: dt.datetime, tz: str) -> pl.DataFrame:
    """Per series, the median of its hourly values at this local hour on the last 14 days.

    "Today vs. usual": the current value is compared with what this hour normally brings.
    Today's own hours are left out. Returns station_id, quantity, usual.
    """
    local_now = now.astimezone(ZoneInfo(tz))
    local = pl.col("bucket_start").dt.convert_time_zone(tz)
    return (
        rollup_1h.filter(
            (local.dt.hour() == local_now.hour)
            & (local.dt.date() < local_now.date())
            & (local.dt.date() >= local_now.date() - dt.timedelta(days=USUAL_DAYS))
        )
        .group_by("station_id", "quantity")
        .agg(usual=pl.col("value").median())
    )


def tiles(
    now_frame: pl.DataFrame,
    trend_frame: pl.DataFrame | None = None,
    *,
    thresholds: Mapping[str, Any] | None = None,
    usual_frame: pl.DataFrame | None = None,
) -> list[Tile]:
    """One tile per declared theme from :func:`current`'s frame (themes without data are empty)."""
    for extra, columns in ((trend_frame, {"trend": pl.Float64, "trend_word": pl.String}), (usual_frame, {"usual": pl.Float64})):
        if extra is not None and len(extra):
            now_frame = now_frame.join(extra, on=["station_id", "quantity"], how="left")
        else:
            now_frame = now_frame.with_columns(pl.lit(None, dtype).alias(column) for column, dtype in columns.items())
    return [
        _tile(spec, now_frame.filter(pl.col("quantity").is_in(spec.quantities) & (pl.col("theme") == spec.theme)), thresholds)
        for spec in TILES
    ]


def _tile(spec: TileSpec, rows: pl.DataFrame, thresholds: Mapping[str, Any] | None) -> Tile:
    if not len(rows):
        return Tile(spec.key)
    fresh = rows.filter(~pl.col("stale"))
    use = fresh if len(fresh) else rows  # all stale: still show the last known state, flagged stale
    rated = use.filter(pl.col("severity").is_not_null())
    per_station = rated.group_by("station_id").agg(pl.col("severity").max())
    shown = use.filter(pl.col("quantity") == spec.show)
    pool = rated if len(rated) else (shown if len(shown) else use)
    worst = pool.sort("severity", "value", descending=True, nulls_last=True).row(0, named=True)
    if spec.combine == "worst" or not len(shown):
        value, quantity, typical = worst["value"], worst["quantity"], worst.get("usual")
    else:
        combine = (lambda col: col.sum()) if spec.combine == "sum" else (lambda col: col.mean())
        value, quantity = float(combine(shown["value"])), spec.show
        known = shown.filter(pl.col("usual").is_not_null())
        # compare like with like: only stations that have a usual value enter both sides
        typical = float(combine(known["usual"])) if len(known) == len(shown) else None
    rating = worst
    if spec.rate == "value":
        one = pl.DataFrame({"station_id": [None], "quantity": [quantity], "value": [value]}, schema={"station_id": pl.String, "quantity": pl.String, "value": pl.Float64})
        rating = status(one, thresholds=thresholds).row(0, named=True)
    extra: dict[str, Any] = {}
    if spec.show == "temperature" and len(shown):
        ranked = shown.sort("value", descending=True)
        extra = {"max": ranked["value"][0], "max_station": ranked["name"][0], "min": ranked["value"][-1], "min_station": ranked["name"][-1]}
        if "felt" in shown.columns and shown["felt"].is_not_null().any():
            extra["felt_max"] = shown["felt"].max()
    return Tile(
        key=spec.key,
        quantity=quantity,
        value=value,
        severity=rating["severity"],
        status=rating["status"],
        status_de=rating["status_de"],
        status_en=rating["status_en"],
        tone=rating["tone"],
        station=worst["name"],
        trend=worst.get("trend"),
        trend_word=worst.get("trend_word"),
        usual=typical,
        as_of=use["ts"].max(),
        stale=len(fresh) == 0,
        stations=use["station_id"].n_unique(),
        flagged=int((per_station["severity"] >= 1).sum()) if len(per_station) else 0,
        extra=extra,
    )


def station_view(now_frame: pl.DataFrame) -> pl.DataFrame:
    """One row per station for the map: its worst-rated value, else its headline quantity.

    Columns: station_id, name, theme, district, lat, lon, quantity, value, ts, age_s, stale,
    severity, status, status_de, status_en, tone.
    """
    if not len(now_frame):
        return now_frame
    headlines = {key: theme.headline for key, theme in THEME_TABLE.items() if theme.headline}
    headline = pl.col("quantity") == pl.col("theme").replace_strict(headlines, default=None, return_dtype=pl.String)
    ranked = now_frame.with_columns(
        rank=pl.when(pl.col("severity").is_not_null()).then(pl.col("severity").cast(pl.Int32) + 10).when(headline).then(1).otherwise(0)
    )
    pick = ranked.sort(["rank", "ts"], descending=True).unique("station_id", keep="first", maintain_order=True)
    return pick.select(
        "station_id", "name", "theme", "district", "lat", "lon", "quantity", "value", "ts", "age_s", "stale",
        "severity", "status", "status_de", "status_en", "tone",
    ).sort("theme", "name")
