"""DWD weather through the Bright Sky API (current weather and hourly records); also the DWD POI CSV."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from core.schema import Batch
from data_sources import http
from data_sources._kit import (
    Collector,
    as_dict,
    as_list,
    base_url,
    decode_json,
    native_id,
    number,
    parse_time,
    source_key,
    timeout,
)
from data_sources._units import convert
from data_sources.errors import FeedFormatError

DEFAULT_BASE_URL = "https://api.brightsky.dev"
MAX_CATCH_UP = timedelta(days=31)  # hourly records asked for after an outage, at most
FIRST_HISTORY = timedelta(hours=24)  # hourly records on the first poll
# ``since`` is the newest stored reading, usually a current-weather value newer than the last
# full hour; an hourly record published late would fall before it. Re-reading two hours is
# cheap, the store drops the duplicates.
HOURLY_OVERLAP = timedelta(hours=2)

# Record fields per quantity, first non-null wins: hourly records (/weather) have the plain
# name, current weather and SYNOP records the 10/30/60-minute variants.
FIELDS: dict[str, tuple[str, ...]] = {
    "temperature": ("temperature",),
    "humidity": ("relative_humidity",),
    "pressure": ("pressure_msl",),
    "precipitation": ("precipitation", "precipitation_60"),  # mm in the hour ending at ts
    "wind_speed": ("wind_speed", "wind_speed_10", "wind_speed_30", "wind_speed_60"),
}

# The ``units`` parameter of Bright Sky: "dwd" is its default (km/h!), "si" uses K, Pa and m/s.
UNITS: dict[str, dict[str, str]] = {
    "dwd": {"temperature": "°C", "humidity": "%", "pressure": "hPa", "precipitation": "mm", "wind_speed": "km/h"},
    "si": {"temperature": "K", "humidity": "%", "pressure": "Pa", "precipitation": "mm", "wind_speed": "m/s"},
}

# Columns of the DWD POI observation CSV (English header row, spaces removed) per quantity.
POI_COLUMNS: dict[str, str] = {
    "dry_bulb_temperature_at_2_meter_above_ground": "temperature",
    "relative_humidity": "humidity",
    "pressure_reduced_to_mean_sea_level": "pressure",
    "precipitation_amount_last_hour": "precipitation",
    "mean_wind_speed_duringlast_10_min_at_10_meters_above_ground": "wind_speed",
}


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Readings and weather stations from a Bright Sky answer or a DWD POI observation CSV.

    Bright Sky: ``{"weather": record or [records], "sources": [...]}``; each record belongs to
    the source with its ``source_id`` (a DWD station: ``dwd_station_id``, ``station_name``,
    lat/lon). Forecast records are left out: they are not measurements. ``config["units"]``
    says which units were asked for (default ``"dwd"``). The POI CSV carries no position:
    ``config`` may give ``lat``, ``lon`` and ``name`` of its station.
    """
    config = config or {}
    if isinstance(payload, (bytes, bytearray, str)) and _looks_like_csv(payload):
        return _parse_poi(payload, source=source, config=config)
    data = decode_json(payload, what=f"brightsky source {source!r}")
    if not isinstance(data, dict) or not isinstance(data.get("weather"), (dict, list)):
        msg = f"brightsky source {source!r}: expected an object with 'weather' and 'sources'"
        raise FeedFormatError(msg)
    units = UNITS.get(str(config.get("units", "dwd")), UNITS["dwd"])
    sources = {native_id(s.get("id")): s for s in as_list(data.get("sources")) if isinstance(s, dict)}
    records = data["weather"] if isinstance(data["weather"], list) else [data["weather"]]
    rows = Collector(source)
    for record in records:
        record = as_dict(record)
        # The API's own SYNOP example names a source id that is not in its 'sources': with one
        # source there is no doubt which station is meant.
        station = sources.get(native_id(record.get("source_id"))) or (next(iter(sources.values())) if len(sources) == 1 else None)
        if station is None:
            rows.skipped += 1
            continue
        if station.get("observation_type") == "forecast":
            continue
        native = (
            native_id(station.get("dwd_station_id")) or native_id(station.get("wmo_station_id")) or f"source-{native_id(station.get('id'))}"
        )
        station_id = rows.station(
            native, name=station.get("station_name"), lat=station.get("lat"), lon=station.get("lon"), theme="microclimate"
        )
        ts = parse_time(record.get("timestamp"))
        for quantity, fields in FIELDS.items():
            raw = next((record[f] for f in fields if record.get(f) is not None), None)
            if raw is None:  # not reported at this time (many SYNOP fields are hourly only)
                continue
            rows.reading(station_id, ts, quantity, convert(number(raw), units[quantity], quantity))
    return rows.batch(default_theme="microclimate")


def _looks_like_csv(payload: bytes | bytearray | str) -> bool:
    head = payload[:200] if isinstance(payload, str) else bytes(payload[:200]).decode("utf-8", "replace")
    return head.lstrip().startswith("surface observations") or (";" in head and not head.lstrip().startswith(("{", "[")))


def _parse_poi(payload: bytes | bytearray | str, *, source: str, config: Mapping[str, Any]) -> Batch:
    """DWD open-data POI CSV: ';'-separated, 3 header rows, decimal comma, '---' for missing."""
    try:
        text = payload if isinstance(payload, str) else bytes(payload).decode("utf-8-sig")
    except UnicodeDecodeError:
        text = bytes(payload).decode("latin-1")  # older DWD files are ISO-8859-1
    lines = list(csv.reader(text.splitlines(), delimiter=";"))
    if len(lines) < 3 or len(lines[1]) < 2 or lines[1][1].strip() != "Unit":
        msg = f"brightsky source {source!r}: not a DWD POI CSV (expected 3 header rows: names, units, German names)"
        raise FeedFormatError(msg)
    names, units = lines[0], lines[1]
    native = native_id(units[0]) or "poi"
    rows = Collector(source)
    station_id = rows.station(
        native, name=config.get("name") or f"DWD {native}", lat=config.get("lat"), lon=config.get("lon"), theme="microclimate"
    )
    columns = {i: POI_COLUMNS[n.replace(" ", "")] for i, n in enumerate(names) if n.replace(" ", "") in POI_COLUMNS}
    for line in lines[3:]:
        ts = _poi_time(line[0], line[1]) if len(line) > 1 else None
        for i, quantity in columns.items():
            cell = line[i].strip() if i < len(line) else "---"
            if cell in ("---", ""):
                continue
            unit = units[i] if i < len(units) else None
            rows.reading(station_id, ts, quantity, convert(number(cell, decimal_comma=True), unit, quantity))
    return rows.batch(default_theme="microclimate")


def _poi_time(day: str, clock: str) -> datetime | None:
    try:
        return datetime.strptime(f"{day.strip()} {clock.strip()}", "%d.%m.%y %H:%M").replace(tzinfo=UTC)
    except ValueError:
        return None


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """Current weather plus the hourly records since ``since`` (24 h on the first poll) at ``lat``/``lon``.

    Instead of ``lat``/``lon`` a ``dwd_station_id`` may name the station. Units are always asked
    for explicitly (``units``, default "dwd") so that the conversion matches the answer.
    """
    key = source_key(source_cfg)
    base = base_url(source_cfg, DEFAULT_BASE_URL)
    where = {k: str(source_cfg[k]) for k in ("lat", "lon", "dwd_station_id", "max_dist") if source_cfg.get(k) is not None}
    if not ({"lat", "lon"} <= where.keys() or "dwd_station_id" in where):
        msg = f"source {key!r}: give 'lat' and 'lon' (or 'dwd_station_id') of the place to report"
        raise FeedFormatError(msg)
    units = str(source_cfg.get("units", "dwd"))
    if units not in UNITS:
        msg = f"source {key!r}: 'units' must be one of {sorted(UNITS)}, got {units!r}"
        raise FeedFormatError(msg)
    deadline, read_timeout = http.Deadline(), timeout(source_cfg)
    now = datetime.now(UTC)
    start = _start(since, now)
    params = {**where, "units": units}
    current = http.get_json(session, f"{base}/current_weather", params=params, timeout=read_timeout, deadline=deadline)
    hourly_params = {**params, "date": start.isoformat(timespec="seconds"), "last_date": now.isoformat(timespec="seconds")}
    hourly = http.get_json(session, f"{base}/weather", params=hourly_params, timeout=read_timeout, deadline=deadline)
    return Batch.concat([parse(current, source=key, config=source_cfg), parse(hourly, source=key, config=source_cfg)])


def _start(since: datetime | None, now: datetime) -> datetime:
    """First hour of the hourly records to ask for: since the last reading, within limits."""
    if since is None:
        return now - FIRST_HISTORY
    return max(parse_time(since) - HOURLY_OVERLAP, now - MAX_CATCH_UP)
