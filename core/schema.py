"""Canonical data: the frames every adapter returns, and the vocabulary of quantities."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

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
        "category": pl.String,  # points of interest: museum, library, pool … (null for sensors)
        "opening_hours": pl.String,  # OSM opening_hours syntax, "Mo-Fr 08:00-18:00; Sa 09:00-13:00" (core.opening)
    }
)
# Columns a frame may leave out: Batch and the stores fill them with nulls (an adapter that
# knows nothing of points of interest, a stations table written before they existed).
OPTIONAL_COLUMNS = frozenset({"category", "opening_hours"})

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

AGGREGATIONS = ("mean", "sum", "energetic", "max", "counter")


@dataclass(frozen=True, kw_only=True)
class Quantity:
    """Everything the code knows about one quantity of the controlled vocabulary.

    Adding a quantity is one entry here (plus its words in ``data_sources._units`` when an
    adapter recognises it by text). The fields:

    - ``unit``, ``uncefact``: the canonical unit and its UN/CEFACT code (FIWARE ``unitCode``);
    - ``label_de``, ``label_en``, ``decimals``: how the UI names and formats it;
    - ``low``, ``high``, ``sentinels``: plausible range and the values broken sensors send
      (DS18B20 power-on 85 °C, 0xFFFF …); both are dropped at the edge (``Batch``);
    - ``theme``: the theme a station measuring it belongs to (see :data:`THEME_TABLE`);
    - ``aggregation``: how buckets combine readings over time (:data:`AGGREGATIONS`):
      ``mean``; ``sum`` (precipitation); ``energetic`` (sound levels: 10·log10 of the mean
      of 10^(L/10)); ``max`` (peak levels); ``counter`` (a cumulative register: a bucket
      holds the increase, a drop is a meter reset counted from zero);
    - ``steady_per_h``: a change per hour below this reads "steady" (trend arrows, sentences);
    - ``scale``, ``edges``, ``levels``: the status scale (``core.status.SCALES``), its default
      band edges, and the station levels (``LEVELS_SCHEMA``) that replace those edges per
      station, in order (a gauge's Informationsstufen);
    - ``derived``: computed by core, never taken from a feed (felt temperature);
    - ``max_rate_per_h``, ``spike``, ``flat_hours``: data-quality tests in the style of IOOS
      QARTOD (``core.quality``): a change from the previous reading faster than this per hour,
      a jump this far from the median of the five readings before, or the same value for this
      many hours is quarantined, not stored as a measurement. None: the test does not apply.
    """

    key: str
    unit: str
    uncefact: str
    label_de: str
    label_en: str
    low: float
    high: float
    decimals: int = 1
    sentinels: tuple[float, ...] = (65535.0, -32768.0, 32767.0)
    theme: str | None = None
    aggregation: str = "mean"
    steady_per_h: float = 0.3
    scale: str | None = None
    edges: tuple[float, ...] = ()
    levels: tuple[str, ...] = ()
    derived: bool = False
    max_rate_per_h: float | None = None
    spike: float | None = None
    flat_hours: float | None = None

    def __post_init__(self) -> None:
        if self.aggregation not in AGGREGATIONS:
            msg = f"quantity {self.key!r}: aggregation must be one of {AGGREGATIONS}, got {self.aggregation!r}"
            raise ValueError(msg)


_DS18B20 = (85.0, -127.0, 65535.0, 327.67, -327.68)

# A declarative table: one row per entry reads better than the formatter's one field per line.
# fmt: off
QUANTITIES: dict[str, Quantity] = {
    q.key: q
    for q in (
        Quantity(key="temperature", unit="°C", uncefact="CEL", label_de="Temperatur", label_en="Temperature", low=-40, high=60,
                 sentinels=_DS18B20, theme="microclimate", max_rate_per_h=30.0, spike=10.0, flat_hours=12.0),
        # Heat stress is rated on the felt temperature (DWD thresholds), computed once by
        # core.status.felt from temperature and a fresh humidity; without humidity it is the temperature.
        Quantity(key="felt_temperature", unit="°C", uncefact="CEL", label_de="Gefühlte Temperatur", label_en="Felt temperature",
                 low=-60, high=80, theme="microclimate", scale="heat", edges=(32.0, 38.0), derived=True),
        Quantity(key="humidity", unit="%", uncefact="P1", label_de="Luftfeuchte", label_en="Humidity", low=0, high=100, decimals=0,
                 theme="microclimate"),
        Quantity(key="co2", unit="ppm", uncefact="59", label_de="CO₂", label_en="CO₂", low=250, high=10000, decimals=0,
                 theme="indoor_air", steady_per_h=20.0, scale="co2", edges=(1000.0, 2000.0),
                 max_rate_per_h=6000.0, spike=2500.0, flat_hours=8.0),
        Quantity(key="water_level", unit="cm", uncefact="CMT", label_de="Wasserstand", label_en="Water level", low=-100, high=2000,
                 decimals=0, theme="water", steady_per_h=1.0, scale="water", levels=("info1", "info2", "info3"),
                 max_rate_per_h=400.0, spike=150.0),  # no flat line: a small river at low water keeps its centimetre for days
        # A river's or lake's temperature (FIWARE WaterQualityObserved, a probe in the water): never the air's.
        Quantity(key="water_temperature", unit="°C", uncefact="CEL", label_de="Wassertemperatur", label_en="Water temperature", low=-5,
                 high=45, theme="water", max_rate_per_h=5.0, spike=5.0),
        Quantity(key="discharge", unit="m³/s", uncefact="MQS", label_de="Abfluss", label_en="Discharge", low=0, high=100000, theme="water"),
        Quantity(key="pm10", unit="µg/m³", uncefact="GQ", label_de="Feinstaub PM10", label_en="Particulate matter PM10", low=0, high=2000,
                 decimals=0, theme="air_quality", scale="air", edges=(9.0, 27.0, 54.0, 90.0), spike=300.0, flat_hours=24.0),
        Quantity(key="pm2_5", unit="µg/m³", uncefact="GQ", label_de="Feinstaub PM2,5", label_en="Particulate matter PM2.5", low=0,
                 high=2000, decimals=0, theme="air_quality", scale="air", edges=(5.0, 15.0, 30.0, 50.0), spike=200.0, flat_hours=24.0),
        Quantity(key="no2", unit="µg/m³", uncefact="GQ", label_de="Stickstoffdioxid", label_en="Nitrogen dioxide", low=0, high=2000,
                 decimals=0, theme="air_quality", scale="air", edges=(10.0, 30.0, 60.0, 100.0)),
        Quantity(key="o3", unit="µg/m³", uncefact="GQ", label_de="Ozon", label_en="Ozone", low=0, high=2000, decimals=0,
                 theme="air_quality", scale="air", edges=(24.0, 72.0, 144.0, 240.0)),
        Quantity(key="pressure", unit="hPa", uncefact="HPA", label_de="Luftdruck", label_en="Air pressure", low=300, high=1100,
                 decimals=0, theme="microclimate", max_rate_per_h=10.0, flat_hours=24.0),
        Quantity(key="soil_moisture", unit="%", uncefact="P1", label_de="Bodenfeuchte", label_en="Soil moisture", low=0, high=100,
                 decimals=0, theme="soil", scale="soil_moisture", edges=(25.0, 15.0), levels=("soil_drying", "soil_dry"),
                 max_rate_per_h=40.0),
        Quantity(key="soil_tension", unit="kPa", uncefact="KPA", label_de="Bodenwasserspannung", label_en="Soil water tension", low=0,
                 high=2000, decimals=0, theme="soil", scale="soil_tension", edges=(30.0, 60.0), levels=("soil_drying", "soil_dry")),
        Quantity(key="precipitation", unit="mm", uncefact="MMT", label_de="Niederschlag", label_en="Precipitation", low=0, high=500,
                 theme="microclimate", aggregation="sum"),
        Quantity(key="wind_speed", unit="m/s", uncefact="MTS", label_de="Windgeschwindigkeit", label_en="Wind speed", low=0, high=100,
                 theme="microclimate"),
        # Sound levels: LAeq over the reporting interval, averaged energetically; the peak level
        # (LAmax, LAFmax) keeps its maximum. The bands are for a single street sensor's LAeq,
        # not the yearly Lden of a noise map: 55 TA Lärm allgemeines Wohngebiet by day, 65 the
        # NRW noise action plans' health line, 70 their "in jedem Fall" line (gap_topics §1).
        Quantity(key="noise", unit="dB(A)", uncefact="2N", label_de="Lärm", label_en="Noise", low=0, high=150, decimals=0,
                 theme="noise", aggregation="energetic", steady_per_h=1.0, scale="noise", edges=(55.0, 65.0, 70.0),
                 spike=40.0, flat_hours=6.0),
        Quantity(key="noise_max", unit="dB(A)", uncefact="2N", label_de="Lärmspitze", label_en="Peak noise", low=0, high=160, decimals=0,
                 theme="noise", aggregation="max", steady_per_h=1.0),
        # Traffic as rates per hour, so that any bucket can average them; a day's total is the
        # sum of its hourly rates × 1 h (Telraam's counts are already scaled to the full hour).
        Quantity(key="traffic_car", unit="1/h", uncefact="H10", label_de="Autos", label_en="Cars", low=0, high=20000, decimals=0,
                 theme="traffic", steady_per_h=20.0),
        Quantity(key="traffic_heavy", unit="1/h", uncefact="H10", label_de="Lkw und Busse", label_en="Lorries and buses", low=0,
                 high=5000, decimals=0, theme="traffic", steady_per_h=10.0),
        Quantity(key="traffic_bike", unit="1/h", uncefact="H10", label_de="Fahrräder", label_en="Bicycles", low=0, high=5000,
                 decimals=0, theme="traffic", steady_per_h=10.0),
        Quantity(key="traffic_pedestrian", unit="1/h", uncefact="H10", label_de="Fußgänger", label_en="Pedestrians", low=0,
                 high=20000, decimals=0, theme="traffic", steady_per_h=10.0),
        Quantity(key="speed_v85", unit="km/h", uncefact="KMH", label_de="Geschwindigkeit V85", label_en="Speed V85", low=3, high=250,
                 decimals=0, theme="traffic", steady_per_h=5.0),
        # Charge points of a charging site, by state (OCPI EVSE status, FIWARE EVChargingStation).
        # UNKNOWN and REMOVED count as none of them; out of service is never "occupied".
        Quantity(key="charging_free", unit="", uncefact="C62", label_de="Freie Ladepunkte", label_en="Free charge points", low=0,
                 high=1000, decimals=0, theme="charging", steady_per_h=1.0, scale="charging", edges=(0.0,)),
        Quantity(key="charging_occupied", unit="", uncefact="C62", label_de="Belegte Ladepunkte", label_en="Occupied charge points",
                 low=0, high=1000, decimals=0, theme="charging", steady_per_h=1.0),
        Quantity(key="charging_out_of_service", unit="", uncefact="C62", label_de="Ladepunkte außer Betrieb",
                 label_en="Charge points out of service", low=0, high=1000, decimals=0, theme="charging", steady_per_h=1.0),
        Quantity(key="illuminance", unit="lx", uncefact="LUX", label_de="Beleuchtungsstärke", label_en="Illuminance", low=0, high=200000,
                 decimals=0, theme="microclimate"),
        Quantity(key="occupancy", unit="%", uncefact="P1", label_de="Belegung", label_en="Occupancy", low=0, high=100, decimals=0,
                 theme="parking", steady_per_h=5.0, scale="parking", edges=(75.0, 92.0)),
        Quantity(key="parking_free", unit="", uncefact="C62", label_de="Freie Plätze", label_en="Free spaces", low=0, high=100000,
                 decimals=0, theme="parking", steady_per_h=5.0),
        # Cumulative meter registers: a bucket holds the consumption (the register's increase).
        Quantity(key="electricity_meter", unit="kWh", uncefact="KWH", label_de="Stromzähler", label_en="Electricity meter", low=0,
                 high=1e10, theme="energy", aggregation="counter", steady_per_h=float("inf")),
        Quantity(key="heat_meter", unit="kWh", uncefact="KWH", label_de="Wärmemengenzähler", label_en="Heat meter", low=0, high=1e10,
                 theme="energy", aggregation="counter", steady_per_h=float("inf")),
        Quantity(key="gas_meter", unit="m³", uncefact="MTQ", label_de="Gaszähler", label_en="Gas meter", low=0, high=1e10, decimals=2,
                 theme="energy", aggregation="counter", steady_per_h=float("inf")),
        Quantity(key="water_meter", unit="m³", uncefact="MTQ", label_de="Wasserzähler", label_en="Water meter", low=0, high=1e10,
                 decimals=2, theme="energy", aggregation="counter", steady_per_h=float("inf")),
        Quantity(key="battery", unit="V", uncefact="VLT", label_de="Batterie", label_en="Battery", low=0, high=60, decimals=2,
                 steady_per_h=0.01),
    )
}
# fmt: on


def aggregating(kind: str) -> list[str]:
    """The quantities that aggregate over time as ``kind`` (one of :data:`AGGREGATIONS`).

    >>> aggregating("sum")
    ['precipitation']
    """
    return [key for key, q in QUANTITIES.items() if q.aggregation == kind]


@dataclass(frozen=True)
class Theme:
    """A theme of stations; ``headline``: the quantity its stations are shown by (map, explorer)."""

    key: str
    headline: str | None = None


# Most specific first: a station's theme is that of the first theme here that one of its
# quantities belongs to (a station measuring CO₂ and temperature is a room, one with PM is air quality).
THEME_TABLE: dict[str, Theme] = {
    th.key: th
    for th in (
        Theme("indoor_air", "co2"),
        Theme("water", "water_level"),
        Theme("soil", "soil_moisture"),
        Theme("charging", "charging_free"),
        Theme("parking", "occupancy"),
        Theme("traffic", "traffic_car"),
        Theme("noise", "noise"),
        Theme("air_quality", "pm10"),
        Theme("energy"),
        Theme("microclimate", "temperature"),
        Theme("poi"),  # points of interest: stations with a category, usually without readings
        Theme("other"),
    )
}
THEMES: tuple[str, ...] = tuple(THEME_TABLE)


def theme_of(quantities: Iterable[str], default: str = "other") -> str:
    """The theme of a station that measures ``quantities`` (most specific theme first).

    >>> theme_of(["temperature", "co2"])
    'indoor_air'
    """
    seen = {QUANTITIES[q].theme for q in quantities if q in QUANTITIES}
    return next((theme for theme in THEME_TABLE if theme in seen), default)


def headline(theme: str | None) -> str | None:
    """The quantity a station of ``theme`` is shown by when nothing is rated worse."""
    found = THEME_TABLE.get(theme or "")
    return found.headline if found else None


class SchemaError(ValueError):
    """A frame does not have the canonical columns or types."""


def _conform(frame: pl.DataFrame | None, schema: pl.Schema) -> pl.DataFrame:
    if frame is None:
        return pl.DataFrame(schema=schema)
    optional = [pl.lit(None, dtype=schema[c]).alias(c) for c in schema.names() if c in OPTIONAL_COLUMNS and c not in frame.columns]
    if optional:
        frame = frame.with_columns(optional)
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
    measured = {k: q for k, q in QUANTITIES.items() if not q.derived}  # derived ones never come from a feed
    lows = {k: float(q.low) for k, q in measured.items()}
    highs = {k: float(q.high) for k, q in measured.items()}
    sentinels = pl.lit(False)
    for key, q in measured.items():
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
        object.__setattr__(
            self, "stations", _conform(self.stations, STATIONS_SCHEMA).unique("station_id", keep="last", maintain_order=True)
        )
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
