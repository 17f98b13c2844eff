"""Smart Data Models as data: attribute → quantity, UN/CEFACT unit codes, entity type → theme."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.schema import QUANTITIES
from data_sources._kit import number
from data_sources.errors import FeedFormatError
from data_sources.fiware import models


@dataclass(frozen=True)
class Rule:
    """An attribute (of the listed entity types, or of any type) that measures a quantity."""

    attr: str
    quantity: str
    unit: str  # UN/CEFACT code assumed when the attribute carries no unitCode
    types: tuple[str, ...] = ()
    not_types: tuple[str, ...] = ()  # of any type but these (their attribute means something else there)
    fraction: bool = False  # the model defines a 0–1 fraction (relativeHumidity, occupancy)
    states: Mapping[str, float] | None = None  # text states → number (ParkingSpot status)
    level: str | None = None  # a characteristic level of the station, not a reading


_WATER, _SPOT, _FLOOD = ("WaterObserved",), ("ParkingSpot",), ("FloodMonitoring",)
# Types whose ``temperature`` is the water's (a probe in a river or lake), never the air's.
_IN_WATER = ("WaterQualityObserved", "WaterObserved")
# Types whose ``occupancy`` is no 0–1 parking fraction: a lane detector's occupied time, a place's
# number of people (data_sources.fiware.models reads the latter against its capacity).
_NOT_PARKING = ("TrafficFlowObserved", *models.PLACES)

# Order is priority: when two attributes give the same quantity (WaterObserved has both
# waterLevel and height), the first rule wins. DeviceMeasurement entities are mapped through
# their controlledProperty, which names one of these attributes.
# A declarative table: one row per entry reads better than the formatter's one field per line.
# fmt: off
RULES: tuple[Rule, ...] = (
    Rule("waterLevel", "water_level", "MTR"),
    Rule("height", "water_level", "MTR", _WATER),
    Rule("currentLevel", "water_level", "MTR", _FLOOD),
    Rule("streamGauge", "water_level", "CMT"),  # WeatherObserved: centimetres
    Rule("waterDischarge", "discharge", "MQS"),
    Rule("flow", "discharge", "MQS", _WATER),
    Rule("temperature", "water_temperature", "CEL", _IN_WATER),
    Rule("temperature", "temperature", "CEL", not_types=_IN_WATER),
    Rule("relativeHumidity", "humidity", "C62", fraction=True),
    Rule("humidity", "humidity", "P1"),
    Rule("co2", "co2", "59"),
    Rule("pm10", "pm10", "GQ"),
    Rule("pm25", "pm2_5", "GQ"),
    Rule("no2", "no2", "GQ"),
    Rule("o3", "o3", "GQ"),
    Rule("atmosphericPressure", "pressure", "HPA"),
    Rule("pressure", "pressure", "HPA"),
    Rule("precipitation", "precipitation", "MMT"),  # litres per square metre
    Rule("windSpeed", "wind_speed", "MTS"),
    Rule("illuminance", "illuminance", "LUX"),
    Rule("LAeq", "noise", "2N"),
    Rule("LAmax", "noise_max", "2N"),
    Rule("soilMoisture", "soil_moisture", "P1"),
    Rule("soilTension", "soil_tension", "KPA"),
    Rule("availableSpotNumber", "parking_free", "C62"),
    Rule("occupancy", "occupancy", "C62", not_types=_NOT_PARKING, fraction=True),
    Rule("status", "parking_free", "C62", _SPOT, states={"free": 1.0, "occupied": 0.0}),
    Rule("status", "occupancy", "P1", _SPOT, states={"free": 0.0, "occupied": 100.0}),
    Rule("alertLevel", "water_level", "MTR", _FLOOD, level="alert"),
    Rule("dangerLevel", "water_level", "MTR", _FLOOD, level="danger"),
)
# fmt: on

# Traffic counts, charge points and places are read from several attributes at once: models.READERS.
# Types without a theme here (DeviceMeasurement, an IoT Agent's "Thing") take their quantities'.
TYPE_THEMES: dict[str, str] = {
    "AirQualityObserved": "air_quality",
    "WeatherObserved": "microclimate",
    "IndoorEnvironmentObserved": "indoor_air",
    "WaterObserved": "water",
    "WaterQualityObserved": "water",
    "FloodMonitoring": "water",
    "ParkingSpot": "parking",
    "OffStreetParking": "parking",
    "OnStreetParking": "parking",
    "NoiseLevelObserved": "noise",
    models.TRAFFIC: "traffic",
    models.CHARGING: "charging",
} | dict.fromkeys(models.PLACES, "poi")


@dataclass(frozen=True)
class Unit:
    """A UN/CEFACT unit as an affine map onto its dimension's base unit: base = value * factor + offset."""

    dimension: str
    factor: float
    offset: float = 0.0


# fmt: off
UNITS: dict[str, Unit] = {
    "CEL": Unit("temperature", 1.0, 273.15), "KEL": Unit("temperature", 1.0), "FAH": Unit("temperature", 5 / 9, 273.15 - 160 / 9),
    "C62": Unit("ratio", 1.0), "P1": Unit("ratio", 0.01),  # C62 "one": a plain number, a count or a 0–1 fraction
    "59": Unit("mixing", 1e-6), "61": Unit("mixing", 1e-9),  # ppm, ppb
    "GQ": Unit("density", 1e-9), "GP": Unit("density", 1e-6),  # µg/m³, mg/m³ in kg/m³
    "HPA": Unit("pressure", 100.0), "A97": Unit("pressure", 100.0), "MBR": Unit("pressure", 100.0),
    "PAL": Unit("pressure", 1.0), "KPA": Unit("pressure", 1000.0), "BAR": Unit("pressure", 1e5),
    "MTR": Unit("length", 1.0), "CMT": Unit("length", 0.01), "MMT": Unit("length", 0.001),
    "MQS": Unit("flow", 1.0), "MQH": Unit("flow", 1 / 3600),
    "H10": Unit("rate", 1 / 3600), "C94": Unit("rate", 1 / 60), "S4": Unit("rate", 1.0),  # per hour, per minute, per second
    "MTS": Unit("speed", 1.0), "KMH": Unit("speed", 1 / 3.6), "KNT": Unit("speed", 1852 / 3600),
    "LUX": Unit("illuminance", 1.0), "2N": Unit("decibel", 1.0), "VLT": Unit("voltage", 1.0), "2Z": Unit("voltage", 1e-3),
    "KWH": Unit("energy", 3.6e6), "WHR": Unit("energy", 3600.0), "MWH": Unit("energy", 3.6e9), "MTQ": Unit("volume", 1.0), "LTR": Unit("volume", 1e-3),
}
# fmt: on
# Spellings seen in published examples that are not UN/CEFACT codes.
UNIT_ALIASES: dict[str, str] = {"LX": "LUX", "lx": "LUX", "%": "P1", "ppm": "59", "hPa": "HPA"}

# Where an entity says when it observed (first found wins); a per-attribute observedAt or
# TimeInstant metadata beats all of them, the broker's modification time comes last.
OBSERVED_ATTRS = ("dateObserved", "observationDateTime", "TimeInstant", "timestamp", "dateObservedTo")
MODIFIED_ATTRS = ("dateModified", "modifiedAt")
# Types whose period beats every other time, also an attribute's own: a sound level is the mean
# over its period and counts at the period's end (dateObserved may be an interval: its end).
TYPE_TIMES: dict[str, tuple[str, ...]] = {"NoiseLevelObserved": ("dateObservedTo", "dateObserved")}


def rules(config: Mapping[str, Any] | None) -> tuple[Rule, ...]:
    """The table, preceded by the source's own ``attributes`` (name = quantity, or a table with unit)."""
    extra = (config or {}).get("attributes") or {}
    if not isinstance(extra, Mapping):
        msg = "source config: 'attributes' must be a table of attribute = quantity"
        raise FeedFormatError(msg)
    own = []
    for attr, spec in extra.items():
        spec = spec if isinstance(spec, Mapping) else {"quantity": spec}
        quantity = spec.get("quantity")
        if quantity not in QUANTITIES:
            msg = f"source config: attributes.{attr} names {quantity!r}, not one of {', '.join(QUANTITIES)}"
            raise FeedFormatError(msg)
        unit = str(spec.get("unit") or QUANTITIES[quantity].uncefact)
        if UNIT_ALIASES.get(unit, unit) not in UNITS:
            msg = f"source config: attributes.{attr} has unit {unit!r}, not one of {', '.join(UNITS)}"
            raise FeedFormatError(msg)
        own.append(Rule(str(attr), quantity, unit))
    _own_units(config)  # checked once per parse rather than per value
    return (*own, *RULES)


def measure(rule: Rule, raw: Any, unit_code: Any, config: Mapping[str, Any] | None) -> float | None:
    """The attribute value in the quantity's canonical unit, or None when it cannot be used."""
    value = rule.states.get(raw) if rule.states and isinstance(raw, str) else number(raw)
    if value is None:
        return None
    code = unit_code if isinstance(unit_code, str) and unit_code else rule.unit
    code = ((config or {}).get("units") or {}).get(code, code)
    code = UNIT_ALIASES.get(code, code)
    if rule.fraction and code in ("C62", "P1"):
        # The models define a 0–1 fraction, yet their own examples label 0.54 as P1 (percent)
        # and IoT Agents send 54 under the same name: a value above 1 can only be percent.
        code = "C62" if value <= 1 else "P1"
    unit, target = UNITS.get(code), UNITS[QUANTITIES[rule.quantity].uncefact]
    if unit is None or unit.dimension != target.dimension:
        return None
    if unit == target:
        return value  # no float noise from a round trip through the base unit
    # Rounded to 1e-6: far below any sensor's resolution, and 0.5 mg/m³ stays 500 µg/m³, not 499.99999999999994.
    return round(value * (unit.factor / target.factor) + (unit.offset - target.offset) / target.factor, 6)


def _own_units(config: Mapping[str, Any] | None) -> None:
    """Check the source's ``units`` table: feed unit strings that are no UN/CEFACT code → code."""
    if not isinstance((config or {}).get("units") or {}, Mapping):
        msg = "source config: 'units' must be a table of feed unit = UN/CEFACT code"
        raise FeedFormatError(msg)


def local_name(term: Any) -> Any:
    """``temperature`` from an expanded NGSI-LD term such as ``https://…/terms.jsonld#/definitions/temperature``."""
    if isinstance(term, str) and ("/" in term or "#" in term) and not term.startswith("@"):
        return term.replace("#", "/").rstrip("/").rsplit("/", 1)[-1]
    return term
