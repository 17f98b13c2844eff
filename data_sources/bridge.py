"""The MQTT bridge: one broker subscription per ``mqtt`` source; each message into its inbox, acknowledged after.

A message is acknowledged (paho's manual ack) only once its inbox file is on disk, so a crash or
a full disk never loses one the broker counts as delivered: with a fixed client id and a
persistent session (``clean_session=False``, MQTT 5: a session expiry) the broker sends it again.
Malformed messages are counted and skipped, never stopping the bridge; a ChirpStack broker that
sends Protobuf is said so by name. Each bridge's health goes to the store's run state
(``core.views.feeds.push_state``) for the Quellen page.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import logging
import queue
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from core.secrets import scrub
from data_sources import http, inbox, mqtt
from data_sources.errors import FeedError, FeedFormatError

log = logging.getLogger("showroom.mqtt")
SEEN = 4096  # digests of recent messages: a QoS 1 redelivery of one already filed is acknowledged, not filed again
HEARTBEAT_S = 30.0  # a bridge publishes its health at least this often (the page calls it gone after 3 missed)
COUNTS_S = 5.0  # new messages alone are published at most this often (a connection change or an error at once)
ALIVE = "alive"  # <inbox>/alive: touched while connected; after a restart, the outage starts at its mtime
RECONNECT_MIN_S, RECONNECT_MAX_S = 1, 60
BATCH = 500  # messages filed as one inbox event at most (the broker's in-flight window is smaller: mosquitto's is 20)


class ProtobufPayload(FeedFormatError):
    """A ChirpStack broker sends Protobuf: its MQTT integration has ``json = false``."""


PROTOBUF_HINT = "ChirpStack sends Protobuf, not JSON: set json = true under [integration.mqtt] in chirpstack.toml"


def classify(cfg: mqtt.Settings, topic: str, payload: bytes) -> dict | None:
    """The uplink record to file, or None for events that are not uplinks (join, downlink, status);
    raises FeedFormatError (ProtobufPayload for Protobuf) for a message nobody can read. Pure."""
    if not topic.endswith(cfg.uplink_suffix):
        return None
    try:
        record = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        if cfg.format == "chirpstack" and _looks_protobuf(payload):
            raise ProtobufPayload(PROTOBUF_HINT) from None
        msg = f"message on {topic} is not JSON ({len(payload)} bytes)"
        raise FeedFormatError(msg) from None
    if not isinstance(record, dict):
        msg = f"message on {topic} is JSON but not an object"
        raise FeedFormatError(msg)
    return None if mqtt.FORMATS[cfg.format].extract(record, None) is None else record


def _looks_protobuf(payload: bytes) -> bool:
    # A ChirpStack event starts with field 1 (deduplication_id) or 2 (time), length-delimited: 0x0a or 0x12.
    return payload[:1] in (b"\x0a", b"\x12")


@dataclass
class PushStatus:
    """What the Quellen page shows of a push source; counts since the bridge started."""

    source: str
    broker: str
    topic: str
    connected: bool = False
    since: float | None = None  # connected or disconnected since (epoch s)
    last_message: float | None = None  # the newest uplink filed
    stored: int = 0
    duplicates: int = 0
    other: int = 0
    malformed: int = 0
    protobuf: int = 0
    last_error: str | None = None
    last_error_at: float | None = None
    recent: collections.deque = field(default_factory=collections.deque, repr=False)  # filing times of the last hour

    def snapshot(self, now: float) -> dict[str, Any]:
        while self.recent and self.recent[0] < now - 3600:
            self.recent.popleft()
        out = {k: v for k, v in asdict(self).items() if k != "recent"}
        return {**out, "per_hour": len(self.recent), "updated": now}


class Bridge:
    """One source's subscription: connect (with backoff), subscribe, file, acknowledge."""

    def __init__(self, source_cfg: Mapping[str, Any], *, on_stored: Callable[[str], None] | None = None) -> None:
        self.cfg = mqtt.settings(source_cfg)
        self._password = http.secret(source_cfg)  # FeedAuthError when the named env var is missing
        self._on_stored = on_stored
        self.status = PushStatus(self.cfg.key, f"{self.cfg.host}:{self.cfg.port}", self.cfg.topic)
        self.changed = threading.Event()  # health worth publishing now (connected, lost, an error)
        self.subscribed = threading.Event()  # the broker confirmed the subscription on the current connection
        self.counted = threading.Event()  # messages filed since the last publication
        self._lock = threading.Lock()
        self._seen: collections.OrderedDict[bytes, None] = collections.OrderedDict()
        self._lost: float | None = None  # when the connection was lost (for a TTN backfill)
        self._first = True
        self._queue: queue.SimpleQueue = queue.SimpleQueue()  # received, not yet filed nor acknowledged
        self._halt = threading.Event()
        self._writer = threading.Thread(target=self._write, name=f"showroom-mqtt-{self.cfg.key}", daemon=True)
        self.client = self._client()

    def _client(self) -> paho.Client:
        v5 = self.cfg.protocol == "5"
        client = paho.Client(
            paho.CallbackAPIVersion.VERSION2,
            client_id=self.cfg.client_id,
            clean_session=None if v5 else False,  # a persistent session: the broker keeps what we have not acked
            protocol=paho.MQTTv5 if v5 else paho.MQTTv311,
            manual_ack=True,
        )
        if self.cfg.username:
            client.username_pw_set(self.cfg.username, self._password)
        if self.cfg.tls:
            client.tls_set(ca_certs=self.cfg.ca_file, cert_reqs=ssl.CERT_REQUIRED)
        client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        client.on_connect, client.on_disconnect, client.on_message = self._connected, self._disconnected, self._message
        client.on_connect_fail = self._connect_failed
        client.on_subscribe = self._subscribed
        return client

    def start(self) -> None:
        properties = None
        if self.cfg.protocol == "5":
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = self.cfg.session_expiry_s
        self.client.connect_async(
            self.cfg.host,
            self.cfg.port,
            keepalive=self.cfg.keepalive,
            clean_start=False if self.cfg.protocol == "5" else paho.MQTT_CLEAN_START_FIRST_ONLY,  # 3.1.1: clean_session above
            properties=properties,
        )
        self._writer.start()
        self.client.loop_start()  # paho's thread: reconnects with backoff, also when the broker is down at start

    def stop(self) -> None:
        self._halt.set()  # what is still queued stays unacknowledged: the broker sends it again
        if self._writer.is_alive():
            self._writer.join(timeout=10)
        self.client.disconnect()
        self.client.loop_stop()

    # paho callbacks (its network thread) -------------------------------------------------------

    def _connected(self, client, userdata, flags, reason_code, properties) -> None:
        now = time.time()
        if reason_code.is_failure:
            self._error(f"the broker refused the connection: {reason_code}")
            return
        client.subscribe(self.cfg.topic, qos=self.cfg.qos)
        lost = self._lost
        if self._first:
            alive = self.cfg.inbox / ALIVE
            lost = alive.stat().st_mtime if alive.exists() else None  # this process was away since
            self._first = False
        if lost is not None and self.cfg.format == "ttn":
            try:
                mqtt.record_gap(self.cfg.inbox, lost, now)
            except OSError as exc:
                self._error(f"could not note the outage for a backfill: {type(exc).__name__}")
        self._lost = None
        with self._lock:
            self.status.connected, self.status.since = True, now
        self.touch()
        log.info("mqtt %s: connected to %s, subscribed to %s", self.cfg.key, self.status.broker, self.cfg.topic)
        self.changed.set()

    def _subscribed(self, client, userdata, mid, reason_codes, properties) -> None:
        refused = [code for code in reason_codes if code.is_failure]
        if refused:
            self._error(f"the broker refused the subscription to {self.cfg.topic}: {refused[0]}")
            return
        self.subscribed.set()

    def _disconnected(self, client, userdata, flags, reason_code, properties) -> None:
        now = time.time()
        self.subscribed.clear()
        with self._lock:
            if self.status.connected:
                self._lost = now
            self.status.connected, self.status.since = False, now
        if reason_code != 0:
            self._error(f"connection to {self.status.broker} lost: {reason_code}")
        self.changed.set()

    def _connect_failed(self, client, userdata) -> None:
        self._error(f"cannot reach the broker at {self.status.broker} (no connection, or the TLS handshake failed); trying again")

    def _message(self, client, userdata, message) -> None:
        self._queue.put(message)  # filed by the writer thread: paho's network thread never waits for a disk

    def _write(self) -> None:
        """File what arrived in batches: one inbox file and one fsync per burst, then every message's ack."""
        while not self._halt.is_set():
            try:
                first = self._queue.get(timeout=0.25)
            except queue.Empty:
                continue
            batch = [first]
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if self._halt.is_set():
                return  # not acked: the broker sends these again on the next connection
            if self.handle([(m.topic, m.payload) for m in batch]) is None:
                self._reconnect()  # not on disk: no ack, and a fresh connection so the broker sends them again
                continue
            for m in batch:
                self.client.ack(m.mid, m.qos)

    def _reconnect(self) -> None:
        sock = self.client.socket()
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # paho sees a lost connection and reconnects with backoff
            except OSError:
                pass

    def handle(self, messages: list[tuple[str, bytes]]) -> list[str] | None:
        """File a batch of (topic, payload) messages; their outcomes (stored, duplicate, other, malformed,
        protobuf), or None when the uplinks among them could not be written (nothing of them is filed)."""
        outcomes, ups = [], []  # ups: (digest, raw payload, record)
        for topic, payload in messages:
            digest = hashlib.blake2b(topic.encode() + b"\0" + payload, digest_size=16).digest()
            with self._lock:
                seen = digest in self._seen or any(digest == d for d, _, _ in ups)
                if seen:
                    self.status.duplicates += 1
            if seen:
                outcomes.append("duplicate")
                continue
            try:
                record = classify(self.cfg, topic, payload)
            except ProtobufPayload as exc:
                self._error(str(exc), count="protobuf")
                outcomes.append("protobuf")
                continue
            except FeedFormatError as exc:
                self._error(str(exc), count="malformed")
                outcomes.append("malformed")
                continue
            if record is None:
                with self._lock:
                    self.status.other += 1
                outcomes.append("other")
                continue
            ups.append((digest, payload, record))
            outcomes.append("stored")
        if not ups:
            return outcomes
        # one event per burst: a lone message as it came, several as one JSON list (the inbox reader takes both)
        body = ups[0][1] if len(ups) == 1 else json.dumps([record for _, _, record in ups], separators=(",", ":")).encode()
        try:
            inbox.append(self.cfg.inbox, body)
        except OSError as exc:
            self._error(f"could not file messages into the inbox ({type(exc).__name__}); the broker sends them again")
            return None
        now = time.time()
        with self._lock:
            for digest, _, _ in ups:
                self._seen[digest] = None
                if len(self._seen) > SEEN:
                    self._seen.popitem(last=False)
            self.status.stored += len(ups)
            self.status.last_message = now
            self.status.recent.extend([now] * len(ups))
        self.counted.set()
        if self._on_stored is not None:
            self._on_stored(self.cfg.key)
        return outcomes

    def _error(self, text: str, count: str | None = None) -> None:
        text = scrub(text, [self._password] if self._password else []) or text
        with self._lock:
            if count:
                setattr(self.status, count, getattr(self.status, count) + 1)
            self.status.last_error, self.status.last_error_at = text, time.time()
        log.warning("mqtt %s: %s", self.cfg.key, text)
        self.changed.set()

    def touch(self) -> None:
        """Mark the inbox as served now (its mtime starts the backfill after a restart)."""
        try:
            self.cfg.inbox.mkdir(parents=True, exist_ok=True)
            (self.cfg.inbox / ALIVE).touch()
        except OSError:
            pass  # the next message's filing error says more

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return self.status.snapshot(time.time())


Publish = Callable[[str, dict], None]


class Bridges:
    """The bridges of a city's mqtt sources, and the thread that publishes their health."""

    def __init__(self, sources: Iterable[Mapping[str, Any]], *, publish: Publish | None = None, on_stored=None) -> None:
        self.bridges: list[Bridge] = []
        self.errors: dict[str, str] = {}  # sources whose bridge could not be set up (bad settings, no secret)
        for src in sources:
            if src.get("kind") != "mqtt":
                continue
            try:
                self.bridges.append(Bridge(src, on_stored=on_stored))
            except (FeedError, OSError, ValueError) as exc:  # bad settings, no secret (FeedAuthError), an unreadable ca_file
                self.errors[src["key"]] = f"{type(exc).__name__}: {exc}"
        self._publish = publish
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._publisher, name="showroom-mqtt-health", daemon=True)

    def __len__(self) -> int:
        return len(self.bridges)

    def start(self) -> Bridges:
        for bridge in self.bridges:
            bridge.start()
        if self.bridges or self.errors:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for bridge in self.bridges:
            bridge.stop()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._publish_all()  # the last word: disconnected

    def _publisher(self) -> None:
        last = 0.0
        while not self._stop.is_set():
            since = time.monotonic() - last
            changed = any(b.changed.is_set() for b in self.bridges)
            counted = any(b.counted.is_set() for b in self.bridges)
            if changed or (counted and since >= COUNTS_S) or since >= HEARTBEAT_S:
                last = time.monotonic()
                self._publish_all()
            self._stop.wait(0.5)

    def _publish_all(self) -> None:
        for bridge in self.bridges:
            bridge.changed.clear()
            bridge.counted.clear()
            snapshot = bridge.snapshot()
            if snapshot["connected"]:
                bridge.touch()
            self._send(bridge.cfg.key, snapshot)
        for key, error in self.errors.items():
            self._send(key, {"source": key, "connected": False, "last_error": error, "updated": time.time()})

    def _send(self, key: str, snapshot: dict) -> None:
        if self._publish is None:
            return
        try:
            self._publish(key, snapshot)
        except Exception as exc:  # noqa: BLE001 - isolation boundary: a store that refuses writes is tried at the next beat
            log.warning("mqtt %s: health not published yet: %s", key, type(exc).__name__)


def main(argv: list[str] | None = None) -> int:
    """``python -m data_sources.mqtt --config city.toml``: the bridges alone, without the ingest runner."""
    from core.config import ConfigError, load_config, store_location
    from core.store import open_store
    from core.views.feeds import push_state

    parser = argparse.ArgumentParser(prog="python -m data_sources.mqtt", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="city TOML (default: SHOWROOM_CONFIG or the bundled demo)")
    parser.add_argument("--no-store", action="store_true", help="do not publish the bridges' health into the store")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = None if args.no_store else open_store(store_location(config), tz=config.timezone)
    publish = None if store is None else (lambda key, status: store.set_state(push_state(key), status))
    group = Bridges(config.sources, publish=publish)
    for key, error in group.errors.items():
        print(f"error: source {key}: {error}", file=sys.stderr)
    if not group:
        print("error: no mqtt source to bridge", file=sys.stderr)
        return 2
    group.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        group.stop()
    return 0
