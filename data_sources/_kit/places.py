"""Places: WGS84 checks (the null island where a format needs it), GeoJSON and "lat, lon" points, swapped pairs, distance."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from data_sources._kit.values import number
from data_sources.errors import FeedFormatError


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
