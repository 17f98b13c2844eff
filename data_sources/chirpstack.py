"""ChirpStack v4 and v3 HTTP-integration ``up`` events, pushed by the webhook receiver into an inbox."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import requests

from core.schema import Batch
from data_sources._kit import as_dict, parse_time, text
from data_sources.errors import FeedFormatError
from data_sources.lorawan.uplink import Uplink, fport_of, from_inbox, parse_payload, unbase64

# Keys only an uplink event has; join, status, ack, log and location events lack all of them.
UPLINK_KEYS = ("data", "fPort", "object", "objectJSON")


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Canonical rows from ChirpStack ``up`` events (one event, a list, or NDJSON).

    v4 events are camelCase with ``deviceInfo`` and a hex ``devEui``; v3 events carry a base64
    ``devEUI`` and the decoded object as a JSON string in ``objectJSON``. The device model comes
    from the config, by DevEUI or device name in ``devices`` or by device profile in ``profiles``.
    """
    return parse_payload(payload, uplink_of, source=source, config=config)


def uplink_of(event: dict, arrived: datetime | None = None) -> Uplink | None:
    """The uplink in one event; None for events that are not uplinks."""
    if not any(key in event for key in UPLINK_KEYS):
        if "deviceInfo" in event or "devEUI" in event:
            return None
        msg = f"not a ChirpStack event (keys: {', '.join(sorted(event)[:6])})"
        raise FeedFormatError(msg)
    return _v3(event, arrived) if "devEUI" in event else _v4(event, arrived)


def _v4(event: dict, arrived: datetime | None) -> Uplink:
    info = as_dict(event.get("deviceInfo"))
    dev_eui = text(info.get("devEui"))
    if dev_eui is None or not _is_hex(dev_eui):
        msg = "ChirpStack v4 event without a hex deviceInfo.devEui"
        raise FeedFormatError(msg)
    name = text(info.get("deviceName"))
    decoded = event.get("object")
    return Uplink(
        native_id=dev_eui.lower(),
        ts=parse_time(event.get("time")) or _gateway_time(event, "nsTime", "gwTime", "time") or arrived,
        aliases=tuple(filter(None, [name])),
        fport=fport_of(event.get("fPort")),
        payload=unbase64(event.get("data")),
        decoded=decoded if isinstance(decoded, dict) else None,
        profile=text(info.get("deviceProfileName")),
        name=name,
    )


def _v3(event: dict, arrived: datetime | None) -> Uplink:
    try:
        raw_eui = base64.b64decode(str(event.get("devEUI")), validate=True)
    except (binascii.Error, ValueError):
        raw_eui = b""
    if len(raw_eui) != 8:
        msg = "ChirpStack v3 event whose devEUI is not 8 bytes of base64"
        raise FeedFormatError(msg)
    name = text(event.get("deviceName"))
    return Uplink(
        native_id=raw_eui.hex(),
        # v3 events have no time of their own; gateways with GPS stamp rxInfo[].time.
        ts=_gateway_time(event, "time") or arrived,
        aliases=tuple(filter(None, [name])),
        fport=fport_of(event.get("fPort")),
        payload=unbase64(event.get("data")),
        decoded=_v3_object(event),
        profile=text(event.get("deviceProfileName")),
        name=name,
    )


def _v3_object(event: dict) -> dict | None:
    if isinstance(event.get("object"), dict):
        return event["object"]  # the "json" marshaler writes an object, "json_v3" a string
    try:
        decoded = json.loads(event.get("objectJSON") or "null")
    except (TypeError, json.JSONDecodeError):
        return None
    return decoded if isinstance(decoded, dict) else None


def _gateway_time(event: dict, *keys: str) -> datetime | None:
    for rx in event.get("rxInfo") or ():
        for key in keys:
            moment = parse_time(as_dict(rx).get(key))
            if moment is not None:
                return moment
    return None


def _is_hex(value: str) -> bool:
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """Events the webhook receiver stored in the source's ``inbox``.

    ChirpStack keeps no uplink history to poll: its HTTP integration pushes every event to the
    receiver (``python -m data_sources.receiver``), which writes them into the inbox.
    """
    if not source_cfg.get("inbox"):
        msg = f"source {source_cfg.get('key')!r}: ChirpStack pushes its events; set inbox and run the webhook receiver"
        raise FeedFormatError(msg)
    return from_inbox(source_cfg, uplink_of)
