"""Shared helpers of the open-data adapters: JSON decoding, numbers, times, config keys, row collection."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

from core.schema import Batch, theme_of
from data_sources.errors import FeedFormatError


def decode_json(payload: Any, *, what: str) -> Any:
    """The decoded JSON of what the wire gave (bytes, str, or already decoded)."""
    if isinstance(payload, (bytes, bytearray)):
        try:
            payload = bytes(payload).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            msg = f"{what}: payload is not UTF-8 text ({exc})"
            raise FeedFormatError(msg) from exc
    if isinstance(payload, str):
        try:
            return json.loads(payload)
        except (ValueError, RecursionError) as exc:  # ValueError: also ints beyond Python's digit limit
            msg = f"{what}: payload is not JSON ({exc})"
            raise FeedFormatError(msg) from exc
    if isinstance(payload, (dict, list)):
        return payload
    msg = f"{what}: expected JSON text or decoded JSON, got {type(payload).__name__}"
    raise FeedFormatError(msg)


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def text(value: Any) -> str | None:
    """Untrusted display text: kept as data, only stripped; numbers become their string."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def native_id(value: Any) -> str | None:
    """A feed's own id (string or integer) as text, or None when it is missing or not an id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip()):
        return str(value).strip()
    return None


def to_float(value: Any, *, decimal_comma: bool = False) -> float | None:
    """A finite float from a number or a numeric string (feeds send both), else None."""
    if isinstance(value, str):
        value = value.strip()
        if decimal_comma:
            value = value.replace(",", ".")
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)
    except OverflowError:  # an integer too large for a float (core's is_number trips over it)
        return None
    return value if math.isfinite(value) else None


def parse_time(value: Any) -> datetime | None:
    """A UTC datetime from ISO 8601 text; a time without zone is UTC; an interval gives its end."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        raw = value.strip().rsplit("/", 1)[-1]  # SensorThings phenomenonTime may be "start/end"
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            return None
    else:
        return None
    try:
        return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)
    except OverflowError:  # year 9999 with a negative offset and friends
        return None


def iso_utc(moment: datetime) -> str:
    """``moment`` as ISO 8601 UTC with a Z, as query parameters of the feeds expect it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), good to a few metres at city scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def lat_lon(lat: Any, lon: Any) -> tuple[float | None, float | None]:
    """WGS84 latitude and longitude, or (None, None) when either is missing or out of range."""
    la, lo = to_float(lat), to_float(lon)
    if la is None or lo is None or not (-90 <= la <= 90 and -180 <= lo <= 180):
        return None, None
    return la, lo


@dataclass
class Collector:
    """Rows an adapter gathers while walking a payload; ``batch()`` makes the canonical Batch."""

    source: str
    readings: dict[tuple, dict] = field(default_factory=dict)
    stations: dict[str, dict] = field(default_factory=dict)
    levels: list[dict] = field(default_factory=list)
    quantities: dict[str, set] = field(default_factory=dict)
    skipped: int = 0

    def station_id(self, native: str) -> str:
        return f"{self.source}:{native}"

    def station(self, native: str, *, name: Any = None, lat: Any = None, lon: Any = None,
                theme: str | None = None, district: Any = None) -> str:
        station_id = self.station_id(native)
        la, lo = lat_lon(lat, lon)
        self.stations[station_id] = {
            "station_id": station_id, "source": self.source, "name": text(name) or native,
            "lat": la, "lon": lo, "theme": theme, "district": text(district),
        }
        return station_id

    def reading(self, station_id: str, ts: datetime | None, quantity: str, value: float | None) -> bool:
        """Add one reading (a repeat of the same station, quantity and time replaces the earlier one).

        A reading without time or value is counted as skipped.
        """
        if ts is None or value is None:
            self.skipped += 1
            return False
        row = {"ts": ts, "station_id": station_id, "quantity": quantity, "value": value, "source": self.source}
        self.readings[(station_id, quantity, ts)] = row
        self.quantities.setdefault(station_id, set()).add(quantity)
        return True

    def batch(self, *, default_theme: str = "other") -> Batch:
        for station_id, row in self.stations.items():
            if row["theme"] is None:
                row["theme"] = theme_of(self.quantities.get(station_id, ()), default_theme)
        return Batch.from_rows(self.readings.values(), self.stations.values(), skipped=self.skipped, levels=self.levels)


def source_key(source_cfg: Mapping[str, Any]) -> str:
    key = source_cfg.get("key") if isinstance(source_cfg, Mapping) else None
    if not isinstance(key, str) or not key:
        msg = "source config has no 'key' (the station id prefix)"
        raise FeedFormatError(msg)
    return key


def config_strings(source_cfg: Mapping[str, Any], name: str) -> list[str]:
    """A config key holding a string or a list of strings (ids, names), as a list."""
    value = source_cfg.get(name)
    if value is None:
        return []
    values = [value] if isinstance(value, (str, int)) and not isinstance(value, bool) else value
    if not isinstance(values, list) or not all(native_id(v) for v in values):
        msg = f"source {source_cfg.get('key')!r}: {name!r} must be a string or a list of strings, got {value!r}"
        raise FeedFormatError(msg)
    return [native_id(v) for v in values]


def config_numbers(source_cfg: Mapping[str, Any], name: str, count: int) -> list[float] | None:
    """A config key holding a list of ``count`` numbers (an area, a bounding box), or None."""
    value = source_cfg.get(name)
    if value is None:
        return None
    numbers = [to_float(v) for v in value] if isinstance(value, list) else []
    if len(numbers) != count or any(n is None for n in numbers):
        msg = f"source {source_cfg.get('key')!r}: {name!r} must be a list of {count} numbers, got {value!r}"
        raise FeedFormatError(msg)
    return numbers


def timeout(source_cfg: Mapping[str, Any]) -> float | None:
    """The optional per-source read timeout in seconds (None: the HTTP helper's default)."""
    seconds = to_float(source_cfg.get("timeout"))
    return seconds if seconds is not None and seconds > 0 else None
