"""FIWARE notifications: NGSI-v2 and NGSI-LD posts (normalized and keyValues) through a running receiver into
the inbox and on through the mapping of polls; ``subscribe`` creating and renewing subscriptions on a local broker."""

import http.client
import json
import threading

import pytest
from polars.testing import assert_frame_equal

from data_sources import inbox, ngsi_ld, ngsi_v2, receiver
from data_sources.errors import FeedUnavailable
from data_sources.fiware import notify
from tests.data_sources.conftest import FIXTURES

TOKEN = "s3cret-notification-token"
SDM = FIXTURES / "smart_data_models"
MENDEN = [51.4436, 7.7783]


def entity(name: str) -> dict:
    return json.loads((SDM / name).read_bytes())


def v2_notification(*names: str) -> bytes:
    # the envelope of the NGSI-v2 spec ("Notification Messages") around recorded Smart Data Models entities
    return json.dumps({"subscriptionId": "57458eb60962ef754e7c0998", "data": [entity(n) for n in names]}).encode()


def ld_notification(*names: str) -> bytes:
    # the envelope of ETSI GS CIM 009 (NGSI-LD, 5.3.1 Notification) around recorded Smart Data Models entities
    body = {
        "id": "urn:ngsi-ld:Notification:5fd0fa684eb81930c97005f3",
        "type": "Notification",
        "subscriptionId": "urn:ngsi-ld:Subscription:showroom-orion-ld",
        "notifiedAt": "2026-11-26T08:00:00.000Z",
        "data": [entity(n) for n in names],
    }
    return json.dumps(body).encode()


@pytest.fixture
def server(tmp_path):
    routes = {"/orion": tmp_path / "orion", "/ld": tmp_path / "ld"}
    srv = receiver.Receiver(("127.0.0.1", 0), routes, token=TOKEN, max_bytes=64 * 1024, kinds={"/orion": "ngsi_v2", "/ld": "ngsi_ld"})
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv, tmp_path
    srv.shutdown()
    srv.server_close()


def post(srv, path, body, token=TOKEN):
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=5)
    try:
        conn.request("POST", path, body=body, headers={"X-Showroom-Token": token, "Content-Type": "application/json"})
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


def cfg(tmp_path, key, kind, **extra):
    return {"key": key, "kind": kind, "inbox": str(tmp_path / key), "center": MENDEN, "poll_s": 60.0, **extra}


@pytest.mark.parametrize("form", ["example-normalized.json", "example.json"])  # normalized, keyValues
def test_v2_notifications_map_like_a_poll(server, form):
    srv, tmp = server
    names = [f"WeatherObserved/{form}", f"AirQualityObserved/{form}"]
    assert post(srv, "/orion", v2_notification(*names))[0] == 202
    got = ngsi_v2.fetch(cfg(tmp, "orion", "ngsi_v2"), session=None)
    polled = ngsi_v2.parse([entity(n) for n in names], source="orion", config={"center": MENDEN})
    assert len(got) > 0
    assert_frame_equal(got.readings.sort("station_id", "quantity", "ts"), polled.readings.sort("station_id", "quantity", "ts"))
    assert_frame_equal(got.stations.sort("station_id"), polled.stations.sort("station_id"))


@pytest.mark.parametrize("form", ["example-normalized.jsonld", "example.jsonld"])
def test_ld_notifications_map_like_a_poll(server, form):
    srv, tmp = server
    names = [f"WeatherObserved/{form}", f"IndoorEnvironmentObserved/{form}"]
    assert post(srv, "/ld", ld_notification(*names))[0] == 202
    got = ngsi_ld.fetch(cfg(tmp, "ld", "ngsi_ld"), session=None)
    polled = ngsi_ld.parse([entity(n) for n in names], source="ld", config={"center": MENDEN})
    assert len(got) > 0
    assert_frame_equal(got.readings.sort("station_id", "quantity", "ts"), polled.readings.sort("station_id", "quantity", "ts"))


def test_an_entity_without_a_time_takes_the_notifications():
    listed = notify.entities(json.loads(ld_notification("WeatherObserved/example.jsonld")), kind="ngsi_ld")
    bare = {"id": "urn:ngsi-ld:WeatherObserved:x", "type": "WeatherObserved", "temperature": 3.5}
    body = {"type": "Notification", "notifiedAt": "2026-11-26T08:00:00Z", "data": [bare]}
    [stamped] = notify.entities(body, kind="ngsi_ld")
    assert stamped["modifiedAt"] == "2026-11-26T08:00:00Z" and "modifiedAt" not in bare
    assert len(listed) == 1
    batch = ngsi_ld.parse([stamped], source="ld")
    assert batch.readings["value"].to_list() == [3.5]


def test_wrong_token_oversize_and_other_shapes_are_refused(server):
    srv, tmp = server
    body = v2_notification("WeatherObserved/example.json")
    assert post(srv, "/orion", body, token="wrong")[0] == 401
    assert post(srv, "/orion", body, token="")[0] == 401
    big = json.dumps({"subscriptionId": "x", "data": [{"id": "a", "type": "T", "pad": "x" * 70_000}]}).encode()
    assert post(srv, "/orion", big)[0] == 413
    assert post(srv, "/orion", ld_notification("WeatherObserved/example.jsonld"))[0] == 400  # an LD notification at a v2 path
    assert post(srv, "/ld", body)[0] == 400  # and the other way round
    assert post(srv, "/orion", json.dumps([entity("WeatherObserved/example.json")]).encode())[0] == 400  # bare entities
    assert post(srv, "/ld", b'{"type": "Notification", "data": {}}')[0] == 400
    assert post(srv, "/orion", b"not json")[0] == 400
    assert inbox.pending(tmp / "orion") == 0 and inbox.pending(tmp / "ld") == 0


def test_a_broken_notification_in_the_inbox_is_set_aside_and_counted_once(tmp_path):
    folder = tmp_path / "orion"
    inbox.append(folder, b'{"subscriptionId": "x", "data": "not a list"}')
    inbox.append(folder, v2_notification("WeatherObserved/example.json"))
    source = cfg(tmp_path, "orion", "ngsi_v2")
    first = ngsi_v2.fetch(source, session=None)
    assert first.skipped >= 1 and len(first) > 0
    assert len(list((folder / inbox.BAD).iterdir())) == 1
    again = ngsi_v2.fetch(source, session=None)
    assert again.skipped == first.skipped - 1 and len(again) == len(first)  # handed out again, counted once


def test_routes_and_kinds_from_the_city_config(tmp_path):
    config = tmp_path / "city.toml"
    config.write_text(
        """
[city]
name = "Menden"
timezone = "Europe/Berlin"
center = [51.44, 7.78]
zoom = 12

[[sources]]
key = "orion"
kind = "ngsi_v2"
base_url = "http://orion:1026"
inbox = "inbox/orion"

[[sources]]
key = "ld"
kind = "ngsi_ld"
base_url = "http://scorpio:9090"

[[sources]]
key = "schulen"
kind = "ttn"
inbox = "inbox/schulen"
""",
        encoding="utf-8",
    )
    assert receiver.routes_from_config(config) == {"/orion": tmp_path / "inbox" / "orion", "/schulen": tmp_path / "inbox" / "schulen"}
    assert receiver.kinds_from_config(config) == {"/orion": "ngsi_v2", "/schulen": "ttn"}


# --- subscribe -------------------------------------------------------------------------------------


@pytest.fixture
def broker(feed_server):
    handler = feed_server.httpd.RequestHandlerClass  # this server's own handler class: PATCH as well
    handler.do_PATCH = handler.do_POST
    return feed_server


def sent(server, method):
    return [(path, json.loads(body), headers) for m, path, _, headers, body in server.requests if m == method]


def test_v2_subscribe_creates_then_renews(broker, session):
    source = {
        "key": "orion",
        "kind": "ngsi_v2",
        "base_url": broker.url,
        "service": "menden",
        "types": ["WeatherObserved"],
        "form": "keyValues",
    }
    broker.route("/v2/subscriptions", body="[]", method="GET")
    broker.route("/v2/subscriptions", status=201, headers={"Location": "/v2/subscriptions/5f3a"}, method="POST")
    sub_id = notify.subscribe(source, session, kind="ngsi_v2", notify_url="https://showroom.example/hooks/orion", token=TOKEN)
    assert sub_id == "5f3a"
    [(path, body, headers)] = sent(broker, "POST")
    assert headers["Fiware-Service"] == "menden"
    assert body["subject"]["entities"] == [{"idPattern": ".*", "type": "WeatherObserved"}]
    assert body["notification"]["httpCustom"] == {"url": "https://showroom.example/hooks/orion", "headers": {"X-Showroom-Token": TOKEN}}
    assert body["notification"]["attrsFormat"] == "keyValues" and body["description"] == "showroom:orion"
    listed = json.dumps([{"id": "other", "description": "someone else"}, {"id": "5f3a", **body}])
    broker.route("/v2/subscriptions", body=listed, method="GET")
    broker.route("/v2/subscriptions/5f3a", status=204, method="PATCH")
    assert notify.subscribe(source, session, kind="ngsi_v2", notify_url="https://showroom.example/hooks/orion", token=TOKEN) == "5f3a"
    [(path, renewed, _)] = sent(broker, "PATCH")
    assert path == "/v2/subscriptions/5f3a" and renewed["expires"] >= body["expires"]
    assert len(sent(broker, "POST")) == 1  # renewed, not made twice


def test_ld_subscribe_creates_then_renews(broker, session):
    source = {
        "key": "ld",
        "kind": "ngsi_ld",
        "base_url": broker.url,
        "types": ["WeatherObserved"],
        "context": "https://ctx.example/c.jsonld",
    }
    sub = "/ngsi-ld/v1/subscriptions/urn:ngsi-ld:Subscription:showroom-ld"
    broker.route(sub, status=404, body='{"type": "ResourceNotFound"}', method="GET")
    broker.route("/ngsi-ld/v1/subscriptions", status=201, method="POST")
    assert notify.subscribe(source, session, kind="ngsi_ld", notify_url="https://showroom.example/ld", token=TOKEN).endswith("showroom-ld")
    [(_, body, headers)] = sent(broker, "POST")
    assert headers["Content-Type"] == "application/ld+json" and body["@context"] == "https://ctx.example/c.jsonld"
    assert body["entities"] == [{"type": "WeatherObserved"}]
    assert body["notification"]["endpoint"]["receiverInfo"] == [{"key": "X-Showroom-Token", "value": TOKEN}]
    broker.route(sub, body=json.dumps(body), method="GET")
    broker.route(sub, status=204, method="PATCH")
    notify.subscribe(source, session, kind="ngsi_ld", notify_url="https://showroom.example/ld", token=TOKEN)
    [(path, patch, _)] = sent(broker, "PATCH")
    assert path == sub and "id" not in patch and patch["isActive"] is True


def test_subscribe_command_reports_a_failing_broker(broker, tmp_path, monkeypatch, capsys):
    broker.route("/v2/subscriptions", status=500, method="GET")
    config = tmp_path / "city.toml"
    config.write_text(
        f"""
[city]
name = "Menden"
timezone = "Europe/Berlin"
center = [51.44, 7.78]
zoom = 12

[[sources]]
key = "orion"
kind = "ngsi_v2"
base_url = "{broker.url}"
inbox = "inbox/orion"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("SHOWROOM_WEBHOOK_TOKEN", TOKEN)
    assert notify.main("ngsi_v2", ["subscribe", "--config", str(config), "--notify-url", "https://showroom.example/hooks"]) == 1
    err = capsys.readouterr().err
    assert "orion" in err and TOKEN not in err
    with pytest.raises(FeedUnavailable):
        notify.subscribe({"key": "orion", "base_url": broker.url}, feed_http_session(), kind="ngsi_v2", notify_url="x", token=TOKEN)
    broker.route("/v2/subscriptions", body="[]", method="GET")
    broker.route("/v2/subscriptions", status=201, headers={"Location": "/v2/subscriptions/77"}, method="POST")
    assert notify.main("ngsi_v2", ["subscribe", "--config", str(config), "--notify-url", "https://showroom.example/hooks"]) == 0
    assert "subscription 77 notifies https://showroom.example/hooks/orion" in capsys.readouterr().out


def feed_http_session():
    from data_sources import http as feed_http

    return feed_http.make_session(retries=0)
