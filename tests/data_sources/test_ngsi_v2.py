"""NGSI-v2: every Smart Data Models example and Orion answer, then fetch against a local Orion stand-in."""

import json
import time
from datetime import UTC, datetime

import pytest
from polars.testing import assert_frame_equal

from core import opening
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
    "NoiseLevelObserved/example-normalized.json": ({"noise": 67.8, "noise_max": 94.5}, 0),
    "NoiseLevelObserved/example.json": ({"noise": 67.8, "noise_max": 94.5}, 0),
    # 197 vehicles in 5 minutes; the lane detector's occupancy 0.76 is no parking occupancy
    "TrafficFlowObserved/example-normalized.json": ({"traffic_car": 2364.0}, 0),
    "TrafficFlowObserved/example.json": ({"traffic_car": 2364.0}, 0),
    "EVChargingStation/example-normalized.json": ({}, 0),  # capacity only: no live state in any published example
    "EVChargingStation/example.json": ({}, 0),
    "PointOfInterest/example-normalized.json": ({}, 1),  # occupancy of people, but no time at all
    "PointOfInterest/example.json": ({}, 1),
    "Museum/example-normalized.json": ({}, 0),
    "Museum/example.json": ({}, 0),
}
# A traffic lane counts at its road: without refRoadSegment, at its location.
STATIONS = {"TrafficFlowObserved": "road@41.65782,-4.73533"}


def test_every_v2_example_is_covered():
    published = {str(p.relative_to(SDM)) for p in SDM.glob("*/*.json") if not p.name.startswith("CONSTRUCTED_")}
    assert published == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parse_smart_data_models_examples(name):
    readings, skipped = EXPECTED[name]
    batch = ngsi_v2.parse((SDM / name).read_bytes(), source="fiware")
    assert values(batch) == pytest.approx(readings)
    assert batch.skipped == skipped
    assert len(batch.stations) == 1
    station = batch.stations.row(0, named=True)
    assert station["station_id"] == "fiware:" + STATIONS.get(name.split("/")[0], load(SDM / name)["id"])
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
    assert stores.stations.select("name", "lat", "lon", "district", "theme", "category").rows() == [
        ("Bose Brucke Einkauf", 52.5547, 13.3986, "Prenzlauer Berg", "poi", "store"),  # a Store is a place
        ("Checkpoint Markt", 52.5075, 13.3903, "Kreuzberg", "poi", "store"),
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


def test_noise_counts_at_the_end_of_its_period():
    batch = ngsi_v2.parse(load(SDM / "NoiseLevelObserved/example-normalized.json"), source="n")
    assert batch.readings["ts"].unique().to_list() == [datetime(2016, 12, 28, 12, tzinfo=UTC)]  # dateObservedTo
    assert batch.stations.select("theme", "lat", "lon").row(0) == ("noise", 42.8491, -2.698)
    entity = {
        "id": "dnms-1",
        "type": "NoiseLevelObserved",
        "LAeq": {"type": "Number", "value": 51.2, "metadata": {"TimeInstant": {"type": "DateTime", "value": "2024-07-01T12:00:09Z"}}},
        "dateObserved": {"type": "DateTime", "value": "2024-07-01T11:55:00Z/2024-07-01T12:00:00Z"},
    }
    # the period beats the attribute's own time (here an IoT Agent's arrival stamp); an interval counts at its end
    assert ngsi_v2.parse(entity, source="n").readings.select("ts", "value").rows() == [(datetime(2024, 7, 1, 12, tzinfo=UTC), 51.2)]


LANES = sorted(
    [
        ("road@51.43020,7.79050", "traffic_car", 200.0),  # 30 + 20 in 15 minutes, no refRoadSegment: one Point
        ("urn:ngsi-ld:RoadSegment:menden-unnaer-strasse", "traffic_bike", 144.0),
        ("urn:ngsi-ld:RoadSegment:menden-unnaer-strasse", "traffic_car", 1260.0),  # lanes 1 and 2: (60 + 45) × 12
        ("urn:ngsi-ld:RoadSegment:menden-unnaer-strasse", "traffic_heavy", 72.0),
        ("urn:ngsi-ld:RoadSegment:menden-unnaer-strasse", "traffic_pedestrian", 300.0),
    ]
)


@pytest.mark.parametrize("form", ["keyValues", "normalized"])
def test_traffic_lanes_are_summed_per_road_and_period(form):
    batch = ngsi_v2.parse((SDM / f"TrafficFlowObserved/CONSTRUCTED_lanes_{form}.json").read_bytes(), source="v")
    assert sorted((sid.removeprefix("v:"), q, v) for sid, q, v in batch.readings.select("station_id", "quantity", "value").rows()) == LANES
    assert batch.readings["ts"].unique().to_list() == [datetime(2026, 11, 26, 8, tzinfo=UTC)]  # the period's start
    assert batch.skipped == 1  # the lane whose period has no length
    assert batch.stations.select("station_id", "name", "theme").rows() == [
        ("v:urn:ngsi-ld:RoadSegment:menden-unnaer-strasse", "Unnaer Straße", "traffic"),
        ("v:road@51.43020,7.79050", "Hönnetalstraße", "traffic"),
    ]
    twice = ngsi_v2.parse(load(SDM / f"TrafficFlowObserved/CONSTRUCTED_lanes_{form}.json") * 2, source="v")
    assert_frame_equal(twice.readings, batch.readings, check_row_order=False)  # an entity listed twice counts once


def test_real_traffic_example_station_time_and_what_is_not_read():
    batch = ngsi_v2.parse(load(SDM / "TrafficFlowObserved/example-normalized.json"), source="v")
    assert batch.readings.select("ts", "quantity", "value").rows() == [(datetime(2016, 12, 7, 11, 10, tzinfo=UTC), "traffic_car", 2364.0)]
    station = batch.stations.row(0, named=True)
    assert (station["name"], station["district"], station["theme"]) == ("Avenida de Salamanca", "Valladolid", "traffic")
    assert (station["lat"], station["lon"]) == (pytest.approx(41.657821), pytest.approx(-4.735326))  # the line's mean vertex


CHARGING = {
    "menden-rathausplatz": {"charging_free": 1.0, "charging_occupied": 3.0},  # working
    "menden-bahnhof": {"charging_free": 2.0, "charging_occupied": 0.0},  # no status: working
    "menden-leitmecke": {"charging_out_of_service": 2.0},  # out of service: never occupied, nothing free
    "menden-lendringsen": {"charging_free": 2.0},  # withIncidence: what is not free may be broken
    "menden-boesperde": {},  # 3 free of 2: skipped and counted
}


@pytest.mark.parametrize("form", ["keyValues", "normalized"])
def test_charge_points_by_status(form):
    batch = ngsi_v2.parse((SDM / f"EVChargingStation/CONSTRUCTED_states_{form}.json").read_bytes(), source="ev")
    found = {sid.rsplit(":", 1)[1]: {} for sid in batch.stations["station_id"]}
    for sid, quantity, value in batch.readings.select("station_id", "quantity", "value").rows():
        found[sid.rsplit(":", 1)[1]][quantity] = value
    assert found == CHARGING
    assert batch.skipped == 1
    assert set(batch.readings["ts"]) == {datetime(2026, 11, 26, 8, tzinfo=UTC)}
    assert set(batch.stations["theme"]) == {"charging"}
    assert batch.stations.filter(station_id="ev:urn:ngsi-ld:EVChargingStation:menden-bahnhof")["name"].item() == "Ladepunkte Bahnhof"


def test_places_category_hours_and_occupancy():
    museum = ngsi_v2.parse(load(SDM / "Museum/example-normalized.json"), source="poi").stations.row(0, named=True)
    assert (museum["theme"], museum["category"], museum["district"]) == ("poi", "museum", "Barcelona")
    assert museum["opening_hours"].startswith("Mo 11:00-19:30; Tu 11:00-19:30")
    assert opening.is_open(museum["opening_hours"], datetime(2026, 11, 29, 14, 30)) is True  # a Sunday, 10:00-15:00
    assert opening.is_open(museum["opening_hours"], datetime(2026, 11, 29, 15, 30)) is False
    beach = load(SDM / "PointOfInterest/example-normalized.json")
    plain = ngsi_v2.parse(beach, source="poi")
    assert plain.stations.select("name", "category", "opening_hours").row(0) == ("Playa de a Concha", "beach", None)  # code 113
    assert len(plain) == 0 and plain.skipped == 1  # the occupancy has no time
    orion = {**beach, "dateModified": {"type": "DateTime", "value": "2026-07-01T12:00:00.000Z", "metadata": {}}}  # as Orion adds it
    assert ngsi_v2.parse(orion, source="poi").readings.select("quantity", "value").rows() == [("occupancy", pytest.approx(90.909091))]


def test_names_of_places_stay_text():
    name = '<img src=x onerror="alert(1)"> Café **Hönne**'
    batch = ngsi_v2.parse({"id": "p", "type": "Store", "name": name, "description": "<script>x</script>"}, source="poi")
    assert batch.stations["name"].item() == name  # kept as the feed sent it: the UI shows it as plain text


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


def test_fetch_lanes_and_charge_points_from_orion(feed_server, session):
    lanes = (SDM / "TrafficFlowObserved/CONSTRUCTED_lanes_normalized.json").read_bytes()
    feed_server.route("/v2/entities", lanes, query={"type": "TrafficFlowObserved"}, headers={"Fiware-Total-Count": "8"})
    batch = ngsi_v2.fetch(config(feed_server.url, types=["TrafficFlowObserved"], page_size=100), session)
    assert (
        sorted((sid.removeprefix("orion:"), q, v) for sid, q, v in batch.readings.select("station_id", "quantity", "value").rows()) == LANES
    )
    assert batch.skipped == 1 and len(feed_server.requests) == 1


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
