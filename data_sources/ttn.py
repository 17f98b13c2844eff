"""The Things Stack (TTN v3): webhook/MQTT uplinks and the Storage Integration stream, pulled or pushed."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests

from core.schema import Batch
from core.secrets import scrub
from data_sources import http
from data_sources._kit import as_dict, base_url, lat_lon, parse_time, text, timeout
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable
from data_sources.lorawan.uplink import Uplink, extract_all, fport_of, inbox_uplinks, parse_payload, records, rfc3339, to_batch, unbase64

DEFAULT_BASE_URL = "https://eu1.cloud.thethings.network"
STORAGE_PATH = "/api/v3/as/applications/{application_id}/packages/storage/uplink_message"
PAGE_SIZE = 1000
MAX_PAGES = 20
FIRST_DAYS = 1.0  # history fetched when the store has nothing yet (TTN keeps 30 days, the sandbox 1)
PAGE_MARGIN_S = 5.0  # stop paging with this much of the fetch budget left and keep what came
AUTH_CODES = {7, 16}  # gRPC PERMISSION_DENIED, UNAUTHENTICATED inside a stream


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Canonical rows from one uplink (webhook, MQTT) or a Storage Integration stream.

    ``payload`` may be an ``ApplicationUp`` object, a list of them, the NDJSON stream of
    ``{"result": …}`` lines, or the events API wrapper (``{"name": "as.up.data.forward",
    "data": …}``); as bytes, text or decoded JSON. Broken uplinks are skipped and counted.
    """
    return parse_payload(payload, uplink_of, source=source, config=config)


def uplink_of(record: dict, arrived: datetime | None = None) -> Uplink | None:
    """The uplink in one record; None for other application messages (join accepts, downlink events)."""
    if isinstance(record.get("result"), dict):
        record = record["result"]
    if "end_device_ids" not in record and isinstance(record.get("data"), dict):
        record = record["data"]  # events API / storage event wrapper
    message = record.get("uplink_message")
    if message is None:
        if "end_device_ids" in record:
            return None
        msg = f"not a The Things Stack uplink (keys: {', '.join(sorted(record)[:6])})"
        raise FeedFormatError(msg)
    if not isinstance(message, dict):
        msg = "uplink_message is not an object"
        raise FeedFormatError(msg)
    ids = as_dict(record.get("end_device_ids"))
    device_id = text(ids.get("device_id"))
    if device_id is None:
        msg = "uplink without end_device_ids.device_id"
        raise FeedFormatError(msg)
    version = as_dict(message.get("version_ids"))
    brand, model = text(version.get("brand_id")), text(version.get("model_id"))
    payload = unbase64(message.get("frm_payload"))
    user = as_dict(as_dict(message.get("locations")).get("user"))
    lat, lon = lat_lon(user.get("latitude"), user.get("longitude"), zero_is_unknown=True)
    decoded = message.get("decoded_payload")
    return Uplink(
        native_id=device_id,
        # The Application Server's receive time; the same for a webhook and the stored copy.
        ts=parse_time(record.get("received_at")) or parse_time(message.get("received_at")) or arrived,
        aliases=tuple(filter(None, [text(ids.get("dev_eui"))])),
        fport=fport_of(message.get("f_port")),
        payload=payload,
        decoded=decoded if isinstance(decoded, dict) else None,
        model=f"{brand}/{model}" if brand and model else None,
        lat=lat,
        lon=lon,
    )


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """Webhook events from the ``inbox`` and/or stored uplinks of ``application_id``, whichever is configured."""
    if not (source_cfg.get("inbox") or source_cfg.get("application_id")):
        msg = f"source {source_cfg.get('key')!r}: set application_id (Storage Integration) and/or inbox (webhooks)"
        raise FeedFormatError(msg)
    found, skipped = [], 0
    if source_cfg.get("application_id"):
        found, skipped = _stored_uplinks(source_cfg, session, since)
    if source_cfg.get("inbox"):
        pushed, broken = inbox_uplinks(source_cfg, uplink_of)
        found, skipped = found + pushed, skipped + broken
    # One batch for both ways in: an uplink both stored and pushed becomes one reading.
    return to_batch(found, source=source_cfg["key"], config=source_cfg, skipped=skipped)


def _stored_uplinks(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None) -> tuple[list[Uplink], int]:
    url = base_url(source_cfg, DEFAULT_BASE_URL) + STORAGE_PATH.format(application_id=quote(str(source_cfg["application_id"]), safe=""))
    token = http.secret(source_cfg)
    if token is None:
        msg = f"source {source_cfg.get('key')!r}: the Storage Integration needs an API key; name its env var in api_key_env"
        raise FeedAuthError(msg)
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    page_size = int(_positive(source_cfg, "page_size", PAGE_SIZE))
    now = datetime.now(UTC)
    first = now - timedelta(days=_positive(source_cfg, "max_days", FIRST_DAYS))
    after = max(parse_time(since) or first, first)
    deadline = http.Deadline()
    found, skipped = [], 0
    for _ in range(int(_positive(source_cfg, "max_pages", MAX_PAGES))):
        reply = http.request(
            session,
            url,
            params={"after": rfc3339(after), "limit": page_size, "order": "received_at"},
            headers=headers,
            timeout=timeout(source_cfg),
            deadline=deadline,
        )
        rows, bad = records(reply.body)
        _raise_stream_errors(rows, url, token)
        ups, broken = extract_all(rows, uplink_of)
        found.extend(ups)
        skipped += bad + broken
        newest = max((up.ts for up in ups if up.ts is not None), default=None)
        # A short page is the end; a page that does not move time forward would loop forever.
        if len(rows) + bad < page_size or newest is None or newest <= after or deadline.remaining() < PAGE_MARGIN_S:
            break
        after = newest
    return found, skipped


def _positive(source_cfg: Mapping[str, Any], key: str, default: float) -> float:
    value = source_cfg.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        msg = f"source {source_cfg.get('key')!r}: {key} must be a positive number, got {value!r}"
        raise FeedFormatError(msg)
    return float(value)


def _raise_stream_errors(rows: list[dict], url: str, token: str) -> None:
    """The stream reports server trouble as ``{"error": {code, message}}`` lines after a 200.

    A server may echo the request (the Authorization header included): the message is scrubbed
    of the key *before* it is cut to 200 characters, so no prefix of the key survives the cut.
    """
    for row in rows:
        error = row.get("error")
        if "result" in row or not isinstance(error, dict):
            continue
        message = scrub(str(error.get("message")), [token]) or ""
        detail = f"{http.safe_url(url)}: stream error {error.get('code')}: {message[:200]}"
        raise FeedAuthError(detail) if error.get("code") in AUTH_CODES else FeedUnavailable(detail)


def uplink(
    device_id: str,
    model: str,
    fport: int,
    payload: bytes,
    received_at: datetime | str,
    *,
    application_id: str = "menden-demo",
) -> dict:
    """A TTN v3 webhook uplink as The Things Stack would post it (for the offline demo city).

    >>> up = uplink("co2-r101", "elsys/ers-co2", 5, bytes.fromhex("0100e2"), "2024-05-01T08:00:00Z")
    >>> up["uplink_message"]["frm_payload"], up["uplink_message"]["version_ids"]["brand_id"]
    ('AQDi', 'elsys')
    """
    brand, _, model_id = model.partition("/")
    when = received_at if isinstance(received_at, str) else rfc3339(received_at)
    return {
        "end_device_ids": {"device_id": device_id, "application_ids": {"application_id": application_id}},
        "received_at": when,
        "uplink_message": {
            "f_port": fport,
            "frm_payload": base64.b64encode(payload).decode("ascii"),
            "received_at": when,
            "version_ids": {"brand_id": brand, "model_id": model_id},
        },
    }
