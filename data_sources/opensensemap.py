"""openSenseMap senseBoxes: the last measurement of every sensor, mapped by unit and sensor name."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from core.schema import Batch
from data_sources import http
from data_sources._kit import (
    Collector,
    as_dict,
    as_list,
    base_url,
    config_numbers,
    config_strings,
    decode_json,
    native_id,
    number,
    parse_time,
    source_key,
    timeout,
)
from data_sources._units import convert, quantity_from_text, unit_key
from data_sources.errors import FeedFormatError

DEFAULT_BASE_URL = "https://api.opensensemap.org"

# Units that name their quantity on their own, for sensors whose title says nothing we know.
UNIT_ONLY: dict[str, str] = {"°c": "temperature", "hpa": "pressure", "lx": "illuminance"}


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Stations and last measurements from ``GET /boxes/{id}`` (one box) or ``GET /boxes`` (a list).

    Each box is a station (``currentLocation`` is GeoJSON, [lon, lat]); each sensor whose
    title, type or phenomenon names a known quantity in a unit that converts gives a reading
    from its ``lastMeasurement`` (values are strings). Other sensors (UV, WiFi, supply
    voltage …) are ignored; a box list without populated measurements gives stations only.
    ``config["sensors"]`` may map sensor titles to quantities (``"Temp. außen" = "temperature"``).
    """
    config = config or {}
    data = decode_json(payload, what=f"opensensemap source {source!r}")
    boxes = [data] if isinstance(data, dict) else data
    if not isinstance(boxes, list) or (boxes and not any(_is_box(b) for b in boxes)):
        msg = f"opensensemap source {source!r}: expected a senseBox or a list of senseBoxes"
        raise FeedFormatError(msg)
    overrides = {k: v for k, v in as_dict(config.get("sensors")).items() if isinstance(v, str)}
    rows = Collector(source)
    for box in boxes:
        if _is_box(box):
            _box(rows, box, overrides)
        else:
            rows.skipped += 1
    return rows.batch(default_theme="microclimate")


def _is_box(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and native_id(item.get("_id")) is not None
        and ("sensors" in item or "currentLocation" in item or "name" in item)
    )


def _location(box: dict) -> list:
    where = as_list(as_dict(box.get("currentLocation")).get("coordinates"))
    if not where:  # boxes of the older API keep their position in loc[0].geometry
        loc = as_list(box.get("loc"))
        where = as_list(as_dict(as_dict(loc[0] if loc else None).get("geometry")).get("coordinates"))
    return [*where, None, None]


def _box(rows: Collector, box: dict, overrides: Mapping[str, str]) -> None:
    lon, lat = _location(box)[:2]
    station_id = rows.station(native_id(box["_id"]), name=box.get("name"), lat=lat, lon=lon)
    for sensor in as_list(box.get("sensors")):
        sensor = as_dict(sensor)
        quantity, unit = _quantity(sensor, overrides)
        last = sensor.get("lastMeasurement")
        if quantity is None or not isinstance(last, dict):  # not ours, or not populated (no full=true)
            continue
        rows.reading(station_id, parse_time(last.get("createdAt")), quantity, convert(number(last.get("value")), unit, quantity))


def _quantity(sensor: dict, overrides: Mapping[str, str]) -> tuple[str | None, Any]:
    """The quantity of a sensor when its unit converts to it, else (None, unit)."""
    unit = sensor.get("unit")
    names = (sensor.get("title"), sensor.get("phenomenon"), sensor.get("sensorType"))
    quantity = quantity_from_text(*names, overrides=overrides)
    if quantity is None and isinstance(unit, str):
        quantity = UNIT_ONLY.get(unit_key(unit)) or None
    if not quantity or not isinstance(unit, (str, type(None))) or convert(1.0, unit, quantity) is None:
        return None, unit
    return quantity, unit


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """The configured boxes (``boxes = [ids]``) or all boxes in ``bbox = [west, south, east, north]``.

    In bbox mode only ``exposure`` boxes are asked for (default ``"outdoor"``; indoor boxes say
    nothing about the city's air). ``since`` is not needed: every poll gives the last values.
    """
    key = source_key(source_cfg)
    base = base_url(source_cfg, DEFAULT_BASE_URL)
    deadline, read_timeout = http.Deadline(), timeout(source_cfg)
    boxes, bbox = config_strings(source_cfg, "boxes"), config_numbers(source_cfg, "bbox", 4)
    if not boxes and bbox is None:
        msg = f"source {key!r}: give 'boxes' (senseBox ids) or 'bbox' ([west, south, east, north])"
        raise FeedFormatError(msg)
    answers = []
    for box_id in boxes:
        answers.append(http.get_json(session, f"{base}/boxes/{quote(box_id)}", timeout=read_timeout, deadline=deadline))
    if bbox is not None:
        params = {"bbox": ",".join(f"{v:g}" for v in bbox), "full": "true", "exposure": str(source_cfg.get("exposure", "outdoor"))}
        found = http.get_json(session, f"{base}/boxes", params=params, timeout=read_timeout, deadline=deadline)
        if not isinstance(found, list):
            msg = f"opensensemap source {key!r}: /boxes did not return a list"
            raise FeedFormatError(msg)
        answers.extend(found)
    return parse(answers, source=key, config=source_cfg)
