"""Units and words of the feeds: spelled units to canonical ones, sensor names to quantities."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.schema import QUANTITIES

# Unit conversion into the canonical unit of each quantity: canonical unit -> spelling -> (factor, offset).
# Spellings are normalised by ``unit_key`` (lower case, no spaces or brackets, ³/² as digits, µ/μ alike).
_C_FROM_F = 5 / 9
# A declarative table: one row per entry reads better than the formatter's one field per line.
# fmt: off
CONVERSIONS: dict[str, dict[str, tuple[float, float]]] = {
    "°C": {"°c": (1, 0), "c": (1, 0), "degc": (1, 0), "cel": (1, 0), "celsius": (1, 0), "gradc": (1, 0),
           "k": (1, -273.15), "kelvin": (1, -273.15), "°f": (_C_FROM_F, -32 * _C_FROM_F), "f": (_C_FROM_F, -32 * _C_FROM_F),
           "degf": (_C_FROM_F, -32 * _C_FROM_F)},
    "%": {"%": (1, 0), "percent": (1, 0), "%rh": (1, 0), "%rf": (1, 0), "1": (100, 0), "fraction": (100, 0)},
    "ppm": {"ppm": (1, 0), "ppb": (0.001, 0)},
    "cm": {"cm": (1, 0), "m": (100, 0), "mm": (0.1, 0)},
    "m³/s": {"m3/s": (1, 0), "cumec": (1, 0), "l/s": (0.001, 0)},
    "µg/m³": {"µg/m3": (1, 0), "ug/m3": (1, 0), "mg/m3": (1000, 0), "ng/m3": (0.001, 0)},
    "hPa": {"hpa": (1, 0), "mbar": (1, 0), "pa": (0.01, 0), "kpa": (10, 0), "bar": (1000, 0)},
    "kPa": {"kpa": (1, 0), "cbar": (1, 0), "hpa": (0.1, 0), "pa": (0.001, 0), "bar": (100, 0)},
    "mm": {"mm": (1, 0), "l/m2": (1, 0), "kg/m2": (1, 0)},
    "m/s": {"m/s": (1, 0), "mps": (1, 0), "km/h": (1 / 3.6, 0), "kmh": (1 / 3.6, 0), "kph": (1 / 3.6, 0),
            "kn": (0.514444, 0), "kt": (0.514444, 0)},
    "dB(A)": {"db(a)": (1, 0), "dba": (1, 0), "db": (1, 0)},
    "lx": {"lx": (1, 0), "lux": (1, 0), "klx": (1000, 0)},
    "": {"": (1, 0), "count": (1, 0), "spaces": (1, 0)},
    "V": {"v": (1, 0), "mv": (0.001, 0)},
}
# fmt: on


def unit_key(unit: str) -> str:
    key = unit.strip().lower().replace(" ", "").replace("³", "3").replace("²", "2").replace("^", "")
    key = key.replace("μ", "µ")  # Greek mu and the micro sign both occur in feeds
    return key.replace("[", "").replace("]", "").replace("grad", "°").replace("°°", "°")


def convert(value: float | None, unit: Any, quantity: str) -> float | None:
    """``value`` given in ``unit`` in the canonical unit of ``quantity``; None when the unit does not fit.

    A missing unit (None or "") means the value is already canonical; a missing value stays None.

    >>> convert(36.0, "km/h", "wind_speed")
    10.0
    """
    canonical = QUANTITIES[quantity].unit
    if value is None:
        return None
    if unit is None or (isinstance(unit, str) and not unit.strip()):
        return value
    if not isinstance(unit, str):
        return None
    key = unit_key(unit)
    factor_offset = CONVERSIONS.get(canonical, {}).get(key)
    if factor_offset is None and key == unit_key(canonical):
        factor_offset = (1, 0)
    if factor_offset is None:
        return None
    factor, offset = factor_offset
    if (factor, offset) == (1, 0):
        return value
    return round(value * factor + offset, 9)  # 0.55 * 100 is 55.00000000000001 otherwise


@dataclass(frozen=True)
class Rule:
    """Words in a sensor's name, title or definition that say which quantity it measures."""

    quantity: str
    words: tuple[str, ...]
    unless: tuple[str, ...] = ()


# Order matters: the first rule whose word occurs (and none of whose ``unless`` words) wins.
# The first rule names things we deliberately do not show ("" = known, but not a quantity of ours).
# fmt: off
RULES: tuple[Rule, ...] = (
    Rule("water_temperature", ("wassertemperatur", "water temperature", "water_temperature", "watertemperature", "wassertemp",
                               "water temp")),
    Rule("", ("bodentemperatur", "soil temperature", "taupunkt", "dew point", "gust", "böe", "boee", "grundwasser", "groundwater")),
    Rule("soil_tension", ("soil water tension", "soil tension", "bodenwasserspannung", "saugspannung", "matric potential", "tension")),
    Rule("soil_moisture", ("soil moisture", "soil_moisture", "bodenfeuchte", "volumetric water content", "soilmoisture")),
    Rule("pm2_5", ("pm2.5", "pm2_5", "pm25")),
    Rule("pm10", ("pm10",)),
    Rule("no2", ("no2", "nitrogen dioxide", "stickstoffdioxid")),
    Rule("o3", ("ozone", "ozon", "o3")),
    Rule("co2", ("co2", "co₂", "carbon dioxide", "kohlendioxid", "kohlenstoffdioxid")),
    Rule("water_level", ("water level", "waterlevel", "water_level", "wasserstand", "pegel", "gauge height", "stage"),
         ("schall", "lärm", "laerm", "sound", "noise")),
    Rule("discharge", ("discharge", "abfluss", "streamflow")),
    Rule("temperature", ("temperature", "temperatur", "temp"), ("water", "wasser", "soil", "boden", "dew", "taupunkt")),
    Rule("humidity", ("humidity", "feuchte", "feuchtigkeit"), ("soil", "boden")),
    Rule("pressure", ("pressure", "luftdruck", "druck")),
    Rule("precipitation", ("precipitation", "niederschlag", "rainfall", "regen")),
    Rule("wind_speed", ("wind speed", "windspeed", "wind_speed", "windgeschwindigkeit"), ("gust", "böe", "boe")),
    Rule("noise", ("noise", "lärm", "laerm", "lautstärke", "lautstaerke", "schallpegel", "sound level")),
    Rule("illuminance", ("illuminance", "beleuchtungsstärke", "beleuchtungsstaerke", "helligkeit", "light intensity")),
    Rule("battery", ("battery", "batterie", "akku")),
)
# fmt: on


def quantity_from_text(*texts: Any, overrides: Mapping[str, str] | None = None) -> str | None:
    """The quantity a sensor measures, from its names (first text that matches wins).

    ``overrides`` maps an exact name (case-insensitive) to a quantity and is asked first.
    Returns None when no word is known and "" when the sensor is known not to be ours
    (soil temperature, dew point, gusts, groundwater).
    """
    words = [t.strip().lower() for t in texts if isinstance(t, str) and t.strip()]
    for name, quantity in (overrides or {}).items():
        if quantity in QUANTITIES and name.strip().lower() in words:
            return quantity
    for word in words:
        squeezed = re.sub(r"(?<=\d),(?=\d)", ".", word).replace(" ", "")
        for rule in RULES:
            hit = any(w in word or w.replace(" ", "") in squeezed for w in rule.words)
            if hit and not any(u in word for u in rule.unless):
                return rule.quantity
    return None
