"""What TTN and ChirpStack uplinks have in common: wire records in, one canonical Batch out."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from core.schema import THEMES, Batch
from data_sources import inbox
from data_sources._kit import Collector, as_dict, decode_text, lat_lon, number, text
from data_sources.errors import FeedFormatError
from data_sources.lorawan.decoders import decode, supported
from data_sources.lorawan.models import device_model, measurements


@dataclass(frozen=True)
class Uplink:
    """One device uplink as read from a network server's envelope."""

    native_id: str  # TTN device_id, ChirpStack DevEUI: the station_id suffix
    ts: datetime | None
    aliases: tuple[str, ...] = ()  # other ids the city config may use for the device (DevEUI, name)
    fport: int | None = None
    payload: bytes | None = None  # None when absent or not valid base64
    decoded: Mapping | None = None  # what the network server's own codec made of it
    model: str | None = None  # "brand/model" from the envelope (TTN version_ids)
    profile: str | None = None  # ChirpStack device profile name
    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    counted: bool = True  # False for an inbox event read again: its failures were counted before


def rfc3339(moment: datetime) -> str:
    """UTC time as The Things Stack writes it, e.g. ``2024-05-01T10:00:00.000000Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def unbase64(value: Any) -> bytes | None:
    """The bytes of a base64 field; None when it is absent or not valid base64 (the uplink is then
    usable only through a decoded payload, else skipped and counted)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def fport_of(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 255 else None


def records(payload: Any) -> tuple[list[dict], int]:
    """JSON objects from a payload: one object, a list, or newline-delimited JSON (a storage stream).

    Returns the objects and how many lines or items were not objects. A payload of which
    nothing can be read raises ``FeedFormatError``.
    """
    if isinstance(payload, dict):
        return [payload], 0
    if isinstance(payload, list):
        found = [item for item in payload if isinstance(item, dict)]
        return found, len(payload) - len(found)
    if isinstance(payload, (bytes, bytearray)):
        payload = decode_text(payload, what="uplink")
    if not isinstance(payload, str):
        msg = f"uplink payload must be JSON text or decoded JSON, got {type(payload).__name__}"
        raise FeedFormatError(msg)
    if not payload.strip():
        return [], 0
    try:
        whole = json.loads(payload)
    except RecursionError as exc:  # "[[[[…" nested deeper than the parser goes
        msg = "uplink payload is nested too deeply to be an uplink"
        raise FeedFormatError(msg) from exc
    except json.JSONDecodeError as whole_error:
        found, bad = [], 0
        for line in filter(None, (line.strip() for line in payload.splitlines())):
            try:
                item = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                bad += 1
                continue
            if isinstance(item, dict):
                found.append(item)
            else:
                bad += 1
        if not found:
            msg = f"uplink payload is neither JSON nor newline-delimited JSON: {whole_error}"
            raise FeedFormatError(msg) from whole_error
        return found, bad
    return records(whole)


def _devices(config: Mapping | None, table: str) -> dict[str, dict]:
    """A per-device (or per-profile) config table with case-insensitive keys (DevEUIs come in both cases)."""
    entries = as_dict(as_dict(config).get(table))
    return {str(key).lower(): value for key, value in entries.items() if isinstance(value, dict)}


def to_batch(uplinks: Iterable[Uplink], *, source: str, config: Mapping | None = None, skipped: int = 0) -> Batch:
    """Decode, map and de-duplicate uplinks into canonical readings and stations.

    The network-server adapters only read their envelopes into ``Uplink`` values; choosing the
    decoder, applying the per-device config, mapping and counting happen here once, so push
    (webhook inbox) and poll (storage API) end in the same rows.

    An uplink is skipped (and counted) when it has no time, when its payload does not decode,
    or when nothing about it can be decoded at all (unknown model and no decoded payload).
    Frame counters play no part: a device that restarts at f_cnt 0 keeps reporting.
    """
    devices, profiles = _devices(config, "devices"), _devices(config, "profiles")
    rows = Collector(source, skipped=skipped)
    for up in uplinks:
        device = next((devices[k.lower()] for k in (up.native_id, *up.aliases) if k and k.lower() in devices), {})
        # The city's config is deliberate, so it overrides what the network server says.
        model = text(device.get("model")) or up.model or text(profiles.get((up.profile or "").lower(), {}).get("model"))
        if up.ts is None:
            rows.skipped += up.counted
            continue
        if supported(model) and up.fport is not None and up.payload is not None:
            try:
                decoded = decode(model, up.fport, up.payload)
            except FeedFormatError:
                rows.skipped += up.counted
                continue
        elif up.decoded is not None:
            decoded = up.decoded
        else:
            rows.skipped += up.counted  # nothing to decode with: the city should name the device's model
            continue
        lat, lon = lat_lon(device.get("lat"), device.get("lon"), zero_is_unknown=True)
        if lat is None:
            lat, lon = lat_lon(up.lat, up.lon, zero_is_unknown=True)
        theme = device.get("theme") if device.get("theme") in THEMES else device_model(model).theme
        name = text(device.get("name")) or up.name
        station_id = rows.station(up.native_id, name=name, lat=lat, lon=lon, theme=theme, district=device.get("district"))
        for quantity, value in measurements(model, decoded, mount_height_cm=number(device.get("mount_height_cm")), device=device):
            rows.reading(station_id, up.ts, quantity, value)  # a copy delivered twice (stored and pushed) counts once
    return rows.batch()


Extract = Callable[[dict, "datetime | None"], "Uplink | None"]


def extract_all(rows: Iterable[dict], extract: Extract, *, arrived: datetime | None = None) -> tuple[list[Uplink], int]:
    """Read each record's envelope; a broken one is counted, a non-uplink event (join, status) ignored."""
    found, broken = [], 0
    for row in rows:
        try:
            up = extract(row, arrived)
        except FeedFormatError:
            broken += 1
            continue
        if up is not None:
            found.append(up)
    return found, broken


def parse_payload(payload: Any, extract: Extract, *, source: str, config: Mapping | None) -> Batch:
    """The common ``parse``: records → envelopes → canonical rows."""
    rows, bad = records(payload)
    found, broken = extract_all(rows, extract)
    return to_batch(found, source=source, config=config, skipped=bad + broken)


def inbox_uplinks(source_cfg: Mapping[str, Any], extract: Extract) -> tuple[list[Uplink], int]:
    """The uplinks the webhook receiver put into the source's inbox (see ``data_sources.inbox``).

    Events without a time of their own (a ChirpStack v3 gateway without GPS) take their arrival
    time. Broken content counts as skipped only the first time an event is handed out.
    """
    folder = inbox.directory(source_cfg)
    found, skipped = [], 0
    for event in inbox.claim(folder, keep_s=inbox.keep_seconds(source_cfg), stored_through=source_cfg.get("stored_through")):
        try:
            rows, bad = records(event.body)
        except FeedFormatError:
            inbox.quarantine(folder, event.name)
            skipped += 1
            continue
        ups, broken = extract_all(rows, extract, arrived=event.arrived)
        found.extend(ups if event.first else (replace(up, counted=False) for up in ups))
        skipped += (bad + broken) if event.first else 0
    return found, skipped


def from_inbox(source_cfg: Mapping[str, Any], extract: Extract) -> Batch:
    found, skipped = inbox_uplinks(source_cfg, extract)
    return to_batch(found, source=source_cfg["key"], config=source_cfg, skipped=skipped)
