"""NGSI-LD: every Smart Data Models .jsonld example, the concise/expanded/GeoJSON forms, and fetch against a local broker."""

import json
import time
from datetime import UTC, datetime

import polars as pl
import pytest

from core.config import ROOT, load_config
from data_sources import KINDS, ngsi_ld
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable
from data_sources.fiware import sdm
from tests.data_sources.conftest import FIXTURES

SDM = FIXTURES / "smart_data_models"
UTC = UTC
CONTEXT = "https://raw.githubusercontent.com/smart-data-models/dataModel.Weather/master/context.jsonld"


def values(batch):
    return dict(batch.readings.select("quantity", "value").iter_rows())


EXPECTED = {
    "AirQualityObserved/example-normalized.jsonld": (
        {"temperature": 12.2, "humidity": 54.0, "no2": 69.0, "precipitation": 0.0, "wind_speed": 0.64},
        1,
    ),
    "AirQualityObserved/example.jsonld": (
        {"temperature": 12.2, "humidity": 54.0, "no2": 69.0, "precipitation": 0.0, "wind_speed": 0.64},
        0,
    ),
    "WeatherObserved/example-normalized.jsonld": (
        {
            "water_level": 50.0,
            "temperature": 3.3,
            "humidity": 100.0,
            "pressure": 938.9,
            "precipitation": 0.0,
            "wind_speed": 2.0,
            "illuminance": 1000.0,
        },
        0,
    ),
    "WeatherObserved/example.jsonld": (
        {
            "water_level": 50.0,
            "temperature": 3.3,
            "humidity": 100.0,
            "pressure": 938.9,
            "precipitation": 0.0,
            "wind_speed": 2.0,
            "illuminance": 1000.0,
        },
        0,
    ),
    "IndoorEnvironmentObserved/example-normalized.jsonld": ({"temperature": 12.2, "humidity": 54.0, "illuminance": 1000.0}, 0),
    "IndoorEnvironmentObserved/example.jsonld": ({"temperature": 12.2, "humidity": 54.0, "illuminance": 1000.0}, 0),
    "WaterObserved/example-normalized.jsonld": ({"water_level": 352.0, "discharge": 12.0}, 0),  # height and flow only
    "WaterObserved/example.jsonld": ({"water_level": 352.0, "discharge": 12.0}, 0),
    "FloodMonitoring/example-normalized.jsonld": ({"water_level": 198.0}, 0),
    "FloodMonitoring/example.jsonld": ({"water_level": 98.0}, 0),
    "ParkingSpot/example-normalized.jsonld": ({"parking_free": 1.0, "occupancy": 0.0}, 0),
    "ParkingSpot/example.jsonld": ({}, 2),
    "OffStreetParking/example-normalized.jsonld": ({"parking_free": 132.0, "occupancy": 68.0}, 0),
    "OffStreetParking/example.jsonld": ({"parking_free": 132.0, "occupancy": 68.0}, 0),
    "DeviceMeasurement/example-normalized.jsonld": ({}, 1),
    "DeviceMeasurement/example.jsonld": ({}, 1),
    "Device/example-normalized.jsonld": ({}, 0),
    "Device/example.jsonld": ({}, 0),
    "NoiseLevelObserved/example-normalized.jsonld": ({"noise": 67.8, "noise_max": 94.5}, 0),
    "NoiseLevelObserved/example.jsonld": ({"noise": 67.8, "noise_max": 94.5}, 0),
    "TrafficFlowObserved/example-normalized.jsonld": ({"traffic_car": 2364.0}, 0),  # its dateObserved is no interval
    "TrafficFlowObserved/example.jsonld": ({"traffic_car": 2364.0}, 0),
    "EVChargingStation/example-normalized.jsonld": ({}, 0),
    "EVChargingStation/example.jsonld": ({}, 0),
    "PointOfInterest/example-normalized.jsonld": ({}, 1),  # occupancy without time
    "Museum/example-normalized.jsonld": ({}, 0),
    "Museum/example.jsonld": ({}, 0),
}
STATIONS = {"TrafficFlowObserved": "road@41.65782,-4.73533"}  # a lane counts at its road: here its location


def test_every_ld_example_is_covered():
    published = {str(p.relative_to(SDM)) for p in SDM.glob("*/*.jsonld") if not p.name.startswith("CONSTRUCTED_")}
    assert published == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parse_smart_data_models_examples(name):
    readings, skipped = EXPECTED[name]
    batch = ngsi_ld.parse((SDM / name).read_text(), source="ld")
    assert values(batch) == pytest.approx(readings)
    assert batch.skipped == skipped
    native = STATIONS.get(name.split("/")[0], json.loads((SDM / name).read_bytes())["id"])
    assert batch.stations["station_id"].to_list() == ["ld:" + native]


def test_the_published_point_of_interest_jsonld_is_refused():
    broken = (SDM / "PointOfInterest/example.jsonld_as_published_INVALID_JSON.txt").read_bytes()
    with pytest.raises(FeedFormatError, match="not JSON"):
        ngsi_ld.parse(broken, source="ld")


def test_models_from_the_ld_examples():
    noise = ngsi_ld.parse((SDM / "NoiseLevelObserved/example-normalized.jsonld").read_bytes(), source="n")
    assert noise.readings["ts"].unique().to_list() == [datetime(2016, 12, 28, 12, tzinfo=UTC)]  # {"@value": dateObservedTo}
    traffic = ngsi_ld.parse((SDM / "TrafficFlowObserved/example-normalized.jsonld").read_bytes(), source="t")
    assert traffic.readings.select("ts", "quantity").row(0) == (datetime(2016, 12, 7, 11, 10, tzinfo=UTC), "traffic_car")
    museum = ngsi_ld.parse((SDM / "Museum/example-normalized.jsonld").read_bytes(), source="m").stations.row(0, named=True)
    assert (museum["category"], museum["opening_hours"].split("; ")[-1]) == ("museum", "Su 10:00-15:00")
    beach = ngsi_ld.parse((SDM / "PointOfInterest/example-normalized.jsonld").read_bytes(), source="p").stations.row(0, named=True)
    assert (beach["theme"], beach["category"], beach["name"]) == ("poi", "beach", "Playa de a Concha")


def test_lanes_with_a_road_relationship_and_charge_points():
    lanes = ngsi_ld.parse((SDM / "TrafficFlowObserved/CONSTRUCTED_lanes_normalized.jsonld").read_bytes(), source="ld")
    road = "ld:urn:ngsi-ld:RoadSegment:menden-unnaer-strasse"  # the Relationship's object
    assert dict(lanes.readings.filter(station_id=road).select("quantity", "value").rows()) == {
        "traffic_car": 1260.0,
        "traffic_heavy": 72.0,
        "traffic_bike": 144.0,
        "traffic_pedestrian": 300.0,
    }
    assert lanes.readings.filter(station_id="ld:road@51.43020,7.79050")["value"].to_list() == [200.0]  # an interval dateObserved
    assert lanes.skipped == 1
    charging = ngsi_ld.parse((SDM / "EVChargingStation/CONSTRUCTED_states_normalized.jsonld").read_bytes(), source="ld")
    assert sorted(charging.readings.group_by("quantity").agg(pl.sum("value")).rows()) == [
        ("charging_free", 5.0),
        ("charging_occupied", 3.0),
        ("charging_out_of_service", 2.0),
    ]
    assert charging.skipped == 1


def test_a_multi_typed_place_and_concise_hours():
    entity = {
        "id": "urn:ngsi-ld:Museum:menden-museum",
        "type": ["Building", "Museum"],
        "name": "Museum für Stadt- und Kulturgeschichte",
        "openingHours": ["Tu-Sa 14:00-17:00", "Su 10:00-13:00"],
        "location": {"type": "Point", "coordinates": [7.7797, 51.4447]},
    }
    station = ngsi_ld.parse([entity], source="ld").stations.row(0, named=True)
    assert (station["theme"], station["category"], station["opening_hours"]) == ("poi", "museum", "Tu-Sa 14:00-17:00; Su 10:00-13:00")


def test_ld_quirks_of_the_examples():
    water = ngsi_ld.parse((SDM / "WaterObserved/example-normalized.jsonld").read_bytes(), source="w")
    assert water.readings["ts"].unique().to_list() == [datetime(2020, 3, 17, 8, 45, 0, 209000, tzinfo=UTC)]  # a Relationship
    indoor = ngsi_ld.parse((SDM / "IndoorEnvironmentObserved/example.jsonld").read_bytes(), source="i")
    assert indoor.readings["ts"].unique().to_list() == [datetime(2016, 3, 15, 12, tzinfo=UTC)]  # interval: its end
    spot = ngsi_ld.parse((SDM / "ParkingSpot/example-normalized.jsonld").read_bytes(), source="p")
    assert spot.readings["ts"].unique().to_list() == [datetime(2018, 9, 21, 12, tzinfo=UTC)]  # observedAt
    weather = ngsi_ld.parse((SDM / "WeatherObserved/example-normalized.jsonld").read_bytes(), source="w")
    assert weather.readings["ts"].unique().to_list() == [datetime(2016, 11, 30, 7, tzinfo=UTC)]  # {"@value": …}
    flood = ngsi_ld.parse((SDM / "FloodMonitoring/example-normalized.jsonld").read_bytes(), source="f")
    assert sorted(flood.levels.select("level", "value").iter_rows()) == [("alert", 1100.0), ("danger", 2600.0)]


def test_concise_form_multi_attributes_and_units():
    entity = {
        "id": "urn:ngsi-ld:WeatherObserved:menden-rathaus",
        "type": "WeatherObserved",
        "name": "Rathaus Menden",
        "dateObserved": "2024-07-01T11:59:00Z",
        "temperature": {"value": 68.0, "unitCode": "FAH", "observedAt": "2024-07-01T12:00:00Z"},
        "relativeHumidity": 0.61,
        "windSpeed": [
            {"type": "Property", "value": 9.0, "unitCode": "KMH", "datasetId": "urn:sensor:2"},
            {"type": "Property", "value": 18.0, "unitCode": "KMH"},
        ],
        "location": {"type": "Point", "coordinates": [7.7783, 51.4436]},
        "address": {"addressLocality": "Lendringsen"},
    }
    batch = ngsi_ld.parse([entity], source="ld")
    assert batch.readings.select("quantity", "value", "ts").sort("quantity").rows() == [
        ("humidity", 61.0, datetime(2024, 7, 1, 11, 59, tzinfo=UTC)),
        ("temperature", 20.0, datetime(2024, 7, 1, 12, tzinfo=UTC)),
        ("wind_speed", 5.0, datetime(2024, 7, 1, 11, 59, tzinfo=UTC)),  # the default instance, not the datasetId one
    ]
    assert batch.stations.select("name", "lat", "lon", "theme", "district").row(0) == (
        "Rathaus Menden",
        51.4436,
        7.7783,
        "microclimate",
        "Lendringsen",
    )


def test_expanded_names_without_a_context_and_modified_at_as_last_resort():
    entity = {
        "id": "urn:ngsi-ld:AirQualityObserved:menden-1",
        "type": "https://uri.fiware.org/ns/dataModels#AirQualityObserved",
        "https://smart-data-models.github.io/data-models/terms.jsonld#/definitions/pm10": {
            "type": "Property",
            "value": 21,
            "modifiedAt": "2024-07-01T10:00:00Z",
        },
        "https://uri.etsi.org/ngsi-ld/location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [7.8, 51.4]}},
        "modifiedAt": "2024-07-01T10:05:00Z",
    }
    batch = ngsi_ld.parse(entity, source="ld")
    assert batch.readings.select("quantity", "value", "ts").rows() == [("pm10", 21.0, datetime(2024, 7, 1, 10, tzinfo=UTC))]
    assert batch.stations.select("lat", "lon", "theme").row(0) == (51.4, 7.8, "air_quality")


def test_geojson_feature_collection():
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "id": "urn:ngsi-ld:WeatherObserved:a",
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [7.7, 51.4]},
                "properties": {
                    "type": "WeatherObserved",
                    "temperature": {"type": "Property", "value": 18.5, "observedAt": "2024-07-01T12:00:00Z"},
                },
            },
            {"type": "Feature", "properties": None},
        ],
    }
    batch = ngsi_ld.parse(json.dumps(collection), source="ld")
    assert values(batch) == {"temperature": 18.5}
    assert batch.stations.select("station_id", "lat", "lon").row(0) == ("ld:urn:ngsi-ld:WeatherObserved:a", 51.4, 7.7)
    assert batch.skipped == 1
    with pytest.raises(FeedFormatError):
        ngsi_ld.parse({"type": "FeatureCollection", "features": 3}, source="ld")


def test_broken_entities_are_skipped():
    good = json.loads((SDM / "FloodMonitoring/example.jsonld").read_bytes())
    broken = [None, [], {"id": 1}, {"id": "e", "type": ["Sensor", "ParkingSpot"], "temperature": {"type": "Property", "value": None}}, good]
    batch = ngsi_ld.parse(broken, source="j")
    assert values(batch) == {"water_level": 98.0}
    assert batch.skipped == 3
    assert batch.stations.filter(station_id="j:e")["theme"].to_list() == ["parking"]  # multi-typed: the type we know
    assert len(ngsi_ld.parse([], source="j")) == 0


def entity(i):
    return {
        "id": f"urn:ngsi-ld:WeatherObserved:menden-{i}",
        "type": "WeatherObserved",
        "temperature": {"type": "Property", "value": 10 + i, "observedAt": "2024-07-01T12:00:00Z"},
    }


def config(url, **extra):
    return {
        "key": "ld",
        "kind": "ngsi_ld",
        "base_url": url,
        "types": "WeatherObserved",
        "tenant": "menden",
        "context": CONTEXT,
        "page_size": 2,
        "timeout": 2,
        **extra,
    }


def test_fetch_pages_with_results_count_and_sends_context_and_tenant(feed_server, session):
    for offset in (0, 2):
        page = [entity(i) for i in range(offset, min(offset + 2, 3))]
        feed_server.route("/ngsi-ld/v1/entities", json.dumps(page), query={"offset": offset}, headers={"NGSILD-Results-Count": "3"})
    batch = ngsi_ld.fetch(config(feed_server.url), session)
    assert batch.readings["value"].sort().to_list() == [10.0, 11.0, 12.0]
    _, _path, query, headers, _ = feed_server.requests[0]
    assert query == {"type": "WeatherObserved", "count": "true", "options": "sysAttrs", "limit": "2", "offset": "0"}
    assert headers["NGSILD-Tenant"] == "menden" and headers["Accept"] == "application/json"
    assert headers["Link"] == f'<{CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
    assert len(feed_server.requests) == 2


def test_fetch_concise_and_default_types(feed_server, session):
    feed_server.route("/ngsi-ld/v1/entities", json.dumps([entity(1)]))
    cfg = config(feed_server.url, form="concise")
    del cfg["types"], cfg["context"]
    ngsi_ld.fetch(cfg, session)
    query, headers = feed_server.requests[0][2], feed_server.requests[0][3]
    assert query["options"] == "concise,sysAttrs"
    assert query["type"].split(",") == list(sdm.TYPE_THEMES)  # an NGSI-LD query must name a type
    assert "Link" not in headers


@pytest.mark.parametrize(
    ("route", "error"),
    [
        ({"status": 503}, FeedUnavailable),
        ({"status": 403}, FeedAuthError),
        ({"body": "[]", "delay": 2.0}, FeedUnavailable),
        ({"body": "<!DOCTYPE html><title>Login</title>", "headers": {"Content-Type": "text/html"}}, FeedFormatError),
        ({"body": '[{"id": "urn:a", "type": "T", "temperature": {', "truncate": True}, FeedUnavailable),
        ({"status": 400, "body": '{"type": "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"}'}, FeedFormatError),
    ],
)
def test_fetch_failures_are_typed_and_bounded(feed_server, session, route, error):
    feed_server.route("/ngsi-ld/v1/entities", **route)
    start = time.monotonic()
    with pytest.raises(error):
        ngsi_ld.fetch(config(feed_server.url, timeout=0.3), session)
    assert time.monotonic() - start < 3.0


def test_fetch_rejects_an_unknown_form(session):
    with pytest.raises(FeedFormatError, match="form"):
        ngsi_ld.fetch(config("http://127.0.0.1:9", form="simplified"), session)


def test_example_config_loads_and_fetches(feed_server, session, monkeypatch):
    source = load_config(ROOT / "config" / "examples" / "ngsi_ld.toml", kinds=KINDS).sources[0]
    feed_server.route("/ngsi-ld/v1/entities", json.dumps([entity(5)]), headers={"NGSILD-Results-Count": "1"})
    batch = ngsi_ld.fetch({**source, "base_url": feed_server.url}, session)
    assert batch.readings.select("quantity", "value").rows() == [("temperature", 15.0)]
    assert source["context"] in feed_server.requests[0][3]["Link"]
