"""PEGELONLINE (WSV) gauges: water level and discharge, characteristic levels (MNW, MW, MHW …), history backfill."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
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
    config_strings,
    decode_json,
    native_id,
    number,
    parse_time,
    source_key,
    timeout,
)
from data_sources._units import convert
from data_sources.errors import FeedFormatError

DEFAULT_BASE_URL = "https://www.pegelonline.wsv.de/webservices/rest-api/v2"

# Timeseries shortnames of PEGELONLINE that map onto our quantities (WT, LT, … are not read).
TIMESERIES: dict[str, str] = {"W": "water_level", "Q": "discharge"}

MAX_BACKFILL = timedelta(days=31)  # the service keeps raw measurements for 31 days only
BACKFILL_AFTER = timedelta(hours=1)  # a shorter gap is covered by the current measurement alone
FIRST_BACKFILL_DAYS = 2  # default history on the first poll, so the hydrograph is not empty
MAX_BACKFILL_SERIES = 40  # history requests per fetch, at most (one per W or Q series)


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Readings, stations and characteristic levels from a PEGELONLINE answer.

    Accepts ``stations.json`` (a list), ``stations/{id}.json`` (one station), both optionally
    with ``timeseries[].measurements`` attached (``fetch`` does that for backfill), and a bare
    ``currentmeasurement.json`` / ``measurements.json`` answer when ``config`` names the
    ``station`` uuid (and ``timeseries``, default ``"W"``) it belongs to.
    """
    config = config or {}
    data = decode_json(payload, what=f"pegelonline source {source!r}")
    rows = Collector(source)
    if _is_measurement(data) or (isinstance(data, list) and data and all(_is_measurement(m) for m in data)):
        _bare_measurements(rows, data, config)
    elif isinstance(data, dict) and "uuid" in data:
        _station(rows, data)
    elif isinstance(data, list):
        for station in data:
            if isinstance(station, dict) and native_id(station.get("uuid")):
                _station(rows, station)
            else:
                rows.skipped += 1
    else:
        msg = f"pegelonline source {source!r}: expected a list of stations, got {type(data).__name__}"
        raise FeedFormatError(msg)
    return rows.batch(default_theme="water")


def _is_measurement(item: Any) -> bool:
    return isinstance(item, dict) and "timestamp" in item and "value" in item and "uuid" not in item


def _station(rows: Collector, station: dict) -> None:
    uuid = native_id(station.get("uuid"))
    if uuid is None:
        rows.skipped += 1
        return
    water = as_dict(station.get("water"))
    station_id = rows.station(
        uuid,
        name=station.get("longname") or station.get("shortname"),
        lat=station.get("latitude"),
        lon=station.get("longitude"),
        theme="water",
        district=water.get("longname") or water.get("shortname"),
    )
    for series in as_list(station.get("timeseries")):
        series = as_dict(series)
        quantity = TIMESERIES.get(native_id(series.get("shortname")) or "")
        if quantity is None:
            continue
        unit = series.get("unit")
        current = series.get("currentMeasurement")
        for measurement in ([current] if current is not None else []) + as_list(series.get("measurements")):
            measurement = as_dict(measurement)
            rows.reading(
                station_id, parse_time(measurement.get("timestamp")), quantity, convert(number(measurement.get("value")), unit, quantity)
            )
        for level in as_list(series.get("characteristicValues")):
            level = as_dict(level)
            if level.get("value") is None:  # e.g. HSW on a river without shipping: not defined, not broken
                continue
            name = native_id(level.get("shortname"))
            value = convert(number(level.get("value")), level.get("unit", unit), quantity)
            if name is None or value is None:
                rows.skipped += 1
                continue
            rows.level(station_id, quantity, name, value)


def _bare_measurements(rows: Collector, data: Any, config: Mapping[str, Any]) -> None:
    uuid = native_id(config.get("station"))
    quantity = TIMESERIES.get(native_id(config.get("timeseries", "W")) or "")
    if uuid is None or quantity is None:
        msg = "pegelonline: a bare measurement answer needs config 'station' (uuid) and 'timeseries' (W or Q)"
        raise FeedFormatError(msg)
    station_id = rows.station(uuid, theme="water")
    for measurement in data if isinstance(data, list) else [data]:
        rows.reading(
            station_id, parse_time(measurement.get("timestamp")), quantity, convert(number(measurement.get("value")), None, quantity)
        )


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """Current values of the configured gauges (``stations`` uuids, or a ``water``, or all).

    Backfills ``measurements.json`` of W and Q on the first poll (``backfill_days``, default 2)
    and after a gap longer than an hour since ``since`` (at most the 31 days the service keeps).
    """
    key = source_key(source_cfg)
    base = base_url(source_cfg, DEFAULT_BASE_URL)
    params = {"includeTimeseries": "true", "includeCurrentMeasurement": "true", "includeCharacteristicValues": "true"}
    if ids := config_strings(source_cfg, "stations"):
        params["ids"] = ",".join(ids)
    if waters := config_strings(source_cfg, "water"):
        params["waters"] = ",".join(waters)
    deadline, read_timeout = http.Deadline(), timeout(source_cfg)
    stations = http.get_json(session, f"{base}/stations.json", params=params, timeout=read_timeout, deadline=deadline)
    if not isinstance(stations, list):
        msg = f"pegelonline source {key!r}: stations.json did not return a list"
        raise FeedFormatError(msg)
    start = _backfill_start(since, source_cfg)
    wanted = [
        (uuid, shortname, series)
        for station in stations
        if (uuid := native_id(as_dict(station).get("uuid")))
        for series in map(as_dict, as_list(as_dict(station).get("timeseries")))
        if (shortname := native_id(series.get("shortname"))) in TIMESERIES
    ]
    # One request per series: for all of Germany (~1,000 series) that would never fit the
    # fetch's time bound, so history is only read for a filtered set of gauges.
    if start is not None and len(wanted) <= MAX_BACKFILL_SERIES:
        for uuid, shortname, series in wanted:
            url = f"{base}/stations/{quote(uuid)}/{quote(shortname)}/measurements.json"
            history = http.get_json(session, url, params={"start": start}, timeout=read_timeout, deadline=deadline)
            if not isinstance(history, list):
                msg = f"pegelonline source {key!r}: measurements.json of {uuid} did not return a list"
                raise FeedFormatError(msg)
            series["measurements"] = history
    return parse(stations, source=key, config=source_cfg)


def _backfill_start(since: datetime | None, source_cfg: Mapping[str, Any]) -> str | None:
    now = datetime.now(UTC)
    if since is None:
        days = number(source_cfg.get("backfill_days", FIRST_BACKFILL_DAYS)) or 0
        start = now - timedelta(days=max(0.0, days)) if days > 0 else None
    else:
        since = parse_time(since)
        start = since if now - since > BACKFILL_AFTER else None
    if start is None:
        return None
    # The service wants ISO 8601 with an offset; older than 31 days it answers with an error.
    return max(start, now - MAX_BACKFILL + timedelta(minutes=5)).isoformat(timespec="seconds")
