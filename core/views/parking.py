"""Parken & Laden: car parks and charging sites now — free of total, out of service, how old the last update is.

A charging site's total is its charge points in operation (free + occupied); those out of
service are counted apart and never as occupied, and points of unknown state are neither
(DESIGN.md "Charging points"). A car park is rated by its occupancy, a charging site by its
free points ("alle belegt" at none), both on the scales of ``core.status``.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.config import CityConfig
from core.status import STATUS_COLUMNS, status
from core.store import StoreReader
from core.views._time import now_or

KINDS = {"parking": "occupancy", "charging": "charging_free"}  # theme -> the quantity it is rated by
VALUES = ("parking_free", "occupancy", "charging_free", "charging_occupied", "charging_out_of_service")
SCHEMA = {
    "station_id": pl.String,
    "name": pl.String,
    "theme": pl.String,
    "district": pl.String,
    **dict.fromkeys(VALUES, pl.Float64),
    "ts": pl.Datetime("us", "UTC"),
    "age_s": pl.Float64,
    "stale": pl.Boolean,
}


def wide(latest: pl.DataFrame, stations: pl.DataFrame, quantities: tuple[str, ...]) -> pl.DataFrame:
    """One row per station with the latest value of each of ``quantities`` as a column, the newest ts and smallest age.

    A station is stale when all of its series are.
    """
    values = (
        latest.filter(pl.col("quantity").is_in(quantities))
        .group_by("station_id")
        .agg(
            *[pl.col("value").filter(pl.col("quantity") == q).first().alias(q) for q in quantities],
            ts=pl.col("ts").max(),
            age_s=pl.col("age_s").min(),
            stale=pl.col("stale").all(),
        )
    )
    return stations.join(values, on="station_id", how="inner")


def sites(store: StoreReader, city: CityConfig, *, now: dt.datetime | None = None) -> pl.DataFrame:
    """Car parks and charging sites now, car parks first, each by name.

    Columns: station_id, name, theme ("parking" or "charging"), district, the latest value of
    each of :data:`VALUES` (null where a site has no such series), ts, age_s, stale, free
    (free spaces or points), total (charge points in operation; null for car parks), severity,
    status, status_de, status_en, tone.
    """
    places = store.stations().filter(pl.col("theme").is_in(list(KINDS))).select("station_id", "name", "theme", "district")
    frame = wide(store.latest(now_or(now)), places, VALUES)
    if not len(frame):
        return pl.DataFrame(schema={**SCHEMA, "free": pl.Float64, "total": pl.Float64, **_status_schema()})
    charging = pl.col("theme") == "charging"
    rated = frame.with_columns(
        free=pl.when(charging).then(pl.col("charging_free")).otherwise(pl.col("parking_free")),
        total=pl.when(charging).then(pl.col("charging_free").fill_null(0) + pl.col("charging_occupied").fill_null(0)),
        quantity=pl.col("theme").replace_strict(KINDS, return_dtype=pl.String),
        value=pl.when(charging).then(pl.col("charging_free")).otherwise(pl.col("occupancy")),
    )
    order = pl.col("theme").replace_strict({theme: i for i, theme in enumerate(KINDS)}, return_dtype=pl.Int8)
    return status(rated, thresholds=city.thresholds).sort(order, "name").drop("quantity", "value")


def _status_schema() -> dict[str, pl.DataType]:
    types = {"severity": pl.Int8, "tone": pl.String}
    return {c: types.get(c, pl.String) for c in STATUS_COLUMNS}
