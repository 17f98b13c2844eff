"""Bright Sky adapter: the API examples (km/h!), SI units, forecasts, the DWD POI CSV, fetch against a local server."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from core.config import load_config
from data_sources import KINDS, brightsky
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable
from tests.data_sources.conftest import FIXTURES

HERE = FIXTURES / "brightsky_dwd"
EXAMPLES = FIXTURES.parent.parent / "config" / "examples"
UTC = UTC
MENDEN = {"lat": 51.4436, "lon": 7.7783}


def _read(name: str) -> bytes:
    return (HERE / name).read_bytes()


def _values(batch, station="dwd:01766"):
    return dict(batch.readings.filter(station_id=station).select("quantity", "value").rows())


def test_current_weather_converts_wind_from_kmh():
    batch = brightsky.parse(_read("brightsky_openapi_current_weather_example.json"), source="dwd")
    assert _values(batch) == {
        "temperature": 17.6,
        "humidity": 62.0,
        "pressure": 1013.6,
        "precipitation": 0.0,
        "wind_speed": pytest.approx(27.4 / 3.6),
    }  # 10-minute mean, km/h -> m/s
    assert set(batch.readings["ts"]) == {datetime(2023, 8, 7, 12, 30, tzinfo=UTC)}
    assert batch.stations.select("station_id", "name", "lat", "lon", "theme").rows() == [
        ("dwd:01766", "Muenster/Osnabrueck", 52.1344, 7.69686, "microclimate")
    ]


def test_hourly_weather_record_in_local_offset():
    batch = brightsky.parse(_read("brightsky_openapi_weather_example.json").decode(), source="dwd")
    assert _values(batch) == {
        "temperature": 17.6,
        "humidity": 60.0,
        "pressure": 1013.3,
        "precipitation": 0.0,
        "wind_speed": pytest.approx(33.8 / 3.6),
    }
    assert set(batch.readings["ts"]) == {datetime(2023, 8, 7, 12, 0, tzinfo=UTC)}


def test_synop_record_whose_source_id_is_not_in_sources():
    # the API's own example: record source_id 238685, sources [11695]; one source leaves no doubt
    batch = brightsky.parse(_read("brightsky_openapi_synop_example.json"), source="dwd")
    assert _values(batch)["wind_speed"] == pytest.approx(30.2 / 3.6)
    assert batch.skipped == 0


def test_si_units_forecasts_and_unknown_sources():
    payload = {
        "weather": [
            {
                "timestamp": "2024-07-01T12:00:00+00:00",
                "source_id": 1,
                "temperature": 298.15,
                "pressure_msl": 101500,
                "wind_speed": 4.5,
                "relative_humidity": 40,
            },
            {"timestamp": "2024-07-01T18:00:00+00:00", "source_id": 2, "temperature": 300.15},
            {"timestamp": "2024-07-01T12:00:00+00:00", "source_id": 3, "temperature": 280.0},
        ],
        "sources": [
            {"id": 1, "dwd_station_id": "03098", "observation_type": "current", "station_name": "Menden-Mitte"},
            {"id": 2, "dwd_station_id": None, "wmo_station_id": "P0335", "observation_type": "forecast"},
        ],
    }
    batch = brightsky.parse(payload, source="dwd", config={"units": "si"})
    assert _values(batch, "dwd:03098") == {"temperature": pytest.approx(25.0), "pressure": 1015.0, "wind_speed": 4.5, "humidity": 40.0}
    assert batch.stations["station_id"].to_list() == ["dwd:03098"]  # forecasts are not measurements
    assert batch.skipped == 1  # source 3 is not listed, and there are two sources


def test_dwd_poi_csv_with_decimal_comma_and_missing_values():
    batch = brightsky.parse(
        _read("dwd_poi_observations_current_01049_via_brightsky_tests.csv"),
        source="dwd",
        config={"name": "Menden (POI)", "lat": 51.44, "lon": 7.78},
    )
    counts = dict(batch.readings.group_by("quantity").len().rows())
    assert counts == {"temperature": 25, "humidity": 25, "pressure": 25, "wind_speed": 25, "precipitation": 24}  # one '---'
    at = lambda ts: dict(batch.readings.filter(ts=ts).select("quantity", "value").rows())  # noqa: E731
    assert at(datetime(2020, 4, 6, 8, 0, tzinfo=UTC)) == {
        "temperature": -3.1,
        "humidity": 59.0,
        "pressure": 1023.1,
        "wind_speed": pytest.approx(14 / 3.6),
        "precipitation": 0.0,
    }
    assert at(datetime(2020, 4, 5, 17, 0, tzinfo=UTC))["precipitation"] == 0.6
    assert batch.stations.select("station_id", "name", "lat", "lon").rows() == [("dwd:01049", "Menden (POI)", 51.44, 7.78)]


def test_text_that_is_neither_json_nor_poi_csv():
    with pytest.raises(FeedFormatError, match="POI"):
        brightsky.parse("a;b;c\n1;2;3\n", source="dwd")
    with pytest.raises(FeedFormatError, match="weather"):
        brightsky.parse({"title": "404 Not Found", "description": "No sources match your criteria"}, source="dwd")


def _cfg(server, **extra):
    return {"key": "dwd", "kind": "brightsky", "base_url": server.url, "timeout": 0.3, **MENDEN, **extra}


def _routes(server):
    server.route("/current_weather", _read("brightsky_openapi_current_weather_example.json"))
    server.route("/weather", _read("brightsky_openapi_weather_example.json"))


def test_fetch_current_and_hourly_at_menden(feed_server, session):
    _routes(feed_server)
    batch = brightsky.fetch(_cfg(feed_server), session)
    assert sorted(set(batch.readings["ts"])) == [datetime(2023, 8, 7, 12, 0, tzinfo=UTC), datetime(2023, 8, 7, 12, 30, tzinfo=UTC)]
    assert len(batch) == 10 and len(batch.stations) == 1
    (_, p1, current, _, _), (_, p2, hourly, _, _) = feed_server.requests
    assert (p1, current) == ("/current_weather", {"lat": "51.4436", "lon": "7.7783", "units": "dwd"})
    assert p2 == "/weather" and hourly["units"] == "dwd" and hourly["lat"] == "51.4436"
    span = datetime.fromisoformat(hourly["last_date"]) - datetime.fromisoformat(hourly["date"])
    assert abs(span - timedelta(hours=24)) < timedelta(seconds=5)  # first poll: the last day


def test_fetch_catches_up_since_the_last_reading_within_a_month(feed_server, session):
    _routes(feed_server)
    since = datetime.now(UTC) - timedelta(hours=5)
    brightsky.fetch(_cfg(feed_server), session, since=since)
    asked = datetime.fromisoformat(feed_server.requests[1][2]["date"])
    assert abs(asked - (since - timedelta(hours=2))) < timedelta(seconds=1)  # two hours of overlap for late records
    brightsky.fetch(_cfg(feed_server), session, since=datetime(2020, 1, 1))
    start = datetime.fromisoformat(feed_server.requests[3][2]["date"])
    assert timedelta(days=30) < datetime.now(UTC) - start < timedelta(days=31, seconds=2)


def test_fetch_config_errors(session):
    with pytest.raises(FeedFormatError, match="lat"):
        brightsky.fetch({"key": "dwd", "lat": 51.4}, session)
    with pytest.raises(FeedFormatError, match="units"):
        brightsky.fetch({"key": "dwd", **MENDEN, "units": "imperial"}, session)


FAILURES = {
    "500": ({"status": 500}, FeedUnavailable),
    "401": ({"status": 401}, FeedAuthError),
    "slow": ({"body": b"{}", "delay": 2.0}, FeedUnavailable),
    "html": ({"body": b"<html><body>Bad Gateway</body></html>", "headers": {"Content-Type": "text/html"}}, FeedFormatError),
    "truncated": ({"body": _read("brightsky_openapi_current_weather_example.json")[:300], "truncate": True}, FeedUnavailable),
    "no weather": ({"body": b'{"title": "400 Bad Request"}'}, FeedFormatError),
}


@pytest.mark.parametrize("case", FAILURES)
def test_fetch_failures_end_in_typed_errors_in_time(feed_server, session, case):
    route, error = FAILURES[case]
    feed_server.route("/current_weather", **route)
    feed_server.route("/weather", _read("brightsky_openapi_weather_example.json"))
    start = time.monotonic()
    with pytest.raises(error):
        brightsky.fetch(_cfg(feed_server), session)
    assert time.monotonic() - start < 3.0


def test_example_config_runs_against_the_local_server(feed_server, session):
    cfg = load_config(EXAMPLES / "brightsky.toml", kinds=KINDS).source("dwd")
    _routes(feed_server)
    assert len(brightsky.fetch({**cfg, "base_url": feed_server.url}, session)) == 10
    assert feed_server.requests[0][2] == {"lat": "51.4436", "lon": "7.7783", "units": "dwd"}
