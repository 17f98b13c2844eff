"""PEGELONLINE adapter: parse on the fixtures (offsets, DST, characteristic levels) and fetch against a local server."""

import time
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from core.config import load_config
from data_sources import KINDS, pegelonline
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable
from tests.data_sources.conftest import FIXTURES

HERE = FIXTURES / "pegelonline"
EXAMPLES = FIXTURES.parent.parent / "config" / "examples"
OBEN = "0a1b2c3d-0000-4000-8000-000000000001"
UNTEN = "0a1b2c3d-0000-4000-8000-000000000002"
UTC = UTC


def _stations() -> bytes:
    return (HERE / "stations_water_timeseries_current_characteristic.json").read_bytes()


def _value(batch, station, quantity):
    rows = batch.readings.filter(station_id=station, quantity=quantity).sort("ts")
    return list(zip(rows["ts"], rows["value"]))


def test_stations_with_timeseries_current_and_characteristic_values():
    batch = pegelonline.parse(_stations(), source="gauges")
    # +02:00 (summer time) and +01:00 (winter time) both end up in UTC
    assert _value(batch, f"gauges:{OBEN}", "water_level") == [(datetime(2024, 3, 31, 0, 45, tzinfo=UTC), 214.0)]
    assert _value(batch, f"gauges:{OBEN}", "discharge") == [(datetime(2024, 3, 31, 0, 45, tzinfo=UTC), 58.3)]
    assert _value(batch, f"gauges:{UNTEN}", "water_level") == [(datetime(2024, 3, 30, 22, 59, tzinfo=UTC), 388.0)]
    assert set(batch.readings["quantity"]) == {"water_level", "discharge"}  # WT (water temperature) is not ours
    assert batch.skipped == 0  # HSW without a value is "not defined", not broken
    levels = {(r["quantity"], r["level"]): r["value"] for r in batch.levels.filter(station_id=f"gauges:{OBEN}").iter_rows(named=True)}
    assert levels == {
        ("water_level", "MNW"): 131,
        ("water_level", "MW"): 182,
        ("water_level", "MHW"): 402,
        ("water_level", "HHW"): 655,
        ("discharge", "MQ"): 71.9,
    }
    oben, unten = (batch.stations.filter(station_id=f"gauges:{s}").row(0, named=True) for s in (OBEN, UNTEN))
    assert (oben["name"], oben["lat"], oben["lon"], oben["theme"], oben["district"]) == (
        "BEISPIELPEGEL OBEN",
        51.4301,
        7.7612,
        "water",
        "RUHR",
    )
    assert (unten["lat"], unten["lon"]) == (None, None)  # a gauge without coordinates stays on the list


def test_measurements_across_the_end_of_summer_time_are_monotonic_in_utc():
    batch = pegelonline.parse((HERE / "measurements_W.json").read_text(), source="g", config={"station": OBEN, "timeseries": "W"})
    times = [ts for ts, _ in _value(batch, f"g:{OBEN}", "water_level")]
    # 02:30+02:00, 02:45+02:00, 02:00+01:00, 02:15+01:00: the clock repeats, UTC does not
    assert times == [datetime(2024, 10, 27, 0, m, tzinfo=UTC) for m in (30, 45)] + [
        datetime(2024, 10, 27, 1, m, tzinfo=UTC) for m in (0, 15)
    ]


def test_bare_current_measurement_needs_its_station():
    payload = (HERE / "currentmeasurement_W.json").read_bytes()
    batch = pegelonline.parse(payload, source="g", config={"station": OBEN})
    assert _value(batch, f"g:{OBEN}", "water_level") == [(datetime(2024, 7, 1, 14, 0, tzinfo=UTC), 251.0)]
    with pytest.raises(FeedFormatError, match="station"):
        pegelonline.parse(payload, source="g")


def test_station_message_with_measurements_and_a_leading_blank_line():
    batch = pegelonline.parse((HERE / "station_with_measurements_message.json").read_bytes(), source="g")
    values = _value(batch, f"g:{OBEN}", "water_level")
    assert [v for _, v in values] == [366.0, 367.0, 368.0, 369.0, 369.0]  # current = last measurement, kept once
    assert values[0][0] == datetime(2024, 1, 4, 17, 15, tzinfo=UTC)
    assert batch.stations["district"].to_list() == ["RUHR"]  # water without longname: its shortname
    assert batch.stations["name"].to_list() == ["BEISPIEL OBEN"]


def test_recorded_2014_answer_of_stations_by_ids():
    cassette = yaml.safe_load((HERE / "nerab_vcr_stations_ids_multi_2014.yml").read_text())
    body = cassette["http_interactions"][0]["response"]["body"]["string"]
    batch = pegelonline.parse(body, source="g")
    assert len(batch) == 0  # no includeTimeseries in that request
    stations = batch.stations.sort("name")
    assert stations["name"].to_list() == ["RIESA", "WENDISCH RIETZ OP", "WITTENBERGE"]
    assert stations["district"].to_list() == ["ELBE", "STORKOWER GEWAESSER", "ELBE"]
    assert stations.filter(name="RIESA")["lat"].item() == pytest.approx(51.3115, abs=1e-4)


def test_water_level_in_metres_is_converted_and_unknown_units_are_skipped():
    station = {
        "uuid": "u",
        "timeseries": [
            {"shortname": "W", "unit": "m", "currentMeasurement": {"timestamp": "2024-01-01T12:00:00+01:00", "value": 2.5}},
            {"shortname": "Q", "unit": "furlongs", "currentMeasurement": {"timestamp": "2024-01-01T12:00:00+01:00", "value": 3}},
        ],
    }
    batch = pegelonline.parse([station], source="g")
    assert batch.readings.select("quantity", "value").rows() == [("water_level", 250.0)]
    assert batch.skipped == 1


def _cfg(server, **extra):
    return {"key": "gauges", "kind": "pegelonline", "base_url": server.url, "timeout": 0.3, **extra}


def test_fetch_filters_by_stations_and_water(feed_server, session):
    feed_server.route("/stations.json", _stations())
    batch = pegelonline.fetch(_cfg(feed_server, stations=[OBEN, UNTEN], water="RUHR", backfill_days=0), session)
    assert len(batch) == 3 and len(batch.levels) == 5
    ((method, path, query, _, _),) = feed_server.requests
    assert (method, path) == ("GET", "/stations.json")
    assert query == {
        "ids": f"{OBEN},{UNTEN}",
        "waters": "RUHR",
        "includeTimeseries": "true",
        "includeCurrentMeasurement": "true",
        "includeCharacteristicValues": "true",
    }


def test_fetch_without_filter_asks_for_all_stations(feed_server, session):
    feed_server.route("/stations.json", _stations())
    pegelonline.fetch(_cfg(feed_server, backfill_days=0), session)
    assert "ids" not in feed_server.requests[0][2] and "waters" not in feed_server.requests[0][2]


def test_fetch_backfills_w_and_q_after_a_gap(feed_server, session):
    feed_server.route("/stations.json", _stations())
    history = (HERE / "measurements_W.json").read_bytes()
    for uuid, series in ((OBEN, "W"), (OBEN, "Q"), (UNTEN, "W")):
        feed_server.route(f"/stations/{uuid}/{series}/measurements.json", history)
    since = datetime.now(UTC) - timedelta(hours=3)
    batch = pegelonline.fetch(_cfg(feed_server), session, since=since)
    asked = {(path, query["start"]) for _, path, query, _, _ in feed_server.requests[1:]}
    assert {p for p, _ in asked} == {
        f"/stations/{OBEN}/W/measurements.json",
        f"/stations/{OBEN}/Q/measurements.json",
        f"/stations/{UNTEN}/W/measurements.json",
    }  # not WT
    assert all(abs(datetime.fromisoformat(s) - since) < timedelta(seconds=2) for _, s in asked)
    assert len(batch.readings.filter(station_id=f"gauges:{OBEN}", quantity="water_level")) == 5  # current + 4 history


def test_fetch_skips_backfill_right_after_the_last_poll_and_clamps_old_gaps(feed_server, session):
    feed_server.route("/stations.json", _stations())
    feed_server.route(f"/stations/{OBEN}/W/measurements.json", "[]")
    feed_server.route(f"/stations/{OBEN}/Q/measurements.json", "[]")
    feed_server.route(f"/stations/{UNTEN}/W/measurements.json", "[]")
    pegelonline.fetch(_cfg(feed_server), session, since=datetime.now(UTC) - timedelta(minutes=10))
    assert len(feed_server.requests) == 1
    pegelonline.fetch(_cfg(feed_server), session, since=datetime.now(UTC) - timedelta(days=90))
    start = datetime.fromisoformat(feed_server.requests[-1][2]["start"])
    assert timedelta(days=30) < datetime.now(UTC) - start < timedelta(days=31)  # the service keeps 31 days


def test_no_backfill_for_unfiltered_germany(feed_server, session, monkeypatch):
    monkeypatch.setattr(pegelonline, "MAX_BACKFILL_SERIES", 2)  # the fixture has 3 W/Q series
    feed_server.route("/stations.json", _stations())
    assert len(pegelonline.fetch(_cfg(feed_server), session)) == 3
    assert len(feed_server.requests) == 1


def test_first_poll_backfills_two_days_by_default(feed_server, session):
    feed_server.route("/stations.json", _stations())
    for uuid, series in ((OBEN, "W"), (OBEN, "Q"), (UNTEN, "W")):
        feed_server.route(f"/stations/{uuid}/{series}/measurements.json", "[]")
    pegelonline.fetch(_cfg(feed_server), session)
    start = datetime.fromisoformat(feed_server.requests[-1][2]["start"])
    assert abs(datetime.now(UTC) - start - timedelta(days=2)) < timedelta(seconds=5)


FAILURES = {
    "500": ({"status": 500}, FeedUnavailable),
    "401": ({"status": 401}, FeedAuthError),
    "slow": ({"body": b"[]", "delay": 2.0}, FeedUnavailable),
    "html": ({"body": b"<html><body>Wartungsarbeiten</body></html>", "headers": {"Content-Type": "text/html"}}, FeedFormatError),
    "truncated": ({"body": _stations()[:500], "truncate": True}, FeedUnavailable),
    "object": ({"body": b'{"message": "no"}'}, FeedFormatError),
}


@pytest.mark.parametrize("case", FAILURES)
def test_fetch_failures_end_in_typed_errors_in_time(feed_server, session, case):
    route, error = FAILURES[case]
    feed_server.route("/stations.json", **route)
    start = time.monotonic()
    with pytest.raises(error):
        pegelonline.fetch(_cfg(feed_server, backfill_days=0), session)
    assert time.monotonic() - start < 3.0


def test_fetch_with_a_broken_history_answer_is_a_format_error(feed_server, session):
    feed_server.route("/stations.json", _stations())
    feed_server.route(f"/stations/{OBEN}/W/measurements.json", b"<html>oops</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(FeedFormatError):
        pegelonline.fetch(_cfg(feed_server), session, since=datetime.now(UTC) - timedelta(hours=5))


def test_bad_config_is_a_feed_error(session):
    with pytest.raises(FeedFormatError, match="stations"):
        pegelonline.fetch({"key": "g", "stations": {"a": 1}}, session)


def test_example_config_runs_against_the_local_server(feed_server, session):
    cfg = load_config(EXAMPLES / "pegelonline.toml", kinds=KINDS).source("pegel")
    feed_server.route("/stations.json", _stations())
    batch = pegelonline.fetch({**cfg, "base_url": feed_server.url, "backfill_days": 0}, session)
    assert len(batch) == 3 and feed_server.requests[0][2]["waters"] == "RUHR"
