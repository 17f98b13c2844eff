"""QuantumLeap: both published answer shapes and the other endpoints' shapes, then history fetch against a local stand-in."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from polars.testing import assert_frame_equal

from core.config import ROOT, load_config
from data_sources import KINDS, ngsi_v2, quantumleap
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable
from tests.data_sources.conftest import FIXTURES

APIS = FIXTURES / "fiware_apis"
SDM = FIXTURES / "smart_data_models"
HISTORY = FIXTURES / "quantumleap_sdm"
UTC = UTC
LAMPS = {"attributes": {"luminosity": "illuminance"}}


def rows(batch):
    return batch.readings.sort("station_id", "quantity", "ts").select("station_id", "quantity", "ts", "value").rows()


def test_spec_example_id_type_shape_with_several_attributes():
    payload = (APIS / "quantumleap_spec_v2_entities_entityId_example.json").read_bytes()
    batch = quantumleap.parse(payload, source="ql")
    days = [
        datetime(2018, 1, 5, 15, 44, 34, tzinfo=UTC),
        datetime(2018, 1, 6, 15, 44, 59, tzinfo=UTC),
        datetime(2018, 1, 7, 15, 44, 59, tzinfo=UTC),
    ]
    assert rows(batch) == [("ql:Kitchen1", "temperature", ts, v) for ts, v in zip(days, [24.1, 25.3, 26.7])]
    assert batch.skipped == 3  # "pressure" 1.01 is no air pressure in hPa
    assert batch.stations.select("station_id", "name", "theme").row(0) == ("ql:Kitchen1", "Kitchen1", "microclimate")
    in_bar = quantumleap.parse(payload, source="ql", config={"attributes": {"pressure": {"quantity": "pressure", "unit": "BAR"}}})
    assert in_bar.readings.filter(quantity="pressure")["value"].to_list() == [1010.0, 900.0, 1020.0]


def test_tutorial_data_wrapper_with_entity_id():
    payload = (APIS / "quantumleap_tutorial_v2_entities_attr_lastN_response.json").read_text()
    unmapped = quantumleap.parse(payload, source="ql")
    assert len(unmapped) == 0 and unmapped.skipped == 0 and unmapped.stations["station_id"].to_list() == ["ql:Lamp:001"]
    batch = quantumleap.parse(payload, source="ql", config=LAMPS)
    assert [r[3] for r in rows(batch)] == [2000.0, 1991.0, 1998.0]
    assert rows(batch)[0][2] == datetime(2018, 10, 29, 14, 27, 26, tzinfo=UTC)  # naive index: UTC


def test_tutorial_per_type_answer_with_many_entities():
    payload = json.loads((APIS / "quantumleap_tutorial_v2_types_attr_geo_response.json").read_bytes())
    batch = quantumleap.parse(payload, source="ql", config=LAMPS)
    assert [(r[0], r[3]) for r in rows(batch)] == [
        ("ql:Lamp:001", 999.0),
        ("ql:Lamp:001", 999.0),
        ("ql:Lamp:004", 948.0),
        ("ql:Lamp:004", 948.0),
    ]
    assert rows(batch)[0][2] == datetime(2018, 12, 13, 16, 35, 58, 284000, tzinfo=UTC)


def test_schema_shape_entity_id_type_epoch_ms_nulls_and_location():
    answer = {
        "entityType": "WeatherObserved",
        "entities": [
            {
                "entityId": "urn:ngsi-ld:WeatherObserved:menden-1",
                "index": [1719835200000, 1719838800000],
                "attributes": [
                    {"attrName": "temperature", "values": [20.5, None]},
                    {"attrName": "relativeHumidity", "values": [0.5, "0.6"]},
                    {"attrName": "location", "values": [None, {"type": "Point", "coordinates": [7.7783, 51.4436]}]},
                    {"attrName": "windSpeed", "values": ["calm", 3.0]},
                ],
            }
        ],
    }
    batch = quantumleap.parse(answer, source="ql")
    t0, t1 = datetime(2024, 7, 1, 12, tzinfo=UTC), datetime(2024, 7, 1, 13, tzinfo=UTC)
    sid = "ql:urn:ngsi-ld:WeatherObserved:menden-1"
    assert rows(batch) == [
        (sid, "humidity", t0, 50.0),
        (sid, "humidity", t1, 60.0),
        (sid, "temperature", t0, 20.5),
        (sid, "wind_speed", t1, 3.0),
    ]
    assert batch.skipped == 1  # "calm"; the null temperature is no record
    assert batch.stations.select("lat", "lon", "theme").row(0) == (51.4436, 7.7783, "microclimate")


def test_values_only_and_per_attribute_shapes():
    by_attr = {
        "attrs": [
            {
                "attrName": "temperature",
                "types": [
                    {
                        "entityType": "Room",
                        "entities": [
                            {"entityId": "r1", "index": ["2024-07-01T12:00:00"], "values": [21.0]},
                            {"entityId": "r2", "index": ["2024-07-01T12:00:00"], "values": [22.0]},
                        ],
                    }
                ],
            }
        ]
    }
    assert [r[3] for r in rows(quantumleap.parse(by_attr, source="ql"))] == [21.0, 22.0]
    entity_value = {"index": ["2024-07-01T12:00:00"], "values": [{"attrName": "temperature", "values": [21.0]}]}
    assert quantumleap.parse(entity_value, source="ql").skipped == 1  # /value answers do not name the entity
    many = [
        {"id": "a", "index": ["2024-07-01T12:00:00"], "attributes": [{"attrName": "co2", "values": [650]}]},
        {"id": "b", "index": ["2024-07-01T12:00:00"], "attributes": [{"attrName": "co2", "values": [1450]}]},
    ]
    batch = quantumleap.parse(json.dumps(many), source="ql")
    assert [r[3] for r in rows(batch)] == [650.0, 1450.0]
    assert batch.stations["theme"].unique().to_list() == ["indoor_air"]


def test_broken_records_are_skipped_and_counted():
    good = {"entityId": "t", "attrName": "temperature", "index": ["2024-07-01T12:00:00"], "values": [19.0]}
    deep = [[[[[[[[{"entityId": "d"}]]]]]]]]
    broken = [
        {"id": 1},  # nothing QuantumLeap-like
        {"entityId": "m", "attrName": "temperature", "index": ["2024-07-01T12:00:00", "2024-07-01T13:00:00"], "values": [1.0]},
        {"entityId": 5, "attrName": "temperature", "index": [], "values": []},
        {"entityId": "n", "attrName": "temperature", "index": ["not a time"], "values": [1.0]},
        {"entityId": "o", "index": ["2024-07-01T12:00:00"], "attributes": [3, {"attrName": "co2", "values": {"x": 1}}]},
        3,
        deep,
        good,
    ]
    batch = quantumleap.parse(broken, source="j")
    assert rows(batch) == [("j:t", "temperature", datetime(2024, 7, 1, 12, tzinfo=UTC), 19.0)]
    assert batch.skipped == 8
    assert len(quantumleap.parse([], source="j")) == 0


def history(entity, stamps):
    """An entity in keyValues form as QuantumLeap holds it after Orion notified it at ``stamps``."""
    attrs = [{"attrName": k, "values": [v] * len(stamps)} for k, v in entity.items() if k not in ("id", "type", "@context")]
    return {"entityType": entity["type"], "entities": [{"entityId": entity["id"], "index": stamps, "attributes": attrs}]}


NOTIFIED = "2026-11-26T08:00:00"
# The published keyValues examples from history: what NGSI-v2 reads, and the index is a time for the place's occupancy.
FROM_HISTORY = {
    "NoiseLevelObserved/example.json": ({"noise": 67.8, "noise_max": 94.5}, datetime(2016, 12, 28, 12, tzinfo=UTC)),
    "TrafficFlowObserved/example.json": ({"traffic_car": 2364.0}, datetime(2016, 12, 7, 11, 10, tzinfo=UTC)),
    "EVChargingStation/example.json": ({}, None),
    "PointOfInterest/example.json": ({"occupancy": pytest.approx(90.909091)}, datetime(2026, 11, 26, 8, tzinfo=UTC)),
    "Museum/example.json": ({}, None),
}


@pytest.mark.parametrize("name", sorted(FROM_HISTORY))
def test_published_examples_from_history(name):
    entity = json.loads((SDM / name).read_bytes())
    batch = quantumleap.parse(history(entity, [NOTIFIED]), source="ql")
    expected, ts = FROM_HISTORY[name]
    assert dict(batch.readings.select("quantity", "value").rows()) == expected
    assert batch.readings["ts"].unique().to_list() == ([ts] if ts else [])
    assert batch.skipped == 0
    live = ngsi_v2.parse(entity, source="ql").stations
    assert_frame_equal(batch.stations, live)  # the same station, place, category and hours as from the broker


def test_noise_history_counts_at_each_period_end_not_at_arrival():
    batch = quantumleap.parse((HISTORY / "types_NoiseLevelObserved.json").read_bytes(), source="ql")
    assert rows(batch) == [
        ("ql:Vitoria-NoiseLevelObserved-2016-12-28T11:00:00_2016-12-28T12:00:00", "noise", datetime(2016, 12, 28, 12, tzinfo=UTC), 67.8),
        ("ql:Vitoria-NoiseLevelObserved-2016-12-28T11:00:00_2016-12-28T12:00:00", "noise", datetime(2016, 12, 28, 13, tzinfo=UTC), 64.2),
        (
            "ql:Vitoria-NoiseLevelObserved-2016-12-28T11:00:00_2016-12-28T12:00:00",
            "noise_max",
            datetime(2016, 12, 28, 12, tzinfo=UTC),
            94.5,
        ),
        (
            "ql:Vitoria-NoiseLevelObserved-2016-12-28T11:00:00_2016-12-28T12:00:00",
            "noise_max",
            datetime(2016, 12, 28, 13, tzinfo=UTC),
            88.0,
        ),
    ]
    assert batch.stations["theme"].to_list() == ["noise"]


def test_traffic_history_sums_lanes_per_period():
    batch = quantumleap.parse((HISTORY / "types_TrafficFlowObserved.json").read_bytes(), source="ql")
    road, t0, t1 = (
        "ql:urn:ngsi-ld:RoadSegment:menden-unnaer-strasse",
        datetime(2026, 11, 26, 8, tzinfo=UTC),
        datetime(2026, 11, 26, 8, 5, tzinfo=UTC),
    )
    assert rows(batch) == [
        (road, "traffic_car", t0, 1260.0),  # (60 + 45) × 12
        (road, "traffic_car", t1, 1332.0),  # (72 + 39) × 12
        (road, "traffic_heavy", t0, 72.0),
        (road, "traffic_heavy", t1, 0.0),
    ]
    assert batch.stations.select("station_id", "name", "theme").rows() == [(road, "Unnaer Straße", "traffic")]
    # a lane whose history lacks the road in one record still counts at that road (its newest one)
    answer = json.loads((HISTORY / "types_TrafficFlowObserved.json").read_bytes())
    for attr in answer["entities"][0]["attributes"]:
        if attr["attrName"] in ("refRoadSegment", "location"):
            attr["values"][1] = None
    assert rows(quantumleap.parse(answer, source="ql")) == rows(batch)


def test_charging_history_by_status():
    batch = quantumleap.parse((HISTORY / "types_EVChargingStation.json").read_bytes(), source="ql")
    at = [datetime(2026, 11, 26, 8, m, tzinfo=UTC) for m in (0, 15, 30)]
    assert [r[1:] for r in rows(batch)] == [
        ("charging_free", at[0], 1.0),
        ("charging_free", at[1], 0.0),  # full
        ("charging_occupied", at[0], 3.0),
        ("charging_occupied", at[1], 4.0),
        ("charging_out_of_service", at[2], 4.0),  # and neither free nor occupied then
    ]


def test_places_from_history():
    batch = quantumleap.parse((HISTORY / "types_PointOfInterest_Museum.json").read_bytes(), source="ql")
    assert batch.stations.select("name", "theme", "category").rows() == [
        ("Playa de a Concha", "poi", "beach"),
        ("Museo de Arte Contemporaneo de Barcelona", "poi", "museum"),
    ]
    assert batch.stations["opening_hours"].to_list()[1].startswith("Mo 11:00-19:30")
    assert batch.readings.select("quantity", "value").rows() == [("occupancy", pytest.approx(90.909091))]


def series(entity, stamps, values):
    return json.dumps(
        {
            "entityType": "WeatherObserved",
            "entities": [{"entityId": entity, "index": stamps, "attributes": [{"attrName": "temperature", "values": values}]}],
        }
    )


def config(url, **extra):
    return {
        "key": "ql",
        "kind": "quantumleap",
        "base_url": url,
        "types": ["WeatherObserved"],
        "service": "menden",
        "service_path": "/umwelt",
        "page_size": 2,
        "timeout": 2,
        **extra,
    }


def test_fetch_since_pages_by_records_and_sends_tenant(feed_server, session):
    path = "/v2/types/WeatherObserved"
    feed_server.route(path, series("w1", ["2024-07-01T12:00:00", "2024-07-01T12:10:00"], [20.0, 20.5]), query={"offset": 0})
    feed_server.route(path, series("w1", ["2024-07-01T12:20:00"], [21.0]), query={"offset": 2})
    since = datetime.now(UTC) - timedelta(hours=2)
    batch = quantumleap.fetch(config(feed_server.url, attrs=["temperature", "relativeHumidity"]), session, since=since)
    assert [r[3] for r in rows(batch)] == [20.0, 20.5, 21.0]
    assert [r[2]["offset"] for r in feed_server.requests] == ["0", "2"]
    _, _, query, headers, _ = feed_server.requests[0]
    assert query == {"fromDate": since.strftime("%Y-%m-%dT%H:%M:%S"), "attrs": "temperature,relativeHumidity", "limit": "2", "offset": "0"}
    assert (headers["Fiware-Service"], headers["Fiware-ServicePath"]) == ("menden", "/umwelt")


def test_fetch_long_windows_are_aggregated_by_the_platform(feed_server, session):
    feed_server.route("/v2/types/WeatherObserved", series("w1", ["2024-07-01T12:00:00"], [20.0]))
    now = datetime.now(UTC)
    attrs = ["temperature", "location", "status", "windSpeed"]
    quantumleap.fetch(config(feed_server.url, attrs=attrs), session)  # first poll: the last max_days, hourly means
    first = feed_server.requests[-1][2]
    # QuantumLeap cannot average a location or a text: only the numeric attributes are asked for
    assert (first["aggrMethod"], first["aggrPeriod"], first["attrs"]) == ("avg", "hour", "temperature,windSpeed")
    start = datetime.fromisoformat(first["fromDate"]).replace(tzinfo=UTC)
    assert abs(start - (now - timedelta(days=7))) < timedelta(seconds=5)
    quantumleap.fetch(config(feed_server.url, attrs=attrs), session, since=now - timedelta(days=90))  # bounded by max_days
    assert abs(datetime.fromisoformat(feed_server.requests[-1][2]["fromDate"]).replace(tzinfo=UTC) - start) < timedelta(seconds=5)
    quantumleap.fetch(config(feed_server.url, attrs=attrs, max_days=60), session)
    assert feed_server.requests[-1][2]["aggrPeriod"] == "day"
    quantumleap.fetch(config(feed_server.url, attrs=attrs, aggregate="none"), session)
    assert feed_server.requests[-1][2]["attrs"] == ",".join(attrs) and "aggrMethod" not in feed_server.requests[-1][2]
    quantumleap.fetch(config(feed_server.url), session)  # no attrs: QuantumLeap would refuse a mean, so raw
    assert "aggrMethod" not in feed_server.requests[-1][2] and "attrs" not in feed_server.requests[-1][2]


def test_fetch_sound_levels_and_counts_are_never_averaged(feed_server, session):
    feed_server.route("/v2/types/TrafficFlowObserved", (HISTORY / "types_TrafficFlowObserved.json").read_bytes())
    attrs = ["intensity", "vehicleType", "dateObservedFrom", "dateObservedTo", "refRoadSegment", "averageVehicleSpeed"]
    batch = quantumleap.fetch(config(feed_server.url, types=["TrafficFlowObserved"], attrs=attrs, page_size=1000), session)
    assert len(batch) == 4 and "aggrMethod" not in feed_server.requests[-1][2]  # a mean count has lost its period
    quantumleap.fetch(config(feed_server.url, attrs=["temperature", "LAeq"]), session)
    assert "aggrMethod" not in feed_server.requests[-1][2]  # a mean of decibels is no sound level
    quantumleap.fetch(config(feed_server.url, attrs=["temperature", "availableCapacity"]), session)
    assert "aggrMethod" not in feed_server.requests[-1][2]
    quantumleap.fetch(config(feed_server.url, attrs=["temperature", "occupancy"]), session)
    assert feed_server.requests[-1][2]["aggrMethod"] == "avg"  # parking occupancy and temperature average well


def test_fetch_entities_and_empty_windows(feed_server, session):
    feed_server.route(
        "/v2/entities/urn:ngsi-ld:WeatherObserved:a",
        status=404,
        body='{"error": "Not Found", "description": "No records were found for such query."}',
    )
    feed_server.route(
        "/v2/entities/urn:ngsi-ld:WeatherObserved:b",
        json.dumps(
            {
                "entityId": "urn:ngsi-ld:WeatherObserved:b",
                "entityType": "WeatherObserved",
                "index": ["2024-07-01T12:00:00"],
                "attributes": [{"attrName": "temperature", "values": [17.5]}],
            }
        ),
    )
    cfg = config(
        feed_server.url, entities=["urn:ngsi-ld:WeatherObserved:a", "urn:ngsi-ld:WeatherObserved:b"], entity_type="WeatherObserved"
    )
    del cfg["types"]
    batch = quantumleap.fetch(cfg, session, since=datetime.now(UTC) - timedelta(minutes=30))
    assert [(r[0], r[3]) for r in rows(batch)] == [("ql:urn:ngsi-ld:WeatherObserved:b", 17.5)]
    assert [r[2]["type"] for r in feed_server.requests] == ["WeatherObserved", "WeatherObserved"]


@pytest.mark.parametrize(
    ("route", "error"),
    [
        ({"status": 500}, FeedUnavailable),
        ({"status": 401}, FeedAuthError),
        ({"body": "{}", "delay": 2.0}, FeedUnavailable),
        ({"body": "<html>QuantumLeap is down</html>", "headers": {"Content-Type": "text/html"}}, FeedFormatError),
        ({"body": '{"entityId": "a", "index": [', "truncate": True}, FeedUnavailable),
    ],
)
def test_fetch_failures_are_typed_and_bounded(feed_server, session, route, error):
    feed_server.route("/v2/types/WeatherObserved", **route)
    start = time.monotonic()
    with pytest.raises(error):
        quantumleap.fetch(config(feed_server.url, timeout=0.3), session)
    assert time.monotonic() - start < 3.0


def test_fetch_config_errors(session):
    cfg = config("http://127.0.0.1:9")
    with pytest.raises(FeedFormatError, match="types"):
        quantumleap.fetch({**cfg, "types": []}, session)
    with pytest.raises(FeedFormatError, match="aggregate"):
        quantumleap.fetch({**cfg, "aggregate": "weekly"}, session)
    with pytest.raises(FeedFormatError, match="entities"):
        quantumleap.fetch({**cfg, "entities": [3]}, session)


def test_example_config_loads_and_fetches(feed_server, session, monkeypatch):
    source = load_config(ROOT / "config" / "examples" / "quantumleap.toml", kinds=KINDS).sources[0]
    for kind in source["types"]:
        feed_server.route(f"/v2/types/{kind}", series(f"{kind}-1", ["2024-07-01T12:00:00"], [12.5]))
    batch = quantumleap.fetch({**source, "base_url": feed_server.url}, session)
    assert batch.readings["value"].to_list() == [12.5, 12.5]
    assert feed_server.requests[0][2]["attrs"] == ",".join(a for a in source["attrs"] if a != "location")  # first poll: means
