"""Telraam adapter: hourly reports and the live snapshot as recorded, uptime, empty strings, fetch against a local server."""

import json
import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from core import ingest
from core.config import load_config
from core.store import open_store
from data_sources import KINDS, telraam
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable
from tests.data_sources.conftest import FIXTURES

HERE = FIXTURES / "telraam"
ROOT = FIXTURES.parent.parent
KEY = "tr4ffic-k3y-0815"


def _read(name: str) -> bytes:
    return (HERE / name).read_bytes()


REPORT = _read("telraam_rs_reports_traffic_per_hour_response.json")
SNAPSHOT = _read("telraam_traffic_snapshot_live_2023-12-10_TRIMMED.json")
SEGMENT = _read("telraam_rs_segments_id_response.json")


def _values(batch, station):
    return {(q, ts.hour): v for ts, q, v in batch.readings.filter(station_id=station).select("ts", "quantity", "value").rows()}


def test_report_rows_are_rates_per_hour_as_published_at_the_interval_start():
    batch = telraam.parse(REPORT, source="tr")
    values = _values(batch, "tr:348917")
    # 619.18 cars at uptime 0.73: Telraam already scaled the count to the full hour; not scaled again.
    assert values[("traffic_car", 7)] == 619.1780821918 and values[("traffic_heavy", 7)] == 78.0821917808
    assert values[("traffic_bike", 8)] == 95.6209619526 and values[("traffic_pedestrian", 8)] == 14.2139267767
    assert (values[("speed_v85", 7)], values[("speed_v85", 8)]) == (25.5, 27.5)
    assert sorted(set(batch.readings["ts"])) == [datetime(2020, 10, 30, 7, tzinfo=UTC), datetime(2020, 10, 30, 8, tzinfo=UTC)]
    assert batch.stations.select("station_id", "name", "lat", "theme").rows() == [("tr:348917", "Telraam 348917", None, "traffic")]
    assert batch.skipped == 0 and len(batch) == 10


def test_snapshot_empty_strings_no_uptime_and_an_implausible_v85():
    batch = telraam.parse(SNAPSHOT, source="tr")
    assert len(batch.stations) == 6  # inactive segments are places without a value: stations, no readings
    per_station = dict(batch.readings.group_by("station_id").len().rows())
    assert per_station == {"tr:158903": 5, "tr:9000005382": 5, "tr:9000005421": 4}
    london = _values(batch, "tr:9000005421")
    assert london[("traffic_car", 4)] == 2.0022271714922 and ("speed_v85", 4) not in london  # v85 2.5 is below 3 km/h
    assert _values(batch, "tr:158903")[("speed_v85", 4)] == 42.5
    assert batch.skipped == 2  # the hour at uptime 0.0 and the v85 of 2.5


def test_snapshot_positions_are_on_the_road_halfway_along_it():
    stations = {s: (lat, lon) for s, lat, lon in telraam.parse(SNAPSHOT, source="tr").stations.select("station_id", "lat", "lon").rows()}
    lat, lon = stations["tr:9000000248"]  # Stuttgart: three vertices, the middle one at 48.77707 / 9.16171
    assert 48.7767 < lat < 48.7771 and 9.1598 < lon < 9.1618
    assert stations["tr:9000005421"] == pytest.approx((51.44821, -0.09917), abs=1e-4)


def test_midpoint_walks_half_the_length():
    assert telraam.midpoint({"type": "LineString", "coordinates": [[7.0, 51.0], [7.0, 51.2], [7.0, 52.0]]}) == pytest.approx((51.5, 7.0))
    two_parts = {"type": "MultiLineString", "coordinates": [[[7.0, 51.0], [7.0, 51.1]], [[8.0, 51.0], [8.0, 51.3]]]}
    assert telraam.midpoint(two_parts) == pytest.approx((51.1, 8.0))  # 0.2 of 0.4: 0.1 into the second part
    assert telraam.midpoint({"type": "Point", "coordinates": [7.7783, 51.4436]}) == (51.4436, 7.7783)
    for junk in (None, {}, {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}, {"type": "LineString", "coordinates": "x"}):
        assert telraam.midpoint(junk) == (None, None), junk
    lat, lon = telraam.midpoint(json.loads(SEGMENT)["features"][0]["geometry"])
    assert 50.8626 < lat < 50.8644 and 4.7112 < lon < 4.7120


def test_uptime_threshold_is_configurable():
    assert len(telraam.parse(REPORT, source="tr", config={"min_uptime": 0.75})) == 5  # only 08:00 (0.774) is kept
    strict = telraam.parse(REPORT, source="tr", config={"min_uptime": 0.8})
    assert len(strict) == 0 and strict.skipped == 2


def test_segments_from_config_filter_name_and_place():
    cfg = {"segments": [158903, {"id": "9000005382", "name": "Krakauer Straße", "lat": 50.05, "lon": 19.95}]}
    batch = telraam.parse(SNAPSHOT, source="tr", config=cfg)
    assert sorted(batch.stations.select("station_id", "name", "lat").rows()) == [
        ("tr:158903", "Telraam 158903", pytest.approx(51.0503, abs=1e-3)),
        ("tr:9000005382", "Krakauer Straße", 50.05),  # the config's position wins over the geometry
    ]
    assert batch.skipped == 0  # the world's other segments are not ours, not skipped
    inside = telraam.parse(SNAPSHOT, source="tr", config={"bbox": [3.0, 50.5, 5.0, 51.5]})
    assert sorted(inside.stations["station_id"]) == ["tr:158903", "tr:24948", "tr:26137"]  # Belgium only


def test_rows_that_cannot_be_rates_per_hour_are_skipped_and_counted():
    rows = [
        {"segment_id": 1, "date": "2024-05-06T07:00:00.000Z", "interval": "quarterly", "uptime": 0.9, "car": 40},
        {"segment_id": -1, "instance_id": 77, "date": "2024-05-06T07:00:00.000Z", "uptime": 0.9, "car": 40},
        {"segment_id": 1, "date": "", "uptime": 0.9, "car": 40},
        {"segment_id": 1, "date": "2024-05-06T08:00:00.000Z", "uptime": "", "car": 40},
        {"segment_id": 1, "date": "2024-05-06T09:00:00.000Z", "uptime": 0.9, "car": "", "bike": "12.5", "v85": ""},
    ]
    batch = telraam.parse({"report": rows}, source="tr")
    assert batch.readings.select("quantity", "value").rows() == [("traffic_bike", 12.5)]  # "" is missing, not zero
    assert batch.skipped == 4


@pytest.mark.parametrize(("code", "error"), [(401, FeedAuthError), (403, FeedAuthError), (500, FeedUnavailable), (400, FeedFormatError)])
def test_a_status_in_the_body_is_a_typed_error(code, error):
    with pytest.raises(error, match=f"status {code}: nope"):
        telraam.parse({"status_code": code, "message": "nope"}, source="tr")


def test_other_answers_are_refused():
    for wire in (_read("telraam_rs_cameras_response.json"), b"[]", {"report": "x"}):
        with pytest.raises(FeedFormatError):
            telraam.parse(wire, source="tr")
    with pytest.raises(FeedFormatError, match="segments"):
        telraam.parse(REPORT, source="tr", config={"segments": [True]})


def test_window_from_the_last_stored_hour_within_max_days():
    now = datetime(2026, 11, 26, 9, 41, tzinfo=UTC)
    hour = datetime(2026, 11, 26, 9, tzinfo=UTC)
    assert telraam.window(None, now, 30) == (hour - timedelta(days=30), hour)  # first start; the running hour is left out
    assert telraam.window(datetime(2026, 11, 26, 6, 0, tzinfo=UTC), now, 30)[0] == datetime(2026, 11, 26, 6, tzinfo=UTC)
    assert telraam.window(datetime(2026, 11, 26, 6, 59, 59, tzinfo=UTC), now, 30)[0] == datetime(2026, 11, 26, 6, tzinfo=UTC)
    assert telraam.window(datetime(2025, 1, 1, tzinfo=UTC), now, 30)[0] == hour - timedelta(days=30)
    assert telraam.window(None, now, 500)[0] == hour - timedelta(days=90)  # the API answers 3 months at most


# --- fetch against a local Telraam API ------------------------------------------------------------

API = "/v1"


@pytest.fixture
def source(feed_server, monkeypatch):
    monkeypatch.setenv("TELRAAM_TEST_KEY", KEY)
    monkeypatch.setattr(telraam, "_POSITIONS", {})  # no geometry cached from another test
    return {"key": "tr", "kind": "telraam", "base_url": feed_server.url + API, "api_key_env": "TELRAAM_TEST_KEY", "segments": [348917]}


def _routes(server):
    server.route(f"{API}/reports/traffic", REPORT, method="POST")
    server.route(f"{API}/segments/id/348917", SEGMENT)


def test_fetch_posts_the_window_with_the_key_in_a_header_and_places_the_segment(feed_server, session, source):
    _routes(feed_server)
    since = datetime.now(UTC) - timedelta(hours=3)
    batch = telraam.fetch(source, session, since=since)
    assert len(batch) == 10
    [(lat, lon)] = batch.stations.select("lat", "lon").rows()
    assert 50.8626 < lat < 50.8644 and 4.7112 < lon < 4.7120  # midpoint of /segments/id/348917
    (m1, p1, q1, h1, _), (m2, p2, q2, h2, body) = feed_server.requests
    assert (m1, p1, m2, p2) == ("GET", f"{API}/segments/id/348917", "POST", f"{API}/reports/traffic")
    assert h1["X-Api-Key"] == h2["X-Api-Key"] == KEY and q1 == q2 == {}  # never in the URL
    sent = json.loads(body)
    assert {k: sent[k] for k in ("level", "format", "id")} == {"level": "segments", "format": "per-hour", "id": "348917"}
    assert sent["time_start"] == since.strftime("%Y-%m-%d %H:00:00Z")  # the last stored hour
    assert sent["time_end"] == datetime.now(UTC).strftime("%Y-%m-%d %H:00:00Z")  # the running hour is not asked for
    assert KEY not in str(batch.readings) + str(batch.stations)


def test_fetch_places_a_segment_once_and_trusts_each_answer_for_its_own_segment(feed_server, session, source):
    _routes(feed_server)
    cfg = {**source, "segments": [348917, {"id": 4711, "name": "Hauptstraße", "lat": 51.44, "lon": 7.78}]}
    first = telraam.fetch(cfg, session)
    second = telraam.fetch(cfg, session)
    gets = [r for r in feed_server.requests if r[0] == "GET"]
    assert len(gets) == 1  # 4711 is placed by the config; 348917's geometry is cached for a day
    # The local server answers both POSTs with segment 348917's rows: counted once, never as 4711's.
    assert len(first) == len(second) == 10 and set(first.readings["station_id"]) == {"tr:348917"}
    assert sorted(first.stations["station_id"]) == ["tr:348917", "tr:4711"]


def test_fetch_keeps_the_counts_when_the_geometry_is_unavailable(feed_server, session, source):
    feed_server.route(f"{API}/reports/traffic", REPORT, method="POST")
    feed_server.route(f"{API}/segments/id/348917", status=503)
    batch = telraam.fetch(source, session)
    assert len(batch) == 10 and batch.stations["lat"].to_list() == [None]
    _routes(feed_server)
    assert telraam.fetch(source, session).stations["lat"].to_list() != [None]  # asked again on the next poll


def test_fetch_first_start_reads_max_days_and_an_up_to_date_store_asks_nothing(feed_server, session, source):
    _routes(feed_server)
    telraam.fetch({**source, "max_days": 2}, session)
    sent = json.loads(feed_server.requests[-1][4])
    start, end = (datetime.strptime(sent[k], "%Y-%m-%d %H:%M:%SZ") for k in ("time_start", "time_end"))
    assert end - start == timedelta(days=2)
    feed_server.requests.clear()
    this_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    assert len(telraam.fetch(source, session, since=this_hour)) == 0 and feed_server.requests == []


def test_fetch_without_segments_reads_the_live_snapshot_in_the_bbox(feed_server, session, source):
    feed_server.route(f"{API}/reports/traffic_snapshot_live", SNAPSHOT)
    cfg = {k: v for k, v in source.items() if k != "segments"} | {"bbox": [-0.2, 51.4, 0.0, 51.5]}
    batch = telraam.fetch(cfg, session)
    assert batch.stations["station_id"].to_list() == ["tr:9000005421"] and len(batch) == 4
    assert feed_server.requests[0][3]["X-Api-Key"] == KEY


def test_fetch_config_errors(session, source, monkeypatch):
    with pytest.raises(FeedFormatError, match="segments"):
        telraam.fetch({k: v for k, v in source.items() if k != "segments"}, session)
    with pytest.raises(FeedAuthError, match="api_key_env"):
        telraam.fetch({k: v for k, v in source.items() if k != "api_key_env"}, session)
    monkeypatch.delenv("TELRAAM_TEST_KEY")
    with pytest.raises(FeedAuthError, match="TELRAAM_TEST_KEY"):
        telraam.fetch(source, session)


FAILURES = {
    "500": ({"status": 500}, FeedUnavailable),
    "401": ({"status": 401}, FeedAuthError),
    "slow": ({"body": REPORT, "delay": 2.0}, FeedUnavailable),
    "html": ({"body": b"<html><body>502 Bad Gateway</body></html>", "headers": {"Content-Type": "text/html"}}, FeedFormatError),
    "truncated": ({"body": REPORT[:500], "truncate": True}, FeedUnavailable),
    "list": ({"body": b"[]"}, FeedFormatError),
    "status 403 in the body": ({"body": b'{"status_code": 403, "message": "Forbidden"}'}, FeedAuthError),
    "no report": ({"body": b'{"status_code": 200, "message": "ok"}'}, FeedFormatError),
}


@pytest.mark.parametrize("case", FAILURES)
def test_fetch_failures_end_in_typed_errors_in_time(feed_server, session, source, case):
    route, error = FAILURES[case]
    feed_server.route(f"{API}/reports/traffic", method="POST", **route)
    start = time.monotonic()
    with pytest.raises(error):
        telraam.fetch({**source, "segments": [{"id": 348917, "lat": 50.86, "lon": 4.71}], "timeout": 0.5}, session)
    assert time.monotonic() - start < 3.0


def test_the_key_never_reaches_errors_or_feed_health(feed_server, session, source, tmp_path):
    echo = json.dumps({"status_code": 401, "message": f"invalid key {KEY} (X-Api-Key: {KEY})"})
    feed_server.route(f"{API}/reports/traffic", echo, method="POST")
    feed_server.route(f"{API}/segments/id/348917", SEGMENT)
    with pytest.raises(FeedAuthError) as info:
        telraam.fetch(source, session)
    assert KEY not in str(info.value) and "***" in str(info.value)
    store = open_store(tmp_path / "data")
    result = ingest.poll(source, store, session)
    assert not result.ok and result.error.startswith("FeedAuthError") and KEY not in result.error
    assert KEY not in str(store.feed_health().rows())


def test_example_config_runs_against_the_local_server(feed_server, session, monkeypatch):
    cfg = load_config(ROOT / "config" / "examples" / "telraam.toml", kinds=KINDS).source("telraam")
    monkeypatch.setenv(cfg["api_key_env"], KEY)
    monkeypatch.setattr(telraam, "_POSITIONS", {})
    rows = [{**row, "segment_id": seg} for seg in (9000001844, 9000002133) for row in json.loads(REPORT)["report"]]
    feed_server.route(f"{API}/reports/traffic", json.dumps({"status_code": 200, "report": rows}), method="POST")
    feed_server.route(f"{API}/segments/id/9000001844", SEGMENT)
    batch = telraam.fetch({**cfg, "base_url": feed_server.url + API}, session)
    assert len(batch) == 20 and batch.readings.select("station_id", "quantity", "ts").is_unique().all()
    assert dict(batch.stations.select("station_id", "name").rows())["telraam:9000002133"] == "Unnaer Straße"
    assert [r[1] for r in feed_server.requests].count(f"{API}/segments/id/9000001844") == 1


def test_every_key_of_the_example_is_documented():
    section = (ROOT / "docs" / "traffic-charging.md").read_text(encoding="utf-8").split("\n## telraam\n", 1)[1].split("\n## ", 1)[0]
    example = (ROOT / "config" / "examples" / "telraam.toml").read_text(encoding="utf-8").split("[[sources]]", 1)[1]
    keys = set(re.findall(r"^#?\s*([a-z_]+)\s*=", example, re.MULTILINE)) - {"key", "kind", "poll", "timeout"}
    assert keys >= {"segments", "bbox", "min_uptime", "max_days", "api_key_env"}
    assert not {k for k in keys if f"`{k}`" not in section}
