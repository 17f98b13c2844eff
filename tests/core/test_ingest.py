"""The ingestion runner: stores what sources deliver, records health, isolates failing sources."""

from __future__ import annotations

import datetime as dt
import threading
import types
from pathlib import Path

import pytest

from core import ingest
from core.config import load_config
from core.schema import Batch
from core.store import open_store
from data_sources import adapter as real_adapter
from data_sources.errors import FeedAuthError

CONFIG = """
[city]
name = "Teststadt"
timezone = "Europe/Berlin"
center = [51.4, 7.7]
zoom = 12

[[sources]]
key = "demo"
kind = "demo"
poll = "1m"
backfill_days = 1
"""


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "city.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return load_config(path)


def with_sources(tmp_path: Path, extra: str):
    path = tmp_path / "city2.toml"
    path.write_text(CONFIG + extra, encoding="utf-8")
    return load_config(path)


def test_once_stores_demo_and_records_health(tmp_path, config):
    store = open_store(tmp_path / "data")
    [result] = ingest.run_once(config, store)
    assert result.ok and result.rows > 20_000 and result.error is None
    health = store.feed_health().row(0, named=True)
    assert health["source"] == "demo" and health["last_error"] is None and health["rows"] == result.rows
    again = ingest.run_once(config, store)[0]
    assert again.ok and again.rows < 200  # only what is new since the newest stored reading
    assert len(store.readings()) == result.rows + again.rows


def fake_adapter(failure: Exception):
    def fetch(source_cfg, session, since=None):
        raise failure

    return types.SimpleNamespace(fetch=fetch)


def test_one_failing_source_never_stops_the_others(tmp_path, monkeypatch):
    monkeypatch.setenv("BROKEN_TOKEN", "s3cr3t-value")
    cfg = with_sources(
        tmp_path,
        '\n[[sources]]\nkey = "broken"\nkind = "ngsi_v2"\napi_key_env = "BROKEN_TOKEN"\n\n[[sources]]\nkey = "buggy"\nkind = "ngsi_ld"\n',
    )
    failures = {"ngsi_v2": FeedAuthError("HTTP 401 for token s3cr3t-value"), "ngsi_ld": ZeroDivisionError("adapter bug")}
    monkeypatch.setattr(ingest, "adapter", lambda kind: real_adapter(kind) if kind == "demo" else fake_adapter(failures[kind]))
    store = open_store(tmp_path / "data")
    results = {r.source: r for r in ingest.run_once(cfg, store)}
    assert results["demo"].ok and results["demo"].rows > 0
    assert not results["broken"].ok and results["broken"].error.startswith("FeedAuthError")
    assert "s3cr3t-value" not in results["broken"].error  # secrets never reach feed health
    assert not results["buggy"].ok and "ZeroDivisionError" in results["buggy"].error
    health = {r["source"]: r for r in store.feed_health().iter_rows(named=True)}
    assert health["broken"]["last_success"] is None and "***" in health["broken"]["last_error"]
    assert health["demo"]["last_error"] is None


def test_loop_polls_and_stops(tmp_path, config):
    store = open_store(tmp_path / "data")
    stop = threading.Event()
    thread = threading.Thread(target=ingest.run_loop, args=(config, store), kwargs={"stop": stop})
    thread.start()
    deadline = dt.datetime.now() + dt.timedelta(seconds=30)
    while not len(store.feed_health()) and dt.datetime.now() < deadline:
        stop.wait(0.2)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert store.feed_health()["rows"][0] > 0


def test_only_one_runner_per_store(tmp_path, capsys):
    path = tmp_path / "city.toml"
    path.write_text(CONFIG, encoding="utf-8")
    with open_store(tmp_path / "d").leader(ingest.LEADER) as mine:
        assert mine
        assert ingest.main(["--once", "--config", str(path), "--data-dir", str(tmp_path / "d")]) == 1
        assert "another ingest runner" in capsys.readouterr().err
        assert open_store(tmp_path / "d").readings().is_empty()  # it polled nothing
    assert ingest.main(["--once", "--config", str(path), "--data-dir", str(tmp_path / "d")]) == 0


def test_cli_once(tmp_path):
    path = tmp_path / "city.toml"
    path.write_text(CONFIG, encoding="utf-8")
    assert ingest.main(["--once", "--config", str(path), "--data-dir", str(tmp_path / "d")]) == 0
    assert len(open_store(tmp_path / "d").readings()) > 20_000


def test_batches_are_cleaned_before_they_are_stored(tmp_path, monkeypatch, config):
    ts = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    batch = Batch.from_rows(
        [
            {"ts": ts, "station_id": "demo:x", "quantity": "temperature", "value": 85.0, "source": "demo"},
            {"ts": ts, "station_id": "demo:x", "quantity": "temperature", "value": 4.0, "source": "demo"},
        ]
    )
    monkeypatch.setattr(ingest, "adapter", lambda kind: types.SimpleNamespace(fetch=lambda *a, **k: batch))
    store = open_store(tmp_path / "data")
    [result] = ingest.run_once(config, store)
    assert (result.rows, result.skipped) == (1, 1)
    assert store.feed_health()["skipped"][0] == 1
