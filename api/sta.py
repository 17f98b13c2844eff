"""OGC SensorThings API 1.1, read-only, under ``/api/v1.1/``: the subset Masterportal and FROST clients use.

Entity sets, one entity by id, one navigation step (``Things('x')/Datastreams``), and the query
options of :mod:`api.odata` with ``@iot.count``, ``@iot.nextLink`` and expansions' own paging.
Observations are read from the store with the time window and Datastreams of ``$filter`` pushed
down; a read without a lower time bound over many Datastreams, or one too large, is refused with
a 400 that says how to narrow it. The rollups are an extension: ``resolution=15m|1h|1d`` on an
Observations request serves buckets (``docs/open-data.md``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from urllib.parse import urlencode

import polars as pl

from api import entities
from api.context import Context
from api.odata import BadRequest, Comparison, Query, entity_id, parse
from core import rollup
from core.schema import READINGS_SCHEMA
from core.store import ROLLUPS
from data_sources import licences

SETS = tuple(entities.NAVS)
MAX_UNBOUNDED_SERIES = 20  # Datastreams an Observations read may span without a 'phenomenonTime ge …'
MAX_SCAN = 2_000_000  # readings one request may read (estimated from each series' usual interval)
CONFORMANCE = (
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
)


class NotFound(LookupError):
    """No such entity (404)."""


def root(base: str) -> dict:
    return {"value": [{"name": name, "url": f"{base}/{name}"} for name in SETS], "serverSettings": {"conformance": list(CONFORMANCE)}}


def resource(path: str) -> tuple[str, str | None, str | None]:
    """(entity set, id or None, navigation property or None) of a resource path; deeper paths are a 400."""
    match = re.match(r"^([A-Za-z]+)(.*)$", path.strip("/"), re.S)
    name, rest = (match.group(1), match.group(2)) if match else ("", "")
    if name not in SETS:
        msg = f"unknown entity set {name!r}; served are {', '.join(SETS)}"
        raise BadRequest(msg)
    if not rest:
        return name, None, None
    if not rest.startswith("("):
        msg = f"expected {name}(id) after {name}, got {rest[:40]!r}"
        raise BadRequest(msg)
    close = _closing(rest)
    ident, tail = entity_id(rest[1:close]), rest[close + 1 :].strip("/")
    if not tail:
        return name, ident, None
    if tail not in entities.NAVS[name]:
        msg = f"{name} has no navigation property {tail[:40]!r} here (one step: {', '.join(entities.NAVS[name])})"
        raise BadRequest(msg)
    return name, ident, tail


def _closing(rest: str) -> int:
    """Index of the ')' closing the id in ``rest`` (which starts with '('), quotes respected."""
    quoted = False
    for i, char in enumerate(rest[1:], start=1):
        if char == "'":
            quoted = not quoted
        elif char == ")" and not quoted:
            return i
    msg = "entity id without a closing ')'"
    raise BadRequest(msg)


class Reader:
    """Answers one request: frames of the entity sets, filtered, ordered, paged and expanded."""

    def __init__(self, ctx: Context, base: str, params: Mapping[str, str]) -> None:
        self.ctx, self.base, self.params = ctx, base, params
        self.city, self.store = ctx.config, ctx.store
        self.credit = {c.source: c for c in licences.credits(self.city)}
        every = params.get("resolution")
        if every is not None and every not in ROLLUPS:
            msg = f"resolution must be one of {', '.join(ROLLUPS)} (or left out for raw readings), got {every!r}"
            raise BadRequest(msg)
        self.every = every
        self._frames: dict[str, pl.DataFrame] = {}

    # ---- frames ----
    def frame(self, entity_set: str, query: Query, scope: tuple[str, list[str]] | None) -> pl.DataFrame:
        if entity_set == "Observations":
            return self._observations(query, scope)
        if entity_set not in self._frames:
            make = {
                "Things": lambda: entities.things(self.store),
                "Locations": lambda: entities.locations(self.store),
                "Datastreams": lambda: entities.datastreams(self.store),
                "Sensors": lambda: entities.sensors(self.store, self.city),
                "ObservedProperties": lambda: entities.observed_properties(self.store),
            }[entity_set]
            self._frames[entity_set] = make()
        frame = self._frames[entity_set]
        return frame if scope is None else frame.filter(pl.col(scope[0]).is_in(scope[1]))

    def _observations(self, query: Query, scope: tuple[str, list[str]] | None) -> pl.DataFrame:
        streams: set[tuple[str, str]] | None = None
        stations: set[str] | None = None
        quantities: set[str] | None = None
        start = end = None
        wanted = [scope] if scope else []
        wanted += [(c.path, [c.value]) for c in query.filter if c.op == "eq" and isinstance(c.value, str)]
        for path, values in wanted:
            if path in ("datastream_id", "Datastream/id"):
                found = {s for s in map(entities.split_datastream, values) if s}
                streams = found if streams is None else streams & found
            elif path in ("station_id", "Datastream/Thing/id"):
                stations = set(values) if stations is None else stations & set(values)
            elif path == "Datastream/ObservedProperty/id":
                quantities = set(values) if quantities is None else quantities & set(values)
            elif path == "id":
                for parsed in filter(None, map(entities.split_observation, values)):
                    station, quantity, _, ts = parsed
                    streams = {(station, quantity)} if streams is None else streams & {(station, quantity)}
                    start, end = ts, ts + dt.timedelta(microseconds=1)
        for c in query.filter:
            if c.path in ("phenomenonTime", "resultTime") and isinstance(c.value, dt.datetime):
                if c.op in ("ge", "gt", "eq"):
                    start = c.value if start is None else max(start, c.value)
                if c.op in ("lt", "le", "eq"):
                    bound = c.value + dt.timedelta(microseconds=1) if c.op != "lt" else c.value
                    end = bound if end is None else min(end, bound)
        if streams is not None:
            stations = {s for s, _ in streams} & (stations if stations is not None else {s for s, _ in streams})
            quantities = {q for _, q in streams} & (quantities if quantities is not None else {q for _, q in streams})
        series = self.store.latest().select("station_id", "quantity", "interval_s")
        if stations is not None:
            series = series.filter(pl.col("station_id").is_in(sorted(stations)))
        if quantities is not None:
            series = series.filter(pl.col("quantity").is_in(sorted(quantities)))
        if streams is not None:
            series = series.filter(pl.struct("station_id", "quantity").is_in([{"station_id": s, "quantity": q} for s, q in streams]))
        self._bounded(series, start, end)
        ids, qs = series["station_id"].unique().sort().to_list(), series["quantity"].unique().sort().to_list()
        if not series.height:
            return entities.observations(pl.DataFrame(schema=READINGS_SCHEMA), None, self.city.timezone)
        if self.every:
            lo = rollup.floor(start, self.every, self.city.timezone) if start else None
            hi = rollup.next_start(end - dt.timedelta(microseconds=1), self.every, self.city.timezone) if end else None
            raw = self.store.rollup(self.every, lo, hi, ids, qs)
        else:
            raw = self.store.readings(start, end, ids, qs)
        frame = entities.observations(raw, self.every, self.city.timezone)
        if (scope and scope[0] == "id") or any(c.path == "id" for c in query.filter) or any(p == "id" for p, _ in query.orderby):
            frame = entities.with_ids(frame, self.every)
        if len(ids) * len(qs) > series.height:  # the read covered station × quantity pairs nobody asked for
            pairs = series.select(datastream_id=pl.col("station_id") + ":" + pl.col("quantity"))["datastream_id"]
            frame = frame.filter(pl.col("datastream_id").is_in(pairs.to_list()))
        return frame if scope is None else frame.filter(pl.col(scope[0]).is_in(scope[1]))

    def _bounded(self, series: pl.DataFrame, start: dt.datetime | None, end: dt.datetime | None) -> None:
        if start is None and series.height > MAX_UNBOUNDED_SERIES:
            msg = (
                f"these Observations span {series.height} Datastreams: add $filter=phenomenonTime ge <time> "
                f"or ask at most {MAX_UNBOUNDED_SERIES} Datastreams (e.g. Datastreams('…')/Observations)"
            )
            raise BadRequest(msg)
        if start is not None:
            span = ((end or dt.datetime.now(dt.UTC)) - start).total_seconds()
            seconds = 900 if self.every == "15m" else 3600 if self.every == "1h" else 86400 if self.every == "1d" else None
            per = (
                series["interval_s"].fill_null(600.0).clip(lower_bound=1.0)
                if seconds is None
                else pl.Series([float(seconds)] * series.height)
            )
            rows = float((max(span, 0.0) / per).sum()) if series.height else 0.0
            if rows > MAX_SCAN:  # the guess assumes history all the way back to start: count what is there
                ids, qs = series["station_id"].unique().to_list(), series["quantity"].unique().to_list()
                tz = self.city.timezone
                lo, hi = rollup.floor(start, "1d", tz), rollup.next_start(end, "1d", tz) if end else None  # whole days: no raw reads
                days = self.store.rollup("1d", lo, hi, ids, qs)
                rows = float(days["n"].sum()) if self.every is None else min(rows, float(days.height) * 86400 / (seconds or 86400))
            if rows > MAX_SCAN:
                msg = f"this request would read about {int(rows):,} readings (at most {MAX_SCAN:,}): narrow the time window or ask resolution=1h"
                raise BadRequest(msg)

    # ---- filter, order, page ----
    def narrowed(self, entity_set: str, query: Query, scope: tuple[str, list[str]] | None) -> pl.DataFrame:
        frame = self.frame(entity_set, query, scope)
        paths = entities.PATHS[entity_set]
        for c in query.filter:
            frame = frame.filter(_compare(frame, paths, entity_set, c))
        order = [(paths.get(p), desc) for p, desc in query.orderby]
        unknown = [p for (p, _), (c, _) in zip(query.orderby, order, strict=True) if c is None]
        if unknown:
            msg = f"cannot order {entity_set} by {unknown[0]!r}; orderable: {', '.join(paths)}"
            raise BadRequest(msg)
        ties = ("station_id", "quantity", "ts") if entity_set == "Observations" else ("id",)  # unique, so pages never overlap
        keys = [c for c, _ in order] + [c for c in ties if c not in {c for c, _ in order}]
        descending = [d for _, d in order] + [False] * (len(keys) - len(order))
        return frame.sort(keys, descending=descending, nulls_last=True, maintain_order=True)

    def collection(self, entity_set: str, query: Query, path: str, scope: tuple[str, list[str]] | None = None) -> dict:
        self._check_select(entity_set, query)
        if entity_set == "Observations" and (latest := self._latest(query, scope)) is not None:
            frame = latest
        else:
            frame = self.narrowed(entity_set, query, scope)
        page = frame.slice(query.skip, query.top)
        out: dict = {}
        if query.count:
            out["@iot.count"] = frame.height
        if query.skip + page.height < frame.height:
            out["@iot.nextLink"] = self.next_link(path, query)
        out["value"] = self.render_many(entity_set, page, query)
        return out

    def _latest(self, query: Query, scope: tuple[str, list[str]] | None) -> pl.DataFrame | None:
        """``$orderby=phenomenonTime desc&$top=1``: the newest reading, straight from the store's latest values."""
        plain = not query.filter and not query.count and query.skip == 0 and query.top == 1 and self.every is None
        if not (plain and query.orderby[:1] == (("phenomenonTime", True),) and scope and scope[0] == "datastream_id"):
            return None
        pairs = [s for s in map(entities.split_datastream, scope[1]) if s]
        latest = self.store.latest().filter(pl.struct("station_id", "quantity").is_in([{"station_id": s, "quantity": q} for s, q in pairs]))
        return entities.observations(latest.select("ts", "station_id", "quantity", "value"), None, self.city.timezone)

    def next_link(self, path: str, query: Query) -> str:
        params = {**query.given, "$top": str(query.top), "$skip": str(query.skip + query.top)}
        if self.every:
            params["resolution"] = self.every
        return f"{self.base}/{path}?{urlencode(params)}"

    def render_many(self, entity_set: str, page: pl.DataFrame, query: Query) -> list[dict]:
        if entity_set == "Observations":
            page = entities.with_ids(page, self.every)
        rows = page.to_dicts()
        out = [entities.render(entity_set, row, self.base, self.city, self.credit) for row in rows]
        for nav_name, sub in query.expand:
            self._expand(entity_set, page, out, nav_name, sub)
        if query.select:
            keep = set(query.select) | {nav for nav, _ in query.expand}
            out = [{k: v for k, v in e.items() if _selected(k, keep)} for e in out]
        return out

    def _expand(self, entity_set: str, page: pl.DataFrame, out: list[dict], nav_name: str, sub: Query) -> None:
        nav = entities.NAVS[entity_set].get(nav_name)
        if nav is None:
            msg = f"{entity_set} has no navigation property {nav_name!r} to expand (known: {', '.join(entities.NAVS[entity_set])})"
            raise BadRequest(msg)
        self._check_select(nav.target, sub)
        keys = page[nav.here].to_list()
        if not keys:
            return
        scope = (nav.there, sorted(set(keys)))
        latest = self._latest(sub, scope) if nav.target == "Observations" else None
        children = latest if latest is not None else self.narrowed(nav.target, sub, scope)
        if not nav.many:
            rendered = dict(zip(children[nav.there].to_list(), self.render_many(nav.target, children, sub), strict=True))
            for entity, key in zip(out, keys, strict=True):
                entity[nav_name] = rendered.get(key)
            return
        ranked = children.with_columns(_rank=pl.int_range(pl.len()).over(nav.there))
        counts = dict(ranked.group_by(nav.there).len().iter_rows())
        window = ranked.filter((pl.col("_rank") >= sub.skip) & (pl.col("_rank") < sub.skip + sub.top)).drop("_rank")
        groups: dict[str, list[dict]] = {}
        # all parents' children rendered at once, so their own expansions read the store once too
        for key, child in zip(window[nav.there].to_list(), self.render_many(nav.target, window, sub), strict=True):
            groups.setdefault(key, []).append(child)
        for entity, key in zip(out, keys, strict=True):
            entity[nav_name] = groups.get(key, [])
            total = counts.get(key, 0)
            if sub.count:
                entity[f"{nav_name}@iot.count"] = total
            if sub.skip + sub.top < total:
                own = entities.link(self.base, entity_set, key).removeprefix(self.base + "/")
                entity[f"{nav_name}@iot.nextLink"] = self.next_link(f"{own}/{nav_name}", sub)

    def _check_select(self, entity_set: str, query: Query) -> None:
        known = set(entities.PROPERTIES[entity_set]) | set(entities.NAVS[entity_set])
        wrong = [p for p in query.select if p not in known]
        if wrong:
            msg = f"cannot $select {wrong[0]!r} of {entity_set}; known: {', '.join(sorted(known))}"
            raise BadRequest(msg)

    def entity(self, entity_set: str, ident: str, query: Query) -> dict:
        if entity_set == "Observations":  # a rollup's Observation names its resolution in its id
            parsed = entities.split_observation(ident)
            self.every = parsed[2] if parsed else self.every
        found = self.narrowed(entity_set, Query(), ("id", [ident]))
        if not found.height:
            msg = f"no {entity_set[:-1] if entity_set.endswith('s') else entity_set} with id {ident!r}"
            raise NotFound(msg)
        self._check_select(entity_set, query)
        return self.render_many(entity_set, found.head(1), query)[0]

    def navigate(self, entity_set: str, ident: str, nav_name: str, query: Query, path: str) -> dict:
        nav = entities.NAVS[entity_set][nav_name]
        parent = self.narrowed(entity_set, Query(), ("id", [ident]))
        if not parent.height:
            msg = f"no {entity_set} entity with id {ident!r}"
            raise NotFound(msg)
        key = parent[nav.here][0]
        if nav.many:
            return self.collection(nav.target, query, path, (nav.there, [key]))
        return self.entity(nav.target, key, query)


def _selected(key: str, keep: set[str]) -> bool:
    if key in keep:
        return True
    if key == "@iot.id":
        return "id" in keep
    if key == "@iot.selfLink":
        return "selfLink" in keep
    head = key.split("@iot.", 1)[0]
    return head in keep and "@iot." in key


def _compare(frame: pl.DataFrame, paths: Mapping[str, str], entity_set: str, c: Comparison) -> pl.Expr:
    column = paths.get(c.path)
    if column is None:
        msg = f"cannot filter {entity_set} on {c.path!r}; filterable: {', '.join(paths)}"
        raise BadRequest(msg)
    dtype = frame.schema[column]
    value = c.value
    if isinstance(dtype, pl.Datetime) and not isinstance(value, dt.datetime):
        msg = f"{c.path} compares with a time such as 2026-05-01T00:00:00Z, got {value!r}"
        raise BadRequest(msg)
    if dtype == pl.String and isinstance(value, float):
        value = str(int(value)) if value.is_integer() else str(value)
    if dtype.is_numeric() and not isinstance(value, float) and value is not None:
        msg = f"{c.path} compares with a number, got {value!r}"
        raise BadRequest(msg)
    col = pl.col(column)
    if value is None:
        if c.op not in ("eq", "ne"):
            msg = "null compares with eq or ne only"
            raise BadRequest(msg)
        return col.is_null() if c.op == "eq" else col.is_not_null()
    lit = pl.lit(value, dtype=dtype) if isinstance(value, dt.datetime) else pl.lit(value)
    return {"eq": col == lit, "ne": col != lit, "gt": col > lit, "ge": col >= lit, "lt": col < lit, "le": col <= lit}[c.op]


def answer(ctx: Context, base: str, path: str, params: Mapping[str, str]) -> dict:
    """The JSON document for ``GET {base}/{path}?{params}`` (raises BadRequest / NotFound)."""
    if not path.strip("/"):
        return root(base)
    entity_set, ident, nav_name = resource(path)
    query = parse(params)
    reader = Reader(ctx, base, params)
    if ident is None:
        return reader.collection(entity_set, query, entity_set)
    if nav_name is None:
        return reader.entity(entity_set, ident, query)
    own = entities.link(base, entity_set, ident).removeprefix(base + "/")
    return reader.navigate(entity_set, ident, nav_name, query, f"{own}/{nav_name}")
