"""NGSI entities to rows: attribute forms (normalized, keyValues, NGSI-LD), times, places, one station per entity."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from core.schema import Batch
from data_sources._kit import Collector, as_dict, parse_time, point, text
from data_sources.errors import FeedFormatError
from data_sources.fiware import models, sdm

_META_TIMES = ("TimeInstant", "timestamp", "observedAt", "dateObserved")


class Attr(NamedTuple):
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


ABSENT = Attr(None)


def listed(data: Any, *, what: str) -> list:
    """The entities of an answer: a list of them, or one entity."""
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return [data]
    if not isinstance(data, list):
        msg = f"expected an {what} entity or a list of entities, got {type(data).__name__}"
        raise FeedFormatError(msg)
    return data


def parse_entities(entities: Iterable[Any], *, source: str, config: Mapping[str, Any] | None) -> Batch:
    """The mapping shared by NGSI-v2 and NGSI-LD: one station per entity, one reading per mapped attribute."""
    mapper = Mapper(Collector(source), config)
    for entity in entities:
        if isinstance(entity, dict) and isinstance(entity.get("id"), str) and entity["id"]:
            etype = entity_type(entity.get("type"))
            attrs = {sdm.local_name(k): attribute(v) for k, v in entity.items() if k not in ("id", "type", "@context")}
            mapper.readings(mapper.station(entity["id"], etype, attrs), entity["id"], etype, attrs)
        else:
            mapper.rows.skipped += 1
    return mapper.batch()


class Mapper:
    """One parse's mapping of entities onto rows: the table by attribute name, the traffic tally, the source's config.

    NGSI-v2 and NGSI-LD map each entity once; QuantumLeap maps each record of an entity's
    history (its attributes at one index time) into that entity's one station.
    """

    def __init__(self, rows: Collector, config: Mapping[str, Any] | None) -> None:
        self.rows, self.config, self.tally = rows, config, models.Tally()
        self.table: dict[str, list[tuple[int, sdm.Rule]]] = {}
        for rank, rule in enumerate(sdm.rules(config)):  # rank: the first rule of a quantity wins
            self.table.setdefault(rule.attr, []).append((rank, rule))

    def station(self, native: str, etype: str, attrs: Mapping[str, Attr]) -> str:
        """The station of an entity (a traffic lane: its road's), described by its name, address, place and hours."""
        address = as_dict(attrs.get("address", ABSENT).value)
        lat, lon = point(attrs["location"].value, self.config) if "location" in attrs else (None, None)
        return self.rows.station(
            models.station_native(etype, native, attrs, self.config),
            lat=lat,
            lon=lon,
            theme=sdm.TYPE_THEMES.get(etype),
            name=text(attrs.get("name", ABSENT).value) or text(address.get("streetAddress")),
            district=text(address.get("addressLocality")) or text(attrs.get("areaServed", ABSENT).value),
            **models.place(etype, attrs),
        )

    def readings(self, station_id: str, native: str, etype: str, attrs: dict[str, Attr]) -> None:
        """The readings of one entity (or one record of its history) at ``station_id``."""
        _device_measurement(attrs)
        period = _first_time(attrs, sdm.TYPE_TIMES.get(etype, ()))  # a model's own observation time beats all others
        observed, modified = _first_time(attrs, sdm.OBSERVED_ATTRS), _first_time(attrs, sdm.MODIFIED_ATTRS)

        def when(attr: Attr) -> datetime | None:
            own = attr.observed if isinstance(attr.observed, datetime) else parse_time(attr.observed, epoch=True)  # QuantumLeap's: parsed
            return period or own or observed or parse_time(attr.modified, epoch=True) or modified

        for name, attr in attrs.items():
            if attr.value is None:
                continue
            for rank, rule in self.table.get(name, ()):
                if (rule.types and etype not in rule.types) or etype in rule.not_types:
                    continue
                self._record(station_id, rank, rule, when(attr), sdm.measure(rule, attr.value, attr.unit, self.config))
        reader = models.READERS.get(etype)
        if reader is not None:
            reader(models.Entity(native, station_id, attrs, self.rows, self.tally, when))

    def _record(self, station_id: str, rank: int, rule: sdm.Rule, ts: datetime | None, value: float | None) -> None:
        """One mapped value: a reading, or a characteristic level when the rule says so; unusable ones are counted."""
        if value is None or ts is None:
            self.rows.skipped += 1  # a mapped attribute we cannot use: text, a foreign unit, no time
        elif rule.level:
            self.rows.level(station_id, rule.quantity, rule.level, value)
        else:
            self.rows.reading(station_id, ts, rule.quantity, value, rank=rank)

    def batch(self) -> Batch:
        self.tally.flush(self.rows)
        return self.rows.batch()


def entity_type(raw: Any) -> str:
    """The entity type; of NGSI-LD's multiple types the first one the table knows."""
    names = [sdm.local_name(t) for t in (raw if isinstance(raw, list) else [raw]) if isinstance(t, str)]
    return next((n for n in names if n in sdm.TYPE_THEMES), names[0] if names else "")


def _device_measurement(attrs: dict[str, Attr]) -> None:
    """DeviceMeasurement holds one value as controlledProperty + numValue + unit: show it as that attribute."""
    prop, num, unit = attrs.get("controlledProperty"), attrs.get("numValue"), attrs.get("unit")
    if prop and num and isinstance(prop.value, str) and prop.value not in attrs:
        attrs[prop.value] = Attr(num.value, num.unit or (unit.value if unit else None), num.observed, num.modified)


def _first_time(attrs: Mapping[str, Attr], names: Iterable[str]) -> datetime | None:
    return next((ts for n in names if n in attrs and (ts := parse_time(attrs[n].value, epoch=True))), None)
