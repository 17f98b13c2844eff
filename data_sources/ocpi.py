"""OCPI 2.2.1 Locations (read-only): free, occupied and out-of-service charge points per charging site."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

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
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable

# EVSE status → the count it adds to (mod_locations.asciidoc, Status enum). UNKNOWN ("also used
# when offline"), PLANNED and REMOVED count as none of them: they say nothing about a free spot.
STATES: dict[str, str] = {
    "AVAILABLE": "charging_free",
    "CHARGING": "charging_occupied",
    "BLOCKED": "charging_occupied",  # a car parked in front of it, not charging
    "RESERVED": "charging_occupied",
    "OUTOFORDER": "charging_out_of_service",
    "INOPERATIVE": "charging_out_of_service",
}
NEITHER = frozenset({"UNKNOWN", "PLANNED", "REMOVED"})
COUNTS = ("charging_free", "charging_occupied", "charging_out_of_service")
SUCCESS = 1000
PAGE_SIZE = 100
MAX_PAGES = 50  # a server that keeps announcing a next page cannot keep the poll busy for ever
ROUTING = {  # OCPI message-routing headers, for an endpoint behind a hub
    "to_country_code": "OCPI-to-country-code",
    "to_party_id": "OCPI-to-party-id",
    "from_country_code": "OCPI-from-country-code",
    "from_party_id": "OCPI-from-party-id",
}
_NEXT = re.compile(r'<([^>]*)>\s*;[^,]*\brel="?next"?', re.IGNORECASE)


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Charging sites and their charge-point counts from an OCPI Locations answer.

    Accepts the response envelope (``data``, ``status_code``, ``timestamp``; ``data`` a list of
    Locations or one Location), a bare Location and a list of Locations. An envelope whose
    ``status_code`` is not 1000 raises: 2xxx ``FeedFormatError``, 3xxx/4xxx (server, hub)
    ``FeedUnavailable``. Each Location is a station ``<country_code>-<party_id>-<id>``; its EVSEs
    give ``charging_free``, ``charging_occupied`` and ``charging_out_of_service`` at the newest
    EVSE ``last_updated``. A Location none of whose EVSEs has a known state gives no readings
    ("Status unbekannt"); one with ``publish: false`` is left out, as is one outside ``bbox``.
    An EVSE status PATCH (``{"status", "last_updated"}``) is refused: it names no Location and
    changes one EVSE of several, so no count follows from it alone.
    """
    config = config or {}
    what = f"ocpi source {source!r}"
    locations = unwrap(decode_json(payload, what=what), what)
    bbox = config_numbers(config, "bbox", 4)
    rows = Collector(source)
    for location in locations:
        _location(rows, location, bbox)
    return rows.batch(default_theme="charging")


def unwrap(data: Any, what: str, secrets: tuple[str, ...] = ()) -> list:
    """The Locations of an answer; an envelope's error status becomes a typed error (secrets masked, then cut)."""
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        msg = f"{what}: expected an OCPI response or Location object, got {type(data).__name__}"
        raise FeedFormatError(msg)
    if "status_code" in data:
        code = number(data.get("status_code"))
        if code != SUCCESS:
            message = (scrub(str(data.get("status_message") or ""), secrets) or "")[:200]
            msg = f"{what}: OCPI status {data.get('status_code')!r}: {message}"
            raise FeedUnavailable(msg) if code is not None and 3000 <= code < 5000 else FeedFormatError(msg)
        body = data.get("data")
        if body is None:
            return []
        if isinstance(body, list):
            return body
        if isinstance(body, dict):
            return unwrap(body, what)
        msg = f"{what}: 'data' of the OCPI response is neither a Location nor a list, got {type(body).__name__}"
        raise FeedFormatError(msg)
    if "evses" in data or {"country_code", "party_id", "id"} <= data.keys():
        return [data]
    if "status" in data and "last_updated" in data:
        msg = f"{what}: an EVSE status PATCH names no Location and changes one EVSE of several; read the Locations instead"
        raise FeedFormatError(msg)
    msg = f"{what}: not an OCPI Location (keys: {', '.join(sorted(map(str, data))[:6])})"
    raise FeedFormatError(msg)


def _location(rows: Collector, location: Any, bbox: list[float] | None) -> None:
    location = as_dict(location)
    ids = [native_id(location.get(k)) for k in ("country_code", "party_id", "id")]
    if None in ids:
        rows.skipped += 1
        return
    if location.get("publish") is False:  # the operator shows it to some drivers only, not on a public screen
        return
    where = as_dict(location.get("coordinates"))
    lat, lon = lat_lon(where.get("latitude"), where.get("longitude"))  # strings on the wire
    if bbox is not None and not (lat is not None and bbox[1] <= lat <= bbox[3] and bbox[0] <= lon <= bbox[2]):
        return
    # A street address is no district: the name falls back to it, the district stays empty.
    address = ", ".join(filter(None, (text(location.get("address")), text(location.get("city")))))
    station_id = rows.station("-".join(ids), name=text(location.get("name")) or address or None, lat=lat, lon=lon, theme="charging")
    rows.measures(station_id, "charging_free")
    counts, known, times = dict.fromkeys(COUNTS, 0), 0, []
    for evse in as_list(location.get("evses")):
        evse = as_dict(evse)
        status = evse.get("status")
        status = status.strip().upper() if isinstance(status, str) else None
        if status in STATES:
            counts[STATES[status]] += 1
            known += 1
        elif status not in NEITHER:
            rows.skipped += 1  # no EVSE, or a status the spec does not know: it could be any of them
        if (moment := parse_time(evse.get("last_updated"))) is not None:
            times.append(moment)
    if not known:
        return
    ts = max(times, default=None) or parse_time(location.get("last_updated"))
    if ts is None:
        rows.skipped += 1
        return
    for quantity, count in counts.items():
        rows.reading(station_id, ts, quantity, float(count))


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """Every Location of the endpoint, page by page; ``since`` is not used.

    ``base_url`` is the Locations endpoint of the CPO or hub (``…/ocpi/cpo/2.2.1/locations``).
    Pages of ``page_size`` (default 100) follow the ``Link: <…>; rel="next"`` header, else
    ``offset``/``limit`` while ``X-Total-Count`` says there is more. More than ``max_pages``
    (default 50) pages, or a next link seen before, is an error rather than a partial list.
    A link to another host is not followed: the token goes to the configured host only.
    Every poll reads the whole list: ``date_from`` would miss EVSE changes on servers that do
    not bump the Location's ``last_updated``.
    """
    key = source_key(source_cfg)
    url = base_url(source_cfg, what="the OCPI Locations endpoint (…/ocpi/cpo/2.2.1/locations)")
    token = http.secret(source_cfg)
    if token is None:
        msg = f"source {key!r}: OCPI needs a credentials token; name its environment variable in api_key_env"
        raise FeedAuthError(msg)
    encoding = source_cfg.get("token_encoding", "base64")
    if encoding not in ("base64", "plain"):
        msg = f"source {key!r}: token_encoding must be 'base64' (OCPI 2.2.1) or 'plain' (older servers), got {encoding!r}"
        raise FeedFormatError(msg)
    sent = base64.b64encode(token.encode()).decode("ascii") if encoding == "base64" else token
    headers = {"Authorization": f"Token {sent}", **{h: str(source_cfg[k]) for k, h in ROUTING.items() if source_cfg.get(k)}}
    limit = int(min(max(number(source_cfg.get("page_size")) or PAGE_SIZE, 1), 1000))
    pages = int(max(number(source_cfg.get("max_pages")) or MAX_PAGES, 1))
    deadline, read_timeout, what = http.Deadline(), timeout(source_cfg), f"ocpi source {key!r}"
    locations: list = []
    ask: tuple[str, dict | None] | None = (url, {"offset": 0, "limit": limit})
    seen: set = set()
    while ask is not None:
        page_url, params = ask
        if len(seen) >= pages or (page_url, str(params)) in seen:
            msg = f"{what}: stopped after {len(seen)} pages (a next page seen before, or more than max_pages = {pages})"
            raise FeedFormatError(msg)
        seen.add((page_url, str(params)))
        reply = http.request(session, page_url, params=params, headers=headers, timeout=read_timeout, deadline=deadline)
        page = unwrap(reply.json(), what, (token, sent))
        locations.extend(page)
        ask = _next(reply, url, page, len(locations), limit) if page else None
    return parse(locations, source=key, config=source_cfg)


def _next(reply: http.Reply, url: str, page: list, fetched: int, limit: int) -> tuple[str, dict | None] | None:
    """The next page: the Link header's (same host only), else the next offset while the server says there is more."""
    headers = {k.lower(): v for k, v in reply.headers.items()}
    found = _NEXT.search(headers.get("link", ""))
    if found:
        link = urljoin(reply.url, found.group(1).strip())
        if urlsplit(link)[:2] == urlsplit(url)[:2]:
            return link, None
    total, cap = number(headers.get("x-total-count")), number(headers.get("x-limit"))
    more = fetched < total if total is not None else len(page) >= min(limit, cap or limit)
    return (url, {"offset": fetched, "limit": limit}) if more else None
