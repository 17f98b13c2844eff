"""The MQTT bridge against a real mosquitto: TTN and ChirpStack uplinks end to end into the store,
redeliveries stored once, malformed messages counted, broker down at start and restarted."""

import copy
import json
import socket
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import paho.mqtt.client as paho
import pytest

from core.store import open_store
from data_sources import bridge, inbox, mqtt
from data_sources.errors import FeedError, FeedFormatError
from tests.data_sources.conftest import FIXTURES

pytestmark = pytest.mark.xdist_group("mqtt")  # brokers are cheap, but keep their restarts apart from the rest

ELSYS = json.loads((FIXTURES / "ttn_v3" / "tb_elsys_ers2_co2_ttn_webhook_uplink_no_decoded.json").read_bytes())
ELSYS_DEVICE = {"eui-1000000000000001": {"model": "elsys/ers-co2", "name": "Raum 204"}}
AM103 = (FIXTURES / "chirpstack" / "tb_milesight_am103_chirpstack_v4_up.json").read_bytes()
TTS_UP = (FIXTURES / "lorawan_mqtt" / "tts_docs_mqtt_uplink_message_example.json").read_bytes()
TTS_JOIN = (FIXTURES / "lorawan_mqtt" / "tts_docs_mqtt_join_accept_example.json").read_bytes()
UP = "v3/app1@ttn/devices/{}/up"
CS_UP = "application/ca739e26-7b67-4f14-b69e-d568c22a5a75/device/1000000000000001/event/up"


def wait_until(predicate, what: str, timeout: float = 30.0) -> None:
    """Wait for something the broker and the bridge do in their own threads (a bound, not a timing claim)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.02)


def elsys(i: int, start: datetime = datetime(2023, 5, 19, 5, 33, tzinfo=UTC)) -> bytes:
    """The recorded Elsys ERS CO2 uplink, received ``i`` minutes after ``start`` (one reading time per message)."""
    up = copy.deepcopy(ELSYS)
    up["received_at"] = (start + timedelta(minutes=i)).isoformat().replace("+00:00", "Z")
    return json.dumps(up).encode()


def source(tmp_path, broker, **extra):
    return {
        "key": "lns",
        "kind": "mqtt",
        "url": broker.url,
        "format": "ttn",
        "username": "app1@ttn",
        "devices": ELSYS_DEVICE,
        "inbox": str(tmp_path / "inbox"),
        "poll_s": 60.0,
        **extra,
    }


class Publisher:
    """A network server's side: QoS 1 publishes that the broker has taken when publish() returns."""

    def __init__(self, broker) -> None:
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="lns-test-publisher")
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> None:
        info = self.client.publish(topic, payload, qos=qos)
        info.wait_for_publish(timeout=10)
        assert info.is_published()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(mqtt_broker):
    pub = Publisher(mqtt_broker)
    yield pub
    pub.close()


def connected(b: bridge.Bridge) -> bool:
    return b.snapshot()["connected"]


def started(cfg, **kwargs) -> bridge.Bridge:
    b = bridge.Bridge(cfg, **kwargs)
    b.start()
    wait_until(b.subscribed.is_set, "bridge connected and subscribed")
    return b


def store_all(cfg, store):
    batch = mqtt.fetch(cfg, session=None)
    store.append(batch)
    return batch


def test_ttn_uplinks_from_the_broker_reach_the_store(tmp_path, mqtt_broker, publisher):
    cfg = source(tmp_path, mqtt_broker)
    b = started(cfg)
    try:
        for i in range(3):
            publisher.publish(UP.format("eui-1000000000000001"), elsys(i))
        publisher.publish(UP.format("dev1").replace("/up", "/join"), TTS_JOIN)  # a join: not an uplink
        publisher.publish(UP.format("dev1"), TTS_UP)  # no received_at, no model: filed, then skipped and counted
        wait_until(lambda: b.snapshot()["stored"] == 4, "four uplinks filed")
    finally:
        b.stop()
    store = open_store(tmp_path / "data")
    batch = store_all(cfg, store)
    assert batch.skipped == 1
    readings = store.readings(station_ids="lns:eui-1000000000000001")
    assert readings["ts"].n_unique() == 3 and set(readings["quantity"]) >= {"co2", "temperature", "humidity"}
    assert store.stations().filter(station_id="lns:eui-1000000000000001")["name"].to_list() == ["Raum 204"]
    status = b.snapshot()
    assert (status["other"], status["malformed"], status["connected"]) == (0, 0, False)  # the join is not on the uplink topic


def test_chirpstack_uplinks_with_the_profile_model(tmp_path, mqtt_broker, publisher):
    cfg = source(
        tmp_path,
        mqtt_broker,
        format="chirpstack",
        username=None,
        devices={},
        profiles={"Chirpstack default device profile": {"model": "milesight-iot/am103", "theme": "indoor_air"}},
    )
    assert mqtt.settings(cfg).topic == "application/+/device/+/event/up"
    b = started(cfg)
    try:
        publisher.publish(CS_UP, AM103)
        publisher.publish(CS_UP.replace("/event/up", "/event/status"), b'{"margin": 7, "deviceInfo": {}}')
        wait_until(lambda: b.snapshot()["stored"] == 1, "one uplink filed")
    finally:
        b.stop()
    store = open_store(tmp_path / "data")
    store_all(cfg, store)
    readings = store.readings()
    assert set(readings["station_id"]) == {"lns:1000000000000001"}
    assert {"co2", "temperature", "humidity"} <= set(readings["quantity"])


def test_malformed_messages_are_counted_and_skipped_and_the_bridge_goes_on(tmp_path, mqtt_broker, publisher):
    cfg = source(tmp_path, mqtt_broker)
    b = started(cfg)
    try:
        topic = UP.format("eui-1000000000000001")
        for junk in (b"not json", b"[1, 2]", b'{"uplink_message": "x"}', b"\xff\xfe", b"[" * 5000):
            publisher.publish(topic, junk)
        publisher.publish(topic, elsys(0))
        wait_until(lambda: b.snapshot()["stored"] == 1, "the good uplink after the junk filed")
        status = b.snapshot()
        assert status["malformed"] == 5 and status["connected"]
        assert "not JSON" in status["last_error"] or "uplink" in status["last_error"]
    finally:
        b.stop()
    assert len(list((tmp_path / "inbox" / "new").iterdir())) == 1  # junk never reaches the inbox


def test_a_chirpstack_broker_sending_protobuf_is_named(tmp_path, mqtt_broker, publisher):
    cfg = source(tmp_path, mqtt_broker, format="chirpstack", username=None)
    b = started(cfg)
    try:
        # the start of an integration.UplinkEvent: field 1 (deduplication_id), a 36-byte string
        publisher.publish(CS_UP, b"\x0a\x24" + b"3a7bd4d1-4c3c-4c5f-9f3b-6f2a4f0d2c1e" + b"\x12\x0b\x08\xa5\xd6\x9c\xa3\x06")
        wait_until(lambda: b.snapshot()["protobuf"] == 1, "the Protobuf message counted")
        status = b.snapshot()
        assert "Protobuf" in status["last_error"] and "json = true" in status["last_error"]
        assert status["malformed"] == 0 and status["stored"] == 0
    finally:
        b.stop()
    with pytest.raises(bridge.ProtobufPayload):
        bridge.classify(mqtt.settings(cfg), CS_UP, b"\x0a\x02ab")


def test_a_redelivery_is_stored_once(tmp_path, mqtt_broker, publisher):
    cfg = source(tmp_path, mqtt_broker)
    cut = []

    def lose_the_ack(key):
        # the connection drops after the message is filed and before its ack leaves: the broker sends it again
        if not cut:
            cut.append(key)
            b.client.socket().shutdown(socket.SHUT_RDWR)

    b = bridge.Bridge(cfg, on_stored=lose_the_ack)
    b.start()
    try:
        wait_until(b.subscribed.is_set, "bridge subscribed")
        publisher.publish(UP.format("eui-1000000000000001"), elsys(7))
        publisher.publish(UP.format("eui-1000000000000001"), elsys(7))  # and the network server retried on its own
        wait_until(lambda: cut and connected(b) and b.snapshot()["duplicates"] >= 1, "reconnected, the copies recognised")
    finally:
        b.stop()
    store = open_store(tmp_path / "data")
    store_all(cfg, store)
    store_all(cfg, store)  # the inbox hands each event out twice: still one row per series
    readings = store.readings()
    assert readings.select("station_id", "quantity", "ts").is_unique().all() and readings["ts"].n_unique() == 1
    assert b.snapshot()["stored"] == 1


def test_broker_restart_in_the_middle_loses_nothing(tmp_path, mqtt_broker, publisher):
    cfg = source(tmp_path, mqtt_broker)
    b = started(cfg)
    topic = UP.format("eui-1000000000000001")
    for i in range(5):
        publisher.publish(topic, elsys(i))
    wait_until(lambda: b.snapshot()["stored"] == 5, "five filed before the bridge stops")
    b.stop()  # the bridge goes away; its persistent session keeps collecting
    for i in range(5, 10):
        publisher.publish(topic, elsys(i))
    mqtt_broker.restart()  # the queued messages survive the broker's restart (persistence)
    b = started(cfg)  # the same client id: the session and its queue are ours again
    try:
        second = Publisher(mqtt_broker)
        try:
            for i in range(10, 15):
                second.publish(topic, elsys(i))
        finally:
            second.close()
        wait_until(lambda: b.snapshot()["stored"] == 10, "the queued five and the five after the restart filed")
    finally:
        b.stop()
    store = open_store(tmp_path / "data")
    store_all(cfg, store)
    assert store.readings(quantities="co2")["ts"].n_unique() == 15


def test_broker_down_at_start_then_up(tmp_path):
    from tests.mqttbroker import Broker

    try:
        broker = Broker()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    cfg = source(tmp_path, broker)
    b = bridge.Bridge(cfg)
    b.start()
    try:
        wait_until(lambda: b.snapshot()["last_error"] is not None, "the failed connection reported")
        status = b.snapshot()
        assert not status["connected"] and "cannot reach the broker" in status["last_error"]
        broker.start()
        wait_until(b.subscribed.is_set, "connected and subscribed once the broker is up")
        pub = Publisher(broker)
        try:
            pub.publish(UP.format("eui-1000000000000001"), elsys(0))
        finally:
            pub.close()
        wait_until(lambda: b.snapshot()["stored"] == 1, "the uplink filed")
    finally:
        b.stop()
        broker.stop()


def test_a_lost_connection_is_noted_for_a_ttn_backfill(tmp_path, mqtt_broker):
    cfg = source(tmp_path, mqtt_broker)
    b = started(cfg)
    try:
        mqtt_broker.restart()
        wait_until(lambda: list((tmp_path / "inbox" / mqtt.GAPS).glob("*.json")), "the outage noted")
        wait_until(lambda: connected(b), "reconnected")
    finally:
        b.stop()
    gap = json.loads(next((tmp_path / "inbox" / mqtt.GAPS).glob("*.json")).read_text())
    assert gap["lost"] <= gap["back"]


def test_settings_of_a_tls_source(tmp_path):
    cfg = {
        "key": "tts",
        "kind": "mqtt",
        "url": "mqtts://eu1.cloud.thethings.network",
        "username": "schulen-co2@ttn",
        "ca_file": "certs/ca.pem",
        "config_dir": str(tmp_path),
    }
    s = mqtt.settings(cfg)
    assert (s.host, s.port, s.tls, s.topic) == ("eu1.cloud.thethings.network", 8883, True, "v3/schulen-co2@ttn/devices/+/up")
    assert (s.client_id, s.qos, s.protocol, s.ca_file) == ("showroom-tts", 1, "3.1.1", str(tmp_path / "certs" / "ca.pem"))
    assert s.inbox == tmp_path / "inbox" / "tts"
    assert mqtt.settings({**cfg, "url": "mqtt://broker:1884"}).port == 1884
    assert mqtt.settings({**cfg, "url": "mqtt://broker"}).tls is False


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"url": "http://broker"}, "url must look like"),
        ({"url": "mqtts://user:pw@broker"}, "must not carry credentials"),
        ({"url": "mqtt://broker:port"}, "port"),
        ({"format": "lorawan"}, "format must be"),
        ({"username": None}, "needs username"),
        ({"qos": 2}, "qos must be 0 or 1"),
        ({"protocol": "4"}, "protocol"),
        ({"topic": "v3/#/up"}, "topic"),
        ({"keepalive": 1}, "keepalive"),
        ({"session_expiry": "soon"}, "session_expiry"),
    ],
)
def test_bad_settings_are_feed_format_errors(change, words):
    cfg = {"key": "tts", "kind": "mqtt", "url": "mqtt://broker", "username": "a@ttn", **change}
    with pytest.raises(FeedFormatError, match=words):
        mqtt.settings(cfg)


def test_a_ttn_source_backfills_a_noted_outage_from_the_storage_integration(tmp_path, feed_server, session, monkeypatch):
    monkeypatch.setenv("TTN_MQTT_TEST_KEY", "NNSXS.secret")
    path = "/api/v3/as/applications/app1/packages/storage/uplink_message"
    stored_up = json.loads(elsys(30))  # an uplink published while the bridge was away (QoS 0: gone from MQTT)
    feed_server.route(path, (json.dumps({"result": stored_up}) + "\n").encode(), headers={"Content-Type": "text/event-stream"})
    cfg = {
        "key": "lns",
        "kind": "mqtt",
        "url": "mqtts://eu1.cloud.thethings.network",
        "username": "app1@ttn",
        "application_id": "app1",
        "api_key_env": "TTN_MQTT_TEST_KEY",
        "base_url": feed_server.url,
        "devices": ELSYS_DEVICE,
        "inbox": str(tmp_path / "inbox"),
        "poll_s": 60.0,
        "max_days": 10_000,
    }
    assert len(mqtt.fetch(cfg, session)) == 0 and not feed_server.requests  # no outage: no request
    lost = datetime(2023, 5, 19, 5, 50, tzinfo=UTC).timestamp()
    mqtt.record_gap(tmp_path / "inbox", lost, lost + 1800)
    feed_server.route(path, status=500)
    with pytest.raises(FeedError):
        mqtt.fetch(cfg, session)  # the backfill failed: the poll fails and the note stays
    feed_server.routes.pop()
    batch = mqtt.fetch(cfg, session)
    assert set(batch.readings["ts"].dt.minute()) == {3}  # 05:33 + 30 min
    after = feed_server.requests[-1][2]["after"]
    assert after.startswith("2023-05-19T05:49:00")  # a minute before the connection was lost
    again = mqtt.fetch({**cfg, "stored_through": time.time() - 3600}, session)  # that poll's rows not stored yet
    assert len(again) == len(batch)
    calls = len(feed_server.requests)
    assert len(mqtt.fetch({**cfg, "stored_through": time.time() + 1}, session)) == 0  # stored: the note is done
    assert len(feed_server.requests) == calls and not list((tmp_path / "inbox" / mqtt.GAPS).glob("*.json"))


def test_mqtt5_session_expiry_keeps_what_was_published_while_away(tmp_path, mqtt_broker, publisher):
    cfg = source(tmp_path, mqtt_broker, protocol="5", session_expiry="1h")
    b = started(cfg)
    b.stop()
    for i in range(3):
        publisher.publish(UP.format("eui-1000000000000001"), elsys(i))  # queued for the expired-later session
    b = started(cfg)
    try:
        wait_until(lambda: b.snapshot()["stored"] == 3, "the three queued while away filed")
    finally:
        b.stop()


def test_tls_broker_with_the_citys_ca_file(tmp_path):
    from tests.mqttbroker import Broker

    try:
        broker = Broker(tls=True).start()
    except (RuntimeError, OSError) as exc:
        pytest.skip(str(exc))
    try:
        cfg = source(tmp_path, broker, ca_file=str(broker.ca_file))
        assert mqtt.settings(cfg).tls and broker.url.startswith("mqtts://")
        b = started(cfg)
        try:
            pub = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="tls-publisher")
            pub.tls_set(ca_certs=str(broker.ca_file))
            pub.connect("127.0.0.1", broker.port)
            pub.loop_start()
            try:
                pub.publish(UP.format("eui-1000000000000001"), elsys(0), qos=1).wait_for_publish(timeout=10)
            finally:
                pub.disconnect()
                pub.loop_stop()
            wait_until(lambda: b.snapshot()["stored"] == 1, "the uplink filed over TLS")
        finally:
            b.stop()
        untrusted = bridge.Bridge(source(tmp_path / "other", broker, client_id="untrusted"))  # the system CAs do not know ours
        untrusted.start()
        try:
            wait_until(lambda: untrusted.snapshot()["last_error"] is not None, "the refused handshake reported")
            assert not untrusted.snapshot()["connected"]
        finally:
            untrusted.stop()
    finally:
        broker.stop()


def test_filed_events_leave_the_inbox_once_a_later_poll_was_stored(tmp_path):
    cfg = source(tmp_path, SimpleNamespace(url="mqtt://127.0.0.1:1"))  # no broker needed: the bridge's files are written here
    folder = tmp_path / "inbox"
    inbox.append(folder, elsys(0))
    first = mqtt.fetch(cfg, session=None)
    before = time.time()
    second = mqtt.fetch({**cfg, "stored_through": before - 3600}, session=None)  # not stored yet: read again
    assert len(first) == len(second) > 0
    mqtt.fetch({**cfg, "stored_through": time.time()}, session=None)  # stored: gone, not re-read for minutes
    assert [p for stage in (inbox.NEW, inbox.HANDED, inbox.KEPT) for p in (folder / stage).iterdir()] == []
