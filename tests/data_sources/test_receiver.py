"""The webhook receiver on a real socket: tokens, limits, routes, and no accepted event ever lost."""

import http.client
import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from data_sources import inbox, receiver, ttn
from data_sources.lorawan.encoders import encode

TOKEN = "s3cret-webhook-token"


@pytest.fixture
def server(tmp_path):
    routes = {"/ttn": tmp_path / "ttn", "/cs": tmp_path / "cs"}
    srv = receiver.Receiver(("127.0.0.1", 0), routes, token=TOKEN, max_bytes=4096)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv, tmp_path
    srv.shutdown()
    srv.server_close()


def post(srv, path, body=b"{}", headers=None, method="POST"):
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=5)
    try:
        conn.request(method, path, body=body, headers={"X-Showroom-Token": TOKEN, **(headers or {})})
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


def stored(tmp_path, name):
    return inbox.pending(tmp_path / name)


def demo_uplink(i: int) -> bytes:
    fport, payload = encode("elsys/ers-co2", {"temperature": 21.0, "humidity": 40, "co2": 500 + i})
    when = datetime(2024, 6, 3, 8, 0, tzinfo=UTC) + timedelta(minutes=i)
    return json.dumps(ttn.uplink(f"raum-{i % 7}", "elsys/ers-co2", fport, payload, when)).encode()


def test_accepts_with_either_header_and_stores_the_raw_body(server):
    srv, tmp = server
    body = demo_uplink(1)
    assert post(srv, "/ttn", body)[0] == 202
    assert post(srv, "/ttn/uplink", body, headers={"X-Showroom-Token": "", "Authorization": f"Bearer {TOKEN}"})[0] == 202
    assert stored(tmp, "ttn") == 2
    assert [p.read_bytes() for p in (tmp / "ttn" / "new").iterdir()] == [body, body]


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Showroom-Token": ""},
        {"X-Showroom-Token": "wrong"},
        {"X-Showroom-Token": TOKEN[:-1]},
        {"X-Showroom-Token": "", "Authorization": "Basic eDp5"},
    ],
)
def test_missing_or_wrong_token_is_401_and_nothing_stored(server, headers):
    srv, tmp = server
    assert post(srv, "/ttn", demo_uplink(1), headers=headers)[0] == 401
    assert stored(tmp, "ttn") == 0


def test_oversized_body_is_413_and_not_stored(server):
    srv, tmp = server
    status, _ = post(srv, "/ttn", b'{"x": "' + b"a" * 5000 + b'"}')
    assert status == 413
    assert stored(tmp, "ttn") == 0


def test_unknown_path_404_other_methods_405_not_json_400(server):
    srv, tmp = server
    assert post(srv, "/other", demo_uplink(1))[0] == 404
    assert post(srv, "/ttnx", demo_uplink(1))[0] == 404
    assert post(srv, "/ttn", method="GET", body=None)[0] == 405
    assert post(srv, "/nowhere", method="GET", body=None)[0] == 404
    assert post(srv, "/ttn", b"<xml/>")[0] == 400
    assert post(srv, "/ttn", b"[" * 2000 + b"]" * 2000)[0] == 400  # nested past the JSON parser's depth
    assert stored(tmp, "ttn") == 0


def test_chirpstack_events_other_than_up_are_ignored(server):
    srv, tmp = server
    assert post(srv, "/cs?event=status", b'{"margin": 7}')[0] == 204
    assert post(srv, "/cs?event=location", b'{"location": {}}')[0] == 204
    assert post(srv, "/cs?event=up", b'{"deviceInfo": {"devEui": "0101010101010101"}, "fPort": 1, "data": "AQ=="}')[0] == 202
    assert stored(tmp, "cs") == 1


def test_no_length_is_411(server):
    srv, tmp = server
    with socket.create_connection(("127.0.0.1", srv.server_address[1]), timeout=5) as sock:
        sock.sendall(
            f"POST /ttn HTTP/1.1\r\nHost: x\r\nX-Showroom-Token: {TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n".encode()
        )
        assert sock.recv(100).startswith(b"HTTP/1.1 411")
    assert stored(tmp, "ttn") == 0


def test_storage_failure_is_503_so_the_sender_retries(server):
    srv, tmp = server
    (tmp / "ttn").write_text("a file where the inbox directory should be")
    assert post(srv, "/ttn", demo_uplink(1))[0] == 503


def test_every_accepted_event_arrives_in_the_store_rows(server):
    srv, tmp = server
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda i: post(srv, "/ttn", demo_uplink(i))[0], range(40)))
    assert statuses == [202] * 40
    cfg = {"key": "ttn", "kind": "ttn", "inbox": str(tmp / "ttn"), "poll_s": 60}
    batch = ttn.fetch(cfg, session=None)
    assert sorted(batch.readings.filter(quantity="co2")["value"].to_list()) == [500.0 + i for i in range(40)]
    assert batch.skipped == 0


def test_receiver_refuses_to_run_without_a_token(monkeypatch, tmp_path):
    monkeypatch.delenv(receiver.DEFAULT_TOKEN_ENV, raising=False)
    with pytest.raises(SystemExit):
        receiver.main(["--route", f"/ttn={tmp_path}"])
    with pytest.raises(ValueError):
        receiver.Receiver(("127.0.0.1", 0), {"/ttn": tmp_path}, token="")


def test_routes_from_the_city_config(tmp_path):
    config = tmp_path / "city.toml"
    config.write_text(
        """
[city]
name = "Menden"
timezone = "Europe/Berlin"
center = [51.44, 7.78]
zoom = 12

[[sources]]
key = "schulen"
kind = "ttn"
inbox = "inbox/schulen"

[[sources]]
key = "pegel"
kind = "chirpstack"
inbox = "/var/lib/showroom/pegel"

[[sources]]
key = "gauges"
kind = "pegelonline"
""",
        encoding="utf-8",
    )
    assert receiver.routes_from_config(config) == {
        "/schulen": tmp_path / "inbox" / "schulen",
        "/pegel": Path("/var/lib/showroom/pegel"),
    }
