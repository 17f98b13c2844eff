"""The ingest runner with a configured mqtt source: it starts the bridge, a published uplink is in the
store within moments, and feed health shows the push source connected (or why not)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from core import ingest
from core.config import load_config
from core.store import open_store
from core.views import feeds
from data_sources import KINDS
from tests.data_sources.test_mqtt import UP, Publisher, elsys, wait_until

pytestmark = pytest.mark.xdist_group("mqtt")

CITY = """
[city]
name = "Menden"
timezone = "Europe/Berlin"
center = [51.44, 7.78]
zoom = 12

[[sources]]
key = "lns"
kind = "mqtt"
poll = "1h"
url = "{url}"
format = "ttn"
username = "app1@ttn"

[sources.devices."eui-1000000000000001"]
model = "elsys/ers-co2"
name = "Raum 204"

[[sources]]
key = "locked"
kind = "mqtt"
poll = "1h"
url = "{url}"
format = "ttn"
username = "app2@ttn"
api_key_env = "SHOWROOM_TEST_NO_SUCH_KEY"
"""


def test_the_runner_bridges_pushes_into_the_store_and_feed_health(tmp_path, mqtt_broker, monkeypatch):
    monkeypatch.delenv("SHOWROOM_TEST_NO_SUCH_KEY", raising=False)
    path = tmp_path / "city.toml"
    path.write_text(CITY.format(url=mqtt_broker.url), encoding="utf-8")
    config = load_config(path, kinds=KINDS)
    store = open_store(tmp_path / "data")
    runner = ingest.Runner(config, store)
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    pub = Publisher(mqtt_broker)
    try:
        wait_until(lambda: (store.state(feeds.push_state("lns")) or {}).get("connected"), "the bridge reports connected")
        # the first poll (at start) found an empty inbox; the next one is an hour away unless the push wakes it
        wait_until(lambda: store.feed_health().height == 2, "both sources polled once")
        # a recent time: the quality checks keep readings older than the retention window aside
        pub.publish(UP.format("eui-1000000000000001"), elsys(0, start=datetime.now(UTC) - timedelta(minutes=2)))
        wait_until(lambda: store.readings(station_ids="lns:eui-1000000000000001").height > 0, "the pushed uplink stored")
        wait_until(lambda: (store.state(feeds.push_state("lns")) or {}).get("per_hour") == 1, "the message counted")
        view = feeds.overview(store, config)
        lns, locked = view.push.row(0, named=True), view.push.row(1, named=True)
        assert (lns["key"], lns["connected"], lns["running"], lns["per_hour"]) == ("lns", True, True, 1)
        assert lns["last_message"] is not None and lns["last_error"] is None
        assert (locked["key"], locked["connected"]) == ("locked", False)
        assert "SHOWROOM_TEST_NO_SUCH_KEY" in locked["last_error"]
        states = dict(view.sources.select("key", "state").iter_rows())
        assert states["lns"] == "ok" and states["locked"] in ("failing", "disconnected")
    finally:
        pub.close()
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert (store.state(feeds.push_state("lns")) or {}).get("connected") is False  # the last word on stopping


def test_a_bridge_that_stopped_reporting_is_not_connected(tmp_path):
    path = tmp_path / "city.toml"
    path.write_text(CITY.format(url="mqtt://127.0.0.1:1"), encoding="utf-8")
    config = load_config(path, kinds=KINDS)
    store = open_store(tmp_path / "data")
    store.set_state(feeds.push_state("lns"), {"connected": True, "updated": 1.0, "per_hour": 3, "last_message": 1.0})
    view = feeds.overview(store, config)
    row = view.push.row(0, named=True)
    assert (row["running"], row["connected"], row["per_hour"]) == (False, False, 3)
    assert dict(view.sources.select("key", "state").iter_rows())["lns"] == "never"  # never polled wins
