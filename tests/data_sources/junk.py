"""Junk and mutated copies of real payloads for the adapter contract: only FeedErrors may escape, never junk rows."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator, Sequence
from typing import Any

# Leaf values feeds have been seen to send where a number, a time, a place or an object belongs.
LEAVES: tuple[Any, ...] = (
    None,
    "",
    "x",
    -1,
    0,
    1e308,
    10**400,
    [],
    {},
    True,
    "NaN",
    "nan",
    {"a": [1]},
    [[[]]],
    "2024-13-45T99:00:00Z",
    "2024-13-45 99:00:00",
    "9999-12-31T23:59:59-01:00",
    "x/y",
    "1,2,3",
    "91, 181",
    {"value": None},
    {"@value": 3},
    {"object": {}},
    {"metadata": 5},
    {"type": "Point", "coordinates": [10**400, 1]},
)

# Whole payloads no feed sends, yet a broken proxy, a maintenance page or a wrong URL can: no
# answer at all (every kind refuses them), and empty or shapeless ones (refused or empty).
NO_ANSWER: tuple[Any, ...] = (
    None,
    42,
    2.5,
    True,
    10**400,
    b"\xff\xfe\x00",
    "x",
    "nope",
    "<html>Wartung</html>",
    "[",
    "{",
    '"text"',
    "42",
    "null",
)
PAYLOADS: tuple[Any, ...] = (
    "",
    " ",
    "\n\n\n",
    b"",
    '"',
    "[1, 2]",
    "{}",
    [],
    {},
    [None],
    [[]],
    [{}],
    [1, "x"],
    {"a": 1},
    {"id": 1},
    {"@context": []},
)

# Answers in the right syntax but of another shape that a kind refuses outright.
# A declarative table: one row per entry reads better than the formatter's one field per line.
# fmt: off
WRONG_SHAPES: dict[str, tuple[Any, ...]] = {
    "ngsi_v2": ({"id": 1}, {"foo": "bar"}),
    "ngsi_ld": ({"id": 1}, {"@context": []}),
}
# fmt: on

# Shapes close to a kind's own format, with the wrong types in the right places.
# fmt: off
SHAPES: dict[str, tuple[Any, ...]] = {
    "csv_file": (
        "ts,station_id,quantity,value\n\"unclosed", "ts;station_id;quantity;value\n;;;\n",
        "ts,station_id,quantity,value\n" + "2024-01-01T00:00:00Z,a,temperature,1,extra,cells\n" * 3,
        "ts,station_id,quantity,value,lat,lon\n2024-01-01,a,co2,500,north,999\n",
    ),
    "pegelonline": (
        {"uuid": None}, {"uuid": ["x"]}, [{"uuid": "x", "timeseries": "W"}], [{"uuid": "x", "timeseries": [{"shortname": ["W"]}]}],
        {"timestamp": "x", "value": "y"},
        [{"uuid": "x", "latitude": "north", "timeseries": [{"shortname": "W", "currentMeasurement": [], "characteristicValues": [1, {"value": {}}]}]}],
    ),
    "opensensemap": (
        [{"_id": 5}], {"_id": ["x"], "name": 1}, {"_id": "a", "sensors": "x"}, {"_id": "a", "sensors": [None, 1, {"unit": ["°C"], "title": {}}]},
        {"_id": "a", "currentLocation": {"coordinates": "x"}, "sensors": [{"title": "PM10", "unit": "µg/m³", "lastMeasurement": {"value": [], "createdAt": 1}}]},
        {"_id": "a", "loc": [], "name": "x"}, {"_id": "a", "loc": "x", "name": "x"},
    ),
    "sensor_community": (
        [{"location": "x"}], [{"location": {"id": [1]}, "sensordatavalues": [{"value_type": ["P1"], "value": "1"}]}],
        [{"location": {"id": 1, "latitude": "x"}, "timestamp": 5, "sensordatavalues": "x"}], {"esp8266id": None},
        {"esp8266id": 1, "sensordatavalues": [None, {"value_type": "SDS_P1", "value": {}}]},
        [{"location": {"id": 1}, "timestamp": "2024-01-01 00:00:00", "sensordatavalues": [{"value_type": "noise_LAeq", "value": "-1"}, {"value_type": "noise_LA_max", "value": "1e400"}, {"value_type": "noise_LA_min", "value": []}]}],
    ),
    "sensorthings": (
        {"value": None}, {"value": [None, 1, "x"]}, {"values": {}}, {"value": [{"@iot.id": [1], "Datastreams": [{"ObservedProperty": "x"}]}]},
        {"value": [{"@iot.id": 1, "Locations": [{"location": {"type": "Point", "coordinates": "x"}}], "Datastreams": "x"}]},
        {"value": [{"@iot.id": 1, "Datastreams": [{"name": "temperature", "unitOfMeasurement": {"symbol": ["°C"]}, "Observations": [{"result": {}}]}]}]},
        {"value": [{"dataArray": "x", "components": 5}]}, {"value": [{"dataArray": [[1, 2]], "components": ["result", "phenomenonTime"]}]},
        {"value": [{"unitOfMeasurement": None, "Thing": "x"}]},
    ),
    "brightsky": (
        {"weather": None}, {"weather": [None, 1]}, {"weather": {"source_id": [1]}, "sources": [{"id": [1]}]},
        {"weather": [{"source_id": 1, "temperature": "warm"}], "sources": [{"id": 1}]}, {"weather": {}, "sources": "x"},
        "surface observations;x\n", "surface observations\n01049;Unit\nDatum\n06.04.20",
        b"surface observations;x\n01049;Unit;%\nDatum;Uhrzeit;y\n99.99.99;25:00;1,2,3\n;\n",
    ),
    "ngsi_v2": (
        {"foo": "bar"}, [{"id": "a", "type": "WeatherObserved", "temperature": {"value": {"nested": 1}}, "location": "91, 181"}],
        [{"id": "t", "type": "TrafficFlowObserved", "intensity": 1e308, "dateObserved": "2024-01-01T00:00:00Z/2024-01-01T00:00:01Z", "refRoadSegment": [1], "location": "91, 181"},
         {"id": "u", "type": "TrafficFlowObserved", "intensity": {"value": "x"}, "dateObservedFrom": {"value": []}, "dateObservedTo": {"value": 5}, "vehicleType": {"value": {}}},
         {"id": "c", "type": "EVChargingStation", "capacity": -2, "availableCapacity": 10**400, "status": ["outOfService", 3]},
         {"id": "d", "type": "EVChargingStation", "capacity": "2", "availableCapacity": {"value": 1, "metadata": {"TimeInstant": {"value": "x"}}}, "status": {}},
         {"id": "p", "type": "Museum", "category": [{}], "openingHours": ["Mo 10:00-18:00", 5], "openingHoursSpecification": {"dayOfWeek": []}, "occupancy": 1e308, "capacity": 1e308},
         {"id": "n", "type": "NoiseLevelObserved", "LAeq": -1, "LAmax": "loud", "dateObservedTo": "2024-13-45T99:00:00Z", "dateObserved": "x/y"}],
    ),
    "ngsi_ld": (
        {"type": "FeatureCollection", "features": "x"}, {"type": "FeatureCollection", "features": [1, {"properties": []}]},
        [{"id": "t", "type": ["TrafficFlowObserved"], "intensity": {"type": "Property", "value": 5}, "refRoadSegment": {"type": "Relationship", "object": {}},
          "dateObservedFrom": {"type": "Property", "value": {"@value": "2024-01-01T00:05:00Z"}}, "dateObservedTo": {"type": "Property", "value": {"@value": "2024-01-01T00:00:00Z"}}},
         {"id": "m", "type": "PointOfInterest", "category": {"type": "Property", "value": [None]}, "openingHoursSpecification": [{"type": "Property", "value": "x"}]}],
    ),
    "quantumleap": (
        {"entityId": "e", "index": "x", "values": [1]}, [[[[[[[[{"entityId": "d"}]]]]]]]], {"attributes": [3]},
        {"entityType": "TrafficFlowObserved", "entities": [{"entityId": "t", "index": ["2024-01-01T00:00:00", "x"], "attributes": [
            {"attrName": "intensity", "values": [5, 6]}, {"attrName": "dateObserved", "values": ["2024-01-02T00:00:00Z/2024-01-01T00:00:00Z", None]}]}]},
        {"entityType": "EVChargingStation", "entities": [{"entityId": "c", "index": ["2024-01-01T00:00:00"], "attributes": [
            {"attrName": "availableCapacity", "values": [3]}, {"attrName": "capacity", "values": [2]}, {"attrName": "status", "values": [["full"]]}]}]},
    ),
    "ttn": ({"uplink_message": "x"}, {"end_device_ids": [], "uplink_message": {}}, b"[" * 100_000 + b"]" * 100_000),
    "chirpstack": ({"deviceInfo": {"devEui": "zz"}, "data": 5}, {"devEUI": "AgICAg==", "fPort": 1}, {"fPort": 1}),
    "mqtt": ({"uplink_message": "x"}, {"end_device_ids": {"device_id": 5}, "uplink_message": {}}, {"end_device_ids": {}}),
    "demo": ({"t": [1], "native_id": ["x"]}, {"t": "x", "native_id": 1, "quantity": None, "value": {}}),
    "scenario": ({"ts": [1], "native_id": ["x"]}, {"ts": "x", "native_id": 1, "quantity": None, "value": {}}),
    "telraam": (
        {"report": None}, {"report": [None, 1, {"segment_id": [1]}]}, {"status_code": "x", "report": "x"}, {"features": [{"geometry": "x"}]},
        {"report": [{"segment_id": 1, "date": "2024-01-01T07:00:00Z", "uptime": "x", "car": 5}]},
        {"report": [{"segment_id": 1, "date": "2024-01-01T07:00:00Z", "uptime": 1, "car": "many", "v85": [], "bike": {}}]},
        {"features": [{"geometry": {"type": "MultiLineString", "coordinates": [[[1e308, 1], [-1e308, 2]]]}, "properties": {"segment_id": 2}}]},
    ),
    "ocpi": (
        {"data": "x", "status_code": 1000}, {"data": [None, 1, {"id": []}], "status_code": 1000}, {"status_code": [1000]},
        [{"country_code": "DE", "party_id": "X", "id": "1", "coordinates": {"latitude": "north"}, "evses": "x"}],
        [{"country_code": "DE", "party_id": "X", "id": "1", "evses": [None, {"status": ["AVAILABLE"], "last_updated": 5}]}],
        {"data": {"evses": [{"status": "AVAILABLE"}]}, "status_code": "1000"},
    ),
}
# fmt: on

# Cells of a CSV row as people and spreadsheets get them wrong.
CELLS: tuple[str, ...] = (
    "",
    "x",
    "-1",
    "1e400",
    "NaN",
    "2024-13-45T99:00:00+02:00",
    "9999-12-31T23:59:59-01:00",
    "1700000000",
    '"',
    ";",
    "°C",
    "0xFF",
    "\x00",
    "---",
)


def mutants(tree: Any, seed: object, count: int = 80, leaves: Sequence[Any] = LEAVES) -> Iterator[Any]:
    """Copies of ``tree`` with one random node replaced by a junk leaf or dropped (deterministic per seed)."""
    rng = random.Random(str(seed))
    for _ in range(count):
        mutant = copy.deepcopy(tree)
        node, path = mutant, []
        while isinstance(node, (dict, list)) and node and rng.random() < 0.8:
            key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
            path.append((node, key))
            node = node[key]
        if path:
            parent, key = path[-1]
            if rng.random() < 0.2:
                del parent[key]  # a key or an item the feed left out
            else:
                parent[key] = rng.choice(leaves)
        yield mutant


def cell_mutants(text: str, seed: object, count: int = 80, cells: Sequence[str] = CELLS) -> Iterator[str]:
    """Copies of a CSV text with one random cell of one row replaced by a junk cell (deterministic per seed)."""
    rng = random.Random(str(seed))
    lines = text.splitlines()
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    for _ in range(count):
        mutant = list(lines)
        at = rng.randrange(len(mutant))
        row = mutant[at].split(delimiter)
        row[rng.randrange(len(row))] = rng.choice(cells)
        mutant[at] = delimiter.join(row)
        yield "\n".join(mutant)
