"""openSenseMap adapter: sensor mapping by unit and name on the API examples, fetch by ids and bbox."""

import time
from datetime import UTC, datetime

import pytest

from core.config import load_config
from data_sources import KINDS, opensensemap
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable
from tests.data_sources.conftest import FIXTURES

HERE = FIXTURES / "opensensemap"
EXAMPLES = FIXTURES.parent.parent / "config" / "examples"
UTC = UTC
BOX = "57000b8745fd40c8196ad04c"


def _values(batch, station):
    return dict(batch.readings.filter(station_id=station).select("quantity", "value").rows())


def test_one_box_maps_sensors_by_unit_and_german_title():
    batch = opensensemap.parse((HERE / "osm_apidoc_GET_boxes_id_response.json").read_bytes(), source="osm")
    # UV (μW/cm²), WiFi (dBm) and the supply voltage are not ours; values arrive as strings
    assert _values(batch, f"osm:{BOX}") == {"illuminance": 0.0, "pressure": 1019.21, "humidity": 99.38, "temperature": 0.21}
    assert set(batch.readings["ts"]) == {datetime(2016, 11, 11, 21, 22, 1, 675000, tzinfo=UTC)}
    station = batch.stations.row(0, named=True)
    assert (station["name"], station["lat"], station["lon"], station["theme"]) == (
        "Oststr/Mauritzsteinpfad",
        51.962372,
        7.64568,
        "microclimate",
    )
    assert batch.skipped == 0


def test_minimal_box_list_gives_stations_without_readings():
    batch = opensensemap.parse((HERE / "osm_apidoc_GET_boxes_minimal_response.json").read_text(), source="osm")
    assert len(batch) == 0
    assert batch.stations.sort("name").select("name", "lat", "lon").rows() == [
        ("BabCity", 51.936062, 4.78833),
        ("Lucht sensor", 51.426135, 5.38517),
    ]


def test_bbox_list_with_pm_pascal_noise_soil_and_unpopulated_measurements():
    batch = opensensemap.parse((HERE / "boxes_bbox_full_menden.json").read_bytes(), source="osm")
    balcony, school, old = (f"osm:64a0f0f0f0f0f0f0f0f0000{i}" for i in (1, 2, 3))
    assert _values(batch, balcony) == {
        "pm10": 14.2,
        "pm2_5": 8.9,
        "temperature": 19.31,
        "humidity": 61.02,
        "pressure": pytest.approx(1008.45),
    }
    # "n/a" is skipped; soil temperature and UV are not ours; lastMeasurement as a bare id is not populated
    assert _values(batch, school) == {"noise": 48.7, "soil_moisture": 23.5}
    assert batch.skipped == 1
    themes = dict(batch.stations.select("station_id", "theme").rows())
    assert themes == {balcony: "air_quality", school: "soil", old: "microclimate"}
    assert batch.stations.filter(station_id=old).select("lat", "lon").row(0) == (51.452, 7.801)  # old API: loc[0].geometry
    assert batch.stations.filter(station_id=balcony)["name"].item() == "Balkon Lendringser Str. <script>alert(1)</script>"


def test_unit_alone_for_unambiguous_units_and_config_for_free_titles():
    at = {"createdAt": "2024-01-01T00:00:00Z"}
    box = {
        "_id": "b1",
        "name": "x",
        "sensors": [
            {"title": "Außen", "unit": "Grad C", "lastMeasurement": {"value": "3.5", **at}},  # °C says it all
            {"title": "Kanal 2", "unit": "%", "lastMeasurement": {"value": "71", **at}},  # % could be air or soil
            {"title": "Regenmenge", "unit": "l/m²", "lastMeasurement": {"value": "1.2", **at}},
        ],
    }
    assert _values(opensensemap.parse(box, source="o"), "o:b1") == {"temperature": 3.5, "precipitation": 1.2}
    mapped = opensensemap.parse(box, source="o", config={"sensors": {"kanal 2": "humidity"}})
    assert _values(mapped, "o:b1") == {"temperature": 3.5, "humidity": 71.0, "precipitation": 1.2}


def test_a_measurement_history_answer_is_not_a_box():
    with pytest.raises(FeedFormatError, match="senseBox"):
        opensensemap.parse((HERE / "osm_apidoc_GET_boxes_id_data_sensorId_response.json").read_bytes(), source="osm")


def _cfg(server, **extra):
    return {"key": "osm", "kind": "opensensemap", "base_url": server.url, "timeout": 0.3, **extra}


def test_fetch_boxes_by_id(feed_server, session):
    feed_server.route(f"/boxes/{BOX}", (HERE / "osm_apidoc_GET_boxes_id_response.json").read_bytes())
    batch = opensensemap.fetch(_cfg(feed_server, boxes=[BOX]), session)
    assert len(batch) == 4 and batch.stations["station_id"].to_list() == [f"osm:{BOX}"]


def test_fetch_bbox_asks_for_outdoor_boxes_with_measurements(feed_server, session):
    feed_server.route("/boxes", (HERE / "boxes_bbox_full_menden.json").read_bytes())
    batch = opensensemap.fetch(_cfg(feed_server, bbox=[7.70, 51.40, 7.85, 51.48]), session)
    assert len(batch) == 7 and len(batch.stations) == 3
    query = feed_server.requests[0][2]
    assert query == {"bbox": "7.7,51.4,7.85,51.48", "full": "true", "exposure": "outdoor"}


def test_fetch_needs_boxes_or_bbox(session):
    with pytest.raises(FeedFormatError, match="bbox"):
        opensensemap.fetch({"key": "osm"}, session)
    with pytest.raises(FeedFormatError, match="bbox"):
        opensensemap.fetch({"key": "osm", "bbox": [1, 2, 3]}, session)


FAILURES = {
    "500": ({"status": 500}, FeedUnavailable),
    "401": ({"status": 401}, FeedAuthError),
    "slow": ({"body": b"[]", "delay": 2.0}, FeedUnavailable),
    "html": ({"body": b"<html><body>502 Bad Gateway</body></html>", "headers": {"Content-Type": "text/html"}}, FeedFormatError),
    "truncated": ({"body": (HERE / "boxes_bbox_full_menden.json").read_bytes()[:400], "truncate": True}, FeedUnavailable),
    "object": ({"body": b'{"code": "BadRequest", "message": "invalid bbox"}'}, FeedFormatError),
}


@pytest.mark.parametrize("case", FAILURES)
def test_fetch_failures_end_in_typed_errors_in_time(feed_server, session, case):
    route, error = FAILURES[case]
    feed_server.route("/boxes", **route)
    start = time.monotonic()
    with pytest.raises(error):
        opensensemap.fetch(_cfg(feed_server, bbox=[7.70, 51.40, 7.85, 51.48]), session)
    assert time.monotonic() - start < 3.0


def test_example_config_runs_against_the_local_server(feed_server, session):
    cfg = load_config(EXAMPLES / "opensensemap.toml", kinds=KINDS).source("sensebox")
    feed_server.route("/boxes", (HERE / "boxes_bbox_full_menden.json").read_bytes())
    batch = opensensemap.fetch({**cfg, "base_url": feed_server.url}, session)
    assert len(batch) == 7 and feed_server.requests[0][2]["bbox"] == "7.7,51.4,7.86,51.49"
