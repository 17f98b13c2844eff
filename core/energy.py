"""Energy of municipal buildings: the buildings of the city config, VDI 3807 benchmarks, degree days and baseload, as polars.

Consumption comes from cumulative meter registers (``electricity_meter``, ``heat_meter``,
``gas_meter``): their rollup buckets hold the increase (core.rollup, aggregation ``counter``).
Everything here works on such buckets; nothing reads raw readings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

CARRIERS = ("electricity", "heat")
# A meter register's quantity -> the carrier it measures. Gas m³ become kWh by Brennwert × Zustandszahl,
# which the gas bill states; 10.6 kWh/m³ (H-gas, about 11.2 × 0.95) is a placeholder, set per building
# with ``gas_kwh_per_m3``. Water meters are no energy and stay out.
METERS: dict[str, str] = {"electricity_meter": "electricity", "heat_meter": "heat", "gas_meter": "heat"}
GAS_KWH_PER_M3 = 10.6

# VDI 3807 Verbrauchskennwerte in kWh/(m²·a) of floor area, as the Sächsische Energieagentur tabulates
# them (een-sachsen.de; docs/energy.md): (heat Grenzwert, heat Zielwert, electricity Grenzwert,
# electricity Zielwert). Above the Grenzwert: worse than most; below the Zielwert: good practice.
VDI_3807: dict[str, tuple[float, float, float, float]] = {
    "school": (154.0, 90.0, 14.0, 6.0),
    "administration": (128.0, 72.0, 30.0, 10.0),
    "sports_hall": (187.0, 92.0, 22.0, 6.0),
    "community_hall": (161.0, 72.0, 22.0, 5.0),
    "fire_station": (149.0, 56.0, 13.0, 4.0),
}
CATEGORIES = (*VDI_3807, "pool", "other")  # indoor pools and others: no benchmark in the table used here
HEATING_BASE = 20.0  # °C indoors: Gradtagzahl G20/15 (VDI 3807-1, VDI 4710): Σ (20 − Tm) over days with Tm < 15 °C
HEATING_LIMIT = 15.0  # °C: the Heizgrenztemperatur
NIGHT = (0, 4)  # local hours [00:00, 04:00): the night baseload window
NIGHT_SHARE_FLAG = 0.5  # a school whose night draws more than half its daily mean power wastes energy (gap_topics §5)


class BuildingError(ValueError):
    """A ``[[buildings]]`` entry of the city config is not usable; one sentence naming the key."""


@dataclass(frozen=True)
class Building:
    """A municipal building: its meters (station ids), category (a :data:`VDI_3807` key or pool/other) and net floor area."""

    key: str
    name: str
    category: str
    area_m2: float
    meters: tuple[str, ...]
    school: str | None = None  # the school name for the calendar's free days (core.holidays)
    gas_kwh_per_m3: float = GAS_KWH_PER_M3


def check_buildings(raw: Any) -> tuple[Building, ...]:
    """The ``[[buildings]]`` array of a city config as checked :class:`Building` values."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise BuildingError("[[buildings]]: expected an array of tables")
    out, seen = [], set()
    for i, entry in enumerate(raw, start=1):
        where = f"[[buildings]] #{i}"
        if not isinstance(entry, Mapping):
            raise BuildingError(f"{where}: expected a table")
        key, name = entry.get("key"), entry.get("name")
        if not isinstance(key, str) or not key.strip() or key in seen:
            raise BuildingError(f"{where} key 'key': expected a unique non-empty string, got {key!r}")
        seen.add(key)
        if not isinstance(name, str) or not name.strip():
            raise BuildingError(f"{where} key 'name': expected a non-empty string, got {name!r}")
        category = entry.get("category", "other")
        if category not in CATEGORIES:
            raise BuildingError(f"{where} key 'category': expected one of {', '.join(CATEGORIES)}, got {category!r}")
        area = entry.get("area_m2")
        if not isinstance(area, (int, float)) or isinstance(area, bool) or not 10 <= area <= 1_000_000:
            raise BuildingError(f"{where} key 'area_m2': expected the net floor area in m² (10 … 1,000,000), got {area!r}")
        meters = entry.get("meters")
        if not isinstance(meters, list) or not meters or not all(isinstance(m, str) and ":" in m for m in meters):
            raise BuildingError(f"{where} key 'meters': expected a list of station ids like 'demo:rathaus-strom', got {meters!r}")
        school = entry.get("school")
        if school is not None and (not isinstance(school, str) or not school.strip()):
            raise BuildingError(f"{where} key 'school': expected a school name, got {school!r}")
        gas = entry.get("gas_kwh_per_m3", GAS_KWH_PER_M3)
        if not isinstance(gas, (int, float)) or isinstance(gas, bool) or not 8 <= gas <= 13:
            raise BuildingError(f"{where} key 'gas_kwh_per_m3': expected kWh per m³ of gas (8 … 13), got {gas!r}")
        out.append(Building(key, name.strip(), category, float(area), tuple(meters), school, float(gas)))
    return tuple(out)


def meter_table(buildings: tuple[Building, ...]) -> pl.DataFrame:
    """One row per meter: station_id, building (key), the building's name, category, area_m2, school and the gas factor."""
    rows = [
        {
            "station_id": m,
            "building": b.key,
            "name": b.name,
            "category": b.category,
            "area_m2": b.area_m2,
            "school": b.school,
            "gas": b.gas_kwh_per_m3,
        }
        for b in buildings
        for m in b.meters
    ]
    schema = {"station_id": pl.String, "building": pl.String, "name": pl.String, "category": pl.String, "area_m2": pl.Float64}
    return pl.DataFrame(rows, schema={**schema, "school": pl.String, "gas": pl.Float64})


def consumption(buckets: pl.DataFrame, meters: pl.DataFrame) -> pl.DataFrame:
    """Meter buckets (BUCKET_SCHEMA) as consumption in kWh per building, carrier and bucket_start.

    Gas m³ become kWh by the building's factor; water and unknown meters are left out.
    """
    carrier = pl.col("quantity").replace_strict(METERS, default=None, return_dtype=pl.String)
    factor = pl.when(pl.col("quantity") == "gas_meter").then(pl.col("gas")).otherwise(1.0)
    return (
        buckets.join(meters.select("station_id", "building", "gas"), on="station_id", how="inner")
        .with_columns(carrier=carrier, kwh=pl.col("value") * factor)
        .filter(pl.col("carrier").is_not_null())
        .group_by("building", "carrier", "bucket_start")
        .agg(kwh=pl.col("kwh").sum())
        .sort("building", "carrier", "bucket_start")
    )


def degree_days(daily_mean: pl.Expr) -> pl.Expr:
    """G20/15 of one day from its mean outdoor temperature: 20 − Tm where Tm < 15 °C, else 0 (Kd)."""
    return pl.when(daily_mean < HEATING_LIMIT).then(HEATING_BASE - daily_mean).otherwise(0.0)


def night_share(hourly: pl.DataFrame, tz: str) -> pl.DataFrame:
    """Per building and local day: mean power 00:00–04:00 over the day's mean power (hourly electricity buckets).

    ``hourly``: building, carrier, bucket_start, kwh (hourly buckets). Only days with all 24
    (23/25 on DST days) hours count; returns building, date, night_kw, day_kw, share.
    """
    local = pl.col("bucket_start").dt.convert_time_zone(tz)
    hour = local.dt.hour()
    return (
        hourly.filter(pl.col("carrier") == "electricity")
        .with_columns(date=local.dt.date(), night=(hour >= NIGHT[0]) & (hour < NIGHT[1]))
        .group_by("building", "date")
        .agg(
            hours=pl.len(),
            night_kw=pl.col("kwh").filter(pl.col("night")).mean(),
            day_kw=pl.col("kwh").mean(),
        )
        .filter(pl.col("hours") >= 23)
        .with_columns(share=pl.when(pl.col("day_kw") > 0).then(pl.col("night_kw") / pl.col("day_kw")))
        .select("building", "date", "night_kw", "day_kw", "share")
        .sort("building", "date")
    )


def benchmark(category: str, carrier: str) -> tuple[float, float] | None:
    """(Grenzwert, Zielwert) in kWh/(m²·a) of VDI 3807 for a category and carrier; None where the table has none."""
    values = VDI_3807.get(category)
    if values is None:
        return None
    return (values[0], values[1]) if carrier == "heat" else (values[2], values[3])


RATINGS = ("unknown", "good", "medium", "high")  # worst last


def rating(value: float | None, bench: tuple[float, float] | None) -> str:
    """'good' at or below the Zielwert, 'high' above the Grenzwert, 'medium' between, 'unknown' without value or benchmark."""
    if value is None or bench is None:
        return "unknown"
    limit, target = bench
    return "good" if value <= target else "high" if value > limit else "medium"
