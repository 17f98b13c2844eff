"""Street trees without sensors: the city's tree register and a daily water balance per tree pit from weather alone.

The balance is FAO-56's root-zone depletion (chapter 8, eq. 85) for one tree pit, day by day:

    D_t = clamp(D_{t-1} + Kc · ET0_t − P_t − I_t, 0, TAW)

with ET0 from ``core.et0``, P the day's precipitation (mm), I the logged watering (litres ÷ pit
area in m² = mm), TAW the water the pit holds for the roots (mm). A deficit of at least RAW =
p · TAW calls for water ("gießen"); the amount to refill is D × pit area in litres. The pit
starts full (D = 0) on the first day of the window: after a wet spell, a winter or a watering
that is true, after a dry spell the deficit is underestimated until the window has passed it.
Rain above what the pit lacks drains away; runoff from paving into the pit, interception by the
crown and water from deeper soil are not modelled (docs/trees.md says where that is wrong).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from core.config import TREE_RANGES, Trees

REGISTER_SCHEMA = pl.Schema(
    {
        "id": pl.String,
        "species": pl.String,
        "species_de": pl.String,
        "planted": pl.Int32,
        "lat": pl.Float64,
        "lon": pl.Float64,
        "street": pl.String,
        "district": pl.String,
        "sensor": pl.String,  # station id of the tree's soil sensor, if it has one
        "pit_area_m2": pl.Float64,
        "taw_mm": pl.Float64,
        "kc": pl.Float64,
    }
)
REQUIRED = ("id", "species", "planted", "lat", "lon")
TEXT = ("species_de", "street", "district", "sensor")
PER_TREE = ("pit_area_m2", "taw_mm", "kc")
MAX_BYTES = 20_000_000  # a register of a city's trees (Berlin's ~900 000 are ~300 MB as GeoJSON: split by district)

HINTS = ("water", "soon", "ok", "established", "unknown")  # the hint keys the UI words ("gießen", "bald gießen" …)
SOON_SHARE = 0.5  # "bald gießen" from half the readily available water on


class RegisterError(ValueError):
    """The tree register cannot be read at all; the message names the file and what to fix."""


@dataclass(frozen=True)
class Register:
    """The trees of a register, and how many of its rows were skipped (with the first reasons)."""

    trees: pl.DataFrame
    skipped: int = 0
    problems: tuple[str, ...] = ()


def _rows_csv(text: str) -> list[dict[str, Any]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def _rows_geojson(text: str, path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{path}: not valid JSON ({exc})"
        raise RegisterError(msg) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        msg = f"{path}: expected a GeoJSON FeatureCollection of points"
        raise RegisterError(msg)
    rows = []
    for feature in features:
        props = feature.get("properties") if isinstance(feature, dict) else None
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coords = geometry.get("coordinates") if isinstance(geometry, dict) and geometry.get("type") == "Point" else None
        row = dict(props) if isinstance(props, dict) else {}
        if isinstance(coords, list) and len(coords) >= 2:
            row.setdefault("lon", coords[0])
            row.setdefault("lat", coords[1])
        rows.append(row)
    return rows


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _tree(raw: dict[str, Any], columns: dict[str, str], this_year: int) -> dict[str, Any] | str:
    """One checked register row, or the reason it is skipped."""

    def get(key: str) -> Any:
        value = raw.get(columns.get(key, key))
        return value.strip() if isinstance(value, str) else value

    row: dict[str, Any] = {}
    for key in ("id", "species"):
        value = get(key)
        if value is None or str(value).strip() == "":
            return f"no {key}"
        row[key] = str(value).strip()
    planted = _number(get("planted"))
    if planted is None or planted != int(planted) or not 1700 <= planted <= this_year + 1:
        return f"tree {row['id']!r}: planting year {get('planted')!r} is not a year"
    row["planted"] = int(planted)
    lat, lon = _number(get("lat")), _number(get("lon"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return f"tree {row['id']!r}: no position in degrees"
    row["lat"], row["lon"] = lat, lon
    for key in TEXT:
        value = get(key)
        row[key] = str(value) if value not in (None, "") else None
    for key in PER_TREE:
        value = get(key)
        if value in (None, ""):
            row[key] = None
            continue
        number, (low, high) = _number(value), TREE_RANGES[key]
        if number is None or not low <= number <= high:
            return f"tree {row['id']!r}: {key} {value!r} is not a number from {low:g} to {high:g}"
        row[key] = number
    return row


def read_register(settings: Trees, *, today: dt.date | None = None) -> Register:
    """The trees of ``settings.register`` (CSV with a header row, or GeoJSON points), checked row by row.

    Rows without id, species, planting year or position, with values out of range or with an id
    seen before are skipped and counted; a missing pit area, capacity or Kc takes the default of
    ``settings``. A file that cannot be read at all raises :class:`RegisterError`.
    """
    path = settings.register
    try:
        if path.stat().st_size > MAX_BYTES:
            msg = f"{path}: larger than {MAX_BYTES // 1_000_000} MB; split the register by district"
            raise RegisterError(msg)
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        msg = f"{path}: tree register not found ([trees] register in the city config)"
        raise RegisterError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path}: tree register cannot be read ({exc})"
        raise RegisterError(msg) from None
    raw = _rows_geojson(text, path) if path.suffix.lower() in (".geojson", ".json") else _rows_csv(text)
    this_year = (today or dt.date.today()).year
    trees, problems, seen = [], [], set()
    for item in raw:
        tree = _tree(item, settings.columns, this_year) if isinstance(item, dict) else "not a record"
        if isinstance(tree, dict) and tree["id"] in seen:
            tree = f"tree {tree['id']!r}: id seen before"
        if isinstance(tree, str):
            problems.append(tree)
            continue
        seen.add(tree["id"])
        trees.append(tree)
    frame = pl.DataFrame(trees, schema=REGISTER_SCHEMA) if trees else pl.DataFrame(schema=REGISTER_SCHEMA)
    frame = frame.with_columns(
        pit_area_m2=pl.col("pit_area_m2").fill_null(settings.pit_area_m2),
        taw_mm=pl.col("taw_mm").fill_null(settings.taw_mm),
        kc=pl.col("kc").fill_null(settings.kc),
    )
    return Register(frame, skipped=len(problems), problems=tuple(problems[:5]))


WATERING_SCHEMA = pl.Schema({"tree_id": pl.String, "date": pl.Date, "litres": pl.Float64})


def read_watering(path: Path | None) -> tuple[pl.DataFrame, int]:
    """The watering log (tree_id, date as YYYY-MM-DD, litres) and how many rows were skipped; none without a path."""
    if path is None:
        return pl.DataFrame(schema=WATERING_SCHEMA), 0
    try:
        rows = _rows_csv(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path}: watering log cannot be read ({exc})"
        raise RegisterError(msg) from None
    good, skipped = [], 0
    for row in rows:
        try:
            day = dt.date.fromisoformat(str(row.get("date", "")).strip())
        except ValueError:
            skipped += 1
            continue
        litres = _number(row.get("litres"))
        tree = str(row.get("tree_id") or "").strip()
        if not tree or litres is None or not 0 < litres <= 5000:
            skipped += 1
            continue
        good.append({"tree_id": tree, "date": day, "litres": litres})
    return (pl.DataFrame(good, schema=WATERING_SCHEMA) if good else pl.DataFrame(schema=WATERING_SCHEMA)), skipped


# What the balance reads per day, and from which quantity and aggregate of the daily rollup.
WEATHER = {"tmin": ("temperature", "min"), "tmax": ("temperature", "max"), "rh_min": ("humidity", "min"),
           "rh_max": ("humidity", "max"), "wind": ("wind_speed", "mean"), "precipitation": ("precipitation", "value")}  # fmt: skip
WEATHER_QUANTITIES = tuple(dict.fromkeys(q for q, _ in WEATHER.values()))


OUTDOOR = "microclimate"  # the theme of weather stations: a classroom's temperature is no weather


def pick_stations(daily: pl.DataFrame, stations: pl.DataFrame, centre: tuple[float, float], *, any_theme: bool = False) -> dict[str, str]:
    """Per weather quantity the station to read: reporting it on the most days, then the nearest to ``centre``.

    ``daily``: 1-day rollup rows; ``stations``: station_id, theme, lat, lon. Only outdoor
    (microclimate) stations count, unless ``any_theme`` (the city named its stations). One station
    per quantity for the whole city: ET0 hardly differs across a town, and a tree has no weather
    station of its own.
    """
    if not any_theme:
        stations = stations.filter(pl.col("theme") == OUTDOOR)
        daily = daily.filter(pl.col("station_id").is_in(stations["station_id"].to_list()))
    lat0, lon0 = centre
    km = ((pl.col("lat") - lat0) * 111.2) ** 2 + ((pl.col("lon") - lon0) * 111.2 * math.cos(math.radians(lat0))) ** 2
    ranked = (
        daily.filter(pl.col("quantity").is_in(list(WEATHER_QUANTITIES)))
        .group_by("station_id", "quantity")
        .agg(days=pl.len())
        .join(stations.select("station_id", "lat", "lon"), on="station_id", how="left")
        .with_columns(distance=km.fill_null(float("inf")))
        .sort(["quantity", "days", "distance", "station_id"], descending=[False, True, False, False])
        .group_by("quantity", maintain_order=True)
        .first()
    )
    return dict(zip(ranked["quantity"], ranked["station_id"]))


def weather_days(daily: pl.DataFrame, chosen: dict[str, str], tz: str) -> pl.DataFrame:
    """One row per local day: tmin, tmax, rh_min, rh_max, wind (m/s at 10 m), precipitation (mm), from the chosen stations."""
    parts = []
    for column, (quantity, aggregate) in WEATHER.items():
        station = chosen.get(quantity)
        rows = daily.filter((pl.col("station_id") == station) & (pl.col("quantity") == quantity)) if station else daily.clear()
        parts.append(rows.select(date=pl.col("bucket_start").dt.convert_time_zone(tz).dt.date(), **{column: pl.col(aggregate)}))
    days = pl.concat([p.select("date") for p in parts]).unique()
    for part in parts:
        days = days.join(part, on="date", how="left")
    return days.sort("date")


def balance(days: pl.DataFrame, trees: pl.DataFrame, watering: pl.DataFrame, settings: Trees) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Run the pits' bucket over ``days`` (date, et0, precipitation; one row per day, in order).

    Returns (per tree, per tree and day). Per tree: id, deficit_mm, raw_mm, litres (to refill),
    rain_mm, etc_mm (Kc·ET0 over the window), watered_l, days (with weather), missing (days without
    ET0 or rain). Per day: id, date, deficit_mm. The recursion runs over days, vectorised over trees.
    """
    days = days.sort("date")
    ids = trees["id"].to_list()
    kc, taw, area = (trees[c].to_numpy().astype(float) for c in ("kc", "taw_mm", "pit_area_m2"))
    et0 = days["et0"].to_numpy().astype(float) if len(days) else np.zeros(0)
    rain = days["precipitation"].to_numpy().astype(float) if len(days) else np.zeros(0)
    missing = np.isnan(et0) | np.isnan(rain)
    et0, rain = np.nan_to_num(et0), np.nan_to_num(rain)
    # litres per tree and day onto the day grid (mm = L / m²)
    given = np.zeros((len(ids), len(days)))
    if len(watering) and len(days):
        index = {d: i for i, d in enumerate(days["date"].to_list())}
        position = {t: i for i, t in enumerate(ids)}
        for tree, day, litres in watering.group_by("tree_id", "date").agg(pl.col("litres").sum()).iter_rows():
            if tree in position and day in index:
                given[position[tree], index[day]] += litres
    irrigation = given / area[:, None]
    deficit = np.zeros(len(ids))
    path = np.zeros((len(ids), len(days)))
    for d in range(len(days)):  # one step per day for every tree at once: the clamp makes it a recursion
        deficit = np.clip(deficit + kc * et0[d] - rain[d] - irrigation[:, d], 0.0, taw)
        path[:, d] = deficit
    per_tree = pl.DataFrame(
        {
            "id": ids,
            "deficit_mm": deficit,
            "raw_mm": settings.depletion * taw,
            "litres": np.round(deficit * area / 10) * 10,
            "rain_mm": np.full(len(ids), rain.sum()),
            "etc_mm": kc * et0.sum(),
            "watered_l": given.sum(axis=1),
            "days": np.full(len(ids), len(days), dtype=np.int64),
            "missing": np.full(len(ids), int(missing.sum()), dtype=np.int64),
        },
        schema_overrides={"id": pl.String},
    )
    dates = days["date"].to_list()
    per_day = pl.DataFrame(
        {"id": np.repeat(np.array(ids, dtype=object), len(dates)), "date": dates * len(ids), "deficit_mm": path.reshape(-1)},
        schema={"id": pl.String, "date": pl.Date, "deficit_mm": pl.Float64},
    )
    return per_tree, per_day


def hint(today: dt.date, settings: Trees) -> pl.Expr:
    """The watering hint of a tree (:data:`HINTS`): established trees none, else by the deficit against RAW."""
    age = today.year - pl.col("planted")
    return (
        pl.when(age > settings.established_years)
        .then(pl.lit("established"))
        .when(pl.col("deficit_mm").is_null() | (pl.col("days") == 0))
        .then(pl.lit("unknown"))
        .when(pl.col("deficit_mm") >= pl.col("raw_mm"))
        .then(pl.lit("water"))
        .when(pl.col("deficit_mm") >= SOON_SHARE * pl.col("raw_mm"))
        .then(pl.lit("soon"))
        .otherwise(pl.lit("ok"))
        .alias("hint")
    )


HINT_LOOK = pl.DataFrame(
    {"hint": list(HINTS), "severity": [2, 1, 0, 0, None], "tone": ["poor", "moderate", "good", "good", "unknown"]},
    schema={"hint": pl.String, "severity": pl.Int8, "tone": pl.String},
)
