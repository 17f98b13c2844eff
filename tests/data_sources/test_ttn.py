"""The Things Stack adapter: fixture uplinks to canonical rows, streams, bad input, and fetch over HTTP."""

import base64
import copy
import json
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from core.config import load_config
from data_sources import inbox, ttn
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable
from data_sources.lorawan.decoders import decode
from data_sources.lorawan.encoders import encode

from .conftest import FIXTURES

TTN = FIXTURES / "ttn_v3"
ROOT = FIXTURES.parent.parent
MBX_EXAMPLE_1 = bytes([0x02, 0x01, 0x2F, 0x00, 0x03, 0x04, 0xD2, 0x00, 0x01, 0x0B, 0xB1])
UTC = UTC


def load(name: str) -> dict:
    return json.loads((TTN / name).read_text(encoding="utf-8"))


def values(batch, station_id=None) -> dict:
    frame = batch.readings if station_id is None else batch.readings.filter(station_id=station_id)
    return dict(frame.select("quantity", "value").iter_rows())


def test_decentlab_uplink_envelope_base64_decoder_values():
    up = load("tb_decentlab_dl-mbx_ttn_webhook_uplink_no_decoded.json")
    raw = base64.b64decode(up["uplink_message"]["frm_payload"])
    assert raw == MBX_EXAMPLE_1  # the envelope carries exactly codec example 1
    assert decode("decentlab/dl-mbx", up["uplink_message"]["f_port"], raw)["distance"]["value"] == 1234
    config = {
        "devices": {"03022": {"model": "decentlab/dl-mbx", "mount_height_cm": 300, "name": "Hönne, Bahnhof", "district": "Innenstadt"}}
    }
    batch = ttn.parse(up, source="pegel", config=config)
    assert values(batch) == {"water_level": pytest.approx(176.6), "battery": 2.993}
    assert batch.readings["ts"].unique().to_list() == [datetime(2020, 2, 6, 9, 46, 5, 447941, tzinfo=UTC)]
    assert batch.readings["source"].unique().to_list() == ["pegel"]
    station = batch.stations.row(0, named=True)
    # The gateway's location is not the device's; there is no locations.user here.
    assert station == {
        "station_id": "pegel:03022",
        "source": "pegel",
        "name": "Hönne, Bahnhof",
        "lat": None,
        "lon": None,
        "theme": "water",
        "district": "Innenstadt",
        "category": None,
        "opening_hours": None,
    }
    assert batch.skipped == 0


def test_decentlab_soil_profile_keeps_only_what_has_a_unit():
    config = {"devices": {"03022": {"model": "decentlab/dl-smtp"}}}
    batch = ttn.parse((TTN / "tb_decentlab_dl-smtp_ttn_webhook_uplink_no_decoded.json").read_bytes(), source="boden", config=config)
    assert values(batch) == {"battery": 2.875}
    assert batch.stations["theme"].to_list() == ["soil"]


def test_elsys_co2_device_found_by_dev_eui_in_any_case():
    config = {"devices": {"1000000000000001": {"model": "elsys/ers-co2", "name": "Raum 204", "theme": "indoor_air"}}}
    batch = ttn.parse((TTN / "tb_elsys_ers2_co2_ttn_webhook_uplink_no_decoded.json").read_text(), source="schulen", config=config)
    assert values(batch) == {"temperature": 22.6, "humidity": 41.0, "illuminance": 39.0, "co2": 776.0, "battery": 3.426}
    assert batch.stations["station_id"].to_list() == ["schulen:eui-1000000000000001"]
    assert batch.stations["name"].to_list() == ["Raum 204"]


def test_milesight_am103():
    config = {"devices": {"EUI-1000000000000001": {"model": "milesight-iot/am103"}}}
    batch = ttn.parse(load("tb_milesight_am103_ttn_webhook_uplink_no_decoded.json"), source="s", config=config)
    assert values(batch) == {"temperature": 28.0, "humidity": 54.5, "co2": 453.0}


def test_docs_uplink_uses_decoded_payload_and_user_location():
    batch = ttn.parse(load("tts_docs_uplink_message_example_2023.json"), source="ttn")
    # the-things-uno has no decoder here; its decoded_payload still maps what has a known name.
    assert values(batch) == {"temperature": 1.0}
    assert batch.readings["ts"].to_list() == [datetime(2020, 2, 12, 15, 15, 46, 14773, tzinfo=UTC)]
    station = batch.stations.row(0, named=True)
    assert (station["station_id"], station["lat"], station["lon"], station["theme"]) == (
        "ttn:dev1",
        37.97155556731436,
        23.72678801175413,
        "other",
    )


def test_docs_uplink_as_published_in_2025_is_not_json():
    with pytest.raises(FeedFormatError, match=r"not JSON|neither JSON"):
        ttn.parse((TTN / "tts_docs_uplink_message_example_2025_as_published_INVALID_JSON.txt").read_bytes(), source="ttn")


def test_storage_event_wrapper_with_unmappable_decoded_payload():
    batch = ttn.parse(load("ttn_client_storage_uplink_decoded_cayenne.json"), source="ha")
    assert batch.readings.is_empty() and batch.skipped == 0  # CayenneLPP names like temperature_41 are not guessed
    assert batch.stations["station_id"].to_list() == ["ha:distance-03"]
    # Without decoded_payload and without a known model there is nothing to decode: counted.
    batch = ttn.parse(load("ttn_client_storage_uplink_no_decoded_payload.json"), source="ha")
    assert (len(batch), batch.skipped) == (0, 1)


def test_two_gateways_one_reading_each_and_own_decoding_agrees_with_decoded_payload():
    up = load("webhook_uplink_two_gateways_decoded.json")
    assert len(up["uplink_message"]["rx_metadata"]) == 2
    pushed = ttn.parse(up, source="klima")
    assert values(pushed) == {"temperature": 18.4, "humidity": 72.0}
    assert pushed.readings.height == 2
    station = pushed.stations.row(0, named=True)
    assert (station["lat"], station["lon"]) == (51.43952, 7.79478)
    ours = ttn.parse(up, source="klima", config={"devices": {"klima-bahnhof-01": {"model": "elsys/ers"}}})
    assert values(ours) == values(pushed)
    assert ours.stations["theme"].to_list() == ["indoor_air"]


def test_config_overrides_location_theme_and_name():
    config = {"devices": {"klima-bahnhof-01": {"lat": 51.44, "lon": 7.78, "theme": "microclimate", "name": "Bahnhof <b>Menden</b>"}}}
    station = ttn.parse(load("webhook_uplink_two_gateways_decoded.json"), source="k", config=config).stations.row(0, named=True)
    assert (station["lat"], station["lon"], station["theme"]) == (51.44, 7.78, "microclimate")
    assert station["name"] == "Bahnhof <b>Menden</b>"  # untrusted text kept as data


def uplink_at(device: str, minute: int, co2: float, f_cnt: int) -> dict:
    fport, payload = encode("elsys/ers-co2", {"temperature": 21.0, "humidity": 40, "co2": co2})
    up = ttn.uplink(device, "elsys/ers-co2", fport, payload, datetime(2024, 6, 3, 8, minute, tzinfo=UTC))
    up["uplink_message"]["f_cnt"] = f_cnt
    return up


def test_ndjson_stream_with_duplicates_a_counter_reset_and_broken_lines():
    first, again, after_reset = uplink_at("r1", 0, 700, 41), uplink_at("r1", 0, 700, 41), uplink_at("r1", 10, 900, 0)
    no_device = copy.deepcopy(first)
    del no_device["end_device_ids"]["device_id"]
    stream = "\n".join(
        [
            json.dumps({"result": first}),
            json.dumps({"result": again}),
            "{broken",
            json.dumps({"result": after_reset}),
            json.dumps({"result": no_device}),
            "",
        ]
    ).encode()
    batch = ttn.parse(stream, source="s")
    co2 = batch.readings.filter(quantity="co2").sort("ts")
    assert co2["value"].to_list() == [700.0, 900.0]  # the delivered-twice uplink once; f_cnt 0 kept
    assert batch.readings.group_by("station_id", "quantity", "ts").len()["len"].max() == 1
    assert batch.skipped == 2  # the broken line and the uplink without a device id


def test_a_list_of_uplinks_and_non_uplink_messages():
    join = {"end_device_ids": {"device_id": "r1"}, "received_at": "2024-06-03T08:00:00Z", "join_accept": {"session_key_id": "x"}}
    batch = ttn.parse([uplink_at("r1", 0, 700, 1), join, 42], source="s")
    assert values(batch)["co2"] == 700.0
    assert batch.skipped == 1  # the 42; the join accept is simply not an uplink


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda up: up["uplink_message"].update(frm_payload="!!not base64!!"), "bad base64"),
        (lambda up: up["uplink_message"].update(frm_payload=base64.b64encode(b"\x01\x00").decode()), "truncated payload"),
        (lambda up: up.update(received_at="yesterday") or up["uplink_message"].pop("received_at"), "no usable time"),
        (lambda up: up["uplink_message"].pop("version_ids"), "unknown model, nothing decoded"),
        (lambda up: up.update(uplink_message="x"), "uplink_message not an object"),
        (lambda up: up.update(end_device_ids=[]), "ids not an object"),
    ],
)
def test_broken_uplink_is_skipped_and_counted_the_rest_kept(mutate, reason):
    good, bad = uplink_at("ok", 0, 700, 1), uplink_at("bad", 10, 800, 2)
    mutate(bad)
    batch = ttn.parse([good, bad], source="s")
    assert values(batch)["co2"] == 700.0, reason
    assert batch.readings["station_id"].unique().to_list() == ["s:ok"], reason
    assert batch.skipped == 1, reason


@pytest.mark.parametrize(
    "payload", [b"<html>Wartung</html>", b"\xff\xfe\x00", 42, "[1, 2", {"foo": "bar"}, b"[" * 100_000 + b"]" * 100_000]
)
def test_bad_input_raises_feed_format_error_or_is_counted(payload):
    try:
        batch = ttn.parse(payload, source="s")
    except FeedFormatError:
        return
    assert len(batch) == 0 and batch.skipped >= 1


def test_example_config_loads_and_describes_devices():
    sources = [src for name in ("ttn.toml", "chirpstack.toml") for src in load_config(ROOT / "config" / "examples" / name).sources]
    kinds = {src["key"]: src for src in sources}
    ttn_src = next(src for src in sources if src["kind"] == "ttn")
    assert ttn_src["application_id"] and ttn_src["api_key_env"]
    assert any("mount_height_cm" in dev for src in kinds.values() for dev in src.get("devices", {}).values())
    assert any(src["kind"] == "chirpstack" and src.get("inbox") for src in sources)


# --- fetch against a local Storage Integration ---------------------------------------------------

APP = "menden-klima"
PATH = f"/api/v3/as/applications/{APP}/packages/storage/uplink_message"


def stream(*uplinks) -> bytes:
    return "".join(json.dumps({"result": up}) + "\n" for up in uplinks).encode()


@pytest.fixture
def source(feed_server, monkeypatch):
    monkeypatch.setenv("TTN_TEST_KEY", "NNSXS.secret")
    return {"key": "klima", "kind": "ttn", "application_id": APP, "api_key_env": "TTN_TEST_KEY", "base_url": feed_server.url, "timeout": 2}


def test_fetch_storage_stream(feed_server, session, source):
    feed_server.route(PATH, stream(uplink_at("r1", 0, 700, 1), uplink_at("r2", 5, 1500, 9)), headers={"Content-Type": "text/event-stream"})
    batch = ttn.fetch(source, session, since=datetime.now(UTC) - timedelta(days=10))
    assert batch.readings.filter(quantity="co2").sort("station_id")["value"].to_list() == [700.0, 1500.0]
    method, path, query, headers, _ = feed_server.requests[-1]
    assert (method, path) == ("GET", PATH)
    assert headers["Authorization"] == "Bearer NNSXS.secret"
    assert headers["Accept"] == "text/event-stream"
    assert query["limit"] == "1000" and query["order"] == "received_at"
    # A since older than max_days (default 1) is clamped: the poll never asks for weeks at once.
    after = datetime.fromisoformat(query["after"].replace("Z", "+00:00"))
    assert abs(after - (datetime.now(UTC) - timedelta(days=1))) < timedelta(minutes=1)
    assert "NNSXS" not in str(batch.readings) + str(batch.stations)


def test_fetch_uses_since_as_after(feed_server, session, source):
    feed_server.route(PATH, b"")
    since = datetime.now(UTC) - timedelta(minutes=30)
    assert len(ttn.fetch(source, session, since=since)) == 0
    assert feed_server.requests[-1][2]["after"] == since.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_fetch_pages_until_a_short_page(feed_server, session, source):
    now = datetime.now(UTC).replace(microsecond=0)
    ups = [
        ttn.uplink(f"d{i}", "elsys/ers-co2", *encode("elsys/ers-co2", {"co2": 500 + i}), now - timedelta(minutes=50 - i)) for i in range(5)
    ]
    second_after = ups[1]["received_at"]
    feed_server.route(PATH, stream(*ups[:2]))
    feed_server.route(PATH, stream(*ups[2:]), query={"after": second_after})
    batch = ttn.fetch({**source, "page_size": 2}, session, since=now - timedelta(hours=1))
    assert sorted(batch.readings["value"].to_list()) == [500.0, 501.0, 502.0, 503.0, 504.0]
    assert [r[2]["after"] for r in feed_server.requests][1] == second_after


@pytest.mark.parametrize(("status", "error"), [(401, FeedAuthError), (403, FeedAuthError), (500, FeedUnavailable)])
def test_fetch_http_errors(feed_server, session, source, status, error):
    feed_server.route(PATH, b'{"code": 16, "message": "error:pkg/auth:unauthenticated"}', status=status)
    with pytest.raises(error):
        ttn.fetch(source, session)


def test_fetch_timeout_is_unavailable(feed_server, session, source):
    feed_server.route(PATH, stream(uplink_at("r1", 0, 700, 1)), delay=1.5)
    with pytest.raises(FeedUnavailable):
        ttn.fetch({**source, "timeout": 0.3}, session)


@pytest.mark.parametrize(("code", "error"), [(16, FeedAuthError), (4, FeedUnavailable)])
def test_fetch_error_inside_the_stream(feed_server, session, source, code, error):
    body = stream(uplink_at("r1", 0, 700, 1)) + json.dumps({"error": {"code": code, "message": "stream broke"}}).encode()
    feed_server.route(PATH, body)
    with pytest.raises(error, match="stream error"):
        ttn.fetch(source, session)


def test_fetch_without_secret_or_target(session, source, monkeypatch):
    monkeypatch.delenv("TTN_TEST_KEY")
    with pytest.raises(FeedAuthError, match="TTN_TEST_KEY"):
        ttn.fetch(source, session)
    with pytest.raises(FeedAuthError, match="api_key_env"):
        ttn.fetch({k: v for k, v in source.items() if k != "api_key_env"}, session)
    with pytest.raises(FeedFormatError, match="application_id"):
        ttn.fetch({"key": "x", "kind": "ttn"}, session)
    with pytest.raises(FeedFormatError, match="page_size"):
        monkeypatch.setenv("TTN_TEST_KEY", "k")
        ttn.fetch({**source, "page_size": "many"}, session)


def test_fetch_reads_the_webhook_inbox_like_the_stream(tmp_path, session):
    up = uplink_at("r1", 0, 700, 1)
    inbox.append(tmp_path / "inbox", json.dumps(up).encode())
    inbox.append(tmp_path / "inbox", json.dumps(up).encode())  # TTN retried the webhook
    cfg = {"key": "klima", "kind": "ttn", "inbox": "inbox", "config_dir": str(tmp_path), "poll_s": 60}
    pushed = ttn.fetch(cfg, session)
    polled = ttn.parse(stream(up), source="klima")
    assert pushed.readings.sort("quantity").equals(polled.readings.sort("quantity"))
    assert pushed.stations.equals(polled.stations)
    assert isinstance(pushed.readings, pl.DataFrame)


def test_fetch_with_storage_and_webhooks_gives_one_reading_per_uplink(feed_server, session, source, tmp_path):
    now = datetime.now(UTC).replace(microsecond=0)
    up = ttn.uplink("r1", "elsys/ers-co2", *encode("elsys/ers-co2", {"co2": 812, "temperature": 20.5}), now - timedelta(minutes=3))
    feed_server.route(PATH, stream(up))
    inbox.append(tmp_path / "inbox", json.dumps(up).encode())
    cfg = {**source, "inbox": "inbox", "config_dir": str(tmp_path), "poll_s": 60}
    batch = ttn.fetch(cfg, session, since=now - timedelta(hours=1))
    assert sorted(batch.readings.select("quantity", "value").rows()) == [("co2", 812.0), ("temperature", 20.5)]


def test_a_key_the_stream_echoes_is_masked_before_the_message_is_cut(feed_server, session, source):
    # 170 characters, then the echoed header: a cut at 200 used to keep the key's first 20 characters
    echoed = "y" * 170 + " Authorization: Bearer NNSXS.secret" * 3
    feed_server.route(PATH, json.dumps({"error": {"code": 16, "message": echoed}}).encode())
    with pytest.raises(FeedAuthError) as info:
        ttn.fetch(source, session)
    assert "NNSXS" not in str(info.value) and "***" in str(info.value)
