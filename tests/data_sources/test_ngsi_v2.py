"""NGSI-v2: every Smart Data Models example and Orion answer, then fetch against a local Orion stand-in."""

import json
import time
from datetime import UTC, datetime

import pytest

from core.config import ROOT, load_config
from data_sources import KINDS, ngsi_v2
from data_sources.errors import FeedAuthError, FeedError, FeedFormatError, FeedUnavailable
from tests.data_sources.conftest import FIXTURES

SDM = FIXTURES / "smart_data_models"
APIS = FIXTURES / "fiware_apis"
UTC = UTC


def values(batch):
    return dict(batch.readings.select("quantity", "value").iter_rows())


def load(path):
    return json.loads(path.read_bytes())


# file → (readings, skipped). Skips: Boolean precipitation, pressure 1.1 (no hPa), co2 69 (no ppm),
# a ParkingSpot without any time, a unit code that is no UN/CEFACT code.
EXPECTED = {
    "AirQualityObserved/example-normalized.json": ({"temperature": 12.2, "humidity": 54.0, "no2": 69.0, "wind_speed": 0.64}, 2),
    "AirQualityObserved/example.json": ({"temperature": 12.2, "humidity": 54.0, "precipitation": 0.0, "wind_speed": 0.64}, 2),
    "WeatherObserved/example-normalized.json": (
        {
            "water_level": 50.0,
            "temperature": 3.3,
            "humidity": 15.0,
            "pressure": 938.9,
            "precipitation": 0.1,
            "wind_speed": 2.0,
            "illuminance": 1000.0,
        },
        0,
    ),
    "WeatherObserved/example.json": (
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
    "IndoorEnvironmentObserved/example-normalized.json": ({"temperature": 12.2, "humidity": 54.0, "illuminance": 1000.0}, 0),
    "IndoorEnvironmentObserved/example.json": ({"temperature": 12.2, "humidity": 54.0, "pressure": 1013.52, "illuminance": 1000.0}, 0),
    "WaterObserved/example-normalized.json": ({"water_level": 240.0, "discharge": 3.0}, 0),
    "WaterObserved/example.json": ({"water_level": 240.0, "discharge": 3.0}, 0),
    # a river's temperature is the water's, never the air's (and its NO2 is nitrite, not the air's nitrogen dioxide)
    "WaterQualityObserved/example-normalized.json": ({"water_temperature": 24.4}, 0),
    "WaterQualityObserved/example.json": ({"water_temperature": 24.4}, 0),
    "FloodMonitoring/example-normalized.json": ({"water_level": 198.0}, 0),
    "FloodMonitoring/example.json": ({"water_level": 98.0}, 0),
    "ParkingSpot/example-normalized.json": ({"parking_free": 1.0, "occupancy": 0.0}, 0),
    "ParkingSpot/example.json": ({}, 2),
    "OffStreetParking/example-normalized.json": ({"parking_free": 132.0, "occupancy": 68.0}, 0),
    "OffStreetParking/example.json": ({"parking_free": 132.0, "occupancy": 68.0}, 0),
    "DeviceMeasurement/example-normalized.json": ({}, 1),
    "DeviceMeasurement/example.json": ({}, 1),
    "Device/example-normalized.json": ({}, 0),
    "Device/example.json": ({}, 0),
}


def test_every_v2_example_is_covered():
    assert {str(p.relative_to(SDM)) for p in SDM.glob("*/*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parse_smart_data_models_examples(name):
    readings, skipped = EXPECTED[name]
    batch = ngsi_v2.parse((SDM / name).read_bytes(), source="fiware")
    assert values(batch) == pytest.approx(readings)
    assert batch.skipped == skipped
    assert len(batch.stations) == 1
    station = batch.stations.row(0, named=True)
    assert station["station_id"] == "fiware:" + load(SDM / name)["id"]
    assert batch.readings["station_id"].unique().to_list() in ([], [station["station_id"]])


def test_air_quality_station_time_and_place():
    batch = ngsi_v2.parse(load(SDM / "AirQualityObserved/example-normalized.json"), source="aq")
    assert batch.readings["ts"].unique().to_list() == [datetime(2016, 3, 15, 11, tzinfo=UTC)]  # naive → UTC
    assert batch.stations.row(0, named=True) == {
        "station_id": "aq:Madrid-AmbientObserved-28079004-2016-03-15T11:00:00",
        "source": "aq",
        "name": "Plaza de España",
        "lat": pytest.approx(40.4238528),
        "lon": pytest.approx(-3.7122472),
        "theme": "air_quality",
        "district": "Madrid",
        "category": None,
        "opening_hours": None,
    }


def test_times_from_metadata_beat_the_entity_time():
    batch = ngsi_v2.parse(load(SDM / "OffStreetParking/example-normalized.json"), source="p")
    ts = dict(batch.readings.select("quantity", "ts").iter_rows())
    assert ts == {"parking_free": datetime(2018, 9, 21, 12, tzinfo=UTC), "occupancy": datetime(2021, 3, 11, 15, 51, 2, tzinfo=UTC)}
    flood = ngsi_v2.parse(load(SDM / "FloodMonitoring/example-normalized.json"), source="f")
    assert flood.readings["ts"].to_list() == [datetime(2020, 9, 16, 8, 0, tzinfo=UTC)]  # +05:30 offset
    assert sorted(flood.levels.select("level", "value").iter_rows()) == [("alert", 1100.0), ("danger", 2600.0)]


def test_swapped_water_coordinates_need_the_city_centre():
    payload = load(SDM / "WaterObserved/example.json")
    plain = ngsi_v2.parse(payload, source="w").stations.row(0, named=True)
    assert (plain["lat"], plain["lon"]) == (7.196545, 43.66481)
    fixed = ngsi_v2.parse(payload, source="w", config={"center": [43.70, 7.26]}).stations.row(0, named=True)
    assert (fixed["lat"], fixed["lon"]) == (43.66481, 7.196545)
    assert (fixed["theme"], fixed["district"], fixed["name"]) == ("water", "Nice Airport", "STLRT-MNCA-AP-WO-012")


def test_device_measurement_with_the_config_naming_its_unit():
    config = {"units": {"UDT0000016": "P1"}, "center": [60.17, 24.94]}
    batch = ngsi_v2.parse(load(SDM / "DeviceMeasurement/example-normalized.json"), source="d", config=config)
    assert batch.readings.select("quantity", "value", "ts").rows() == [("humidity", 55.2, datetime(2021, 9, 3, 7, 33, 18, tzinfo=UTC))]
    station = batch.stations.row(0, named=True)
    assert (station["lat"], station["lon"], station["theme"]) == (60.170833, 24.9375, "microclimate")


def test_orion_tutorial_answers():
    stores = ngsi_v2.parse((APIS / "orion_v2_entities_list_keyValues_tutorial.json").read_bytes(), source="o")
    assert len(stores) == 0
    assert stores.stations.select("name", "lat", "lon", "district", "theme").rows() == [
        ("Bose Brucke Einkauf", 52.5547, 13.3986, "Prenzlauer Berg", "other"),
        ("Checkpoint Markt", 52.5075, 13.3903, "Kreuzberg", "other"),
    ]
    motion = (APIS / "orion_v2_entity_from_iot_agent_tutorial.json").read_text()
    assert len(ngsi_v2.parse(motion, source="o")) == 0  # "count" is not a quantity of the table
    counted = ngsi_v2.parse(motion, source="o", config={"attributes": {"count": "parking_free"}})
    # "1" typed Integer: strings for numbers; time from the attribute's TimeInstant metadata
    assert counted.readings.select("ts", "value").rows() == [(datetime(2018, 5, 25, 10, 51, 32, 646000, tzinfo=UTC), 1.0)]


def test_broken_entities_are_skipped_and_counted():
    good = load(SDM / "WaterObserved/example.json")
    bad = {
        "id": "bad",
        "type": "WeatherObserved",
        "temperature": {"value": {"nested": 1}},
        "relativeHumidity": [1, 2],
        "location": {"type": "Point", "coordinates": ["a"]},
        "dateObserved": "2024-01-01T00:00:00Z",
        "name": 17,
    }
    batch = ngsi_v2.parse([None, 42, "x", [], {"id": 1}, {"id": ""}, {"type": "WeatherObserved"}, good, bad], source="j")
    assert values(batch) == {"water_level": 240.0, "discharge": 3.0}
    assert batch.skipped == 7 + 2
    assert batch.stations.filter(station_id="j:bad").select("name", "lat").row(0) == ("bad", None)
    assert len(ngsi_v2.parse([], source="j")) == 0


def entity(i):
    return {
        "id": f"urn:ngsi-ld:WeatherObserved:menden-{i}",
        "type": "WeatherObserved",
        "temperature": {"type": "Number", "value": 20 + i, "metadata": {}},
        "dateModified": {"type": "DateTime", "value": "2024-07-01T12:00:00.000Z", "metadata": {}},
    }


def config(url, **extra):
    return {
        "key": "orion",
        "kind": "ngsi_v2",
        "base_url": url + "/",
        "types": ["WeatherObserved", "AirQualityObserved"],
        "service": "menden",
        "service_path": "/umwelt",
        "page_size": 2,
        "timeout": 2,
        **extra,
    }


def test_fetch_pages_with_total_count_and_sends_tenant_and_token(feed_server, session, monkeypatch):
    monkeypatch.setenv("ORION_TOKEN", "s3cret")
    for offset in (0, 2, 4):
        page = [entity(i) for i in range(offset, min(offset + 2, 5))]
        feed_server.route("/v2/entities", json.dumps(page), query={"offset": offset}, headers={"Fiware-Total-Count": "5"})
    batch = ngsi_v2.fetch(config(feed_server.url, api_key_env="ORION_TOKEN"), session)
    assert batch.readings["value"].sort().to_list() == [20.0, 21.0, 22.0, 23.0, 24.0]
    assert batch.readings["ts"].unique().to_list() == [datetime(2024, 7, 1, 12, tzinfo=UTC)]  # Orion's dateModified
    assert [r[2]["offset"] for r in feed_server.requests] == ["0", "2", "4"]
    _, path, query, headers, _ = feed_server.requests[0]
    assert path == "/v2/entities"
    assert query == {
        "type": "WeatherObserved,AirQualityObserved",
        "options": "count",
        "attrs": "dateModified,*",
        "limit": "2",
        "offset": "0",
    }
    assert (headers["Fiware-Service"], headers["Fiware-ServicePath"], headers["X-Auth-Token"]) == ("menden", "/umwelt", "s3cret")


def test_fetch_without_count_header_stops_at_a_short_page_and_keyvalues(feed_server, session, monkeypatch):
    monkeypatch.setenv("ORION_TOKEN", "s3cret")
    kv = load(SDM / "WeatherObserved/example.json")
    feed_server.route("/v2/entities", json.dumps([kv, {**kv, "id": "second"}]), query={"offset": 0})
    feed_server.route("/v2/entities", json.dumps([{**kv, "id": "third"}]), query={"offset": 2})
    cfg = config(feed_server.url, form="keyValues", api_key_env="ORION_TOKEN", auth_header="Authorization", ids=["a", "b"])
    batch = ngsi_v2.fetch(cfg, session)
    assert len(batch.stations) == 3
    query, headers = feed_server.requests[0][2], feed_server.requests[0][3]
    assert (query["options"], query["id"], headers["Authorization"]) == ("count,keyValues", "a,b", "Bearer s3cret")
    assert len(feed_server.requests) == 2


@pytest.mark.parametrize(
    ("route", "error"),
    [
        ({"status": 500}, FeedUnavailable),
        ({"status": 401}, FeedAuthError),
        ({"body": "[]", "delay": 2.0}, FeedUnavailable),
        ({"body": "<html><body>Wartung</body></html>", "headers": {"Content-Type": "text/html"}}, FeedFormatError),
        ({"body": '[{"id": "a", "type": "T"', "truncate": True}, FeedUnavailable),
        ({"body": '{"error": "BadRequest"}'}, FeedFormatError),
    ],
)
def test_fetch_failures_are_typed_and_bounded(feed_server, session, route, error):
    feed_server.route("/v2/entities", **route)
    start = time.monotonic()
    with pytest.raises(error):
        ngsi_v2.fetch(config(feed_server.url, timeout=0.3), session)
    assert time.monotonic() - start < 3.0


def test_fetch_config_errors(session, monkeypatch):
    monkeypatch.delenv("ORION_TOKEN", raising=False)
    with pytest.raises(FeedFormatError, match="base_url"):
        ngsi_v2.fetch({"key": "orion"}, session)
    with pytest.raises(FeedFormatError, match="form"):
        ngsi_v2.fetch(config("http://127.0.0.1:9", form="simplified"), session)
    with pytest.raises(FeedAuthError, match="ORION_TOKEN"):
        ngsi_v2.fetch(config("http://127.0.0.1:9", api_key_env="ORION_TOKEN"), session)
    with pytest.raises(FeedError):
        ngsi_v2.fetch(config("http://127.0.0.1:9", timeout=0.5), session)  # nothing listens there


def test_example_config_loads_and_fetches(feed_server, session, monkeypatch):
    source = load_config(ROOT / "config" / "examples" / "ngsi_v2.toml", kinds=KINDS).sources[0]
    monkeypatch.setenv(source["api_key_env"], "t0ken")
    pegel = {
        "id": "urn:ngsi-ld:Device:pegel-1",
        "type": "Device",
        "pegel": {"type": "Number", "value": 1.25},
        "TimeInstant": {"type": "DateTime", "value": "2024-07-01T12:00:00Z"},
    }
    feed_server.route("/v2/entities", json.dumps([pegel]), headers={"Fiware-Total-Count": "1"})
    batch = ngsi_v2.fetch({**source, "base_url": feed_server.url}, session)
    assert batch.readings.select("quantity", "value").rows() == [("water_level", 125.0)]  # the example's own attribute
    assert feed_server.requests[0][3]["Fiware-Service"] == source["service"]
