"""NGSI-v2 (Orion Context Broker): entities in normalized or keyValues form, paged from /v2/entities."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

import requests

from core.schema import Batch
from data_sources import http, sdm
from data_sources.errors import FeedFormatError

PAGE_SIZE = 100  # Orion's maximum is 1000; 100 keeps single answers small
MAX_ENTITIES = 20_000
TENANT_HEADERS = {"service": "Fiware-Service", "service_path": "Fiware-ServicePath"}
_META_TIMES = ("TimeInstant", "timestamp", "observedAt", "dateObserved")


@dataclass(frozen=True)
class Attr:
    """One attribute in any NGSI form: its value, unitCode, observation and modification time."""

    value: Any
    unit: Any = None
    observed: Any = None
    modified: Any = None


def attribute(raw: Any) -> Attr:
    """Read a normalized v2 attribute, an NGSI-LD Property/Relationship/GeoProperty or a bare keyValues value."""
    if isinstance(raw, list) and raw and all(isinstance(x, dict) and ("value" in x or "object" in x) for x in raw):
        raw = next((x for x in raw if "datasetId" not in x), raw[0])  # NGSI-LD multi-attribute: the default instance
    if not isinstance(raw, dict) or not ("value" in raw or "object" in raw):
        return Attr(raw)  # keyValues or concise: the bare value, a GeoJSON object stays whole
    meta = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}

    def meta_value(key: str) -> Any:
        item = meta.get(key)
        return item.get("value") if isinstance(item, dict) else None

    value = raw["value"] if "value" in raw else raw["object"]  # a Relationship's "object" (one SDM example dates that way)
    if isinstance(value, dict) and "@value" in value:
        value = value["@value"]
    observed = raw.get("observedAt") or next((meta_value(k) for k in _META_TIMES if meta_value(k)), None)
    return Attr(value, raw.get("unitCode") or meta_value("unitCode"), observed, raw.get("modifiedAt") or meta_value("dateModified"))


def decode(payload: Any) -> Any:
    """What the wire gives (bytes, text or decoded JSON) as decoded JSON."""
    try:
        if isinstance(payload, (bytes, bytearray)):
            payload = bytes(payload).decode("utf-8-sig")
        if isinstance(payload, str):
            return json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        msg = f"payload is not JSON: {exc}"
        raise FeedFormatError(msg) from None
    return payload


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Readings and stations from a list of NGSI-v2 entities (or one entity), normalized or keyValues."""
    data = decode(payload)
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        data = [data]
    if not isinstance(data, list):
        msg = f"expected an NGSI entity or a list of entities, got {type(data).__name__}"
        raise FeedFormatError(msg)
    return parse_entities(data, source=source, config=config)


def parse_entities(entities: Iterable[Any], *, source: str, config: Mapping[str, Any] | None) -> Batch:
    """The mapping shared by NGSI-v2 and NGSI-LD: one station per entity, one reading per mapped attribute."""
    rows, table = Collector(source), sdm.rules(config)
    for entity in entities:
        if isinstance(entity, dict) and isinstance(entity.get("id"), str) and entity["id"]:
            _entity(entity, rows, table, config)
        else:
            rows.skipped += 1
    return rows.batch()


def _entity(entity: Mapping[str, Any], rows: Collector, table: tuple[sdm.Rule, ...], config: Mapping[str, Any] | None) -> None:
    etype = _entity_type(entity.get("type"))
    attrs = {sdm.local_name(k): attribute(v) for k, v in entity.items() if k not in ("id", "type", "@context")}
    _device_measurement(attrs)
    address = attrs["address"].value if "address" in attrs and isinstance(attrs["address"].value, dict) else {}
    lat, lon = sdm.point(attrs["location"].value, config) if "location" in attrs else (None, None)
    station_id = rows.station(
        entity["id"], etype, lat=lat, lon=lon,
        name=_text(attrs.get("name")) or _text(address.get("streetAddress")),
        district=_text(address.get("addressLocality")) or _text(attrs.get("areaServed")),
    )
    observed, modified = _first_time(attrs, sdm.OBSERVED_ATTRS), _first_time(attrs, sdm.MODIFIED_ATTRS)
    for rank, rule in enumerate(table):
        attr = attrs.get(rule.attr)
        if attr is None or attr.value is None or (rule.types and etype not in rule.types):
            continue
        value = sdm.measure(rule, attr.value, attr.unit, config)
        ts = sdm.parse_time(attr.observed) or observed or sdm.parse_time(attr.modified) or modified
        if value is None or ts is None:
            rows.skipped += 1  # a mapped attribute we cannot use: text, a foreign unit, no time
            continue
        rows.reading(station_id, rule, rank, ts, value)


def _entity_type(raw: Any) -> str:
    """The entity type; of NGSI-LD's multiple types the first one the table knows."""
    names = [sdm.local_name(t) for t in (raw if isinstance(raw, list) else [raw]) if isinstance(t, str)]
    return next((n for n in names if n in sdm.TYPE_THEMES), names[0] if names else "")


def _device_measurement(attrs: dict[str, Attr]) -> None:
    """DeviceMeasurement holds one value as controlledProperty + numValue + unit: show it as that attribute."""
    prop, num, unit = attrs.get("controlledProperty"), attrs.get("numValue"), attrs.get("unit")
    if prop and num and isinstance(prop.value, str) and prop.value not in attrs:
        attrs[prop.value] = Attr(num.value, num.unit or (unit.value if unit else None), num.observed, num.modified)


def _text(value: Any) -> str | None:
    value = value.value if isinstance(value, Attr) else value
    return value if isinstance(value, str) and value.strip() else None


def _first_time(attrs: Mapping[str, Attr], names: Iterable[str]) -> datetime | None:
    return next((ts for n in names if n in attrs and (ts := sdm.parse_time(attrs[n].value))), None)


class Collector:
    """Rows of one parse. The first rule to give a (station, quantity, time) wins; stations keep their first sighting."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.skipped = 0
        self._readings: dict[tuple[str, str, datetime], tuple[int, float]] = {}
        self._levels: dict[tuple[str, str, str], float] = {}
        self._stations: dict[str, dict[str, Any]] = {}

    def station(self, native_id: str, entity_type: str, *, name: Any = None, lat: float | None = None,
                lon: float | None = None, district: Any = None) -> str:
        station_id = f"{self.source}:{native_id}"
        known = self._stations.setdefault(station_id, {"station_id": station_id, "source": self.source, "type": entity_type, "name": None})
        for key, value in (("name", name), ("lat", lat), ("lon", lon), ("district", district)):
            if known.get(key) is None and value is not None:
                known[key] = value
        return station_id

    def reading(self, station_id: str, rule: sdm.Rule, rank: int, ts: datetime, value: float) -> None:
        if rule.level:
            self._levels.setdefault((station_id, rule.quantity, rule.level), value)
            return
        key = (station_id, rule.quantity, ts)
        if key not in self._readings or rank < self._readings[key][0]:
            self._readings[key] = (rank, value)

    def batch(self) -> Batch:
        readings = [
            {"ts": ts, "station_id": sid, "quantity": q, "value": value, "source": self.source}
            for (sid, q, ts), (_, value) in self._readings.items()
        ]
        measured: dict[str, list[str]] = {}
        for row in readings:
            measured.setdefault(row["station_id"], []).append(row["quantity"])
        stations = [
            {**s, "name": s["name"] or s["station_id"].split(":", 1)[1], "theme": sdm.theme(s["type"], measured.get(sid, []))}
            for sid, s in self._stations.items()
        ]
        levels = [{"station_id": s, "quantity": q, "level": k, "value": v} for (s, q, k), v in self._levels.items()]
        return Batch.from_rows(readings, stations, skipped=self.skipped, levels=levels)


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """Current state of the configured entities (Orion keeps no history; ``since`` is not needed)."""
    form = source_cfg.get("form", "normalized")
    if form not in ("normalized", "keyValues"):
        msg = f"source {source_cfg.get('key')!r}: form must be 'normalized' or 'keyValues', got {form!r}"
        raise FeedFormatError(msg)
    # dateModified is Orion's builtin attribute: the time of entities that carry no dateObserved.
    params = {"options": "count,keyValues" if form == "keyValues" else "count", "attrs": "dateModified,*"}
    params |= filters(source_cfg, {"types": "type", "ids": "id", "id_pattern": "idPattern", "q": "q"})
    url, auth = base_url(source_cfg) + "/v2/entities", headers(source_cfg, TENANT_HEADERS)
    entities = pages(session, url, params=params, headers=auth, cfg=source_cfg, count_header="Fiware-Total-Count")
    return parse(entities, source=source_cfg["key"], config=source_cfg)


def base_url(cfg: Mapping[str, Any]) -> str:
    url = cfg.get("base_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        msg = f"source {cfg.get('key')!r}: base_url must be the http(s) address of the city's broker, got {url!r}"
        raise FeedFormatError(msg)
    return url.rstrip("/")


def headers(cfg: Mapping[str, Any], tenant: Mapping[str, str]) -> dict[str, str]:
    """Tenant headers from the config and the secret from ``api_key_env`` (X-Auth-Token, or Bearer for Authorization)."""
    out = {name: str(cfg[key]) for key, name in tenant.items() if cfg.get(key)}
    token = http.secret(cfg)
    if token:
        name = str(cfg.get("auth_header") or "X-Auth-Token")
        out[name] = f"Bearer {token}" if name.lower() == "authorization" else token
    return out


def filters(cfg: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, str]:
    """Query parameters from config keys; lists become the comma-separated form both NGSI APIs take."""
    out = {}
    for key, param in names.items():
        value = cfg.get(key)
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        if value:
            out[param] = str(value)
    return out


def header(reply: http.Reply, name: str) -> str | None:
    return next((v for k, v in reply.headers.items() if k.lower() == name.lower()), None)


def pages(session: requests.Session, url: str, *, params: Mapping[str, str], headers: Mapping[str, str],
          cfg: Mapping[str, Any], count_header: str) -> list[Any]:
    """All entities of a limit/offset listing; the count header says when to stop, one deadline bounds it all."""
    deadline, limit = http.Deadline(), int(min(max(sdm.number(cfg.get("page_size")) or PAGE_SIZE, 1), 1000))
    cap = int(sdm.number(cfg.get("max_entities")) or MAX_ENTITIES)
    out: list[Any] = []
    while True:
        query = {**params, "limit": str(limit), "offset": str(len(out))}
        timeout = sdm.number(cfg.get("timeout"))
        reply = http.request(session, url, params=query, headers=headers, timeout=timeout, deadline=deadline)
        page = reply.json()
        if not isinstance(page, list):
            msg = f"{url}: expected a JSON list of entities, got {type(page).__name__}"
            raise FeedFormatError(msg)
        out.extend(page)
        total = sdm.number(header(reply, count_header))
        done = len(out) >= total if total is not None else len(page) < limit
        if done or not page or len(out) >= cap:
            return out
