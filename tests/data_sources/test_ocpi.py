"""OCPI adapter: the spec's Location examples (verbatim), every EVSE status, envelopes, paging against a local server."""

import base64
import hashlib
import json
import re
import time
from datetime import UTC, datetime

import pytest

from core import ingest
from core.config import load_config
from core.store import open_store
from data_sources import KINDS, ocpi
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable
from tests.data_sources.conftest import FIXTURES

HERE = FIXTURES / "ocpi"
ROOT = FIXTURES.parent.parent
TOKEN = "ebf3b399-779f-4497-9b9d-ac6ad3cc44d2"
SENT = base64.b64encode(TOKEN.encode()).decode()
# The OCPI examples are CC-BY-ND-4.0: verbatim copies only. These hashes are those of the files
# in the ocpi/ocpi repository (see tests/fixtures/ocpi/SOURCES.md); a test edit would show here.
VERBATIM = {
    "ocpi_2.2.1_location_example.json": "b1ce6361cc86c3299563f6c344ea80a4e1715673d17443ccb9e930e96aa2b65f",
    "ocpi_2.2.1_location_example_uc2_destination_charger.json": "236d1a4b3563684faafac88e8f54ec32b44c1f7751219103e46d097909e11d24",
    "ocpi_2.2.1_location_patch_example_status.json": "5030204e9e1492f07e00cc6b86cfd452ff6bf6ba7f6a63ebd938a874a7cb5767",
}


def _read(name: str) -> bytes:
    return (HERE / name).read_bytes()


GENT = _read("ocpi_2.2.1_location_example.json")
ETTEN_LEUR = _read("ocpi_2.2.1_location_example_uc2_destination_charger.json")
MENDEN = _read("constructed_menden_locations_page.json")


def envelope(data, code=1000, message="Success") -> dict:
    """The OCPI response format around ``data`` (built here: the example files stay untouched)."""
    return {"data": data, "status_code": code, "status_message": message, "timestamp": "2026-11-26T08:00:00Z"}


def counts(batch) -> dict:
    return {(s.split(":", 1)[1], q): v for s, q, v in batch.readings.select("station_id", "quantity", "value").rows()}


def test_the_shared_examples_are_verbatim_copies():
    assert {name: hashlib.sha256(_read(name)).hexdigest() for name in VERBATIM} == VERBATIM


def test_spec_example_location_available_and_reserved():
    batch = ocpi.parse(GENT, source="laden")
    assert counts(batch) == {
        ("BE-BEC-LOC1", "charging_free"): 1.0,
        ("BE-BEC-LOC1", "charging_occupied"): 1.0,  # RESERVED is taken for whoever drives up now
        ("BE-BEC-LOC1", "charging_out_of_service"): 0.0,
    }
    assert set(batch.readings["ts"]) == {datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)}  # the newest EVSE last_updated
    assert batch.stations.select("station_id", "name", "lat", "lon", "theme", "district").rows() == [
        ("laden:BE-BEC-LOC1", "Gent Zuid", 51.047599, 3.729944, "charging", None)  # coordinates arrive as strings
    ]


def test_every_evse_status_in_a_constructed_page():
    batch = ocpi.parse(MENDEN, source="laden")
    assert counts(batch) == {
        ("DE-XMN-RATHAUS", "charging_free"): 1.0,
        ("DE-XMN-RATHAUS", "charging_occupied"): 2.0,  # CHARGING and BLOCKED
        ("DE-XMN-RATHAUS", "charging_out_of_service"): 1.0,  # OUTOFORDER
        ("DE-XMN-BAHNHOF", "charging_free"): 0.0,  # UNKNOWN, REMOVED and PLANNED count as nothing
        ("DE-XMN-BAHNHOF", "charging_occupied"): 1.0,  # RESERVED
        ("DE-XMN-BAHNHOF", "charging_out_of_service"): 1.0,  # INOPERATIVE
        ("DE-XMN-LENDRINGSEN", "charging_free"): 1.0,
        ("DE-XMN-LENDRINGSEN", "charging_occupied"): 0.0,
        ("DE-XMN-LENDRINGSEN", "charging_out_of_service"): 0.0,
    }
    assert batch.skipped == 1  # Lendringsen's "FAULTED" is no OCPI status: counted, not guessed
    names = dict(batch.stations.select("station_id", "name").rows())
    # Only UNKNOWN EVSEs: a station without readings ("Status unbekannt"), named by its address.
    assert names["laden:DE-XMN-HALLENBAD"] == "Am Hallenbad 2, Menden (Sauerland)"
    assert "laden:DE-XMN-BETRIEBSHOF" not in names  # publish = false: not for a public screen
    ts = dict(batch.readings.select("station_id", "ts").unique().rows())
    assert ts["laden:DE-XMN-BAHNHOF"] == datetime(2026, 11, 26, 7, 58, tzinfo=UTC)


def test_envelope_single_location_bare_list_and_empty_data():
    single = ocpi.parse(envelope(json.loads(GENT)), source="laden")
    listed = ocpi.parse([json.loads(GENT), json.loads(ETTEN_LEUR)], source="laden")
    assert single.readings.equals(ocpi.parse(GENT, source="laden").readings)
    assert len(listed.stations) == 2 and len(listed) == 6
    assert len(ocpi.parse({"status_code": 1000, "timestamp": "2026-11-26T08:00:00Z"}, source="laden").stations) == 0


@pytest.mark.parametrize(
    ("code", "error"),
    [(2001, FeedFormatError), (2004, FeedFormatError), (3000, FeedUnavailable), (4002, FeedUnavailable), (1, FeedFormatError)],
)
def test_an_envelope_status_other_than_1000_is_a_typed_error_with_the_message(code, error):
    with pytest.raises(error, match=f"OCPI status {code}: Missing required field: type"):
        ocpi.parse({"status_code": code, "status_message": "Missing required field: type", "timestamp": "x"}, source="laden")


def test_the_status_patch_is_refused_with_its_reason():
    with pytest.raises(FeedFormatError, match="names no Location"):
        ocpi.parse(_read("ocpi_2.2.1_location_patch_example_status.json"), source="laden")


def test_bbox_and_missing_times():
    batch = ocpi.parse(MENDEN, source="laden", config={"bbox": [7.76, 51.435, 7.80, 51.45]})
    assert sorted(batch.stations["station_id"]) == ["laden:DE-XMN-BAHNHOF", "laden:DE-XMN-HALLENBAD", "laden:DE-XMN-RATHAUS"]
    location = json.loads(ETTEN_LEUR)
    location["evses"][0].pop("last_updated")
    assert set(ocpi.parse(location, source="laden").readings["ts"]) == {datetime(2019, 7, 1, 12, 12, 11, tzinfo=UTC)}  # the Location's
    location.pop("last_updated")
    batch = ocpi.parse(location, source="laden")
    assert len(batch) == 0 and batch.skipped == 1


# --- fetch against a local OCPI endpoint ----------------------------------------------------------

PATH = "/ocpi/cpo/2.2.1/locations"


@pytest.fixture
def source(feed_server, monkeypatch):
    monkeypatch.setenv("OCPI_TEST_TOKEN", TOKEN)
    return {"key": "laden", "kind": "ocpi", "base_url": feed_server.url + PATH, "api_key_env": "OCPI_TEST_TOKEN", "page_size": 2}


def _menden(*ids) -> list:
    return [loc for loc in json.loads(MENDEN)["data"] if loc["id"] in ids]


def test_fetch_follows_the_link_header_and_sends_the_token_base64(feed_server, session, source):
    nxt = f'<{feed_server.url}{PATH}?offset=2&limit=2>; rel="next"'
    feed_server.route(
        PATH, json.dumps(envelope(_menden("RATHAUS", "BAHNHOF"))), query={"offset": 0}, headers={"Link": nxt, "X-Total-Count": "3"}
    )
    feed_server.route(PATH, json.dumps(envelope(_menden("LENDRINGSEN"))), query={"offset": 2}, headers={"X-Total-Count": "3"})
    batch = ocpi.fetch(source, session)
    assert sorted(batch.stations["station_id"]) == ["laden:DE-XMN-BAHNHOF", "laden:DE-XMN-LENDRINGSEN", "laden:DE-XMN-RATHAUS"]
    assert [r[2] for r in feed_server.requests] == [{"offset": "0", "limit": "2"}, {"offset": "2", "limit": "2"}]
    assert {r[3]["Authorization"] for r in feed_server.requests} == {f"Token {SENT}"}


def test_fetch_pages_by_offset_with_x_total_count_or_full_pages(feed_server, session, source):
    feed_server.route(PATH, json.dumps(envelope(_menden("RATHAUS", "BAHNHOF"))), query={"offset": 0}, headers={"X-Total-Count": "3"})
    feed_server.route(PATH, json.dumps(envelope(_menden("LENDRINGSEN"))), query={"offset": 2})
    assert len(ocpi.fetch(source, session).stations) == 3
    feed_server.requests.clear()
    feed_server.route(PATH, json.dumps(envelope(_menden("RATHAUS", "BAHNHOF"))), query={"offset": 0})  # no headers: a full page
    assert len(ocpi.fetch(source, session).stations) == 3 and len(feed_server.requests) == 2


def test_a_link_to_another_host_is_not_followed(feed_server, session, source):
    elsewhere = f'<https://collector.example{PATH}?offset=2&limit=2>; rel="next"'
    feed_server.route(
        PATH, json.dumps(envelope(_menden("RATHAUS", "BAHNHOF"))), query={"offset": 0}, headers={"Link": elsewhere, "X-Total-Count": "3"}
    )
    feed_server.route(PATH, json.dumps(envelope(_menden("LENDRINGSEN"))), query={"offset": 2})
    assert len(ocpi.fetch(source, session).stations) == 3  # the token went to the configured host only
    assert [r[2]["offset"] for r in feed_server.requests] == ["0", "2"]


def test_a_server_that_never_stops_paging_is_an_error(feed_server, session, source):
    loop = f'<{feed_server.url}{PATH}?offset=0&limit=2>; rel="next"'
    feed_server.route(PATH, json.dumps(envelope(_menden("RATHAUS", "BAHNHOF"))), headers={"Link": loop})
    with pytest.raises(FeedFormatError, match="seen before"):
        ocpi.fetch(source, session)
    feed_server.requests.clear()
    feed_server.route(PATH, json.dumps(envelope(_menden("RATHAUS", "BAHNHOF"))), headers={"X-Total-Count": "100000"})
    with pytest.raises(FeedFormatError, match="max_pages = 3"):
        ocpi.fetch({**source, "max_pages": 3}, session)
    assert len(feed_server.requests) == 3


def test_fetch_plain_token_and_hub_routing_headers(feed_server, session, source):
    feed_server.route(PATH, json.dumps(envelope([json.loads(GENT)])))
    cfg = {**source, "token_encoding": "plain", "to_country_code": "DE", "to_party_id": "ABC", "from_party_id": "MEN"}
    assert len(ocpi.fetch(cfg, session)) == 3
    headers = feed_server.requests[0][3]
    assert headers["Authorization"] == f"Token {TOKEN}"
    assert (headers["OCPI-to-country-code"], headers["OCPI-to-party-id"], headers["OCPI-from-party-id"]) == ("DE", "ABC", "MEN")
    assert "OCPI-from-country-code" not in headers


def test_fetch_config_errors(session, source, monkeypatch):
    with pytest.raises(FeedFormatError, match="base_url"):
        ocpi.fetch({k: v for k, v in source.items() if k != "base_url"}, session)
    with pytest.raises(FeedFormatError, match="token_encoding"):
        ocpi.fetch({**source, "token_encoding": "hex"}, session)
    with pytest.raises(FeedAuthError, match="api_key_env"):
        ocpi.fetch({k: v for k, v in source.items() if k != "api_key_env"}, session)
    monkeypatch.delenv("OCPI_TEST_TOKEN")
    with pytest.raises(FeedAuthError, match="OCPI_TEST_TOKEN"):
        ocpi.fetch(source, session)


FAILURES = {
    "500": ({"status": 500}, FeedUnavailable),
    "401": ({"status": 401, "body": json.dumps(envelope(None, 2000, "Unauthorized"))}, FeedAuthError),
    "slow": ({"body": json.dumps(envelope([])), "delay": 2.0}, FeedUnavailable),
    "html": ({"body": b"<html><body>Wartungsarbeiten</body></html>", "headers": {"Content-Type": "text/html"}}, FeedFormatError),
    "truncated": ({"body": MENDEN[:700], "truncate": True}, FeedUnavailable),
    "status 2001": ({"body": json.dumps(envelope(None, 2001, "Invalid or missing parameters"))}, FeedFormatError),
    "status 3001": ({"body": json.dumps(envelope(None, 3001, "Unable to use the client's API"))}, FeedUnavailable),
    "data not a list": ({"body": json.dumps(envelope("LOC1"))}, FeedFormatError),
}


@pytest.mark.parametrize("case", FAILURES)
def test_fetch_failures_end_in_typed_errors_in_time(feed_server, session, source, case):
    route, error = FAILURES[case]
    feed_server.route(PATH, **route)
    start = time.monotonic()
    with pytest.raises(error):
        ocpi.fetch({**source, "timeout": 0.5}, session)
    assert time.monotonic() - start < 3.0


def test_the_token_never_reaches_errors_or_feed_health(feed_server, session, source, tmp_path):
    # A server echoing the request: the token as configured and as sent (base64), the latter across the
    # 200-character cut, so only masking before cutting keeps its first characters out.
    echoed = "x" * 120 + f" token {TOKEN} Authorization: Token {SENT}"
    feed_server.route(PATH, json.dumps(envelope(None, 2001, echoed)))
    with pytest.raises(FeedFormatError) as info:
        ocpi.fetch(source, session)
    assert TOKEN not in str(info.value) and SENT[:12] not in str(info.value) and str(info.value).count("***") == 2
    store = open_store(tmp_path / "data")
    result = ingest.poll(source, store, session)
    assert not result.ok and TOKEN not in result.error and SENT[:12] not in result.error
    assert SENT[:12] not in str(store.feed_health().rows())


def test_example_config_runs_against_the_local_server(feed_server, session, monkeypatch):
    cfg = load_config(ROOT / "config" / "examples" / "ocpi.toml", kinds=KINDS).source("laden")
    monkeypatch.setenv(cfg["api_key_env"], TOKEN)
    feed_server.route("/locations", MENDEN, headers={"X-Total-Count": "5"})
    batch = ocpi.fetch({**cfg, "base_url": feed_server.url + "/locations"}, session)
    assert len(batch.stations) == 4 and len(batch) == 9
    assert feed_server.requests[0][2] == {"offset": "0", "limit": "100"}


def test_every_key_of_the_example_is_documented():
    section = (ROOT / "docs" / "traffic-charging.md").read_text(encoding="utf-8").split("\n## ocpi\n", 1)[1].split("\n## ", 1)[0]
    example = (ROOT / "config" / "examples" / "ocpi.toml").read_text(encoding="utf-8").split("[[sources]]", 1)[1]
    keys = set(re.findall(r"^#?\s*([a-z_]+)\s*=", example, re.MULTILINE)) - {"key", "kind", "poll", "timeout"}
    assert keys >= {"base_url", "api_key_env", "token_encoding", "bbox", "page_size", "max_pages", "to_party_id"}
    assert not {k for k in keys if f"`{k}`" not in section}
