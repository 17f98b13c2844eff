"""Feed health: states of sources, secrets never shown, station counts and the stale-station list."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from core.config import CityConfig
from core.schema import Batch
from core.store import open_store
from core.views import feeds

UTC = dt.UTC


def city(*sources: dict) -> CityConfig:
    return CityConfig("X", "Europe/Berlin", (51.4, 7.8), 12.0, "de", tuple(sources))


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path / "s")
    now = dt.datetime.now(UTC).replace(microsecond=0)
    every = dt.timedelta(minutes=10)
    rows = []
    for i in range(6):
        ts = now - dt.timedelta(hours=5) + i * every  # an hour of readings, then 4 h of silence
        rows += [
            {"ts": ts, "station_id": "a:quiet", "quantity": "temperature", "value": 20.0, "source": "a"},
            {"ts": ts, "station_id": "a:half", "quantity": "humidity", "value": 50.0, "source": "a"},
        ]
    for i in range(6):
        ts = now - 5 * every + i * every
        rows += [
            {"ts": ts, "station_id": "a:half", "quantity": "temperature", "value": 20.0, "source": "a"},
            {"ts": ts, "station_id": "b:fine", "quantity": "co2", "value": 600.0, "source": "b"},
        ]
    stations = [
        {"station_id": "a:quiet", "source": "a", "name": "<b>Still</b>", "theme": "microclimate", "district": "Mitte"},
        {"station_id": "a:half", "source": "a", "name": "Halb", "theme": "microclimate"},
        {"station_id": "b:fine", "source": "b", "name": "Gut", "theme": "indoor_air"},
    ]
    store.append(Batch.from_rows(rows, stations))
    return store


def test_stale_stations_name_their_stale_quantities_and_whether_they_are_silent(store):
    view = feeds.overview(store, city({"key": "a", "kind": "csv_file", "poll_s": 60.0}))
    stale = {r["station_id"]: r for r in view.stale.iter_rows(named=True)}
    assert set(stale) == {"a:quiet", "a:half"}
    assert stale["a:quiet"]["silent"] and stale["a:quiet"]["quantities"] == ["temperature"] and stale["a:quiet"]["name"] == "<b>Still</b>"
    assert not stale["a:half"]["silent"] and stale["a:half"]["quantities"] == ["humidity"]
    assert stale["a:quiet"]["age_s"] == pytest.approx(4 * 3600 + 10 * 60, abs=60)
    assert view.stale["station_id"].to_list()[0] in stale and view.stations == 3


def test_states_of_sources_in_config_order(store, monkeypatch):
    monkeypatch.setenv("SECRET_B", "t0ken-123")
    old = dt.datetime.now(UTC) - dt.timedelta(hours=1)
    store.record_health("a", ok=True, rows=12, skipped=2, latency_s=0.4, at=old)
    store.record_health("b", ok=True, rows=10, skipped=0, latency_s=0.2)
    store.record_health("b", ok=False, rows=0, skipped=0, latency_s=5.0, error="FeedAuthError: 401 for https://x/?key=t0ken-123")
    store.record_health("b", ok=False, rows=0, skipped=0, latency_s=5.0, error="FeedAuthError: 401 for https://x/?key=t0ken-123")
    store.record_health("gone", ok=True, rows=1, skipped=0, latency_s=0.1)
    view = feeds.overview(
        store,
        city(
            {"key": "b", "kind": "ngsi_v2", "poll_s": 60.0, "api_key_env": "SECRET_B"},
            {"key": "a", "kind": "csv_file", "poll_s": 300.0},
            {"key": "c", "kind": "pegelonline", "poll_s": 900.0},
        ),
    )
    rows = {r["key"]: r for r in view.sources.iter_rows(named=True)}
    assert view.sources["key"].to_list() == ["b", "a", "c", "gone"]  # config order, then unconfigured ones
    assert [rows[k]["state"] for k in ("b", "a", "c", "gone")] == ["failing", "late", "never", "ok"]
    assert rows["b"]["failures"] == 2 and rows["b"]["rows"] == 10 and rows["b"]["rows_total"] == 10
    assert "t0ken-123" not in rows["b"]["last_error"] and "key=***" in rows["b"]["last_error"]
    assert rows["a"]["stations"] == 2 and rows["a"]["stale_stations"] == 2 and rows["a"]["skipped"] == 2
    assert rows["a"]["since_success_s"] == pytest.approx(3600, abs=60)
    assert rows["c"]["last_attempt"] is None and rows["c"]["stations"] == 0 and rows["c"]["tone"] == "unknown"
    assert rows["gone"]["kind"] is None and rows["b"]["tone"] == "bad"
    assert "secret" not in view.sources.columns  # the secret never leaves the core


def test_late_needs_three_intervals_and_at_least_five_minutes():
    now = dt.datetime(2026, 5, 1, 12, tzinfo=UTC)
    configured = pl.DataFrame(
        [{"key": k, "kind": "demo", "poll_s": p, "secret": None} for k, p in (("fast", 10.0), ("slow", 600.0), ("slower", 600.0))],
        schema=feeds.SOURCE_COLUMNS,
    ).with_row_index("order")
    ago = {"fast": 200, "slow": 1700, "slower": 1900}
    health = pl.DataFrame(
        [
            {"source": k, "last_attempt": now - dt.timedelta(seconds=s), "last_success": now - dt.timedelta(seconds=s), "failures": 0}
            for k, s in ago.items()
        ]
    ).with_columns(pl.col("last_attempt", "last_success").dt.cast_time_unit("us"))
    for column, dtype in feeds.HEALTH_SCHEMA.items():
        if column not in health.columns:
            health = health.with_columns(pl.lit(None, dtype).alias(column))
    counts = pl.DataFrame(schema={"key": pl.String, "stations": pl.Int64, "stale_stations": pl.Int64})
    got = feeds.sources(configured, health.select(feeds.HEALTH_SCHEMA.names()), counts, now)
    assert got["state"].to_list() == ["ok", "ok", "late"]


def test_quellen_shows_no_secret_and_no_credential_a_stored_error_holds(tmp_path, monkeypatch):
    # an error stored before the key was rotated, or by an older version, still holds them
    monkeypatch.setenv("FEED_TOKEN", "t0k3n-now")
    store = open_store(tmp_path / "s")
    error = "FeedFormatError: https://admin:pw@feed.example/x.csv?apikey=OLD&station=4 said t0k3n-now"
    store.record_health("x", ok=False, rows=0, skipped=0, latency_s=1.0, error=error)
    city = CityConfig("X", "Europe/Berlin", (51.4, 7.8), 12.0, "de", ({"key": "x", "kind": "csv_file", "api_key_env": "FEED_TOKEN"},))
    shown = feeds.overview(store, city).sources.row(0, named=True)["last_error"]
    assert shown == "FeedFormatError: https://feed.example/x.csv?apikey=***&station=4 said ***"


def test_empty_store_lists_configured_sources_as_never_polled(tmp_path):
    view = feeds.overview(open_store(tmp_path / "e"), city({"key": "demo", "kind": "demo", "poll_s": 60.0}))
    assert view.sources.select("key", "state", "stations").rows() == [("demo", "never", 0)]
    assert view.stale.is_empty() and view.stations == 0


def test_quellen_lists_what_the_quality_checks_kept_aside_and_the_stores_damage(store):
    now = dt.datetime.now(UTC).replace(microsecond=0)
    aside = pl.DataFrame(
        [
            {"ts": now - dt.timedelta(minutes=i), "station_id": "a:half", "quantity": "temperature", "value": 80.0 - i, "source": "a"}
            for i in range(3)
        ]
        + [{"ts": now + dt.timedelta(hours=2), "station_id": "b:fine", "quantity": "co2", "value": 600.0, "source": "b"}]
    ).with_columns(reason=pl.Series(["spike", "spike", "rate", "future"]))
    store.quarantine(aside)
    store.record_health("a", ok=True, rows=0, skipped=0, latency_s=0.1, quarantined=3)
    view = feeds.overview(store, city({"key": "a", "kind": "csv_file", "poll_s": 60.0}, {"key": "b", "kind": "demo", "poll_s": 60.0}))
    assert view.quarantine_counts.rows() == [("a", "rate", 1), ("a", "spike", 2), ("b", "future", 1)]
    assert view.quarantine["reason"].to_list() == ["future", "spike", "spike", "rate"]  # newest reading first
    assert view.quarantine["name"].to_list() == ["Gut", "Halb", "Halb", "Halb"]
    counts = dict(view.sources.select("key", "quarantined_total").iter_rows())
    assert counts == {"a": 3, "b": 0}  # b never recorded a count: 0, not missing
    assert view.problems.is_empty()
