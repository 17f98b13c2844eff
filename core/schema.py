"""Canonical data: the frames every adapter returns, and the vocabulary of quantities."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import polars as pl

READINGS_SCHEMA = pl.Schema(
    {
        "ts": pl.Datetime("us", "UTC"),
        "station_id": pl.String,
        "quantity": pl.String,
        "value": pl.Float64,
        "source": pl.String,
    }
)

STATIONS_SCHEMA = pl.Schema(
    {
        "station_id": pl.String,
        "source": pl.String,
        "name": pl.String,
        "lat": pl.Float64,
        "lon": pl.Float64,
        "theme": pl.String,
        "district": pl.String,
    }
)

# Characteristic levels of a station (flood levels from the config, MNW/MHW from a gauge
# feed, soil thresholds of a tree sensor): one row per station, quantity and level key.
LEVELS_SCHEMA = pl.Schema(
    {
        "station_id": pl.String,
        "quantity": pl.String,
        "level": pl.String,
        "value": pl.Float64,
    }
)

THEMES = ("microclimate", "indoor_air", "water", "air_quality", "parking", "soil", "energy", "other")


@dataclass(frozen=True)
class Quantity:
    """One entry of the controlled vocabulary: canonical unit, labels, plausible range."""

    key: str
    unit: str
    label_de: str
    label_en: str
    low: float
    high: float
    decimals: int = 1
    # Values a sensor sends when it is broken rather than measuring (DS18B20 power-on 85 °C,
    # 0xFFFF and friends). Dropped at the edge like out-of-range values.
    sentinels: tuple[float, ...] = (65535.0, -32768.0, 32767.0)


QUANTITIES: dict[str, Quantity] = {
    q.key: q
    for q in (
        Quantity("temperature", "°C", "Temperatur", "Temperature", -40, 60, 1, (85.0, -127.0, 65535.0, 327.67, -327.68)),
        Quantity("humidity", "%", "Luftfeuchte", "Humidity", 0, 100, 0),
        Quantity("co2", "ppm", "CO₂", "CO₂", 250, 10000, 0),
        Quantity("water_level", "cm", "Wasserstand", "Water level", -100, 2000, 0),
        Quantity("discharge", "m³/s", "Abfluss", "Discharge", 0, 100000, 1),
        Quantity("pm10", "µg/m³", "Feinstaub PM10", "Particulate matter PM10", 0, 2000, 0),
        Quantity("pm2_5", "µg/m³", "Feinstaub PM2,5", "Particulate matter PM2.5", 0, 2000, 0),
        Quantity("no2", "µg/m³", "Stickstoffdioxid", "Nitrogen dioxide", 0, 2000, 0),
        Quantity("o3", "µg/m³", "Ozon", "Ozone", 0, 2000, 0),
        Quantity("pressure", "hPa", "Luftdruck", "Air pressure", 300, 1100, 0),
        Quantity("soil_moisture", "%", "Bodenfeuchte", "Soil moisture", 0, 100, 0),
        Quantity("soil_tension", "kPa", "Bodenwasserspannung", "Soil water tension", 0, 2000, 0),
        Quantity("precipitation", "mm", "Niederschlag", "Precipitation", 0, 500, 1),
        Quantity("wind_speed", "m/s", "Windgeschwindigkeit", "Wind speed", 0, 100, 1),
        Quantity("noise", "dB(A)", "Lärm", "Noise", 0, 150, 0),
        Quantity("illuminance", "lx", "Beleuchtungsstärke", "Illuminance", 0, 200000, 0),
        Quantity("occupancy", "%", "Belegung", "Occupancy", 0, 100, 0),
        Quantity("parking_free", "", "Freie Plätze", "Free spaces", 0, 100000, 0),
        Quantity("battery", "V", "Batterie", "Battery", 0, 60, 2),
    )
}


class SchemaError(ValueError):
    """A frame does not have the canonical columns or types."""


def _conform(frame: pl.DataFrame | None, schema: pl.Schema) -> pl.DataFrame:
    if frame is None:
        return pl.DataFrame(schema=schema)
    missing = [c for c in schema.names() if c not in frame.columns]
    if missing:
        msg = f"frame lacks the canonical column(s) {missing}; expected {schema.names()}"
        raise SchemaError(msg)
    try:
        return frame.select([pl.col(c).cast(dt) for c, dt in schema.items()])
    except pl.exceptions.PolarsError as exc:
        msg = f"frame cannot be cast to the canonical schema: {exc}"
        raise SchemaError(msg) from exc


def plausible() -> pl.Expr:
    """True where a reading is a real measurement of a known quantity in its plausible range."""
    lows = {k: q.low for k, q in QUANTITIES.items()}
    highs = {k: q.high for k, q in QUANTITIES.items()}
    sentinels = pl.lit(False)
    for key, q in QUANTITIES.items():
        sentinels = sentinels | ((pl.col("quantity") == key) & pl.col("value").is_in(list(q.sentinels)))
    low = pl.col("quantity").replace_strict(lows, default=None, return_dtype=pl.Float64)
    high = pl.col("quantity").replace_strict(highs, default=None, return_dtype=pl.Float64)
    return (
        pl.col("value").is_not_null()
        & pl.col("value").is_finite()
        & pl.col("ts").is_not_null()
        & pl.col("station_id").is_not_null()
        & (pl.col("value") >= low)
        & (pl.col("value") <= high)
        & ~sentinels
    ).fill_null(False)


@dataclass(frozen=True)
class Batch:
    """What every adapter returns: readings and stations, plus what it had to skip.

    ``skipped`` counts input records that were dropped (implausible values, sentinel values,
    broken uplinks); feed health shows it. Construction conforms both frames to the canonical
    schema and drops implausible readings, so a Batch is always clean.

    >>> Batch.empty().readings.columns
    ['ts', 'station_id', 'quantity', 'value', 'source']
    """

    readings: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=READINGS_SCHEMA))
    stations: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=STATIONS_SCHEMA))
    skipped: int = 0
    levels: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=LEVELS_SCHEMA))

    def __post_init__(self) -> None:
        readings = _conform(self.readings, READINGS_SCHEMA)
        keep = readings.select(plausible()).to_series()
        dropped = len(readings) - int(keep.sum())
        object.__setattr__(self, "readings", readings.filter(keep) if dropped else readings)
        object.__setattr__(self, "stations", _conform(self.stations, STATIONS_SCHEMA).unique("station_id", keep="last", maintain_order=True))
        object.__setattr__(self, "levels", _conform(self.levels, LEVELS_SCHEMA))
        object.__setattr__(self, "skipped", int(self.skipped) + dropped)

    @classmethod
    def empty(cls) -> Batch:
        return cls()

    @classmethod
    def from_rows(
        cls,
        readings: Iterable[Mapping] = (),
        stations: Iterable[Mapping] = (),
        *,
        skipped: int = 0,
        levels: Iterable[Mapping] = (),
    ) -> Batch:
        """Build a batch from dict rows (adapters that walk JSON use this)."""

        def frame(rows: Iterable[Mapping], schema: pl.Schema) -> pl.DataFrame | None:
            rows = [{c: row.get(c) for c in schema.names()} for row in rows]
            return pl.DataFrame(rows, schema=schema) if rows else None

        return cls(
            readings=frame(readings, READINGS_SCHEMA),
            stations=frame(stations, STATIONS_SCHEMA),
            skipped=skipped,
            levels=frame(levels, LEVELS_SCHEMA),
        )

    @classmethod
    def concat(cls, batches: Iterable[Batch]) -> Batch:
        batches = list(batches)
        if not batches:
            return cls.empty()
        return cls(
            readings=pl.concat([b.readings for b in batches]),
            stations=pl.concat([b.stations for b in batches]),
            skipped=sum(b.skipped for b in batches),
            levels=pl.concat([b.levels for b in batches]),
        )

    def __len__(self) -> int:
        return len(self.readings)


def unit_of(quantity: str) -> str:
    return QUANTITIES[quantity].unit


def is_number(value: object) -> bool:
    """True for real finite numbers (not bools, not NaN) — feeds send all sorts."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond float range (10**400) is no measurement
        return False
