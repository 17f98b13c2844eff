"""Long-CSV adapter: unit conversion, the broken-row rule, path and URL fetch, ``since``."""

import shutil
import time
from datetime import UTC, datetime

import pytest

from core.config import load_config
from data_sources import KINDS, csv_file
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable
from tests.data_sources.conftest import FIXTURES, FeedServer

HERE = FIXTURES / "csv_file"
EXAMPLES = FIXTURES.parent.parent / "config" / "examples"
UTC = UTC


@pytest.fixture(scope="module")
def _server():
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def feed_server(_server):
    """The shared local server, emptied for each test (its shutdown costs 0.5 s, so once per module)."""
    _server.routes.clear()
    _server.requests.clear()
    return _server


def _long() -> bytes:
    return (HERE / "readings_long.csv").read_bytes()


def _values(batch, station):
    return [(q, v) for q, v in batch.readings.filter(station_id=station).sort("ts", "quantity").select("quantity", "value").rows()]


def test_known_units_are_converted_to_canonical_units():
    batch = csv_file.parse(_long(), source="up")
    assert dict(_values(batch, "up:rathaus")[:4]) == {"pressure": 1013.25, "humidity": 55.0, "temperature": 25.0, "wind_speed": 5.0}
    # °F, fraction "1", Pa, km/h above; m and mm, K, mg/m³, cbar below
    assert _values(batch, "up:hoenne-bruecke") == [("water_level", 142.0), ("water_level", 141.5)]
    assert _values(batch, "up:schule-nord-r12") == [("co2", 812.0), ("temperature", pytest.approx(23.0))]
    assert _values(batch, "up:luft-1") == [("pm10", 21.0), ("pm2_5", 9.5)]
    assert _values(batch, "up:baum-17") == [("soil_tension", 35.0)]
    assert batch.skipped == 1  # the "n/a" value


def test_times_stations_and_themes():
    batch = csv_file.parse(_long().decode(), source="up")
    times = batch.readings.filter(station_id="up:rathaus", quantity="pressure")["ts"].to_list()
    assert times == [datetime(2024, 7, 1, 8, 0, tzinfo=UTC)]  # +02:00
    assert batch.readings.filter(station_id="up:hoenne-bruecke")["ts"].min() == datetime(2024, 7, 1, 9, 0, tzinfo=UTC)  # no zone = UTC
    stations = {r["station_id"]: r for r in batch.stations.iter_rows(named=True)}
    assert stations["up:rathaus"]["name"] == "Rathaus, Dach"
    assert stations["up:hoenne-bruecke"]["name"] == "Hönnebrücke <b>Innenstadt</b>"  # kept as data
    assert {k: v["theme"] for k, v in stations.items()} == {
        "up:rathaus": "microclimate",
        "up:hoenne-bruecke": "water",
        "up:schule-nord-r12": "indoor_air",
        "up:luft-1": "air_quality",
        "up:baum-17": "soil",
    }
    assert (stations["up:schule-nord-r12"]["lat"], stations["up:luft-1"]["lat"]) == (None, 51.4368)


def test_semicolon_file_with_decimal_comma():
    batch = csv_file.parse(HERE.joinpath("readings_semicolon_decimal_comma.csv").read_bytes(), source="up")
    assert _values(batch, "up:hoenne-bruecke") == [("water_level", 142.5), ("discharge", 3.2), ("water_level", 143.0)]
    assert batch.stations.select("lat", "lon").row(0) == (51.4405, 7.7912)


def test_a_file_that_is_mostly_broken_names_the_first_bad_row_and_column():
    with pytest.raises(
        FeedFormatError, match=r"readings_wrong_decimal_comma.csv: 2 of 3 rows are broken; first: row 2, column 'value': '21,5'"
    ):
        csv_file.parse(
            HERE.joinpath("readings_wrong_decimal_comma.csv").read_bytes(), source="up", config={"path": "readings_wrong_decimal_comma.csv"}
        )


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty file"),
        ("time,station,value\n1,2,3\n", "lacks the column.*ts.*station_id.*quantity"),
        ("ts,station_id,quantity,value\nyesterday,a,temperature,1\n", r"row 2, column 'ts'"),
        ("ts,station_id,quantity,value\n2024-01-01T00:00:00Z,a,sunshine,1\n", r"row 2, column 'quantity'"),
        ("ts,station_id,quantity,value,unit\n2024-01-01T00:00:00Z,a,temperature,1,kg\n", r"row 2, column 'unit'"),
        ("ts,station_id,quantity,value\n2024-01-01T00:00:00Z,,temperature,1\n", r"row 2, column 'station_id'"),
    ],
)
def test_unusable_files(text, match):
    with pytest.raises(FeedFormatError, match=match):
        csv_file.parse(text, source="up")


def test_small_things():
    text = "\ufeffTS,Station_ID,Quantity,Value,Theme\n2024-01-01T00:00:00Z,a,PM2.5,4,nonsense\n\n2024-01-01T00:00:00Z,a,temperature,1e999,\n2024-01-01T01:00:00Z,a,pm2_5,5,\n"
    batch = csv_file.parse(text.encode(), source="up")
    assert _values(batch, "up:a") == [("pm2_5", 4.0), ("pm2_5", 5.0)]  # BOM, header case, alias; 1e999 is no number
    assert batch.skipped == 1 and batch.stations["theme"].to_list() == ["air_quality"]
    assert len(csv_file.parse("ts,station_id,quantity,value\n", source="up")) == 0
    with pytest.raises(FeedFormatError, match="UTF-8"):
        csv_file.parse("ts,station_id,quantity,value\n2024-01-01,Möhne,temperature,1\n".encode("latin-1"), source="up")


def test_fetch_path_relative_to_the_config_file_and_since(tmp_path, session):
    shutil.copy(HERE / "readings_long.csv", tmp_path / "readings.csv")
    cfg = {"key": "up", "kind": "csv_file", "path": "readings.csv", "config_dir": str(tmp_path)}
    assert len(csv_file.fetch(cfg, session)) == 12
    newer = csv_file.fetch(cfg, session, since=datetime(2024, 7, 1, 10, 0, tzinfo=UTC))
    assert newer.readings.select("station_id", "value").rows() == [("up:rathaus", 26.5)]  # only after 10:00, not at
    assert len(newer.stations) == 5
    assert len(csv_file.fetch(cfg, session, since=datetime(2024, 7, 1, 9, 30))) == 4  # naive since = UTC


def test_fetch_missing_file_and_missing_settings(tmp_path, session):
    with pytest.raises(FeedUnavailable, match="cannot read"):
        csv_file.fetch({"key": "up", "path": "nowhere.csv", "config_dir": str(tmp_path)}, session)
    with pytest.raises(FeedFormatError, match="path"):
        csv_file.fetch({"key": "up"}, session)


def test_fetch_from_a_url(feed_server, session):
    feed_server.route("/export/readings.csv", _long(), headers={"Content-Type": "text/csv; charset=utf-8"})
    batch = csv_file.fetch({"key": "up", "url": feed_server.url + "/export/readings.csv", "timeout": 0.3}, session)
    assert len(batch) == 12 and batch.skipped == 1


FAILURES = {
    "500": ({"status": 500}, FeedUnavailable),
    "401": ({"status": 401}, FeedAuthError),
    "slow": ({"body": b"ts,station_id,quantity,value\n", "delay": 2.0}, FeedUnavailable),
    "html": ({"body": b"<html><body>Anmeldung erforderlich</body></html>", "headers": {"Content-Type": "text/html"}}, FeedFormatError),
    "truncated": ({"body": _long()[:400], "truncate": True}, FeedUnavailable),
}


@pytest.mark.parametrize("case", FAILURES)
def test_fetch_failures_end_in_typed_errors_in_time(feed_server, session, case):
    route, error = FAILURES[case]
    feed_server.route("/export/readings.csv", **route)
    start = time.monotonic()
    with pytest.raises(error):
        csv_file.fetch({"key": "up", "url": feed_server.url + "/export/readings.csv", "timeout": 0.3}, session)
    assert time.monotonic() - start < 3.0


def test_example_config_reads_its_file_next_to_the_config(tmp_path, session):
    shutil.copy(EXAMPLES / "csv_file.toml", tmp_path / "city.toml")
    shutil.copy(HERE / "readings_long.csv", tmp_path / "readings.csv")
    cfg = load_config(tmp_path / "city.toml", kinds=KINDS).source("upload")
    assert len(csv_file.fetch(cfg, session)) == 12


def test_credentials_in_a_url_never_reach_health_log_or_store(feed_server, tmp_path, caplog):
    # the config check refuses such a URL; should one come in anyway, every text masks it
    from core import ingest
    from core.store import open_store

    feed_server.route("/x.csv", b"zeit;wert\n1;2\n", headers={"Content-Type": "text/csv"})  # a bad header row
    url = feed_server.url.replace("http://", "http://admin:pa55word@") + "/x.csv?apikey=SECRET-4711&station=7"
    store = open_store(tmp_path / "data")
    with caplog.at_level("INFO"):
        result = ingest.poll({"key": "up", "kind": "csv_file", "url": url, "poll_s": 60.0}, store, csv_file.http.make_session())
    assert not result.ok and "FeedFormatError" in result.error and "x.csv" in result.error
    everything = result.error + caplog.text + str(store.feed_health().to_dicts())
    assert "SECRET-4711" not in everything and "pa55word" not in everything
