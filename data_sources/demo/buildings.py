"""Ten municipal buildings of the demo city: hourly meter registers from occupancy, the school calendar and the outdoor temperature.

Every meter reports its cumulative register once an hour, a minute before the full hour (its
hour's consumption then falls into that hour's bucket). A register is the sum of hourly
consumption since :data:`EPOCH`, so it is a closed-form function of the instant (no state carried
between polls): electricity is a baseload plus an occupancy profile per kind of building, day
type (school day, school holiday, public holiday, weekend; core.holidays) and hour; heat is a
transmission term U·(setpoint − outdoor temperature) while the heating season is on (24-hour
mean below 15 °C), setback outside use, plus hot water; both are scaled so that a reference
year (2025) meets the building's yearly kWh per m². The outdoor temperature is the demo's own
weather (``physics.weather``), also reported by one building-automation sensor, so heat and
degree days agree. One school (Gesamtschule Lendringsen) keeps ventilation and lighting on at
night: its night baseload is well above half its daily mean.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from core.holidays import SchoolCalendar
from data_sources.demo import physics
from data_sources.demo.stations import DemoStation

EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # the registers count from here (meters installed)
REFERENCE_YEAR = 2025
READ_BEFORE_HOUR_S = 60  # meters report at hh:59
HOUR = 3600
OUTDOOR = DemoStation("aussenfuehler-rathaus", "Außenfühler Rathaus (Gebäudeleittechnik)", 51.4431, 7.7808, "microclimate", "Innenstadt",
                      "weather", HOUR, {"heat": 0.4})  # fmt: skip


@dataclass(frozen=True)
class DemoBuilding:
    """A building: category (core.energy), net floor area, yearly kWh/m² of electricity and heat, night baseload share."""

    key: str
    name: str
    lat: float
    lon: float
    district: str
    category: str
    area_m2: float
    electricity: float  # kWh/(m²·a) in the reference year
    heat: float  # kWh/(m²·a) in the reference year
    baseload: float  # night power as a share of the peak hour's
    heating: str = "heat_meter"  # district heating (heat_meter, kWh) or a gas boiler (gas_meter, m³)
    school: str | None = None
    water: bool = False


# fmt: off
BUILDINGS = (
    DemoBuilding("rathaus", "Rathaus Menden", 51.4429, 7.7804, "Innenstadt", "administration", 7400, 27, 98, 0.22),
    DemoBuilding("walburgisgymnasium", "Walburgisgymnasium", 51.4452, 7.7765, "Innenstadt", "school", 9600, 11, 118, 0.16,
                 school="Walburgisgymnasium"),
    DemoBuilding("gymnasium-an-der-hoenne", "Gymnasium an der Hönne", 51.4400, 7.7900, "Innenstadt", "school", 11300, 10, 92, 0.14,
                 school="Gymnasium an der Hönne"),
    # the wasteful one: ventilation and corridor lights run through the night and the weekend
    DemoBuilding("gesamtschule-lendringsen", "Gesamtschule Lendringsen", 51.4185, 7.8060, "Lendringsen", "school", 12800, 19, 142, 0.62,
                 school="Gesamtschule Lendringsen"),
    DemoBuilding("grundschule-boesperde", "Grundschule Bösperde", 51.4675, 7.7590, "Bösperde", "school", 2300, 8, 151, 0.15, "gas_meter",
                 school="Grundschule Bösperde"),
    DemoBuilding("hallenbad", "Hallenbad Menden", 51.4396, 7.7908, "Innenstadt", "pool", 3200, 135, 520, 0.55, water=True),
    DemoBuilding("feuerwache", "Feuer- und Rettungswache Menden", 51.4520, 7.7735, "Innenstadt", "fire_station", 3100, 14, 118, 0.45),
    DemoBuilding("feuerwehr-lendringsen", "Feuerwehrgerätehaus Lendringsen", 51.4158, 7.8098, "Lendringsen", "fire_station", 650, 9, 104,
                 0.25, "gas_meter"),
    DemoBuilding("sporthalle-lendringsen", "Sporthalle Lendringsen", 51.4176, 7.8088, "Lendringsen", "sports_hall", 2100, 16, 148, 0.12),
    DemoBuilding("wilhelmshoehe", "Wilhelmshöhe (Saalbetriebe)", 51.4506, 7.7868, "Innenstadt", "community_hall", 2600, 19, 126, 0.18),
)
# fmt: on
GAS_KWH_PER_M3 = 10.6  # core.energy.GAS_KWH_PER_M3: the same factor turns the demo's gas back into kWh
METERS = {"electricity_meter": "strom", "heat_meter": "waerme", "gas_meter": "gas", "water_meter": "wasser"}
WORDS = {"electricity_meter": "Stromzähler", "heat_meter": "Wärmemengenzähler", "gas_meter": "Gaszähler", "water_meter": "Wasserzähler"}


def meters(building: DemoBuilding) -> tuple[str, ...]:
    """The quantities of a building's meters."""
    return ("electricity_meter", building.heating) + (("water_meter",) if building.water else ())


def native_id(building: DemoBuilding, quantity: str) -> str:
    return f"{building.key}-{METERS[quantity]}"


def _meter(b: DemoBuilding, quantity: str) -> DemoStation:
    params = {"building": b.key, "quantity": quantity}
    name = f"{b.name} {WORDS[quantity]}"
    return DemoStation(
        native_id(b, quantity), name, b.lat, b.lon, "energy", b.district, "meter", HOUR, params, offset_s=-READ_BEFORE_HOUR_S
    )


STATIONS: tuple[DemoStation, ...] = (*(_meter(b, q) for b in BUILDINGS for q in meters(b)), OUTDOOR)
BY_KEY = {b.key: b for b in BUILDINGS}


def _window(x: np.ndarray, start: float, end: float) -> np.ndarray:
    return ((x >= start) & (x < end)).astype(np.float64)


def occupancy(category: str, hour: np.ndarray, weekday: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """How much of the building is in use (0 … 1) by local hour, weekday (0 = Monday) and day kind (core.holidays.KINDS index)."""
    school_day = kind == 0
    workday = (weekday < 5) & (kind != 2)  # kind 2: public holiday
    if category == "school":
        lessons = _window(hour, 7.5, 13.5) + 0.45 * _window(hour, 13.5, 16.5) + 0.15 * _window(hour, 16.5, 18.0)
        return np.where(school_day, lessons, np.where(workday, 0.12 * _window(hour, 8, 14), 0.0))
    if category == "administration":
        return np.where(workday, _window(hour, 7.0, 16.5) + 0.5 * _window(hour, 16.5, 18.5) * (weekday == 3), 0.0)
    if category == "fire_station":  # staffed around the clock, workshops and training in the day
        return 0.35 + 0.65 * np.where(workday, _window(hour, 7, 17), 0.0)
    if category == "sports_hall":
        school_sport = np.where(school_day, _window(hour, 8, 15.5), 0.0)
        clubs = np.where(weekday < 5, 0.8 * _window(hour, 17, 22), 0.6 * _window(hour, 9, 18))
        return np.maximum(school_sport, clubs)
    if category == "pool":  # the opening hours of the demo's place "Hallenbad Menden"
        weekdays = np.where(weekday == 0, _window(hour, 14, 21), _window(hour, 6.5, 21))
        return np.where(weekday < 5, weekdays, _window(hour, 8, 18))
    if category == "community_hall":
        return np.where((weekday >= 2) & (weekday <= 5), _window(hour, 17, 23), np.where(weekday == 6, _window(hour, 11, 21), 0.0))
    return np.where(workday, _window(hour, 8, 17), 0.0)


@lru_cache(maxsize=4096)
def _kind_index(day: dt.date) -> int:
    kind = SchoolCalendar().kind(day)
    return {"school_day": 0, "weekend": 1, "public_holiday": 2, "school_holiday": 3}.get(kind, 0)  # beyond the data: lessons


@lru_cache(maxsize=8)
def _hours(end_hour: int, seed: int, tz: str) -> dict[str, np.ndarray]:
    """Hourly outdoor temperature and local calendar from EPOCH up to ``end_hour`` (epoch hours), shared by all meters."""
    t = np.arange(int(EPOCH.timestamp()) // HOUR, end_hour + 1, dtype=np.int64) * HOUR + HOUR // 2  # the middle of each hour
    lt = physics.local_time(t, tz)
    temperature = physics.weather(OUTDOOR, t, lt, seed)["temperature"]
    mean24 = np.convolve(temperature, np.ones(24) / 24, mode="full")[: len(t)]
    mean24[:24] = temperature[:24]
    local = pl.from_epoch(pl.Series(t), time_unit="s").dt.replace_time_zone("UTC").dt.convert_time_zone(tz).dt.date()
    dates = local.to_physical().to_numpy()  # days since 1970-01-01, local
    epoch_day = dt.date(1970, 1, 1).toordinal()
    unique, inverse = np.unique(dates, return_inverse=True)
    kind = np.array([_kind_index(dt.date.fromordinal(int(d) + epoch_day)) for d in unique], dtype=np.int64)[inverse]
    return {"t": t, "hour": lt["hour"], "weekday": lt["weekday"], "kind": kind, "temperature": temperature, "mean24": mean24}


def _power(b: DemoBuilding, quantity: str, hours: dict[str, np.ndarray], seed: int) -> np.ndarray:
    """Unscaled hourly consumption shape of one meter (its unit per hour, before scaling to the yearly target)."""
    use = occupancy(b.category, hours["hour"], hours["weekday"], hours["kind"])
    wiggle = 1 + 0.06 * (physics.uniform(seed, f"{b.key}/{quantity}", hours["t"] // HOUR) - 0.5)
    if quantity == "electricity_meter":
        return (b.baseload + (1 - b.baseload) * use) * wiggle
    if quantity == "water_meter":  # showers and topping up the pool water while open
        return (0.08 + use) * wiggle
    setpoint = np.where(use > 0.05, 20.5, 16.0) if b.category != "pool" else 28.0
    season = hours["mean24"] < 15.0
    transmission = np.where(season, np.clip(setpoint - hours["temperature"], 0, None), 0.0)
    hot_water = (0.9 if b.category == "pool" else 0.08) * (0.3 + use)
    return (transmission + 6.0 * hot_water) * wiggle


@lru_cache(maxsize=64)
def _scale(key: str, quantity: str, seed: int, tz: str) -> float:
    """Factor that makes the reference year's consumption meet the building's yearly target."""
    b = BY_KEY[key]
    end = int(dt.datetime(REFERENCE_YEAR + 1, 1, 1, tzinfo=dt.UTC).timestamp()) // HOUR
    hours = _hours(end, seed, tz)
    year = hours["t"] >= dt.datetime(REFERENCE_YEAR, 1, 1, tzinfo=dt.UTC).timestamp()
    total = float(_power(b, quantity, hours, seed)[year].sum())
    target = {"electricity_meter": b.electricity, "heat_meter": b.heat, "gas_meter": b.heat / GAS_KWH_PER_M3}.get(quantity)
    if target is None:  # water: about 25 m³ per m² and year in an indoor pool (showers, filter backwash, evaporation)
        target = 2.5
    return target * b.area_m2 / total


def register(st: DemoStation, t: np.ndarray, seed: int, tz: str) -> np.ndarray:
    """The meter's register at the instants ``t`` (epoch s): consumption since EPOCH plus the meter's own start value."""
    b, quantity = BY_KEY[st.params["building"]], st.params["quantity"]
    end_hour = int(t.max()) // HOUR + 1
    hours = _hours(end_hour, seed, tz)
    per_hour = _power(b, quantity, hours, seed) * _scale(b.key, quantity, seed, tz)
    before = np.concatenate([[0.0], np.cumsum(per_hour)])  # register at each full hour since EPOCH
    since = (t - int(EPOCH.timestamp())) / HOUR
    whole = np.clip(np.floor(since).astype(np.int64), 0, len(per_hour) - 1)
    value = before[whole] + per_hour[whole] * (since - whole)
    start = 1000 + 90000 * float(physics.uniform(seed, f"{st.native_id}/start", 0))  # installed with a reading of its own
    return np.round(start + value, 3)


def simulate_station(st: DemoStation, t: np.ndarray, lt: dict, seed: int, tz: str) -> dict[str, np.ndarray]:
    if st.kind == "meter":
        return {st.params["quantity"]: register(st, t, seed, tz)}
    return {"temperature": physics.weather(st, t, lt, seed)["temperature"]}
