"""What feeds send, read defensively (JSON, ids and text, numbers, times), and the source's config keys."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from data_sources.errors import FeedFormatError


def decode_text(payload: bytes | bytearray, *, what: str) -> str:
    """Bytes from the wire as UTF-8 text (a byte-order mark dropped)."""
    try:
        return bytes(payload).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"{what}: payload is not UTF-8 text ({exc})"
        raise FeedFormatError(msg) from exc


def decode_json(payload: Any, *, what: str) -> Any:
    """The decoded JSON of what the wire gave (bytes, str, or already decoded)."""
    if isinstance(payload, (bytes, bytearray)):
        payload = decode_text(payload, what=what)
    if isinstance(payload, str):
        try:
            return json.loads(payload)
        except (ValueError, RecursionError) as exc:  # ValueError: also ints beyond Python's digit limit
            msg = f"{what}: payload is not JSON ({exc})"
            raise FeedFormatError(msg) from exc
    if isinstance(payload, (dict, list)):
        return payload
    msg = f"{what}: expected JSON text or decoded JSON, got {type(payload).__name__}"
    raise FeedFormatError(msg)


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def text(value: Any) -> str | None:
    """Untrusted display text: kept as data, only stripped; anything but a non-blank string is None."""
    return (value.strip() or None) if isinstance(value, str) else None


def native_id(value: Any) -> str | None:
    """A feed's own id (string or integer) as text, or None when it is missing or not an id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip()):
        return str(value).strip()
    return None


def number(value: Any, *, decimal_comma: bool = False) -> float | None:
    """A finite float from a number or a numeric string (feeds send both), else None; never raises.

    >>> number(" 7 "), number("21,5", decimal_comma=True), number(True), number("nan")
    (7.0, 21.5, None, None)
    """
    if isinstance(value, str):
        value = value.strip().replace(",", ".") if decimal_comma else value.strip()
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)
    except (ValueError, OverflowError):  # OverflowError: an integer beyond float range (10**400)
        return None
    return value if math.isfinite(value) else None


def parse_time(value: Any, *, epoch: bool = False) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text (or a datetime, a JSON-LD ``{"@value": …}``), else None.

    No zone means UTC; digits beyond microseconds are cut (RFC 3339 nanoseconds). An interval
    "start/end" is an aggregate complete at its end (hourly air-quality and DWD means), so it
    counts at its end. Only with ``epoch`` are numbers times, in seconds or beyond 1e11 in
    milliseconds (QuantumLeap): a CSV cell "1700000000" never becomes a time.
    """
    if isinstance(value, dict):
        value = value.get("@value")
    try:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, str) and value.strip():
            moment = datetime.fromisoformat(value.strip().rsplit("/", 1)[-1])
        elif epoch and not isinstance(value, str) and (seconds := number(value)) is not None:
            return datetime.fromtimestamp(seconds / 1000 if abs(seconds) > 1e11 else seconds, UTC)
        else:
            return None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError, OSError):  # year 9999 with a negative offset, 10**30 ms and friends
        return None


def iso_utc(moment: datetime) -> str:
    """``moment`` as ISO 8601 UTC with a Z, as query parameters of the feeds expect it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def source_key(source_cfg: Mapping[str, Any]) -> str:
    key = source_cfg.get("key") if isinstance(source_cfg, Mapping) else None
    if not isinstance(key, str) or not key:
        msg = "source config has no 'key' (the station id prefix)"
        raise FeedFormatError(msg)
    return key


def base_url(source_cfg: Mapping[str, Any], default: str | None = None, *, what: str = "the service") -> str:
    """The source's ``base_url`` (else ``default``, the public endpoint) without a trailing slash."""
    url = source_cfg.get("base_url") or default
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        msg = f"source {source_cfg.get('key')!r}: base_url must be the http(s) address of {what}, got {url!r}"
        raise FeedFormatError(msg)
    return url.rstrip("/")


def config_strings(source_cfg: Mapping[str, Any], name: str) -> list[str]:
    """A config key holding a string or a list of strings (ids, names), as a list."""
    value = source_cfg.get(name)
    if value is None:
        return []
    values = [value] if isinstance(value, (str, int)) and not isinstance(value, bool) else value
    if not isinstance(values, list) or not all(native_id(v) for v in values):
        msg = f"source {source_cfg.get('key')!r}: {name!r} must be a string or a list of strings, got {value!r}"
        raise FeedFormatError(msg)
    return [native_id(v) for v in values]


def config_numbers(source_cfg: Mapping[str, Any], name: str, count: int) -> list[float] | None:
    """A config key holding a list of ``count`` numbers (an area, a bounding box), or None."""
    value = source_cfg.get(name)
    if value is None:
        return None
    numbers = [number(v) for v in value] if isinstance(value, list) else []
    if len(numbers) != count or any(n is None for n in numbers):
        msg = f"source {source_cfg.get('key')!r}: {name!r} must be a list of {count} numbers, got {value!r}"
        raise FeedFormatError(msg)
    return numbers


def timeout(source_cfg: Mapping[str, Any]) -> float | None:
    """The optional per-source read timeout in seconds (None: the HTTP helper's default)."""
    seconds = number(source_cfg.get("timeout"))
    return seconds if seconds is not None and seconds > 0 else None
