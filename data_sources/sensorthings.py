"""OGC SensorThings API v1.1: Things with Locations, Datastreams and their latest Observations."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import requests

from core.schema import QUANTITIES, Batch
from data_sources import http
from data_sources._kit import (
    Collector,
    as_dict,
    as_list,
    base_url,
    decode_json,
    iso_utc,
    native_id,
    number,
    parse_time,
    source_key,
    timeout,
)
from data_sources._units import convert, quantity_from_text
from data_sources.errors import FeedFormatError

MAX_PAGES = 20  # @iot.nextLink pages per fetch; a runaway server cannot keep us busy
LATEST_ONLY, CATCH_UP = 1, 100  # observations per Datastream asked for without / with ``since``


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Stations and readings from a SensorThings answer.

    Accepts a collection (``value``, or the spec example's typo ``values``) or a single entity
    of Things (with ``Locations`` and ``Datastreams`` expanded) or of Datastreams (with
    ``Thing`` expanded). Each Thing is a station. A Datastream's quantity comes from
    ``config["observed_properties"]`` (exact ObservedProperty or Datastream name → quantity),
    else from the words in its ObservedProperty and its own name; its unit from
    ``unitOfMeasurement`` (canonical when absent). Datastreams of unknown quantity are ignored.
    A bare Observations answer (also ``$resultFormat=dataArray``) needs ``config["quantity"]``
    and ``config["thing"]`` (the station's native id).
    """
    config = config or {}
    data = decode_json(payload, what=f"sensorthings source {source!r}")
    if not isinstance(data, dict):
        msg = f"sensorthings source {source!r}: expected a JSON object, got {type(data).__name__}"
        raise FeedFormatError(msg)
    listed = data.get("value", data.get("values"))
    entities = listed if isinstance(listed, list) else [data]
    rows = Collector(source)
    overrides = {k: v for k, v in as_dict(config.get("observed_properties")).items() if isinstance(v, str)}
    for entity in entities:
        if not isinstance(entity, dict):
            rows.skipped += 1
        elif "dataArray" in entity or "result" in entity:
            _bare_observations(rows, entity, config)
        elif "unitOfMeasurement" in entity or "Thing" in entity or "ObservedProperty" in entity:
            thing, own_id = as_dict(entity.get("Thing")), native_id(entity.get("@iot.id"))
            station_id = (
                _thing(rows, thing) if thing else (rows.station(f"datastream-{own_id}", name=entity.get("name")) if own_id else None)
            )
            _datastream(rows, station_id, entity, overrides)
        else:
            station_id = _thing(rows, entity)
            for datastream in as_list(entity.get("Datastreams")):
                _datastream(rows, station_id, as_dict(datastream), overrides)
    return rows.batch(default_theme="other")


def _thing(rows: Collector, thing: dict) -> str | None:
    native = native_id(thing.get("@iot.id"))
    if native is None:
        rows.skipped += 1
        return None
    lon = lat = None
    for location in as_list(thing.get("Locations")):
        where = as_dict(as_dict(location).get("location"))
        where = as_dict(where.get("geometry")) or where  # a GeoJSON Feature or a bare geometry
        if where.get("type") == "Point":
            lon, lat = ([*as_list(where.get("coordinates")), None, None])[:2]
            break
    name = thing.get("name") or thing.get("description")
    district = as_dict(thing.get("properties")).get("district")
    return rows.station(native, name=name, lat=lat, lon=lon, district=district)


SHOWROOM_PROPERTY = "urn:smart-city-showroom:quantity:"  # another showroom's API (api/entities.py) names the quantity


def _quantity_and_unit(datastream: dict, overrides: Mapping[str, str]) -> tuple[str | None, Any]:
    prop = as_dict(datastream.get("ObservedProperty"))
    texts = (prop.get("name"), prop.get("definition"), datastream.get("name"), datastream.get("description"))
    definition = prop.get("definition") if isinstance(prop.get("definition"), str) else ""
    ours = definition.removeprefix(SHOWROOM_PROPERTY) if definition.startswith(SHOWROOM_PROPERTY) else None
    words = {t.strip().lower() for t in texts if isinstance(t, str)}
    named = next((q for name, q in overrides.items() if q in QUANTITIES and name.strip().lower() in words), None)
    quantity = named or (ours if ours in QUANTITIES else None) or quantity_from_text(*texts)
    uom = as_dict(datastream.get("unitOfMeasurement"))
    if not quantity or not uom:
        return quantity or None, None
    spellings = [uom.get("symbol"), uom.get("name")]
    if isinstance(uom.get("definition"), str):  # ".../UCUM/Cel" or "...ucum.html#para-30"
        spellings.append(uom["definition"].rstrip("/").rsplit("/", 1)[-1])
    if not any(isinstance(u, str) and u.strip() for u in spellings):  # null members: a count, no unit to convert
        return quantity, None
    unit = next((u for u in spellings if isinstance(u, str) and u.strip() and convert(1.0, u, quantity) is not None), False)
    return quantity, unit  # False: a unit is given but none of its spellings converts


def _datastream(rows: Collector, station_id: str | None, datastream: dict, overrides: Mapping[str, str]) -> None:
    quantity, unit = _quantity_and_unit(datastream, overrides)
    observations = as_list(datastream.get("Observations"))
    if station_id is None:  # the Thing had no id: nothing to hang the values on
        rows.skipped += len(observations)
        return
    if quantity is None:  # a Datastream of something we do not show
        return
    rows.measures(station_id, quantity)
    for ts, result in _observation_rows(observations):
        rows.reading(station_id, ts, quantity, None if unit is False else convert(number(result), unit, quantity))


def _observation_rows(items: list) -> Iterator[tuple[datetime | None, Any]]:
    """(time, result) of Observation entities and of dataArray groups alike."""
    for item in items:
        item = as_dict(item)
        if "dataArray" in item:
            components = as_list(item.get("components"))
            time_key = "phenomenonTime" if "phenomenonTime" in components else "resultTime"
            if time_key not in components or "result" not in components:
                continue
            t_at, r_at = components.index(time_key), components.index("result")
            for row in as_list(item.get("dataArray")):
                row = as_list(row)
                ok = len(row) > max(t_at, r_at)
                yield (parse_time(row[t_at]), row[r_at]) if ok else (None, None)
        else:
            yield parse_time(item.get("phenomenonTime") or item.get("resultTime")), item.get("result")


def _bare_observations(rows: Collector, entity: dict, config: Mapping[str, Any]) -> None:
    quantity, thing = config.get("quantity"), native_id(config.get("thing"))
    if not isinstance(quantity, str) or quantity not in QUANTITIES or thing is None:
        msg = "sensorthings: Observations without their Datastream need config 'quantity' and 'thing'"
        raise FeedFormatError(msg)
    station_id = rows.station(thing)
    for ts, result in _observation_rows([entity]):
        rows.reading(station_id, ts, quantity, convert(number(result), config.get("unit"), quantity))


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """Things (optionally ``filter``-ed, an OData ``$filter``) with their latest Observations.

    Follows ``@iot.nextLink`` of the Things and, when catching up since ``since``, of each
    Datastream's Observations; all pages share one deadline and at most ``max_pages`` pages.
    """
    key = source_key(source_cfg)
    base = base_url(source_cfg, what="the SensorThings service (e.g. https://…/FROST-Server/v1.1)")
    top = max(1, int(number(source_cfg.get("max_observations")) or CATCH_UP)) if since else LATEST_ONLY
    window = f";$filter=phenomenonTime gt {iso_utc(since)}" if since else ""
    params = {"$expand": f"Locations,Datastreams($expand=ObservedProperty,Observations($orderby=phenomenonTime desc;$top={top}{window}))"}
    if isinstance(source_cfg.get("filter"), str):
        params["$filter"] = source_cfg["filter"]
    pages = _Pages(session, base, source_cfg)
    things: list = []
    for page in pages.walk(f"{base}/Things", params):
        things.extend(as_list(page.get("value", page.get("values"))))
    if since is not None:  # a Datastream with more new Observations than one page holds
        for datastream in (as_dict(d) for t in things for d in as_list(as_dict(t).get("Datastreams"))):
            link = datastream.get("Observations@iot.nextLink")
            if isinstance(link, str) and isinstance(datastream.get("Observations"), list):
                for page in pages.walk(link, None):
                    datastream["Observations"].extend(as_list(page.get("value")))
    return parse({"value": things}, source=key, config=source_cfg)


class _Pages:
    """Walks @iot.nextLink chains under one deadline and one page budget."""

    def __init__(self, session: requests.Session, base: str, source_cfg: Mapping[str, Any]) -> None:
        self.session, self.base = session, base
        self.deadline, self.timeout = http.Deadline(), timeout(source_cfg)
        self.left = int(number(source_cfg.get("max_pages")) or MAX_PAGES)

    def walk(self, url: str, params: Mapping[str, str] | None) -> Iterator[dict]:
        seen, url = set(), self._rebase(url)
        while url and self.left > 0 and url not in seen:
            seen.add(url)
            self.left -= 1
            page = http.get_json(self.session, url, params=params, timeout=self.timeout, deadline=self.deadline)
            if not isinstance(page, dict):
                msg = f"sensorthings: {url.split('?', 1)[0]} did not return a JSON object"
                raise FeedFormatError(msg)
            yield page
            url, params = self._rebase(page.get("@iot.nextLink")), None

    def _rebase(self, link: Any) -> str | None:
        """Servers behind a proxy often announce their internal host: keep the configured one."""
        if not isinstance(link, str) or not link:
            return None
        link = urljoin(self.base + "/", link)
        marker = "/" + self.base.rsplit("/", 1)[-1] + "/"  # e.g. "/v1.1/"
        if not link.startswith(self.base) and marker in link:
            link = self.base + "/" + link.split(marker, 1)[1]
        return link
