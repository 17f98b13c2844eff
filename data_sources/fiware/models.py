"""Smart Data Models read from several attributes at once: traffic per period and lane, charge points by status, places."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core import opening
from data_sources._kit import Collector, number, parse_time, point, text

if TYPE_CHECKING:
    from data_sources.fiware.entities import Attr

TRAFFIC = "TrafficFlowObserved"
CHARGING = "EVChargingStation"
# Places: the PointOfInterest model and its subtypes; a subtype without `category` is its own category.
PLACES: dict[str, str | None] = {
    "PointOfInterest": None,
    "Museum": "museum",
    "Beach": "beach",
    "Store": "store",
    "TouristDestination": "tourist_destination",
}
# The Factual taxonomy codes that the PointOfInterest spec itself names ("113 corresponds to
# beaches, 311 to museums"); the full table is not published with the model, other codes stay codes.
CATEGORY_CODES = {"113": "beach", "311": "museum"}

# vehicleType (DATEX II names, as in the model's enum) → quantity; any other or none counts as car.
HEAVY = (
    "lorry", "truck", "bus", "BRT bus", "trailer", "articulatedVehicle", "highSidedVehicle", "tanker", "vehicleWithTrailer",
    "agriculturalVehicle", "constructionOrMaintenanceVehicle", "tipper", "dumper", "hopper", "compactor", "sweepingMachine",
    "fire tender", "tram", "trolley",
)  # fmt: skip
VEHICLES: dict[str, str] = dict.fromkeys(HEAVY, "traffic_heavy") | {"bicycle": "traffic_bike", "pedestrian": "traffic_pedestrian"}

# EVChargingStation status: the working states (full and empty describe occupancy, not failure).
WORKING = frozenset({"working", "full", "almostFull", "almostEmpty", "empty"})
OUT_OF_SERVICE = "outOfService"

# Attributes that name a station rather than measure: QuantumLeap fills them from the newest record.
IDENTITY = ("location", "refRoadSegment")
# Attributes whose history QuantumLeap must not average: a mean count has lost its period or its
# status (a text, which an averaged window leaves out), a mean of times is no period.
RAW = frozenset({"intensity", "vehicleType", "dateObservedFrom", "dateObservedTo", "availableCapacity"})


@dataclass
class Tally:
    """Traffic rates of several lanes (entities) at one station and interval start, summed when the batch is made."""

    parts: dict[tuple, float] = field(default_factory=dict)

    def add(self, station_id: str, quantity: str, ts: datetime, lane: tuple, rate: float) -> None:
        self.parts[(station_id, quantity, ts, lane)] = rate  # one entity seen twice counts once

    def flush(self, rows: Collector) -> None:
        sums: dict[tuple, float] = {}
        for (station_id, quantity, ts, _), rate in self.parts.items():
            sums[(station_id, quantity, ts)] = sums.get((station_id, quantity, ts), 0.0) + rate
        for (station_id, quantity, ts), rate in sums.items():
            rows.reading(station_id, ts, quantity, round(rate, 6))
        self.parts.clear()


@dataclass(frozen=True)
class Entity:
    """What a model reader gets: the entity's attributes and where its readings go."""

    native: str  # the entity id (a lane), not necessarily the station's
    station_id: str
    attrs: Mapping[str, Attr]
    rows: Collector
    tally: Tally
    when: Callable[[Attr], datetime | None]  # an attribute's time (its own, else the entity's)

    def value(self, name: str) -> Any:
        attr = self.attrs.get(name)
        return None if attr is None else attr.value


def station_native(etype: str, native: str, attrs: Mapping[str, Attr], config: Mapping[str, Any] | None) -> str:
    """The station an entity belongs to: a traffic lane counts at its road segment, else at its location."""
    if etype != TRAFFIC:
        return native
    ref = attrs["refRoadSegment"].value if "refRoadSegment" in attrs else None
    ref = next((r for r in ref if isinstance(r, str)), None) if isinstance(ref, list) else ref
    if text(ref):
        return text(ref)
    lat, lon = point(attrs["location"].value, config) if "location" in attrs else (None, None)
    return f"road@{lat:.5f},{lon:.5f}" if lat is not None and lon is not None else native


def place(etype: str, attrs: Mapping[str, Attr]) -> dict[str, str | None]:
    """Category (places only) and opening hours (any entity that has them) of the station."""
    category = None
    if etype in PLACES:
        raw = attrs["category"].value if "category" in attrs else None
        first = text(next(iter(raw), None) if isinstance(raw, list) else raw)
        category = CATEGORY_CODES.get(first, first) if first else PLACES[etype]
    return {"category": category, "opening_hours": _hours(attrs)}


def _hours(attrs: Mapping[str, Attr]) -> str | None:
    """``openingHours`` (schema.org text, or a list of texts), else ``openingHoursSpecification``; None when unreadable."""
    raw = attrs["openingHours"].value if "openingHours" in attrs else None
    texts = [t for item in (raw if isinstance(raw, list) else [raw]) if (t := text(item))]
    if texts:
        joined = "; ".join(texts)
        return joined if len(joined) <= opening.MAX_LENGTH else None
    spec = attrs["openingHoursSpecification"].value if "openingHoursSpecification" in attrs else None
    if isinstance(spec, (list, dict)):
        try:
            return opening.from_specification(spec if isinstance(spec, list) else [spec])
        except opening.OpeningHoursError:
            return None  # a place with hours we cannot read, not a broken feed
    return None


def traffic(entity: Entity) -> None:
    """``intensity`` vehicles in the period → a rate per hour at the period's start, by vehicle type."""
    count = entity.value("intensity")
    if count is None:
        return
    count, (start, seconds) = number(count), _period(entity.attrs)
    if count is None or count < 0 or start is None or not seconds or seconds <= 0:
        entity.rows.skipped += 1  # no count, or no period to make it a rate
        return
    vehicle = entity.value("vehicleType")
    vehicle = vehicle if isinstance(vehicle, str) else None
    quantity = VEHICLES.get(vehicle or "", "traffic_car")
    entity.tally.add(entity.station_id, quantity, start, (entity.native, vehicle), count * 3600 / seconds)


def _period(attrs: Mapping[str, Attr]) -> tuple[datetime | None, float | None]:
    """Start and length in seconds of ``dateObservedFrom``–``dateObservedTo``, else of an interval ``dateObserved``."""
    start = parse_time(attrs["dateObservedFrom"].value) if "dateObservedFrom" in attrs else None
    end = parse_time(attrs["dateObservedTo"].value) if "dateObservedTo" in attrs else None
    interval = attrs["dateObserved"].value if "dateObserved" in attrs else None
    if (start is None or end is None) and isinstance(interval, str) and interval.count("/") == 1:
        start, end = (parse_time(part) for part in interval.split("/"))
    if start is None or end is None:
        return start, None
    return start, (end - start).total_seconds()


def charging(entity: Entity) -> None:
    """Free, occupied and out-of-service charge points from ``capacity``, ``availableCapacity`` and ``status``."""
    status = entity.value("status")
    states = {s for s in (status if isinstance(status, list) else [status]) if isinstance(s, str)}
    capacity, free = _count(entity.value("capacity")), entity.value("availableCapacity")
    if OUT_OF_SERVICE in states:
        ts = entity.when(entity.attrs["status"])
        if capacity is None:
            entity.rows.skipped += 1  # out of service, but how many points is not said
        else:
            entity.rows.reading(entity.station_id, ts, "charging_out_of_service", capacity)
        return  # never "occupied", and nothing is free
    if free is None:
        return  # a static record (the published examples): capacity only
    ts, free = entity.when(entity.attrs["availableCapacity"]), _count(free)
    if free is None or (capacity is not None and free > capacity):
        entity.rows.skipped += 1  # not a count, or more free than there are
        return
    entity.rows.reading(entity.station_id, ts, "charging_free", free)
    if capacity is not None and states <= WORKING:
        # withIncidence and application-specific states: the free count stands, but what is not
        # free may be broken rather than charging, so it is not counted as occupied.
        entity.rows.reading(entity.station_id, ts, "charging_occupied", capacity - free)


def _count(raw: Any) -> float | None:
    value = number(raw)
    return value if value is not None and value >= 0 and value.is_integer() else None


def places(entity: Entity) -> None:
    """Occupancy in % of a place with ``capacity`` and ``occupancy`` (people); a place has no other readings."""
    occupied = entity.value("occupancy")
    if occupied is None:
        return
    occupied, capacity = number(occupied), number(entity.value("capacity"))
    if occupied is None or capacity is None or capacity <= 0 or not 0 <= occupied <= capacity:
        entity.rows.skipped += 1
        return
    entity.rows.reading(entity.station_id, entity.when(entity.attrs["occupancy"]), "occupancy", round(occupied / capacity * 100, 6))


READERS: dict[str, Callable[[Entity], None]] = {TRAFFIC: traffic, CHARGING: charging} | dict.fromkeys(PLACES, places)
