"""The Heute tiles as data: per theme which quantities, how the shown value is made, whose status, which words.

A tile's behaviour sits next to its declaration (``value``, ``rate``, ``sentence``, ``detail``
are functions on its :class:`TileSpec`), and one generic :func:`tile` computes any of them.
The result carries sentence keys and numbers, never text: the UI's i18n table words them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from core.status import status
from core.views import sentences as say
from core.views import traffic


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
    trend_word: str | None = None  # "up", "down", "flat" (core.views._series.trend_word), None when unknown
    usual: float | None = None  # what this hour normally brings (median of the last 14 days)
    as_of: dt.datetime | None = None
    stale: bool = False
    stations: int = 0
    flagged: int = 0  # stations at severity >= 1 (rooms to air, trees to water, gauges above a level)
    high: float | None = None  # the shown quantity's highest and lowest value now, and where
    high_place: str | None = None
    low: float | None = None
    low_place: str | None = None
    felt: float | None = None  # the highest felt temperature among the shown stations (heat)
    of: float | None = None  # the whole the value is a part of ("3 of 9 charge points"), see TileSpec.of
    counts: Mapping[str, float] = field(default_factory=dict)  # per quantity of the tile, the sum over its stations
    projection: tuple[str, float, str] | None = None  # water: the soonest core.flood projection (level, hours, gauge name)


@dataclass(frozen=True)
class Rows:
    """A theme's rows now, as a tile's functions see them (columns of ``core.views.today.rate``)."""

    use: pl.DataFrame  # the fresh rows; every row when all are stale (the last known state, flagged stale)
    shown: pl.DataFrame  # rows of the tile's shown quantity
    worst: dict[str, Any]  # the deciding row: highest severity, then highest value


@dataclass(frozen=True)
class Shown:
    """The value a tile shows, of which quantity, and what this hour usually brings."""

    value: float
    quantity: str
    usual: float | None


Value = Callable[["TileSpec", Rows], Shown]
Rating = Callable[[Shown, Rows, Mapping[str, Any]], Mapping[str, Any]]
Words = Callable[[Tile], tuple[str, dict[str, Any]]]


def worst_station(spec: TileSpec, rows: Rows) -> Shown:
    """The deciding station's own value (the worst pollutant, the highest gauge)."""
    return Shown(rows.worst["value"], rows.worst["quantity"], rows.worst.get("usual"))


def _over(combine: Callable[[pl.Series], Any]) -> Value:
    def value(spec: TileSpec, rows: Rows) -> Shown:
        if not len(rows.shown):
            return worst_station(spec, rows)
        known = rows.shown.filter(pl.col("usual").is_not_null())
        # compare like with like: only when every station has a usual value do both sides match
        usual = float(combine(known["usual"])) if len(known) == len(rows.shown) else None
        return Shown(float(combine(rows.shown["value"])), spec.show, usual)

    return value


mean_over_stations, sum_over_stations = _over(pl.Series.mean), _over(pl.Series.sum)


def deciding_station(shown: Shown, rows: Rows, thresholds: Mapping[str, Any]) -> Mapping[str, Any]:
    """The status of the deciding station (one gauge at Informationsstufe 1 colours the tile)."""
    return rows.worst


def shown_value(shown: Shown, rows: Rows, thresholds: Mapping[str, Any]) -> Mapping[str, Any]:
    """The status of the shown value itself (the mean CO₂ of all classrooms)."""
    one = pl.DataFrame(
        {"station_id": [None], "quantity": [shown.quantity], "value": [shown.value]},
        schema={"station_id": pl.String, "quantity": pl.String, "value": pl.Float64},
    )
    return status(one, thresholds=thresholds).row(0, named=True)


def versus_usual(shown: Shown, rows: Rows, thresholds: Mapping[str, Any]) -> Mapping[str, Any]:
    """Traffic has no good or bad: the shown value against what this weekday and hour usually bring."""
    found = traffic.compare(shown.value, shown.usual)
    if found is None:
        return rows.worst
    return {"severity": None, "status": found.key, "status_de": found.de, "status_en": found.en, "tone": found.tone}


OUT_OF_SERVICE = {
    "severity": None,
    "status": "out_of_service",
    "status_de": "außer Betrieb",
    "status_en": "out of service",
    "tone": "unknown",
}


def charge_points(shown: Shown, rows: Rows, thresholds: Mapping[str, Any]) -> Mapping[str, Any]:
    """Free charge points of all sites on the charging scale ("alle belegt" at none); none in operation is no rating."""
    in_operation = rows.use.filter(pl.col("quantity").is_in(["charging_free", "charging_occupied"]))["value"].sum()
    return shown_value(shown, rows, thresholds) if in_operation else OUT_OF_SERVICE


@dataclass(frozen=True, kw_only=True)
class TileSpec:
    key: str
    theme: str
    quantities: tuple[str, ...]
    show: str  # the quantity whose value the tile shows
    value: Value
    rate: Rating
    sentence: Words
    detail: Words = say.detail
    of: tuple[str, ...] = ()  # quantities whose sums are the whole the value is part of (Tile.of)
    optional: bool = False  # shown only where the city has stations of the theme (themes most cities lack)


# A declarative table: one row per entry reads better than the formatter's one field per line.
# fmt: off
TILES: tuple[TileSpec, ...] = (
    TileSpec(key="heat", theme="microclimate", quantities=("temperature", "humidity"), show="temperature",
             value=mean_over_stations, rate=deciding_station, sentence=say.heat, detail=say.heat_detail),
    TileSpec(key="air", theme="air_quality", quantities=("pm10", "pm2_5", "no2", "o3"), show="pm10",
             value=worst_station, rate=deciding_station, sentence=say.air, detail=say.air_detail),
    TileSpec(key="noise", theme="noise", quantities=("noise",), show="noise",
             value=worst_station, rate=deciding_station, sentence=say.noise, optional=True),
    TileSpec(key="water", theme="water", quantities=("water_level",), show="water_level",
             value=worst_station, rate=deciding_station, sentence=say.water, detail=say.water_detail),
    TileSpec(key="trees", theme="soil", quantities=("soil_moisture", "soil_tension"), show="soil_moisture",
             value=worst_station, rate=deciding_station, sentence=say.counted),
    TileSpec(key="classrooms", theme="indoor_air", quantities=("co2",), show="co2",
             value=mean_over_stations, rate=shown_value, sentence=say.counted),
    TileSpec(key="traffic", theme="traffic", quantities=("traffic_car",), show="traffic_car",
             value=worst_station, rate=versus_usual, sentence=say.traffic, optional=True),
    TileSpec(key="parking", theme="parking", quantities=("parking_free", "occupancy"), show="parking_free",
             value=sum_over_stations, rate=deciding_station, sentence=say.parking),
    TileSpec(key="charging", theme="charging", quantities=("charging_free", "charging_occupied", "charging_out_of_service"),
             show="charging_free", value=sum_over_stations, rate=charge_points, sentence=say.charging,
             of=("charging_free", "charging_occupied"), optional=True),
)
# fmt: on


def tile(spec: TileSpec, rows: pl.DataFrame, thresholds: Mapping[str, Any] | None = None) -> Tile:
    """The tile of ``spec`` from the theme's rated rows (with trend, trend_word and usual columns)."""
    if not len(rows):
        return Tile(spec.key)
    fresh = rows.filter(~pl.col("stale"))
    use = fresh if len(fresh) else rows
    rated = use.filter(pl.col("severity").is_not_null())
    shown = use.filter(pl.col("quantity") == spec.show)
    pool = rated if len(rated) else (shown if len(shown) else use)
    seen = Rows(use=use, shown=shown, worst=pool.sort("severity", "value", descending=True, nulls_last=True).row(0, named=True))
    value = spec.value(spec, seen)
    rating = spec.rate(value, seen, thresholds or {})
    per_station = rated.group_by("station_id").agg(pl.col("severity").max())
    ranked = shown.sort("value", descending=True)
    felt = shown["felt"].max() if "felt" in shown.columns and len(shown) else None
    sums = use.group_by("quantity").agg(pl.col("value").sum())
    counts = dict(zip(sums["quantity"].to_list(), sums["value"].to_list()))
    return Tile(
        key=spec.key,
        quantity=value.quantity,
        value=value.value,
        usual=value.usual,
        severity=rating["severity"],
        status=rating["status"],
        status_de=rating["status_de"],
        status_en=rating["status_en"],
        tone=rating["tone"],
        station=seen.worst["name"],
        trend=seen.worst.get("trend"),
        trend_word=seen.worst.get("trend_word"),
        as_of=use["ts"].max(),
        stale=not len(fresh),
        stations=use["station_id"].n_unique(),
        flagged=int((per_station["severity"] >= 1).sum()) if len(per_station) else 0,
        high=ranked["value"][0] if len(ranked) else None,
        high_place=ranked["name"][0] if len(ranked) else None,
        low=ranked["value"][-1] if len(ranked) else None,
        low_place=ranked["name"][-1] if len(ranked) else None,
        felt=felt,
        of=sum(counts.get(q, 0.0) for q in spec.of) if spec.of else None,
        counts=counts,
    )


def tiles(now_frame: pl.DataFrame, *, thresholds: Mapping[str, Any] | None = None) -> list[Tile]:
    """One tile per declared theme from rated rows now (themes without data give empty tiles).

    An ``optional`` theme (noise, traffic, charging) has a tile only where ``now_frame`` has
    stations of it: a city without sound meters is not told "no data" about noise.

    ``now_frame``: ``core.views.today.rate`` rows, optionally with trend, trend_word and usual.
    """
    for column, dtype in (("trend", pl.Float64), ("trend_word", pl.String), ("usual", pl.Float64)):
        if column not in now_frame.columns:
            now_frame = now_frame.with_columns(pl.lit(None, dtype).alias(column))
    present = set(now_frame["theme"].unique().to_list())
    return [
        tile(spec, now_frame.filter(pl.col("quantity").is_in(spec.quantities) & (pl.col("theme") == spec.theme)), thresholds)
        for spec in TILES
        if not spec.optional or spec.theme in present
    ]


# The city's buildings: a register's latest value says nothing by itself, so this tile is not made from
# the rows now: core.views.today adds it from today's consumption against last year (core.views.energy).
ENERGY = TileSpec(key="energy", theme="energy", quantities=("electricity_meter",), show="electricity_meter",
                  value=sum_over_stations, rate=deciding_station, sentence=say.counted, optional=True)  # fmt: skip
BY_KEY = {spec.key: spec for spec in (*TILES, ENERGY)}


def sentence(tile: Tile) -> tuple[str, dict[str, Any]]:
    """The sentence key and its parameters for a tile ("Die Luft ist gut.")."""
    return ("sentence.no_data", {}) if tile.value is None else BY_KEY[tile.key].sentence(tile)


def detail(tile: Tile) -> tuple[str, dict[str, Any]] | None:
    """The small print under a tile (None when there is nothing to say)."""
    return None if tile.value is None else BY_KEY[tile.key].detail(tile)
