"""Telraam citizen traffic counters: hourly cars, heavy vehicles, bikes, pedestrians and V85 per road segment."""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests

from core.schema import Batch
from core.secrets import scrub
from data_sources import http
from data_sources._kit import (
    Collector,
    as_dict,
    as_list,
    base_url,
    config_numbers,
    decode_json,
    lat_lon,
    native_id,
    number,
    parse_time,
    source_key,
    text,
    timeout,
)
from data_sources.errors import FeedAuthError, FeedError, FeedFormatError, FeedUnavailable

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://telraam-api.net/v1"
# Report fields → quantities. Counts are per hour and already scaled to the full hour by the
# camera's uptime (619.18 cars at uptime 0.73), so they are rates in 1/h as they come.
FIELDS: dict[str, str] = {
    "car": "traffic_car",
    "heavy": "traffic_heavy",
    "bike": "traffic_bike",
    "pedestrian": "traffic_pedestrian",
    "v85": "speed_v85",
}
MIN_UPTIME = 0.5  # below this share of the hour the camera saw too little to scale up honestly
MAX_DAYS = 30.0  # history asked for on the first poll and after an outage, at most (the API allows 3 months)
POSITION_TTL_S = 24 * 3600.0  # a road segment's geometry hardly ever changes
_POSITIONS: dict[tuple[str, str], tuple[float, float | None, float | None]] = {}  # (base, segment) → (fetched, lat, lon)


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Readings and road segments from a Telraam answer.

    Accepts the ``POST /reports/traffic`` answer (``report[]``, hourly rows of one segment),
    the live snapshot ``/reports/traffic_snapshot_live`` and ``/segments/id/{id}`` (GeoJSON
    FeatureCollections; the segment's position is the midpoint along its geometry). Empty
    strings are missing values; a row whose camera saw less than ``min_uptime`` (default 0.5)
    of the hour, or of another interval than hourly, is skipped and counted. ``config``:
    ``segments`` (ids, or tables with ``id``, ``name``, ``lat``, ``lon``) keeps only those
    segments and names and places them (each is a station, with or without rows now);
    ``bbox = [west, south, east, north]`` keeps only segments inside.
    """
    config = config or {}
    data = decode_json(payload, what=f"telraam source {source!r}")
    if not isinstance(data, dict):
        msg = f"telraam source {source!r}: expected a JSON object, got {type(data).__name__}"
        raise FeedFormatError(msg)
    check_status(data, f"telraam source {source!r}")
    segments, bbox = configured_segments(config), config_numbers(config, "bbox", 4)
    min_uptime = number(config.get("min_uptime", MIN_UPTIME))
    min_uptime = MIN_UPTIME if min_uptime is None else min_uptime
    rows = Collector(source)
    if isinstance(data.get("report"), list):
        items = [(as_dict(row), None) for row in data["report"]]
    elif isinstance(data.get("features"), list):
        items = [(as_dict(as_dict(f).get("properties")), as_dict(f).get("geometry")) for f in data["features"]]
    else:
        msg = f"telraam source {source!r}: expected a traffic report ('report') or GeoJSON features ('features')"
        raise FeedFormatError(msg)
    for row, geometry in items:
        native = native_id(row.get("segment_id", row.get("oidn")))
        if native is None or native == "-1":  # -1: an answer on camera level, not a segment
            rows.skipped += 1
            continue
        if segments and native not in segments:
            continue  # another segment of the snapshot: not ours
        known = segments.get(native, {})
        lat, lon = lat_lon(known.get("lat"), known.get("lon"))
        if lat is None:
            lat, lon = midpoint(geometry)
        if bbox is not None and not (lat is not None and bbox[1] <= lat <= bbox[3] and bbox[0] <= lon <= bbox[2]):
            continue
        station_id = rows.station(native, name=known.get("name") or f"Telraam {native}", lat=lat, lon=lon, theme="traffic")
        if "segment_id" in row:  # /segments/id names it "oidn": a road with long-run averages, no hour of counts
            _row(rows, station_id, row, min_uptime)
    for native, known in segments.items():  # a configured counter is on the map even while it reports nothing
        rows.station(native, name=known.get("name") or f"Telraam {native}", lat=known.get("lat"), lon=known.get("lon"), theme="traffic")
    return rows.batch(default_theme="traffic")


def _row(rows: Collector, station_id: str, row: dict, min_uptime: float) -> None:
    present = {quantity: row[field] for field, quantity in FIELDS.items() if not _missing(row.get(field))}
    if not present:  # an inactive segment (every value ""): nothing measured, nothing lost
        return
    interval, uptime, ts = row.get("interval", row.get("period")), number(row.get("uptime")), parse_time(row.get("date"))
    # "per-quarter" rows (an advanced token) are not rates per hour as they stand: not guessed at.
    if interval not in (None, "", "hourly") or uptime is None or uptime < min_uptime or ts is None:
        rows.skipped += 1
        return
    for quantity, raw in present.items():
        rows.reading(station_id, ts, quantity, number(raw))  # speed_v85 2.5 (snapshot) falls below its range in Batch


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_status(data: dict, what: str, secrets: tuple[str, ...] = ()) -> None:
    """Telraam repeats the HTTP status in the body (``status_code``, ``message``): anything but 200 is an error."""
    code = number(data.get("status_code"))
    if code is None or code == 200:
        return
    message = (scrub(str(data.get("message") or data.get("errorMessage") or ""), secrets) or "")[:200]
    msg = f"{what}: Telraam answered status {code:g}: {message}"
    if code in (401, 403):
        raise FeedAuthError(msg)
    raise FeedUnavailable(msg) if code >= 500 or code == 429 else FeedFormatError(msg)


def configured_segments(config: Mapping[str, Any]) -> dict[str, dict]:
    """``segments`` as {id: {"name", "lat", "lon"}}, in config order; ids may be numbers or strings."""
    value = config.get("segments")
    if value is None:
        return {}
    out: dict[str, dict] = {}
    for item in value if isinstance(value, list) else [None]:
        entry = item if isinstance(item, dict) else {"id": item}
        native = native_id(entry.get("id"))
        if native is None:
            msg = f"source {config.get('key')!r}: 'segments' must list segment ids or tables with 'id', got {value!r}"
            raise FeedFormatError(msg)
        out[native] = {"name": text(entry.get("name")), "lat": entry.get("lat"), "lon": entry.get("lon")}
    return out


def midpoint(geometry: Any) -> tuple[float | None, float | None]:
    """(lat, lon) halfway along a (Multi)LineString, so the station sits on the road; a Point as it is."""
    geometry = as_dict(geometry)
    coords = geometry.get("coordinates")
    lines = {"Point": [[coords]], "LineString": [coords], "MultiLineString": coords}.get(text(geometry.get("type")) or "")
    points = [[(number(p[0]), number(p[1])) for p in as_list(line) if isinstance(p, list) and len(p) >= 2] for line in as_list(lines)]
    points = [[p for p in line if None not in p] for line in points]
    legs = [(a, b) for line in points for a, b in itertools.pairwise(line)]
    if not legs:
        first = next((line[0] for line in points if line), None)
        return lat_lon(first[1], first[0]) if first else (None, None)
    # Equirectangular lengths: exact enough along a street, and the order of legs is all that matters.
    lengths = [math.hypot((b[0] - a[0]) * math.cos(math.radians((a[1] + b[1]) / 2)), b[1] - a[1]) for a, b in legs]
    left = sum(lengths) / 2
    for (a, b), length in zip(legs, lengths):
        if left <= length:
            share = left / length if length else 0.0
            return lat_lon(a[1] + share * (b[1] - a[1]), a[0] + share * (b[0] - a[0]))
        left -= length
    return lat_lon(legs[-1][1][1], legs[-1][1][0])


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """Hourly reports of the configured ``segments`` since the last stored hour, or the live snapshot in ``bbox``.

    One ``POST /reports/traffic`` per segment for the complete hours from ``since`` (the newest
    stored reading, i.e. the last stored hour) to the start of the current hour; on the first poll
    and after an outage at most ``max_days`` (default 30) back. A segment without ``lat``/``lon``
    in the config is placed once a day from ``GET /segments/id/{id}``. Without ``segments``,
    ``bbox`` reads the live snapshot (last complete hour of every segment) and keeps those inside.
    The key from ``api_key_env`` travels in the ``X-Api-Key`` header only.
    """
    key = source_key(source_cfg)
    base = base_url(source_cfg, DEFAULT_BASE_URL)
    token = http.secret(source_cfg)
    if token is None:
        msg = f"source {key!r}: the Telraam API needs a key; name its environment variable in api_key_env"
        raise FeedAuthError(msg)
    segments, bbox = configured_segments(source_cfg), config_numbers(source_cfg, "bbox", 4)
    if not segments and bbox is None:
        msg = f"source {key!r}: give 'segments' (Telraam segment ids) or 'bbox' ([west, south, east, north])"
        raise FeedFormatError(msg)
    ask = _Asker(session, {"X-Api-Key": token}, source_cfg, token)
    if not segments:
        return ask.parse(ask.json(f"{base}/reports/traffic_snapshot_live"), source_cfg)
    start, end = window(since, datetime.now(UTC), number(source_cfg.get("max_days")) or MAX_DAYS)
    if start >= end:
        return Batch.empty()
    answers = []
    for seg, known in segments.items():
        placed = {"id": seg, **known, **_place(ask, base, seg, known)}
        body = {"level": "segments", "format": "per-hour", "id": seg, "time_start": _wire(start), "time_end": _wire(end)}
        answer = ask.json(f"{base}/reports/traffic", method="POST", json_body=body)
        # Each answer is trusted for the segment asked about only: rows of another cannot come twice.
        answers.append(ask.parse(answer, {**source_cfg, "segments": [placed]}))
    return Batch.concat(answers)


def window(since: datetime | None, now: datetime, max_days: float) -> tuple[datetime, datetime]:
    """[start, end) of complete hours to ask for: from the last stored hour, never more than ``max_days`` back.

    The running hour is left out (the interval is closed-open): stored once, a half-counted hour
    would never be replaced, since the store keeps the first value of a (station, quantity, ts).
    """
    end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    earliest = end - timedelta(days=min(max(max_days, 1 / 24), 90.0))
    since = parse_time(since)
    start = since.replace(minute=0, second=0, microsecond=0) if since else earliest
    return max(start, earliest), end


def _wire(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")  # the API's own spelling, e.g. "2020-10-30 07:00:00Z"


def _place(ask: _Asker, base: str, segment: str, known: dict) -> dict:
    """lat/lon of a segment: the config's, else the cached or freshly fetched geometry midpoint."""
    if lat_lon(known.get("lat"), known.get("lon"))[0] is not None:
        return {}
    cached = _POSITIONS.get((base, segment))
    if cached and time.monotonic() - cached[0] < POSITION_TTL_S:
        return {"lat": cached[1], "lon": cached[2]}
    try:
        answer = ask.json(f"{base}/segments/id/{quote(segment, safe='')}")
        features = as_list(answer.get("features"))
        lat, lon = midpoint(as_dict(features[0]).get("geometry")) if features else (None, None)
    except FeedAuthError:
        raise
    except FeedError as exc:  # the counts matter more than the pin: place it on a later poll
        log.warning("telraam segment %s: no position this poll (%s)", segment, exc)
        return {}
    _POSITIONS[(base, segment)] = (time.monotonic(), lat, lon)
    return {"lat": lat, "lon": lon}


class _Asker:
    """The requests of one fetch: one deadline, the key header, and the key masked in every error."""

    def __init__(self, session: requests.Session, headers: dict, source_cfg: Mapping[str, Any], token: str) -> None:
        self.session, self.headers, self.secrets = session, headers, (token,)
        self.deadline, self.timeout = http.Deadline(), timeout(source_cfg)
        self.source = source_key(source_cfg)

    def json(self, url: str, **kwargs: Any) -> dict:
        answer = http.request(self.session, url, headers=self.headers, timeout=self.timeout, deadline=self.deadline, **kwargs).json()
        if not isinstance(answer, dict):
            msg = f"telraam source {self.source!r}: {http.safe_url(url)} did not answer a JSON object"
            raise FeedFormatError(msg)
        check_status(answer, f"telraam source {self.source!r}", self.secrets)
        return answer

    def parse(self, answer: dict, cfg: Mapping[str, Any]) -> Batch:
        return parse(answer, source=self.source, config=cfg)
