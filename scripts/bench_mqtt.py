"""Messages per second through MQTT bridge → inbox → store on this machine (issue 16's closing number).

``python scripts/bench_mqtt.py [--messages 5000] [--devices 500]`` starts Debian's mosquitto on a free
loopback port, a bridge for a ``kind = "mqtt"`` TTN source, publishes recorded-shape Elsys ERS CO2
uplinks with QoS 1 as fast as the broker takes them, and times (1) until the bridge has filed (fsynced)
and acknowledged every one, and (2) one ``fetch`` + ``Store.append`` of the whole inbox into an
embedded store in a temp dir, as the ingest runner does. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import paho.mqtt.client as paho

from core.store import open_store
from data_sources import bridge, mqtt, ttn
from data_sources.lorawan.encoders import encode
from tests.mqttbroker import Broker


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--devices", type=int, default=500)
    args = parser.parse_args()
    broker = Broker().start()
    root = Path(tempfile.mkdtemp(prefix="showroom-bench-mqtt-"))
    cfg = {
        "key": "lns",
        "kind": "mqtt",
        "url": broker.url,
        "format": "ttn",
        "username": "bench@ttn",
        "inbox": str(root / "inbox"),
        "poll_s": 60.0,
        "devices": {f"raum-{d}": {"model": "elsys/ers-co2"} for d in range(args.devices)},
    }
    start = datetime.now(UTC) - timedelta(days=1)
    bodies = []
    for i in range(args.messages):
        fport, payload = encode("elsys/ers-co2", {"temperature": 21.0 + (i % 10) / 10, "humidity": 40, "co2": 400 + i % 1000})
        up = ttn.uplink(f"raum-{i % args.devices}", "elsys/ers-co2", fport, payload, start + timedelta(seconds=10 * i))
        bodies.append((f"v3/bench@ttn/devices/raum-{i % args.devices}/up", json.dumps(up).encode()))
    b = bridge.Bridge(cfg)
    b.start()
    try:
        if not b.subscribed.wait(20):
            print("the bridge did not subscribe", file=sys.stderr)
            return 1
        pub = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="bench-publisher")
        pub.max_inflight_messages_set(100)
        pub.max_queued_messages_set(0)
        pub.connect("127.0.0.1", broker.port)
        pub.loop_start()
        began = time.perf_counter()
        infos = [pub.publish(topic, body, qos=1) for topic, body in bodies]
        for info in infos:
            info.wait_for_publish(timeout=60)
        published = time.perf_counter() - began
        while b.snapshot()["stored"] < args.messages:
            if time.perf_counter() - began > 600:
                print(f"only {b.snapshot()['stored']} of {args.messages} filed after 600 s", file=sys.stderr)
                return 1
            time.sleep(0.005)
        filed = time.perf_counter() - began
        pub.disconnect()
        pub.loop_stop()
    finally:
        b.stop()
        broker.stop()
    store = open_store(root / "data")
    began = time.perf_counter()
    batch = mqtt.fetch(cfg, session=None)
    rows = store.append(batch)
    stored = time.perf_counter() - began
    print(f"{args.messages} uplinks of {args.devices} devices, {rows} readings stored ({batch.skipped} skipped)")
    print(f"publish (broker took all):          {published:7.2f} s")
    print(f"bridge → inbox (filed, acked):      {filed:7.2f} s  = {args.messages / filed:8.0f} messages/s")
    print(f"inbox → store (fetch + append):     {stored:7.2f} s  = {args.messages / stored:8.0f} messages/s")
    print(f"end to end (one after the other):   {filed + stored:7.2f} s  = {args.messages / (filed + stored):8.0f} messages/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
