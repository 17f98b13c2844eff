"""Smart Data Models as data: attribute → quantity, UN/CEFACT unit codes, theme, time and place of FIWARE entities."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from core.schema import QUANTITIES, THEMES, theme_of
from data_sources.errors import FeedFormatError


@dataclass(frozen=True)
class Rule:
    """An attribute (of the listed entity types, or of any type) that measures a quantity."""

    attr: str
    quantity: str
    unit: str  # UN/CEFACT code assumed when the attribute carries no unitCode
    types: tuple[str, ...] = ()
    fraction: bool = False  # the model defines a 0–1 fraction (relativeHumidity, occupancy)
    states: Mapping[str, float] | None = None  # text states → number (ParkingSpot status)
    level: str | None = None  # a characteristic level of the station, not a reading


_WATER, _SPOT, _FLOOD = ("WaterObserved",), ("ParkingSpot",), ("FloodMonitoring",)

# Order is priority: when two attributes give the same quantity (WaterObserved has both
# waterLevel and height), the first rule wins. DeviceMeasurement entities are mapped through
# their controlledProperty, which names one of these attributes.
RULES: tuple[Rule, ...] = (
    Rule("waterLevel", "water_level", "MTR"),
    Rule("height", "water_level", "MTR", _WATER),
    Rule("currentLevel", "water_level", "MTR", _FLOOD),
    Rule("streamGauge", "water_level", "CMT"),  # WeatherObserved: centimetres
    Rule("waterDischarge", "discharge", "MQS"),
    Rule("flow", "discharge", "MQS", _WATER),
    Rule("temperature", "temperature", "CEL"),
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
    Rule("soilMoisture", "soil_moisture", "P1"),
    Rule("soilTension", "soil_tension", "KPA"),
    Rule("availableSpotNumber", "parking_free", "C62"),
    Rule("occupancy", "occupancy", "C62", fraction=True),
    Rule("status", "parking_free", "C62", _SPOT, states={"free": 1.0, "occupied": 0.0}),
    Rule("status", "occupancy", "P1", _SPOT, states={"free": 0.0, "occupied": 100.0}),
    Rule("alertLevel", "water_level", "MTR", _FLOOD, level="alert"),
    Rule("dangerLevel", "water_level", "MTR", _FLOOD, level="danger"),
)

TYPE_THEMES: dict[str, str] = {
    "AirQualityObserved": "air_quality", "WeatherObserved": "microclimate", "IndoorEnvironmentObserved": "indoor_air",
    "WaterObserved": "water", "FloodMonitoring": "water",
    "ParkingSpot": "parking", "OffStreetParking": "parking", "OnStreetParking": "parking",
}

@dataclass(frozen=True)
class Unit:
    """A UN/CEFACT unit as an affine map onto its dimension's base unit: base = value * factor + offset."""

    dimension: str
    factor: float
    offset: float = 0.0


UNITS: dict[str, Unit] = {
    "CEL": Unit("temperature", 1.0, 273.15), "KEL": Unit("temperature", 1.0), "FAH": Unit("temperature", 5 / 9, 273.15 - 160 / 9),
    "C62": Unit("ratio", 1.0), "P1": Unit("ratio", 0.01),  # C62 "one": a plain number, a count or a 0–1 fraction
    "59": Unit("mixing", 1e-6), "61": Unit("mixing", 1e-9),  # ppm, ppb
    "GQ": Unit("density", 1e-9), "GP": Unit("density", 1e-6),  # µg/m³, mg/m³ in kg/m³
    "HPA": Unit("pressure", 100.0), "A97": Unit("pressure", 100.0), "MBR": Unit("pressure", 100.0),
    "PAL": Unit("pressure", 1.0), "KPA": Unit("pressure", 1000.0), "BAR": Unit("pressure", 1e5),
    "MTR": Unit("length", 1.0), "CMT": Unit("length", 0.01), "MMT": Unit("length", 0.001),
    "MQS": Unit("flow", 1.0), "MQH": Unit("flow", 1 / 3600),
    "MTS": Unit("speed", 1.0), "KMH": Unit("speed", 1 / 3.6), "KNT": Unit("speed", 1852 / 3600),
    "LUX": Unit("illuminance", 1.0), "2N": Unit("decibel", 1.0), "VLT": Unit("voltage", 1.0), "2Z": Unit("voltage", 1e-3),
    "KWH": Unit("energy", 3.6e6), "WHR": Unit("energy", 3600.0), "MWH": Unit("energy", 3.6e9), "MTQ": Unit("volume", 1.0), "LTR": Unit("volume", 1e-3),
}
# Spellings seen in published examples that are not UN/CEFACT codes.
UNIT_ALIASES: dict[str, str] = {"LX": "LUX", "lx": "LUX", "%": "P1", "ppm": "59", "hPa": "HPA"}

# Where an entity says when it observed (first found wins); a per-attribute observedAt or
# TimeInstant metadata beats all of them, the broker's modification time comes last.
OBSERVED_ATTRS = ("dateObserved", "observationDateTime", "TimeInstant", "timestamp", "dateObservedTo")
MODIFIED_ATTRS = ("dateModified", "modifiedAt")


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


def number(raw: Any) -> float | None:
    """A finite float from a number or a numeric string (IoT Agents send "1"), else None; never raises."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        return None
    try:
        value = float(raw.strip() if isinstance(raw, str) else raw)
    except (ValueError, OverflowError):  # OverflowError: a JSON integer beyond float range
        return None
    return value if math.isfinite(value) else None


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


def parse_time(raw: Any) -> datetime | None:
    """A UTC time from ISO 8601 (no zone = UTC; an interval counts at its end) or epoch ms."""
    if isinstance(raw, dict):
        raw = raw.get("@value")
    try:
        if isinstance(raw, str):
            # An interval "start/end" describes an aggregate that is complete at its end,
            # like the hourly means of German air-quality and DWD data.
            text = raw.strip().rsplit("/", 1)[-1]
            ts = datetime.fromisoformat(text)
            return ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts.astimezone(timezone.utc)
        if (seconds := number(raw)) is not None:
            # QuantumLeap keeps epoch milliseconds when the notification carried them.
            return datetime.fromtimestamp(seconds / 1000 if abs(seconds) > 1e11 else seconds, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def point(raw: Any, config: Mapping[str, Any] | None = None) -> tuple[float | None, float | None]:
    """(lat, lon) of a GeoJSON geometry ([lon, lat]; shapes give their mean vertex) or a "lat, lon" text."""
    pairs: list[tuple[float, float]] = []
    if isinstance(raw, dict):
        _positions(raw.get("coordinates"), pairs, depth=0)
        pairs = [(lat, lon) for lon, lat in pairs]
    elif isinstance(raw, str) and raw.count(",") == 1:  # NGSI-v2 geo:point
        lat, lon = (number(part) for part in raw.split(","))
        if lat is not None and lon is not None:
            pairs = [(lat, lon)]
    if not pairs:
        return None, None
    lat, lon = sum(p[0] for p in pairs) / len(pairs), sum(p[1] for p in pairs) / len(pairs)
    lat, lon = _unswap(lat, lon, config or {})
    return (lat, lon) if abs(lat) <= 90 and abs(lon) <= 180 else (None, None)


def _positions(coords: Any, out: list[tuple[float, float]], depth: int) -> None:
    if not isinstance(coords, list) or depth > 4:
        return
    if len(coords) >= 2 and not isinstance(coords[0], list):
        x, y = number(coords[0]), number(coords[1])
        if x is not None and y is not None:
            out.append((x, y))
        return
    for item in coords:
        _positions(item, out, depth + 1)


def _unswap(lat: float, lon: float, config: Mapping[str, Any]) -> tuple[float, float]:
    """Undo [lat, lon] written where GeoJSON wants [lon, lat] (WaterObserved and DeviceMeasurement examples).

    A latitude beyond ±90° can only be swapped. Otherwise swapping needs the source's
    ``center = [lat, lon]``: a point farther than ``swap_radius_km`` (default 300) from it
    whose swapped twin lies within that radius is taken as swapped. Without a centre a
    plausible point is left as the feed sends it.
    """
    if abs(lat) > 90 >= abs(lon):
        return lon, lat
    center = config.get("center")
    if center is None:
        return lat, lon
    if not (isinstance(center, (list, tuple)) and len(center) == 2 and all(number(c) is not None for c in center)):
        msg = f"source config: center must be [lat, lon], got {center!r}"
        raise FeedFormatError(msg)
    radius = number(config.get("swap_radius_km", 300.0)) or 300.0
    clat, clon = (number(c) for c in center)
    if _km(lat, lon, clat, clon) > radius >= _km(lon, lat, clat, clon):
        return lon, lat
    return lat, lon


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cos = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0 * math.acos(max(-1.0, min(1.0, cos)))


def theme(entity_type: str, quantities: list[str]) -> str:
    """The entity type's theme; types without one (DeviceMeasurement, an IoT Agent's "Thing") take their quantities'."""
    found = TYPE_THEMES.get(entity_type) or theme_of(quantities)
    return found if found in THEMES else "other"


def local_name(term: Any) -> Any:
    """``temperature`` from an expanded NGSI-LD term such as ``https://…/terms.jsonld#/definitions/temperature``."""
    if isinstance(term, str) and ("/" in term or "#" in term) and not term.startswith("@"):
        return term.replace("#", "/").rstrip("/").rsplit("/", 1)[-1]
    return term

