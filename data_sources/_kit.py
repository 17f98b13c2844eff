"""The adapters' one toolkit: JSON, numbers, times, places, the row Collector and config keys."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

from core.schema import Batch, theme_of
from data_sources.errors import FeedFormatError


def decode_text(payload: bytes | bytearray, *, what: str) -> str:
    """Bytes from the wire as UTF-8 text (a byte-order mark dropped)."""
    try:
        return bytes(payload).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"{what}: payload is not UTF-8 text ({exc})"
        raise FeedFormatError(msg) from exc


def decode_json(payload: Any, *, what: str) -> Any:
    """The decoded JSON of what the wire gave (bytes, str, or already decoded)."""
    if isinstance(payload, (bytes, bytearray)):
        payload = decode_text(payload, what=what)
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
    """Untrusted display text: kept as data, only stripped; anything but a non-blank string is None."""
    return (value.strip() or None) if isinstance(value, str) else None


def native_id(value: Any) -> str | None:
    """A feed's own id (string or integer) as text, or None when it is missing or not an id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip()):
        return str(value).strip()
    return None


def number(value: Any, *, decimal_comma: bool = False) -> float | None:
    """A finite float from a number or a numeric string (feeds send both), else None; never raises.

    >>> number(" 7 "), number("21,5", decimal_comma=True), number(True), number("nan")
    (7.0, 21.5, None, None)
    """
    if isinstance(value, str):
        value = value.strip().replace(",", ".") if decimal_comma else value.strip()
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)
    except (ValueError, OverflowError):  # OverflowError: an integer beyond float range (10**400)
        return None
    return value if math.isfinite(value) else None


def parse_time(value: Any, *, epoch: bool = False) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text (or a datetime, a JSON-LD ``{"@value": …}``), else None.

    No zone means UTC; digits beyond microseconds are cut (RFC 3339 nanoseconds). An interval
    "start/end" is an aggregate complete at its end (hourly air-quality and DWD means), so it
    counts at its end. Only with ``epoch`` are numbers times, in seconds or beyond 1e11 in
    milliseconds (QuantumLeap): a CSV cell "1700000000" never becomes a time.
    """
    if isinstance(value, dict):
        value = value.get("@value")
    try:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, str) and value.strip():
            moment = datetime.fromisoformat(value.strip().rsplit("/", 1)[-1])
        elif epoch and not isinstance(value, str) and (seconds := number(value)) is not None:
            return datetime.fromtimestamp(seconds / 1000 if abs(seconds) > 1e11 else seconds, timezone.utc)
        else:
            return None
        return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    except (ValueError, OverflowError, OSError):  # year 9999 with a negative offset, 10**30 ms and friends
        return None


def iso_utc(moment: datetime) -> str:
    """``moment`` as ISO 8601 UTC with a Z, as query parameters of the feeds expect it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def lat_lon(lat: Any, lon: Any, *, zero_is_unknown: bool = False) -> tuple[float | None, float | None]:
    """WGS84 (lat, lon), or (None, None) when missing, out of range or, ``zero_is_unknown``, the null island (0, 0)."""
    la, lo = number(lat), number(lon)
    if la is None or lo is None or not (-90 <= la <= 90 and -180 <= lo <= 180) or (zero_is_unknown and la == lo == 0):
        return None, None
    return la, lo


def point(raw: Any, config: Mapping[str, Any] | None = None) -> tuple[float | None, float | None]:
    """(lat, lon) of a GeoJSON geometry ([lon, lat]; shapes give their mean vertex) or a "lat, lon" text.

    >>> point({"type": "Point", "coordinates": [7.7783, 51.4436]}), point("51.4436, 7.7783")
    ((51.4436, 7.7783), (51.4436, 7.7783))
    """
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
    return lat_lon(*unswap(lat, lon, config or {}))


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


def unswap(lat: float, lon: float, config: Mapping[str, Any]) -> tuple[float, float]:
    """Undo [lat, lon] written where GeoJSON wants [lon, lat] (published FIWARE examples do it).

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
    if distance_km(lat, lon, clat, clon) > radius >= distance_km(lon, lat, clat, clon):
        return lon, lat
    return lat, lon


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), good to a few metres at city scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


@dataclass
class Collector:
    """Rows one parse gathers while walking a payload; ``batch()`` makes the canonical Batch.

    Of readings for one (station, quantity, time) the lowest ``rank`` wins, the first of equal
    rank (a FIWARE entity's preferred attribute beats its fallback; a repeated uplink counts
    once). A station keeps what its first sighting says; later sightings only fill gaps.
    """

    source: str
    skipped: int = 0
    _readings: dict[tuple, tuple[int, dict]] = field(default_factory=dict)
    _stations: dict[str, dict] = field(default_factory=dict)
    _levels: dict[tuple, dict] = field(default_factory=dict)
    _quantities: dict[str, set] = field(default_factory=dict)

    def station_id(self, native: str) -> str:
        return f"{self.source}:{native}"

    def station(self, native: str, *, name: Any = None, lat: Any = None, lon: Any = None,
                theme: str | None = None, district: Any = None) -> str:
        station_id = self.station_id(native)
        la, lo = lat_lon(lat, lon)
        seen = {"name": text(name), "lat": la, "lon": lo, "theme": theme, "district": text(district)}
        known = self._stations.setdefault(station_id, {"station_id": station_id, "source": self.source})
        for key, value in seen.items():
            if known.get(key) is None:
                known[key] = value
        return station_id

    def measures(self, station_id: str, quantity: str) -> None:
        """The station measures ``quantity`` even without a value now: its theme knows before its first reading."""
        self._quantities.setdefault(station_id, set()).add(quantity)

    def reading(self, station_id: str, ts: datetime | None, quantity: str, value: float | None, *, rank: int = 0) -> bool:
        """Add one reading; one without time or value is counted as skipped."""
        if ts is None or value is None:
            self.skipped += 1
            return False
        key = (station_id, quantity, ts)
        if key not in self._readings or rank < self._readings[key][0]:
            self._readings[key] = (rank, {"ts": ts, "station_id": station_id, "quantity": quantity, "value": value, "source": self.source})
        self.measures(station_id, quantity)
        return True

    def level(self, station_id: str, quantity: str, level: str, value: float) -> None:
        """A characteristic level of the station (MNW, a flood alert level); the first of a name wins."""
        self._levels.setdefault((station_id, quantity, level), {"station_id": station_id, "quantity": quantity, "level": level, "value": value})

    def batch(self, *, default_theme: str = "other") -> Batch:
        """The Batch; a station without a theme takes its quantities' (``default_theme`` when none is known)."""
        stations = [
            {**row, "name": row["name"] or row["station_id"].split(":", 1)[1],
             "theme": row["theme"] or theme_of(self._quantities.get(sid, ()), default_theme)}
            for sid, row in self._stations.items()
        ]
        readings = (row for _, row in self._readings.values())
        return Batch.from_rows(readings, stations, skipped=self.skipped, levels=self._levels.values())


def source_key(source_cfg: Mapping[str, Any]) -> str:
    key = source_cfg.get("key") if isinstance(source_cfg, Mapping) else None
    if not isinstance(key, str) or not key:
        msg = "source config has no 'key' (the station id prefix)"
        raise FeedFormatError(msg)
    return key


def base_url(source_cfg: Mapping[str, Any], default: str | None = None, *, what: str = "the service") -> str:
    """The source's ``base_url`` (else ``default``, the public endpoint) without a trailing slash."""
    url = source_cfg.get("base_url") or default
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        msg = f"source {source_cfg.get('key')!r}: base_url must be the http(s) address of {what}, got {url!r}"
        raise FeedFormatError(msg)
    return url.rstrip("/")


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
    numbers = [number(v) for v in value] if isinstance(value, list) else []
    if len(numbers) != count or any(n is None for n in numbers):
        msg = f"source {source_cfg.get('key')!r}: {name!r} must be a list of {count} numbers, got {value!r}"
        raise FeedFormatError(msg)
    return numbers


def timeout(source_cfg: Mapping[str, Any]) -> float | None:
    """The optional per-source read timeout in seconds (None: the HTTP helper's default)."""
    seconds = number(source_cfg.get("timeout"))
    return seconds if seconds is not None and seconds > 0 else None
