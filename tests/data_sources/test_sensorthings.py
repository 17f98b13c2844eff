"""SensorThings adapter: Things/Datastreams/Observations shapes, units and names, nextLink paging against a local server."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from core.config import load_config
from data_sources import KINDS, sensorthings
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable
from tests.data_sources.conftest import FIXTURES

HERE = FIXTURES / "sensorthings"
EXAMPLES = FIXTURES.parent.parent / "config" / "examples"
UTC = UTC
ROOT = "/FROST-Server/v1.1"


def _read(name: str) -> bytes:
    return (HERE / name).read_bytes()


def _values(batch, station):
    return dict(batch.readings.filter(station_id=station).sort("ts").select("quantity", "value").rows())


def test_things_with_locations_datastreams_and_units():
    batch = sensorthings.parse(_read("things_expand_page1.json"), source="st")
    # l/s -> m³/s, km/h -> m/s; dew point is not ours; inHg does not convert and is skipped
    assert _values(batch, "st:11") == {"water_level": 58.2, "discharge": 3.15}
    assert _values(batch, "st:12") == {"temperature": 21.4, "humidity": 58.0, "wind_speed": 5.0}
    assert batch.skipped == 1
    times = dict(batch.readings.select("quantity", "ts").rows())
    assert times["water_level"] == datetime(2024, 6, 12, 9, 45, tzinfo=UTC)  # +02:00 to UTC
    assert times["temperature"] == datetime(2024, 6, 12, 9, 40, tzinfo=UTC)  # an interval counts at its end
    stations = {r["station_id"]: r for r in batch.stations.iter_rows(named=True)}
    assert (stations["st:11"]["lat"], stations["st:11"]["lon"], stations["st:11"]["theme"], stations["st:11"]["district"]) == (
        51.4405,
        7.7912,
        "water",
        "Innenstadt",
    )
    assert (stations["st:12"]["lat"], stations["st:12"]["lon"], stations["st:12"]["theme"]) == (
        51.4368,
        7.7702,
        "microclimate",
    )  # GeoJSON Feature


def test_config_maps_an_observed_property_the_table_does_not_know():
    assert len(sensorthings.parse(_read("things_expand_page2.json"), source="st")) == 0
    batch = sensorthings.parse(_read("things_expand_page2.json"), source="st", config={"observed_properties": {"Füllstand": "water_level"}})
    assert _values(batch, "st:rrb-lendringsen") == {"water_level": 125.0}  # m -> cm


def test_single_thing_without_expansions_is_a_station():
    batch = sensorthings.parse(_read("thing_single.json"), source="st")
    assert batch.stations.select("station_id", "name", "lat", "theme").rows() == [("st:5", "Kiosk-Bildschirm im Rathaus", None, "other")]


def test_datastreams_known_only_by_description_and_without_unit():
    batch = sensorthings.parse(_read("thing_expand_datastreams_observations_top1.json"), source="st")
    assert _values(batch, "st:17") == {"temperature": 21.6, "co2": 1240.0}
    assert batch.stations["theme"].to_list() == ["indoor_air"]


def test_spec_typo_values_and_a_datastream_without_observations():
    batch = sensorthings.parse(_read("things_values_typo.json"), source="st")
    assert len(batch) == 0
    assert batch.stations.select("name", "theme").rows() == [("Rathaus Sitzungssaal", "microclimate")]


def test_datastreams_with_their_thing_expanded():
    batch = sensorthings.parse(_read("datastreams_expand_thing.json"), source="st")
    assert _values(batch, "st:31") == {"pm10": 17.5}
    assert _values(batch, "st:datastream-202") == {"no2": 24.0}  # mg/m3 -> µg/m³; no Thing: the Datastream is the station
    assert batch.stations.filter(station_id="st:datastream-202")["name"].item() == "NO2 Bahnhof"


def test_bare_observations_need_their_datastream_from_config():
    batch = sensorthings.parse(_read("observation_entity.json"), source="st", config={"quantity": "humidity", "thing": "7"})
    assert batch.readings.select("station_id", "value", "ts").rows() == [("st:7", 70.4, datetime(2024, 12, 31, 3, 59, 59, tzinfo=UTC))]
    with pytest.raises(FeedFormatError, match="quantity"):
        sensorthings.parse(_read("observation_entity.json"), source="st")


def test_data_array_result_format():
    batch = sensorthings.parse(_read("observations_dataarray.json"), source="st", config={"quantity": "temperature", "thing": "1"})
    assert batch.readings.select("ts", "value").rows() == [
        (datetime(2024, 8, 5, 12, 20, tzinfo=UTC), 20.0),
        (datetime(2024, 8, 5, 12, 30, tzinfo=UTC), 30.0),
    ]
    assert batch.skipped == 2  # a null result and a row too short for its components


def _cfg(server, **extra):
    return {"key": "st", "kind": "sensorthings", "base_url": server.url + ROOT, "timeout": 0.3, **extra}


def _two_pages(server):
    server.route(f"{ROOT}/Things", _read("things_expand_page1.json"))
    server.route(f"{ROOT}/Things", _read("things_expand_page2.json"), query={"$skip": "2"})


def test_fetch_follows_next_links_rebased_onto_the_configured_host(feed_server, session):
    _two_pages(feed_server)
    batch = sensorthings.fetch(
        _cfg(feed_server, observed_properties={"Füllstand": "water_level"}, filter="properties/city eq 'Menden'"), session
    )
    assert sorted(batch.stations["station_id"]) == ["st:11", "st:12", "st:rrb-lendringsen"]
    first, second = feed_server.requests
    assert first[2]["$expand"] == "Locations,Datastreams($expand=ObservedProperty,Observations($orderby=phenomenonTime desc;$top=1))"
    assert first[2]["$filter"] == "properties/city eq 'Menden'"
    assert second[2]["$skip"] == "2"  # page 2 came from our server although the link named frost.internal


def test_fetch_catching_up_asks_for_a_window_and_follows_observation_pages(feed_server, session):
    _two_pages(feed_server)
    feed_server.route(f"{ROOT}/Datastreams(101)/Observations", _read("datastream_observations_page2.json"))
    since = datetime(2024, 6, 12, 9, 0, tzinfo=UTC)
    batch = sensorthings.fetch(_cfg(feed_server), session, since=since)
    assert "$top=100;$filter=phenomenonTime gt 2024-06-12T09:00:00Z)" in feed_server.requests[0][2]["$expand"]
    levels = batch.readings.filter(station_id="st:11", quantity="water_level").sort("ts")["value"].to_list()
    assert levels == [57.4, 57.9, 58.2]


def test_fetch_page_budget_and_link_loops(feed_server, session):
    _two_pages(feed_server)
    batch = sensorthings.fetch(_cfg(feed_server, max_pages=1), session)
    assert len(feed_server.requests) == 1 and "st:rrb-lendringsen" not in batch.stations["station_id"]
    feed_server.requests.clear()
    loop = json.loads(_read("things_expand_page2.json")) | {
        "@iot.nextLink": f"http://elsewhere{ROOT}/Things?$skip=2&$expand=Locations,Datastreams"
    }
    feed_server.route(f"{ROOT}/Things", json.dumps(loop), query={"$skip": "2"})
    sensorthings.fetch(_cfg(feed_server), session)
    assert len(feed_server.requests) == 2  # page 2 names itself as next: asked once


def test_fetch_needs_a_base_url(session):
    with pytest.raises(FeedFormatError, match="base_url"):
        sensorthings.fetch({"key": "st"}, session)


FAILURES = {
    "500": ({"status": 500}, FeedUnavailable),
    "401": ({"status": 401}, FeedAuthError),
    "slow": ({"body": b"{}", "delay": 2.0}, FeedUnavailable),
    "html": ({"body": b"<html><body>Tomcat error</body></html>", "headers": {"Content-Type": "text/html"}}, FeedFormatError),
    "truncated": ({"body": _read("things_expand_page1.json")[:700], "truncate": True}, FeedUnavailable),
    "list": ({"body": b"[1, 2]"}, FeedFormatError),
}


@pytest.mark.parametrize("case", FAILURES)
def test_fetch_failures_end_in_typed_errors_in_time(feed_server, session, case):
    route, error = FAILURES[case]
    feed_server.route(f"{ROOT}/Things", **route)
    start = time.monotonic()
    with pytest.raises(error):
        sensorthings.fetch(_cfg(feed_server), session, since=datetime.now(UTC) - timedelta(hours=1))
    assert time.monotonic() - start < 3.0


def test_example_config_runs_against_the_local_server(feed_server, session):
    cfg = load_config(EXAMPLES / "sensorthings.toml", kinds=KINDS).source("sta")
    _two_pages(feed_server)
    batch = sensorthings.fetch({**cfg, "base_url": feed_server.url + ROOT}, session)
    assert batch.readings.filter(station_id="sta:rrb-lendringsen")["value"].to_list() == [125.0]  # "Füllstand" from the example
