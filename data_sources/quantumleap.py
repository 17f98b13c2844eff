"""QuantumLeap (FIWARE history): index[] + values[] per entity and attribute, paged, averaged by the platform."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests

from core.schema import QUANTITIES, Batch
from data_sources import http
from data_sources._kit import Collector, decode_json, number, parse_time, timeout
from data_sources.errors import FeedFormatError
from data_sources.fiware import broker, models, sdm
from data_sources.fiware.entities import Attr, Mapper, entity_type

MAX_DAYS = 7.0  # history fetched at most; also the first backfill
RAW_DAYS = 1.0  # longer windows are averaged by QuantumLeap: hourly up to 31 days, daily beyond
PAGE_SIZE = 1000  # QuantumLeap's default limit is 10000 records
MAX_PAGES = 200
MAX_DEPTH = 6  # the deepest real shape is attrs → types → entities → series
WRAPPERS = ("data", "entities", "types", "attrs")
AGGREGATE = ("auto", "none", "hour", "day")
_CONTEXT = {"entity": ("entityId", "id"), "type": ("entityType", "type"), "attr": ("attrName",)}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Series:
    """One attribute of one entity over time; ``context`` holds entity, type and attr inherited from wrappers."""

    context: Mapping[str, Any]
    index: list[Any]
    values: Any


@dataclass
class History:
    """One entity's records: its attributes at each index time (an unreadable stamp keeps its own record)."""

    etype: str = ""
    records: dict[Any, dict[str, Attr]] = field(default_factory=dict)

    def map(self, entity: str, mapper: Mapper) -> None:
        """Every record into the entity's one station, described by the newest record (and the newest place)."""
        order = sorted(self.records, key=lambda k: k if isinstance(k, datetime) else _EPOCH)  # unreadable stamps first
        identity: dict[str, Attr] = {}
        for key in reversed(order):  # a traffic lane's road and place from its newest record: one station for all of them
            identity |= {n: self.records[key][n] for n in models.IDENTITY if n in self.records[key] and n not in identity}
        station_id = mapper.station(entity, self.etype, {**(self.records[order[-1]] if order else {}), **identity})
        for key in order:
            record = self.records[key]
            for name, attr in identity.items():
                record.setdefault(name, attr)
            mapper.readings(station_id, entity, self.etype, record)


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Readings from any QuantumLeap answer (or a list of them): ``id``/``type`` or ``entityId``/``entityType``,
    with or without the older ``data`` wrapper, one or many entities and attributes.

    The series are put back together as records (an entity's attributes at one index time) and
    mapped like NGSI entities, so a model that needs several attributes at once (a traffic count
    and its period, charge points and their status) reads the same from history as from a broker.
    The index time is each attribute's own time.
    """
    data = decode_json(payload, what=f"quantumleap source {source!r}")
    if not isinstance(data, (Mapping, list)):
        msg = f"expected a QuantumLeap JSON object, got {type(data).__name__}"
        raise FeedFormatError(msg)
    mapper, times, history = Mapper(Collector(source), config), {}, {}
    for series in _series(data, {}, 0, mapper.rows):
        # The attributes of one entity share its index list: parse those times once.
        if id(series.index) not in times:
            times[id(series.index)] = [parse_time(stamp, epoch=True) for stamp in series.index]  # epoch ms as notified
        _gather(series, times[id(series.index)], history, mapper.rows)
    for entity, past in history.items():
        past.map(entity, mapper)
    return mapper.batch()


def _series(node: Any, context: Mapping[str, Any], depth: int, rows: Collector) -> Iterator[Series]:
    if depth > MAX_DEPTH or not isinstance(node, (list, dict)):
        rows.skipped += 1
        return
    if isinstance(node, list):
        for item in node:
            yield from _series(item, context, depth + 1, rows)
        return
    here = dict(context)
    for key, names in _CONTEXT.items():
        found = [node[n] for n in names if n in node]
        if found:
            here[key] = found[0]  # entityId beats id when both are there
    index = node.get("index")
    # Wrappers: "data" (older QuantumLeap), entities of a type, types of an attribute, and the
    # values-only answers that list entities under "values".
    wrappers = WRAPPERS if isinstance(index, list) else (*WRAPPERS, "values")
    nested = [node[key] for key in wrappers if isinstance(node.get(key), (list, dict))]
    for inner in nested:
        yield from _series(inner, here, depth + 1, rows)
    if isinstance(index, list):
        yield from _attributes(node, here, index, rows)
    elif not nested:
        rows.skipped += 1


def _attributes(node: Mapping[str, Any], here: Mapping[str, Any], index: list[Any], rows: Collector) -> Iterator[Series]:
    """One attribute's ``values``, or several under ``attributes`` (``values`` in the /value answers)."""
    groups, values = node.get("attributes"), node.get("values")
    if not isinstance(groups, list) and isinstance(values, list) and values and all(isinstance(v, dict) for v in values):
        groups = values
    if not isinstance(groups, list):
        yield Series(here, index, values)
        return
    for group in groups:
        if isinstance(group, dict):
            yield Series({**here, "attr": group.get("attrName")}, index, group.get("values"))
        else:
            rows.skipped += 1


def _gather(series: Series, stamps: list[datetime | None], history: dict[str, History], rows: Collector) -> None:
    entity, etype, attr = (series.context.get(k) for k in ("entity", "type", "attr"))
    values = series.values
    named = isinstance(entity, str) and entity and isinstance(attr, str)
    if not (named and isinstance(values, list) and len(values) == len(series.index)):
        rows.skipped += 1  # a /value answer without entity or attribute, or index and values out of step
        return
    past = history.setdefault(entity, History())
    past.etype = past.etype or entity_type(etype)
    attr = sdm.local_name(attr)
    records = past.records
    for at, (ts, raw) in enumerate(zip(stamps, values)):
        if raw is not None:  # QuantumLeap fills an attribute that was absent at that time with null
            key = ts if ts is not None else (id(series.index), at)  # an unreadable stamp: a record of its own
            record = records.get(key)
            if record is None:
                record = records[key] = {}
            record[attr] = Attr(raw, None, ts)


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """History since the last stored time (at most ``max_days``), per configured type or entity."""
    now = datetime.now(UTC)
    start = window_start(now, since, source_cfg)
    # QuantumLeap reads a time without zone as UTC, as in its own examples.
    params = {"fromDate": start.strftime("%Y-%m-%dT%H:%M:%S")} | _attrs(source_cfg, aggregation(now - start, source_cfg))
    deadline, headers = http.Deadline(), broker.headers(source_cfg, broker.V2_TENANT)
    answers: list[Any] = []
    for path, extra in targets(source_cfg):
        answers += _pages(session, broker.url(source_cfg, path), params | extra, headers, source_cfg, deadline)
    return parse(answers, source=source_cfg["key"], config=source_cfg)


def window_start(now: datetime, since: datetime | None, cfg: Mapping[str, Any]) -> datetime:
    earliest = now - timedelta(days=number(cfg.get("max_days")) or MAX_DAYS)
    if since is None:
        return earliest
    return max(parse_time(since), earliest)


def aggregation(span: timedelta, cfg: Mapping[str, Any]) -> str | None:
    """The aggrPeriod for a window: raw values for short ones, so the platform averages long ones."""
    mode = cfg.get("aggregate", "auto")
    if mode not in AGGREGATE:
        msg = f"source {cfg.get('key')!r}: aggregate must be one of {', '.join(AGGREGATE)}, got {mode!r}"
        raise FeedFormatError(msg)
    if mode != "auto":
        return None if mode == "none" else mode
    days = span.total_seconds() / 86400
    return None if days <= (number(cfg.get("raw_days")) or RAW_DAYS) else "hour" if days <= 31 else "day"


def _attrs(cfg: Mapping[str, Any], period: str | None) -> dict[str, str]:
    """``attrs`` and, for a long window, the aggregation of its numeric attributes.

    QuantumLeap refuses aggrMethod without attrs and answers 404 when one of them is text or
    a location, so a mean is asked only for attributes the table maps to numbers; without
    such attributes the window is fetched raw (paged, within the fetch bound). So is a window
    with a sound level (a mean of decibels is no sound level), a traffic count or charge-point
    state (they need their period and status from the same record): their means would be wrong.
    """
    attrs, table = _names(cfg, "attrs"), sdm.rules(cfg)
    numeric = {rule.attr for rule in table if not rule.states}
    raw = models.RAW | {rule.attr for rule in table if QUANTITIES[rule.quantity].aggregation in ("energetic", "max")}
    averaged = [a for a in attrs if a in numeric]
    if period and averaged and not raw.intersection(attrs):
        return {"attrs": ",".join(averaged), "aggrMethod": "avg", "aggrPeriod": period}
    return {"attrs": ",".join(attrs)} if attrs else {}


def targets(cfg: Mapping[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """/v2/types/{type} per entity type (optionally only ``ids``), or /v2/entities/{id} per listed entity."""
    types, entities = _names(cfg, "types"), _names(cfg, "entities")
    if not types and not entities:
        msg = f"source {cfg.get('key')!r}: quantumleap needs types = [...] or entities = [...]"
        raise FeedFormatError(msg)
    per_type = broker.filters(cfg, {"ids": "id"})
    per_entity = broker.filters(cfg, {"entity_type": "type"})
    return [(f"/v2/types/{quote(t, safe='')}", per_type) for t in types] + [
        (f"/v2/entities/{quote(e, safe=':')}", per_entity) for e in entities
    ]


def _names(cfg: Mapping[str, Any], key: str) -> list[str]:
    value = cfg.get(key) or []
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        msg = f"source {cfg.get('key')!r}: {key} must be a list of names, got {value!r}"
        raise FeedFormatError(msg)
    return list(value)


def _pages(
    session: requests.Session,
    url: str,
    params: Mapping[str, str],
    headers: Mapping[str, str],
    cfg: Mapping[str, Any],
    deadline: http.Deadline,
) -> list[Any]:
    limit, offset, out = int(min(max(number(cfg.get("page_size")) or PAGE_SIZE, 1), 10_000)), 0, []
    while len(out) < MAX_PAGES:
        query = {**params, "limit": str(limit), "offset": str(offset)}
        # QuantumLeap answers 404 "No records were found for such query" for an empty window
        reply = http.request(session, url, params=query, headers=headers, timeout=timeout(cfg), deadline=deadline, accept=(404,))
        if reply.status == 404:
            return out
        out.append(reply.json())
        records = _records(out[-1])
        if records < limit:
            return out
        offset += records
    return out


def _records(answer: Any) -> int:
    """Records in one page: QuantumLeap's limit counts (entity, time) rows, shared by that entity's attributes."""
    per_entity: dict[Any, int] = {}
    for series in _series(answer, {}, 0, Collector("")):
        key = str(series.context.get("entity"))
        per_entity[key] = max(per_entity.get(key, 0), len(series.index))
    return sum(per_entity.values())
