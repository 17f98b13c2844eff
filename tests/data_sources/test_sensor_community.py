"""Sensor.Community adapter: data.json records in an area, the airrohr device push, fetch via the area filter."""

import time
from datetime import UTC, datetime

import pytest

from core.config import load_config
from data_sources import KINDS, sensor_community
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable
from tests.data_sources.conftest import FIXTURES

HERE = FIXTURES / "sensor_community"
EXAMPLES = FIXTURES.parent.parent / "config" / "examples"
UTC = UTC
MENDEN = [51.4436, 7.7783, 5]


def _records() -> bytes:
    return (HERE / "data_json_area_menden.json").read_bytes()


def _values(batch, station):
    return dict(batch.readings.filter(station_id=station).select("quantity", "value").rows())


def test_records_in_the_area_grouped_by_location():
    batch = sensor_community.parse(_records(), source="sc", config={"area": MENDEN})
    # SDS011 and BME280 at location 40101 are one station; BME280 pressure comes in Pa
    assert _values(batch, "sc:40101") == {
        "pm10": 12.4,
        "pm2_5": 7.05,
        "temperature": 18.63,
        "humidity": 64.2,
        "pressure": pytest.approx(1008.1244),
    }
    assert _values(batch, "sc:40117") == {"temperature": 19.1}  # its humidity "" is skipped
    assert batch.skipped == 1
    # the indoor sensor (40125) and Berlin (1071) are not in Menden's outdoor air
    assert sorted(batch.stations["station_id"]) == ["sc:40101", "sc:40117"]
    assert dict(batch.stations.select("station_id", "theme").rows()) == {"sc:40101": "air_quality", "sc:40117": "microclimate"}
    # naive timestamps are UTC; coordinates are strings
    assert batch.readings.filter(station_id="sc:40117")["ts"].item() == datetime(2024, 6, 12, 9, 40, 58, tzinfo=UTC)
    assert batch.stations.filter(station_id="sc:40117").select("lat", "lon").row(0) == (51.4291, 7.7957)


def test_without_area_every_outdoor_record_counts_and_stations_can_be_sensors():
    batch = sensor_community.parse(_records().decode(), source="sc", config={"station_by": "sensor", "include_indoor": True})
    assert sorted(batch.stations["station_id"]) == ["sc:2129", "sc:80201", "sc:80202", "sc:80233", "sc:80250"]
    assert batch.stations.filter(station_id="sc:80202")["name"].item() == "BME280 80202"


def test_airrohr_device_push_with_prefixed_value_types():
    payload = (HERE / "airrohr_device_push.json").read_bytes()
    batch = sensor_community.parse(payload, source="sc", config={"received_at": "2024-06-12T11:41:00+02:00", "lat": 51.44, "lon": 7.78})
    assert _values(batch, "sc:esp8266-15893402") == {
        "pm10": 21.35,
        "pm2_5": 9.8,
        "temperature": -1.47,
        "humidity": 81.02,
        "pressure": pytest.approx(998.7413),
    }
    assert set(batch.readings["ts"]) == {datetime(2024, 6, 12, 9, 41, tzinfo=UTC)}
    assert batch.stations.select("lat", "lon").row(0) == (51.44, 7.78)


def test_device_push_without_time_is_stamped_on_arrival():
    before = datetime.now(UTC)
    batch = sensor_community.parse((HERE / "airrohr_device_push.json").read_bytes(), source="sc")
    assert before <= batch.readings["ts"].min() <= datetime.now(UTC)


def _dnms() -> bytes:
    return (HERE / "data_json_dnms_menden.json").read_bytes()


def test_dnms_noise_sensors_give_laeq_and_the_maximum():
    batch = sensor_community.parse(_dnms(), source="sc", config={"area": MENDEN})
    assert _values(batch, "sc:40133") == {"noise": 58.31, "noise_max": 79.84}  # noise_LA_min is not read
    assert batch.readings.filter(station_id="sc:40133")["ts"].unique().to_list() == [datetime(2024, 6, 12, 9, 41, 10, tzinfo=UTC)]
    # the firmware's -1 (an error, not a level): LAeq and LA_max dropped and counted; LA_min is no quantity, so not counted
    assert _values(batch, "sc:40134") == {}
    assert batch.skipped == 2
    # every DNMS location is a noise station, also the one that only sent errors
    assert dict(batch.stations.select("station_id", "theme").rows())["sc:40133"] == "noise"
    assert dict(batch.stations.select("station_id", "theme").rows())["sc:40134"] == "noise"
    # a DNMS beside an SDS011 at one location: one station with both
    assert _values(batch, "sc:40101") == {"pm10": 12.4, "pm2_5": 7.05, "noise": 47.5, "noise_max": 61.2}
    by_sensor = sensor_community.parse(_dnms(), source="sc", config={"area": MENDEN, "station_by": "sensor"})
    assert by_sensor.stations.filter(station_id="sc:80290")["name"].item() == "DNMS (Laerm) 80290"


def test_dnms_values_from_the_airrohr_push():
    push = {
        "esp8266id": "15893411",
        "software_version": "NRZ-2020-133",
        "sensordatavalues": [
            {"value_type": "DNMS_noise_LAeq", "value": "55.02"},
            {"value_type": "DNMS_noise_LA_min", "value": "44.10"},
            {"value_type": "DNMS_noise_LA_max", "value": "-1"},
            {"value_type": "signal", "value": "-71"},
        ],
    }
    batch = sensor_community.parse(push, source="sc", config={"received_at": "2024-06-12T09:41:00Z"})
    assert _values(batch, "sc:esp8266-15893411") == {"noise": 55.02}
    assert batch.skipped == 1  # the -1 maximum


def test_a_broken_area_is_a_feed_error():
    with pytest.raises(FeedFormatError, match="area"):
        sensor_community.parse(_records(), source="sc", config={"area": [51.4, "east", 5]})


def _cfg(server, **extra):
    return {"key": "sc", "kind": "sensor_community", "base_url": server.url, "timeout": 0.3, **extra}


def test_fetch_uses_the_area_filter_and_filters_again_locally(feed_server, session):
    feed_server.route("/airrohr/v1/filter/area=51.4436,7.7783,5", _records())
    batch = sensor_community.fetch(_cfg(feed_server, area=MENDEN), session)
    assert sorted(batch.stations["station_id"]) == ["sc:40101", "sc:40117"]
    assert feed_server.requests[0][1] == "/airrohr/v1/filter/area=51.4436,7.7783,5"


def test_fetch_a_data_json_url(feed_server, session):
    feed_server.route("/static/v2/data.json", _records())
    batch = sensor_community.fetch(_cfg(feed_server, url=feed_server.url + "/static/v2/data.json", area=MENDEN), session)
    assert len(batch) == 6


def test_fetch_needs_an_area_or_a_url(session):
    with pytest.raises(FeedFormatError, match="area"):
        sensor_community.fetch({"key": "sc"}, session)


FAILURES = {
    "500": ({"status": 500}, FeedUnavailable),
    "403": ({"status": 403}, FeedAuthError),
    "slow": ({"body": b"[]", "delay": 2.0}, FeedUnavailable),
    "html": ({"body": b"<html><body>Service Unavailable</body></html>", "headers": {"Content-Type": "text/html"}}, FeedFormatError),
    "truncated": ({"body": _records()[:300], "truncate": True}, FeedUnavailable),
    "object": ({"body": b'{"detail": "Not found."}'}, FeedFormatError),
}


@pytest.mark.parametrize("case", FAILURES)
def test_fetch_failures_end_in_typed_errors_in_time(feed_server, session, case):
    route, error = FAILURES[case]
    feed_server.route("/airrohr/v1/filter/area=51.4436,7.7783,5", **route)
    start = time.monotonic()
    with pytest.raises(error):
        sensor_community.fetch(_cfg(feed_server, area=MENDEN), session)
    assert time.monotonic() - start < 3.0


def test_example_config_runs_against_the_local_server(feed_server, session):
    cfg = load_config(EXAMPLES / "sensor_community.toml", kinds=KINDS).source("luftdaten")
    feed_server.route("/airrohr/v1/filter/area=51.4436,7.7783,6", _records())
    batch = sensor_community.fetch({**cfg, "base_url": feed_server.url}, session)
    assert sorted(batch.stations["station_id"]) == ["luftdaten:40101", "luftdaten:40117"]
