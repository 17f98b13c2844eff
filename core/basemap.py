"""The city's base map under the stations: a tile URL template (online) and an outline GeoJSON file (offline).

``[city] tiles`` is an XYZ template such as ``https://tile.openstreetmap.org/{z}/{x}/{y}.png``;
the browser fetches the tiles, so the URL must not carry a key. ``[city] outline`` is a GeoJSON
file (polygons and lines in WGS84) drawn from the page itself, so the map keeps districts, rivers
and roads without a network. Each feature's ``kind`` property chooses how it is drawn (see
:data:`KINDS`); without one, polygons are drawn as districts and lines as roads. Everything else
in the file stays on the server: the browser gets geometry and kind only.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.secrets import credentials_in

# Drawing order, bottom first: areas under water under lines, main roads on top.
KINDS = ("boundary", "district", "water", "stream", "river", "road", "main_road")
POLYGONS = ("Polygon", "MultiPolygon")
LINES = ("LineString", "MultiLineString")
MAX_OUTLINE_BYTES = 5_000_000  # the outline travels with every map, so it must stay small
DECIMALS = 5  # ~1 m: more digits only make the page heavier
_PLACEHOLDER = re.compile(r"\{([^}]*)\}")


class OutlineError(ValueError):
    """The outline file cannot be drawn; the message says what and where (config.py adds the file)."""


def tiles_problem(url: str) -> str | None:
    """What is wrong with a tile URL template, as the end of "expected …", or None when it is usable.

    >>> tiles_problem("https://tile.openstreetmap.org/{z}/{x}/{y}.png") is None
    True
    >>> tiles_problem("http://tiles.example/{z}/{x}/{y}.png")
    'an https:// URL (http:// only for 127.0.0.1)'
    """
    parts = urlsplit(url)
    if not (parts.scheme == "https" and parts.hostname) and not (parts.scheme == "http" and parts.hostname == "127.0.0.1"):
        return "an https:// URL (http:// only for 127.0.0.1)"
    found = credentials_in(url)
    if found:
        return f"a URL without credentials (it has {found}): every browser that shows the map receives the tile URL"
    if any(c in url for c in "'\"`\\") or any(c.isspace() for c in url):
        return "a URL without quotes, backslashes or spaces"
    placeholders = _PLACEHOLDER.findall(url)
    if sorted(placeholders) != ["x", "y", "z"]:
        return "a template with each of {z}, {x} and {y} once and no other {…} (one host: no {s} subdomains)"
    return None


def load_outline(path: Path) -> dict[str, dict[str, Any]]:
    """The outline's features by kind, one FeatureCollection each, in :data:`KINDS` order.

    Raises :class:`OutlineError` for a file that is missing, larger than :data:`MAX_OUTLINE_BYTES`,
    not JSON or not GeoJSON of polygons and lines. Cached on path, size and modification time, so
    an edited file is read again; callers must not modify the result.
    """
    try:
        stat = Path(path).stat()
    except OSError:
        msg = "an existing GeoJSON file (it is missing)"
        raise OutlineError(msg) from None
    if stat.st_size > MAX_OUTLINE_BYTES:
        msg = f"a GeoJSON file of at most {MAX_OUTLINE_BYTES // 1_000_000} MB (it has {stat.st_size / 1e6:.1f} MB)"
        raise OutlineError(msg)
    return _load(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _load(path: str, size: int, mtime_ns: int) -> dict[str, dict[str, Any]]:
    try:
        raw = json.loads(Path(path).read_bytes())
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:  # nesting beyond Python's limit
        msg = f"a GeoJSON file ({type(exc).__name__}: {exc})"
        raise OutlineError(msg) from None
    if isinstance(raw, dict) and raw.get("type") == "Feature":
        raw = {"type": "FeatureCollection", "features": [raw]}
    if not (isinstance(raw, dict) and raw.get("type") == "FeatureCollection" and isinstance(raw.get("features"), list)):
        msg = "a GeoJSON FeatureCollection (or one Feature)"
        raise OutlineError(msg)
    groups: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    for i, feature in enumerate(raw["features"], start=1):
        kind, geometry = _feature(feature, f"feature #{i}")
        groups[kind].append({"type": "Feature", "geometry": geometry, "properties": {"kind": kind}})
    if not any(groups.values()):
        msg = "a GeoJSON file with at least one polygon or line (it has no features)"
        raise OutlineError(msg)
    return {kind: {"type": "FeatureCollection", "features": features} for kind, features in groups.items() if features}


def _feature(feature: Any, where: str) -> tuple[str, dict[str, Any]]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        msg = f"{where}: a GeoJSON Feature"
        raise OutlineError(msg)
    geometry = feature.get("geometry")
    kind_of = geometry.get("type") if isinstance(geometry, dict) else None
    if kind_of not in POLYGONS + LINES:
        msg = f"{where}: a geometry of type {', '.join(POLYGONS + LINES)} (got {kind_of!r})"
        raise OutlineError(msg)
    properties = feature.get("properties") or {}
    kind = properties.get("kind") if isinstance(properties, dict) else None
    if kind is None:
        kind = "district" if kind_of in POLYGONS else "road"
    elif kind not in KINDS:
        msg = f"{where}: a 'kind' property of {', '.join(KINDS)} (got {kind!r})"
        raise OutlineError(msg)
    depth = {"LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}[kind_of]
    shortest = 4 if kind_of in POLYGONS else 2  # a closed ring repeats its first position
    return kind, {"type": kind_of, "coordinates": _coordinates(geometry.get("coordinates"), depth, shortest, kind_of in POLYGONS, where)}


def _coordinates(value: Any, depth: int, shortest: int, ring: bool, where: str) -> list:
    """Nested position lists checked (WGS84 lon/lat, long enough, rings closed) and rounded to :data:`DECIMALS`."""
    if depth == 0:
        if not (isinstance(value, list) and len(value) in (2, 3) and all(_finite(v) for v in value)):
            msg = f"{where}: positions as [lon, lat] numbers"
            raise OutlineError(msg)
        lon, lat = value[0], value[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            msg = f"{where}: WGS84 positions [lon, lat] in degrees (got {value[:2]!r}; a projected file must be converted to EPSG:4326)"
            raise OutlineError(msg)
        return [round(lon, DECIMALS), round(lat, DECIMALS)]
    if not isinstance(value, list) or not value:
        msg = f"{where}: coordinates as nested lists of positions"
        raise OutlineError(msg)
    out = [_coordinates(v, depth - 1, shortest, ring, where) for v in value]
    if depth == 1:
        if len(out) < shortest:
            msg = f"{where}: at least {shortest} positions per {'ring' if ring else 'line'}"
            raise OutlineError(msg)
        if ring and out[0] != out[-1]:
            msg = f"{where}: closed polygon rings (the last position repeats the first)"
            raise OutlineError(msg)
    return out


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
