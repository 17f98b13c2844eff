"""The ingest runner against a disk that fills up and against slow feeds: nothing lost, nothing stops."""

from __future__ import annotations

import datetime as dt
import threading
import time
import types
from concurrent.futures import ThreadPoolExecutor

import polars as pl
import pytest

from core import ingest
from core.config import load_config
from core.schema import Batch
from core.store import open_store
from tests.core.disk import small_disk

T0 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


class Feed:
    """A feed with history: one reading a minute; ``published`` says how far it has come."""

    def __init__(self, key: str, *, delay_s: float = 0.0) -> None:
        self.key, self.delay_s, self.published, self.calls = key, delay_s, 0, 0

    def fetch(self, source_cfg, session, since=None):
        self.calls += 1
        time.sleep(self.delay_s)
        rows = [
            {"ts": T0 + dt.timedelta(minutes=i), "station_id": f"{self.key}:a", "quantity": "co2", "value": 400.0 + i, "source": self.key}
            for i in range(self.published)
            if since is None or T0 + dt.timedelta(minutes=i) > since
        ]
        return Batch.from_rows(rows, [{"station_id": f"{self.key}:a", "source": self.key, "name": "A", "theme": "indoor_air"}])


def city(tmp_path, *feeds: tuple[str, str, str]):
    """A city whose sources are ``feeds`` (key, stand-in kind, poll interval)."""
    text = '[city]\nname = "T"\ntimezone = "Europe/Berlin"\ncenter = [51.4, 7.7]\nzoom = 12\n'
    text += "".join(f'\n[[sources]]\nkey = "{key}"\nkind = "{kind}"\npoll = "{poll}"\n' for key, kind, poll in feeds)
    (tmp_path / "city.toml").write_text(text, encoding="utf-8")
    return load_config(tmp_path / "city.toml")


def plug(monkeypatch, feeds: dict[str, Feed]) -> None:
    by_kind = {"ngsi_v2": feeds.get("a"), "ngsi_ld": feeds.get("b")}
    monkeypatch.setattr(ingest, "adapter", lambda kind: types.SimpleNamespace(fetch=by_kind[kind].fetch))


def test_a_full_disk_loses_nothing_and_health_catches_up(tmp_path, monkeypatch):
    feed = Feed("a")
    plug(monkeypatch, {"a": feed})
    config = city(tmp_path, ("a", "ngsi_v2", "1m"))
    with small_disk(tmp_path) as disk:
        store = open_store(disk.root / "data")
        runner = ingest.Runner(config, store)
        [src] = config.sources
        feed.published = 10
        assert runner.poll(src).ok
        disk.break_()
        for published in (20, 30):  # the outage: two polls the store cannot take
            feed.published = published
            failed = runner.poll(src)
            assert not failed.ok and failed.error.startswith("StoreFault") and not failed.recorded
        assert len(runner.health) == 2  # kept for the store, in order
        disk.mend()
        feed.published = 35
        back = runner.poll(src)
        assert back.ok and back.rows == 25 and back.recorded and len(runner.health) == 0
        # nothing lost: the feed's readings of the outage came with the next poll that could be stored
        assert store.readings()["value"].to_list() == [400.0 + i for i in range(35)]
        health = store.feed_health().row(0, named=True)
        assert health["failures"] == 0 and health["last_error"].startswith("StoreFault")  # the outage is on record
        assert health["rows_total"] == 35


def test_the_loop_survives_a_store_that_refuses_everything_and_resumes_alone(tmp_path, monkeypatch):
    feed = Feed("a")
    feed.published = 5
    plug(monkeypatch, {"a": feed})
    config = city(tmp_path, ("a", "ngsi_v2", "0.2s"))
    with small_disk(tmp_path) as disk:
        store = open_store(disk.root / "data")
        stop = threading.Event()
        thread = threading.Thread(target=ingest.background, args=(config, disk.root / "data", stop), kwargs={"retry_s": 0.2})
        thread.start()
        try:
            deadline = time.monotonic() + 20
            while store.feed_health().is_empty() and time.monotonic() < deadline:
                time.sleep(0.1)
            disk.break_()
            feed.published, before = 20, feed.calls  # new readings the store cannot take
            time.sleep(2.0)
            assert thread.is_alive() and feed.calls > before  # it goes on polling (and failing to store)
            disk.mend()
            feed.published = 50
            deadline = time.monotonic() + 20
            while store.readings().height < 50 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert store.readings().height == 50  # resumed by itself once the disk could be written
            assert store.feed_health().row(0, named=True)["last_error"].startswith("StoreFault")
        finally:
            stop.set()
            thread.join(timeout=10)
        assert not thread.is_alive()


def test_a_slow_source_does_not_delay_a_fast_one(tmp_path, monkeypatch):
    slow, fast = Feed("b", delay_s=3.0), Feed("a")
    slow.published = fast.published = 3
    plug(monkeypatch, {"a": fast, "b": slow})
    config = city(tmp_path, ("a", "ngsi_v2", "0.3s"), ("b", "ngsi_ld", "0.3s"))
    store = open_store(tmp_path / "data")
    stop = threading.Event()
    thread = threading.Thread(target=ingest.run_loop, args=(config, store), kwargs={"stop": stop})
    thread.start()
    time.sleep(4.0)
    stop.set()
    thread.join(timeout=10)
    assert slow.calls <= 2
    assert fast.calls >= 8, fast.calls  # every 0.3 s while the slow one takes 3 s a poll
    assert store.readings().filter(pl.col("source") == "a").height == 3


@pytest.mark.parametrize("echo", ["token", "url"])
def test_an_adapter_bug_is_logged_without_the_secret(tmp_path, monkeypatch, caplog, echo):
    monkeypatch.setenv("FEED_KEY", "k3y-" + "x" * 40)
    secret = "k3y-" + "x" * 40

    def fetch(source_cfg, session, since=None):
        if echo == "token":
            raise RuntimeError(f"bad answer for key {secret}")
        raise RuntimeError(f"cannot parse https://user:{secret}@feed.example/v1?apikey={secret}&n=1")

    monkeypatch.setattr(ingest, "adapter", lambda kind: types.SimpleNamespace(fetch=fetch))
    config = city(tmp_path, ("a", "ngsi_v2", "1m"))
    source = {**config.sources[0], "api_key_env": "FEED_KEY"}
    store = open_store(tmp_path / "data")
    with caplog.at_level("INFO"):
        result = ingest.poll(source, store, None)
    assert not result.ok and "RuntimeError" in result.error
    everything = result.error + caplog.text + str(store.feed_health().to_dicts())
    assert secret not in everything and "k3y-xxxx" not in everything and "user:" not in everything


def test_the_runner_cleans_up_crash_debris_and_repairs_reported_damage(tmp_path, monkeypatch):
    feed = Feed("a")
    feed.published = 30
    plug(monkeypatch, {"a": feed})
    config = city(tmp_path, ("a", "ngsi_v2", "1m"))
    store = open_store(tmp_path / "data")
    runner = ingest.Runner(config, store)
    assert runner.poll(config.sources[0]).ok
    debris = tmp_path / "data" / "readings" / "2026-11-30" / "000000777-0123456789.parquet"  # a writer killed mid-commit
    debris.write_bytes(b"PAR1 and then nothing")
    with ThreadPoolExecutor(1) as pool:
        runner.step(pool)  # the first step maintains the store
    assert not debris.exists()
