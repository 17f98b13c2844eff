"""Sensor.Community (formerly luftdaten.info): particulate matter, climate and noise (DNMS) of citizen sensors in an area."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import requests

from core.schema import Batch
from data_sources import http
from data_sources._kit import (
    Collector,
    as_dict,
    as_list,
    base_url,
    config_numbers,
    decode_json,
    distance_km,
    lat_lon,
    native_id,
    number,
    parse_time,
    source_key,
    timeout,
)
from data_sources.errors import FeedFormatError

DEFAULT_BASE_URL = "https://data.sensor.community"

# value_type -> (quantity, factor to the canonical unit). Pressure comes in Pa. The DNMS noise
# sensor sends LAeq and the maximum LA of each interval in dB(A), and -1 when it fails: below
# the quantities' range, so the Batch drops and counts it. Its minimum LA (noise_LA_min) is no
# quantity of ours and, like the firmware's housekeeping values, is not read.
VALUE_TYPES: dict[str, tuple[str, float]] = {
    "P1": ("pm10", 1.0),
    "P2": ("pm2_5", 1.0),
    "temperature": ("temperature", 1.0),
    "humidity": ("humidity", 1.0),
    "pressure": ("pressure", 0.01),
    "noise_LAeq": ("noise", 1.0),
    "noise_LA_max": ("noise_max", 1.0),
}


def _value_type(raw: Any) -> tuple[str, float] | None:
    """Map a value_type; the airrohr device push prefixes it with the sensor (SDS_P1, BME280_pressure, DNMS_noise_LAeq)."""
    if not isinstance(raw, str):
        return None
    return VALUE_TYPES.get(raw) or VALUE_TYPES.get(raw.split("_", 1)[-1])


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Readings and stations from a ``data.json``-style list, or from one airrohr device push.

    Stations are locations (``station_by = "location"``, the default: an SDS011 and a BME280
    on one balcony are one station) or single sensors (``station_by = "sensor"``). Records
    outside ``area = [lat, lon, radius_km]`` and indoor sensors (unless ``include_indoor``)
    are left out without counting as skipped. Timestamps without zone are UTC. The device
    push carries no time: it is stamped with ``config["received_at"]`` or the current time.
    """
    config = config or {}
    data = decode_json(payload, what=f"sensor_community source {source!r}")
    rows = Collector(source)
    if isinstance(data, dict) and "esp8266id" in data:
        _device_push(rows, data, config)
    elif isinstance(data, list):
        area = config_numbers(config, "area", 3)
        by_sensor = config.get("station_by", "location") == "sensor"
        for record in data:
            if not isinstance(record, dict):
                rows.skipped += 1
            elif _wanted(record, area, include_indoor=bool(config.get("include_indoor", False))):
                _record(rows, record, by_sensor=by_sensor)
    else:
        msg = f"sensor_community source {source!r}: expected a data.json list or an airrohr push, got {type(data).__name__}"
        raise FeedFormatError(msg)
    return rows.batch(default_theme="air_quality")


def _wanted(record: dict, area: list[float] | None, *, include_indoor: bool) -> bool:
    location = as_dict(record.get("location"))
    if not include_indoor and str(location.get("indoor", 0)) not in ("0", "False", "false"):
        return False
    if area is None:
        return True
    lat, lon = lat_lon(location.get("latitude"), location.get("longitude"))
    return lat is not None and distance_km(area[0], area[1], lat, lon) <= area[2]


def _record(rows: Collector, record: dict, *, by_sensor: bool) -> None:
    location, sensor = as_dict(record.get("location")), as_dict(record.get("sensor"))
    native = native_id(sensor.get("id") if by_sensor else location.get("id"))
    if native is None:
        rows.skipped += 1
        return
    kind = as_dict(sensor.get("sensor_type")).get("name")
    name = f"{kind} {native}" if by_sensor and isinstance(kind, str) else f"Sensor.Community {native}"
    station_id = rows.station(native, name=name, lat=location.get("latitude"), lon=location.get("longitude"))
    ts = parse_time(record.get("timestamp"))
    _values(rows, station_id, ts, record.get("sensordatavalues"))


def _values(rows: Collector, station_id: str, ts: datetime | None, values: Any) -> None:
    for item in as_list(values):
        item = as_dict(item)
        mapped = _value_type(item.get("value_type"))
        if mapped is None:  # samples, signal, min_micro, GPS …: not a measurement of ours
            continue
        quantity, factor = mapped
        value = number(item.get("value"))
        rows.reading(station_id, ts, quantity, None if value is None else value * factor)


def _device_push(rows: Collector, data: dict, config: Mapping[str, Any]) -> None:
    chip = native_id(data.get("esp8266id"))
    if chip is None:
        msg = "sensor_community: airrohr push without a usable esp8266id"
        raise FeedFormatError(msg)
    received = config.get("received_at")
    ts = parse_time(received) if received is not None else datetime.now(UTC)
    station_id = rows.station(f"esp8266-{chip}", name=f"airrohr {chip}", lat=config.get("lat"), lon=config.get("lon"))
    _values(rows, station_id, ts, data.get("sensordatavalues"))


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """The sensors in ``area`` via the area filter API, or the records of ``url`` filtered locally.

    Without ``area`` and ``url`` this would download every sensor of the world, so one of the
    two is required. ``since`` is not needed: the feed only holds the last minutes.
    """
    key = source_key(source_cfg)
    area = config_numbers(source_cfg, "area", 3)
    url = source_cfg.get("url")
    if area is None and not url:
        msg = f"source {key!r}: give 'area' ([lat, lon, radius_km]) or a 'url' of a data.json list"
        raise FeedFormatError(msg)
    if not url:
        base = base_url(source_cfg, DEFAULT_BASE_URL)
        url = f"{base}/airrohr/v1/filter/area={area[0]:g},{area[1]:g},{area[2]:g}"
    data = http.get_json(session, str(url), timeout=timeout(source_cfg), deadline=http.Deadline())
    if not isinstance(data, list):
        msg = f"sensor_community source {key!r}: answer is not a list of records"
        raise FeedFormatError(msg)
    return parse(data, source=key, config=source_cfg)
