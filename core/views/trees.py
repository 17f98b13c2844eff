"""Watering young street trees: every tree of the register with its weather-only water balance, and its sensor beside it.

Reads the daily rollup of the weather quantities over the balance window (``[trees] days``,
30 by default) and the latest soil values; never raw history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from core import et0, trees
from core.config import CityConfig
from core.store import StoreReader
from core.views import microclimate
from core.views._time import local_day_start, now_or

SENSOR_COLUMNS = ("quantity", "value", "status", "status_de", "status_en", "tone", "stale", "age_s")


@dataclass(frozen=True)
class WateringView:
    """What the watering section shows; ``error`` is one sentence when the register cannot be read."""

    trees: pl.DataFrame  # one row per register tree, most urgent first (see :func:`watering`)
    days: pl.DataFrame  # date, tmin, tmax, precipitation, et0, method: the city's weather per day
    path: pl.DataFrame  # id, date, deficit_mm
    stations: dict[str, str] = field(default_factory=dict)  # weather quantity -> name of the station read
    skipped: int = 0  # register and watering-log rows skipped
    problems: tuple[str, ...] = ()
    error: str | None = None
    configured: bool = True


def _empty(**kw) -> WateringView:
    return WateringView(trees=pl.DataFrame(), days=pl.DataFrame(), path=pl.DataFrame(), **kw)


def watering(store: StoreReader, city: CityConfig, *, now: dt.datetime | None = None) -> WateringView:
    """Per register tree: deficit (mm), readily available water, litres to refill, hint, and its soil sensor's latest value.

    Columns of ``trees``: the register's (core.trees.REGISTER_SCHEMA), deficit_mm, raw_mm,
    litres, rain_mm, etc_mm, watered_l, days, missing, hint, severity, tone, and where the tree
    has a sensor: sensor_quantity, sensor_value, sensor_status, sensor_status_de,
    sensor_status_en, sensor_tone, sensor_stale, sensor_age_s.
    """
    settings = city.trees
    if settings is None:
        return _empty(configured=False)
    now = now_or(now)
    try:
        register = trees.read_register(settings, today=now.date())
        watered, skipped_watering = trees.read_watering(settings.watering)
    except trees.RegisterError as exc:
        return _empty(error=str(exc))
    found = register.trees
    if not len(found):
        return _empty(skipped=register.skipped, problems=register.problems)
    centre = (float(found["lat"].mean()), float(found["lon"].mean()))
    start = local_day_start(now, city.timezone, days_back=settings.days - 1)
    daily = store.rollup("1d", start=start, station_ids=list(settings.weather) if settings.weather else None,
                         quantities=list(trees.WEATHER_QUANTITIES))  # fmt: skip
    stations = store.stations()
    chosen = trees.pick_stations(daily, stations, centre, any_theme=settings.weather is not None)
    weather = trees.weather_days(daily, chosen, city.timezone)
    days = et0.daily(weather, lat=centre[0], elevation=settings.elevation, without_radiation=settings.without_radiation).collect()
    # the balance starts with the weather record: days before the first ET0 are not "missing", they are before it
    first = days.filter(pl.col("et0").is_not_null())["date"].min()
    days = days.filter(pl.col("date") >= first) if first is not None else days.clear()
    per_tree, path = trees.balance(days, found, watered, settings)
    sensors = microclimate.trees(store, city, now=now).select("station_id", *SENSOR_COLUMNS)
    sensors = sensors.rename({c: f"sensor_{c}" for c in SENSOR_COLUMNS})
    rows = (
        found.join(per_tree, on="id", how="left")
        .with_columns(hint=trees.hint(now.date(), settings))
        .join(trees.HINT_LOOK, on="hint", how="left")
        .join(sensors, left_on="sensor", right_on="station_id", how="left")
        .sort(["severity", "deficit_mm", "id"], descending=[True, True, False], nulls_last=True)
    )
    names = dict(zip(stations["station_id"], stations["name"]))
    return WateringView(
        trees=rows,
        days=days.select("date", "tmin", "tmax", "precipitation", "et0", "method"),
        path=path,
        stations={quantity: names.get(sid) or sid for quantity, sid in chosen.items()},
        skipped=register.skipped + skipped_watering,
        problems=register.problems,
    )
