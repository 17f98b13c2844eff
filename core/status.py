"""Status of values against thresholds: an ordered severity (0 = best) with a key and labels.

Scales are data here; which quantity is rated on which scale, with which default band edges, is
declared with the quantity (``core.schema.QUANTITIES``, DESIGN.md "Thresholds"); the city config overrides the bands
per quantity or per station, and station levels from the store (flood levels of a gauge, soil
thresholds of a tree sensor) override them per station. Everything is one vectorised polars plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from core.schema import QUANTITIES

MAX_EDGES = 4
EDGE_COLS = [f"edge{i}" for i in range(1, MAX_EDGES + 1)]


@dataclass(frozen=True)
class Level:
    key: str
    de: str
    en: str
    tone: str  # good, fair, moderate, poor, bad, severe: colour and icon follow the tone


@dataclass(frozen=True)
class Scale:
    """Ordered levels (best first) and the band edges between them.

    ``rising``: severity grows with the value (False for soil moisture: dry is low).
    ``inclusive``: a value equal to an edge already belongs to the worse band.
    """

    key: str
    levels: tuple[Level, ...]
    rising: bool = True
    inclusive: bool = True


_CO2 = Scale(
    "co2",
    (
        Level("good", "gut", "good", "good"),
        Level("moderate", "lüften", "open windows", "moderate"),
        Level("bad", "schlecht", "bad", "bad"),
    ),
)
_AIR = Scale(
    "air",
    (
        Level("very_good", "sehr gut", "very good", "good"),
        Level("good", "gut", "good", "fair"),
        Level("moderate", "mäßig", "moderate", "moderate"),
        Level("poor", "schlecht", "poor", "poor"),
        Level("very_poor", "sehr schlecht", "very poor", "bad"),
    ),
    inclusive=False,  # UBA bands are "0–9, 10–27 …": the edge value is still the better band
)
_HEAT = Scale(
    "heat",
    (
        Level("no_stress", "keine Hitzebelastung", "no heat stress", "good"),
        Level("strong", "starke Hitzebelastung", "strong heat stress", "poor"),
        Level("extreme", "extreme Hitzebelastung", "extreme heat stress", "bad"),
    ),
)
_WATER = Scale(
    "water",
    (
        Level("normal", "normal", "normal", "good"),
        Level("info1", "Informationsstufe 1", "information level 1", "moderate"),
        Level("info2", "Informationsstufe 2", "information level 2", "poor"),
        Level("info3", "Informationsstufe 3", "information level 3", "bad"),
    ),
)
_SOIL_TENSION = Scale(
    "soil_tension",
    (
        Level("moist", "feucht genug", "moist enough", "good"),
        Level("drying", "bald gießen", "water soon", "moderate"),
        Level("dry", "gießen", "water now", "poor"),
    ),
)
_SOIL_MOISTURE = Scale(
    "soil_moisture",
    (
        Level("moist", "feucht genug", "moist enough", "good"),
        Level("drying", "bald gießen", "water soon", "moderate"),
        Level("dry", "gießen", "water now", "poor"),
    ),
    rising=False,
)

_PARKING = Scale(
    "parking",
    (
        Level("free", "frei", "spaces free", "good"),
        Level("filling", "gut belegt", "filling up", "moderate"),
        Level("full", "fast voll", "almost full", "poor"),
    ),
)

# A street sensor's LAeq now (edges with the quantity: 55 / 65 / 70 dB(A)); a comparison with
# guideline values, never an official measurement (the pages say so).
_NOISE = Scale(
    "noise",
    (
        Level("quiet", "ruhig", "quiet", "good"),
        Level("noticeable", "deutlich hörbar", "noticeable", "moderate"),
        Level("loud", "laut", "loud", "poor"),
        Level("very_loud", "sehr laut", "very loud", "bad"),
    ),
)
# Free charge points of a site: none free reads "alle belegt" (edge 0, falling).
_CHARGING = Scale(
    "charging",
    (
        Level("free", "frei", "free", "good"),
        Level("all_taken", "alle belegt", "all taken", "poor"),
    ),
    rising=False,
)

SCALES: dict[str, Scale] = {s.key: s for s in (_CO2, _AIR, _HEAT, _WATER, _SOIL_TENSION, _SOIL_MOISTURE, _PARKING, _NOISE, _CHARGING)}

UNKNOWN = Level("unknown", "keine Daten", "no data", "unknown")
UNRATED = Level("unrated", "ohne Bewertung", "not rated", "unknown")

STATUS_COLUMNS = ("severity", "status", "status_de", "status_en", "tone")


def _edge_row(edges: tuple[float, ...] | list[float]) -> dict[str, float | None]:
    edges = list(edges)[:MAX_EDGES]
    return {col: (float(edges[i]) if i < len(edges) else None) for i, col in enumerate(EDGE_COLS)}


def edges(quantity: str, thresholds: Mapping[str, Any] | None = None) -> tuple[float, ...]:
    """The city-wide band edges of ``quantity``: the config's, else the vocabulary's defaults.

    >>> edges("co2"), edges("co2", {"co2": [800, 1500]})
    ((1000.0, 2000.0), (800.0, 1500.0))
    """
    override = (thresholds or {}).get(quantity)
    return tuple(float(e) for e in override) if override else QUANTITIES[quantity].edges


def _quantity_table(thresholds: Mapping[str, Any]) -> pl.DataFrame:
    rows = [
        {"quantity": key, "scale": q.scale, **_edge_row(edges(key, thresholds))} for key, q in QUANTITIES.items() if q.scale is not None
    ]
    return pl.DataFrame(rows, schema={"quantity": pl.String, "scale": pl.String, **dict.fromkeys(EDGE_COLS, pl.Float64)})


def _station_table(thresholds: Mapping[str, Any], levels: pl.DataFrame | None) -> pl.DataFrame:
    schema = {"station_id": pl.String, "quantity": pl.String, **{f"s_{c}": pl.Float64 for c in EDGE_COLS}}
    rows: dict[tuple[str, str], dict] = {}
    if levels is not None and len(levels):
        wanted = [(key, lvl) for key, q in QUANTITIES.items() for lvl in q.levels]
        known = levels.filter(pl.struct("quantity", "level").is_in([{"quantity": q, "level": lv} for q, lv in wanted]))
        for station_id, quantity, level, value in known.iter_rows():  # a few rows per gauge, not per reading
            row = rows.setdefault((station_id, quantity), {})
            row[level] = value
        rows = {k: _edge_row([v[name] for name in QUANTITIES[k[1]].levels if v.get(name) is not None]) for k, v in rows.items()}
    for station_id, per_station in thresholds.get("stations", {}).items():
        for quantity, edges in per_station.items():
            rows[(station_id, quantity)] = _edge_row(edges)
    data = [{"station_id": s, "quantity": q, **{f"s_{c}": e[c] for c in EDGE_COLS}} for (s, q), e in rows.items()]
    return pl.DataFrame(data, schema=schema)


def _labels_table() -> pl.DataFrame:
    rows = [
        {"scale": s.key, "severity": i, "status": lv.key, "status_de": lv.de, "status_en": lv.en, "tone": lv.tone}
        for s in SCALES.values()
        for i, lv in enumerate(s.levels)
    ]
    return pl.DataFrame(
        rows,
        schema={
            "scale": pl.String,
            "severity": pl.Int8,
            "status": pl.String,
            "status_de": pl.String,
            "status_en": pl.String,
            "tone": pl.String,
        },
    )


def status(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    thresholds: Mapping[str, Any] | None = None,
    levels: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Add severity, status, status_de, status_en and tone to a frame of station_id, quantity, value.

    ``severity`` is 0 for the best band and null when there is no value (status ``unknown``)
    or no scale for the quantity (status ``unrated``, e.g. a gauge without flood levels).

    >>> f = pl.DataFrame({"station_id": ["a", "b"], "quantity": "co2", "value": [600.0, 1500.0]})
    >>> status(f)["status"].to_list()
    ['good', 'moderate']
    """
    thresholds = thresholds or {}
    lazy = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    rising = pl.col("scale").replace_strict({k: s.rising for k, s in SCALES.items()}, default=True, return_dtype=pl.Boolean)
    inclusive = pl.col("scale").replace_strict({k: s.inclusive for k, s in SCALES.items()}, default=True, return_dtype=pl.Boolean)
    value = pl.col("value")
    passed = [
        pl.when(pl.col(c).is_null())
        .then(0)
        .when(rising & inclusive)
        .then((value >= pl.col(c)).cast(pl.Int8))
        .when(rising)
        .then((value > pl.col(c)).cast(pl.Int8))
        .when(inclusive)
        .then((value <= pl.col(c)).cast(pl.Int8))
        .otherwise((value < pl.col(c)).cast(pl.Int8))
        for c in EDGE_COLS
    ]
    has_edges = pl.any_horizontal([pl.col(c).is_not_null() for c in EDGE_COLS])
    original = lazy.collect_schema().names()
    result = (
        lazy.join(_quantity_table(thresholds).lazy(), on="quantity", how="left", maintain_order="left")
        .join(_station_table(thresholds, levels).lazy(), on=["station_id", "quantity"], how="left", maintain_order="left")
        .with_columns(
            # station edges win over the quantity's edges as a whole set, not edge by edge
            [
                pl.when(pl.any_horizontal([pl.col(f"s_{c}").is_not_null() for c in EDGE_COLS]))
                .then(pl.col(f"s_{c}"))
                .otherwise(pl.col(c))
                .alias(c)
                for c in EDGE_COLS
            ]
        )
        .with_columns(
            severity=pl.when(value.is_null() | pl.col("scale").is_null() | ~has_edges)
            .then(None)
            .otherwise(pl.sum_horizontal(passed))
            .cast(pl.Int8)
        )
        .join(_labels_table().lazy(), on=["scale", "severity"], how="left", maintain_order="left")
        .with_columns(
            status=pl.col("status").fill_null(pl.when(value.is_null()).then(pl.lit(UNKNOWN.key)).otherwise(pl.lit(UNRATED.key))),
            status_de=pl.col("status_de").fill_null(pl.when(value.is_null()).then(pl.lit(UNKNOWN.de)).otherwise(pl.lit(UNRATED.de))),
            status_en=pl.col("status_en").fill_null(pl.when(value.is_null()).then(pl.lit(UNKNOWN.en)).otherwise(pl.lit(UNRATED.en))),
            tone=pl.col("tone").fill_null(pl.lit("unknown")),
        )
        .select(*[c for c in original if c not in STATUS_COLUMNS], *STATUS_COLUMNS)
    )
    return result.collect()


def felt_temperature(temperature: pl.Expr, humidity: pl.Expr) -> pl.Expr:
    """Felt temperature in °C: the heat index (Rothfusz/NWS) from 27 °C on, else the air temperature.

    An approximation of DWD's "gefühlte Temperatur" (Klima-Michel model), good enough to flag heat
    stress at the DWD thresholds of 32 °C (strong) and 38 °C (extreme). Null humidity gives the
    air temperature.
    """
    t = temperature * 9 / 5 + 32
    rh = humidity
    hi_f = (
        -42.379
        + 2.04901523 * t
        + 10.14333127 * rh
        - 0.22475541 * t * rh
        - 0.00683783 * t * t
        - 0.05481717 * rh * rh
        + 0.00122874 * t * t * rh
        + 0.00085282 * t * rh * rh
        - 0.00000199 * t * t * rh * rh
    )
    hi_c = (hi_f - 32) * 5 / 9
    return pl.when((temperature >= 27) & humidity.is_not_null()).then(pl.max_horizontal(hi_c, temperature)).otherwise(temperature)


def felt(latest: pl.DataFrame) -> pl.DataFrame:
    """Felt temperature per station now, from its latest temperature and a fresh humidity.

    ``latest``: rows of ``core.rollup.latest`` (station_id, quantity, value, stale, …). A stale
    humidity does not describe the air now, so such a station's felt temperature is its air
    temperature, as for a station without humidity. Returns station_id, humidity (the fresh one
    used, else null) and felt. The one place felt temperature is computed; it is rated under the
    key ``felt_temperature`` everywhere.
    """
    rows = latest.lazy()
    temperature = rows.filter(pl.col("quantity") == "temperature").select("station_id", temperature="value")
    humidity = rows.filter((pl.col("quantity") == "humidity") & ~pl.col("stale").fill_null(False)).select("station_id", humidity="value")
    return (
        temperature.join(humidity, on="station_id", how="left")
        .select("station_id", "humidity", felt=felt_temperature(pl.col("temperature"), pl.col("humidity")))
        .collect()
    )


def worst(frame: pl.DataFrame, by: str | list[str] = "station_id") -> pl.DataFrame:
    """The row with the highest severity per group (air quality: the worst pollutant decides)."""
    return (
        frame.filter(pl.col("severity").is_not_null())
        .sort("severity", descending=True, maintain_order=True)
        .unique(by, keep="first", maintain_order=True)
    )
