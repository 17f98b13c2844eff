"""Data quality: spikes, rates, flat lines, future and stale times are quarantined with their reason; real change passes."""

from __future__ import annotations

import datetime as dt
import json
import types
from pathlib import Path

import polars as pl

from core import ingest, quality
from core.config import CityConfig, load_config
from core.schema import Batch
from core.store import open_store
from core.views import microclimate, today
from data_sources import adapter as real_adapter
from data_sources import ngsi_v2

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
STEP = dt.timedelta(minutes=15)
FIXTURES = Path(__file__).parents[1] / "fixtures"


def rows(quantity: str, values: list[float], *, end: dt.datetime = NOW, step: dt.timedelta = STEP, sid: str = "t:a") -> list[dict]:
    """``values`` every ``step``, the last one at ``end``."""
    n = len(values)
    return [
        {"ts": end - (n - 1 - i) * step, "station_id": sid, "quantity": quantity, "value": float(v), "source": "t"}
        for i, v in enumerate(values)
    ]


def judged(quantity: str, values: list[float], *, history: list[float] = (), **kw) -> dict[float, str]:
    """Check ``values`` (after the stored ``history`` in the same rhythm); value at position -> reason."""
    everything = rows(quantity, [*history, *values], **kw)
    stored, new = everything[: len(history)], everything[len(history) :]
    past = pl.DataFrame(stored, schema=quality.READINGS_SCHEMA) if stored else pl.DataFrame(schema=quality.READINGS_SCHEMA)
    out = quality.check(Batch.from_rows(new), past, now=NOW)
    assert out.batch.readings.height + out.quarantined.height == len(new)  # nothing lost
    position = {r["ts"]: i for i, r in enumerate(new)}
    return {position[ts]: reason for ts, reason in out.quarantined.select("ts", "reason").iter_rows()}


def test_a_spike_is_quarantined_and_the_good_reading_after_it_is_kept():
    values = [12.0, 12.2, 12.1, 12.3, 12.4, 27.0, 12.5, 12.6]
    assert judged("temperature", values) == {5: "rate"}  # +14.6 K in 15 min
    # far enough apart that the rate allows it, the spike test still sees it
    assert judged("temperature", values, step=dt.timedelta(hours=1)) == {5: "spike"}
    # the same against stored history: only the new spike goes
    assert judged("temperature", [27.0, 12.5], history=values[:5]) == {0: "rate"}


def test_a_flood_a_class_and_a_sunny_morning_pass():
    # the Hönne in a flash flood: 30 cm to 2.6 m in three hours, 15-minute readings
    flood = [30, 32, 38, 50, 70, 95, 125, 155, 180, 205, 225, 240, 252, 260, 258, 250]
    assert judged("water_level", flood) == {}
    # a class comes in: 450 ppm to 2,400 ppm within an hour, one reading a minute, with sensor noise
    noise = [0, 25, -20, 30, -15, 10]
    co2 = [450 + 33 * i + noise[i % 6] for i in range(60)] + [2400 + noise[i % 6] for i in range(30)]
    assert judged("co2", co2, step=dt.timedelta(minutes=1)) == {}
    # the sun reaches a street sensor: 4 K in 15 minutes
    assert judged("temperature", [14.0, 14.2, 14.5, 18.5, 19.0, 19.4]) == {}


def test_a_step_to_a_new_level_costs_three_readings_not_the_sensor():
    # a gauge re-levelled by 2 m: the first readings of the new level are suspect, then it is the level
    before, after = [100.0] * 8, [300.0] * 6
    found = judged("water_level", after, history=before)
    assert set(found) == {0, 1, 2} and set(found.values()) <= {"rate", "spike"}


def test_a_stuck_sensor_is_a_flat_line():
    temps = [8.0 + 0.1 * (i % 3) for i in range(8)] + [9.5] * 60  # 9.5 °C for 15 hours
    found = judged("temperature", temps)
    first = 8 + 12 * 4  # 12 hours on the same value
    assert set(found) == set(range(first, len(temps))) and set(found.values()) == {"flat"}
    # a flat line of a quantity without the test (a counter, the discharge) is no problem
    assert judged("discharge", [3.0] * 60) == {}


def test_future_and_stale_times_are_quarantined():
    almost = rows("humidity", [50.0], end=NOW + dt.timedelta(minutes=4))
    ahead = rows("humidity", [51.0], end=NOW + dt.timedelta(minutes=6), sid="t:b")
    ancient = rows("humidity", [52.0], end=NOW - dt.timedelta(days=900), sid="t:c")
    out = quality.check(Batch.from_rows(almost + ahead + ancient), pl.DataFrame(schema=quality.READINGS_SCHEMA), now=NOW)
    assert dict(out.quarantined.select("station_id", "reason").iter_rows()) == {"t:b": "future", "t:c": "too_old"}
    assert out.batch.readings["station_id"].to_list() == ["t:a"]
    # a workshop scenario plays hours in minutes: only the time tests apply to it
    fast = Batch.from_rows(rows("temperature", [12.0, 12.0, 30.0], step=dt.timedelta(seconds=10)))
    assert quality.check(fast, fast.readings.clear(), now=NOW, series=False).quarantined.is_empty()


class Feed:
    """A feed that publishes given readings; its own clock is NOW."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def fetch(self, source_cfg, session, since=None):
        new = [r for r in self.rows if since is None or r["ts"] > since]
        return Batch.from_rows(new, [{"station_id": "a:a", "source": "a", "name": "A", "theme": "microclimate"}])


def feed_rows(values: list[float], end: dt.datetime) -> list[dict]:
    return [{**r, "station_id": "a:a", "source": "a"} for r in rows("temperature", values, end=end)]


def test_ingest_keeps_quarantined_readings_aside_counts_them_and_never_shows_them(tmp_path, monkeypatch):
    text = '[city]\nname = "T"\ntimezone = "Europe/Berlin"\ncenter = [51.4, 7.7]\nzoom = 12\n'
    (tmp_path / "city.toml").write_text(text + '\n[[sources]]\nkey = "a"\nkind = "ngsi_v2"\npoll = "1m"\n', encoding="utf-8")
    config = load_config(tmp_path / "city.toml")
    feed = Feed()
    monkeypatch.setattr(ingest, "adapter", lambda kind: types.SimpleNamespace(fetch=feed.fetch))
    store = open_store(tmp_path / "data")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    feed.rows = feed_rows([12.0, 12.1, 12.3, 12.2, 12.4, 12.5], now - 2 * STEP)
    [first] = ingest.run_once(config, store)
    assert first.ok and first.rows == 6 and first.quarantined == 0
    # a spike, then a reading an hour in the future (a gateway with a wrong clock)
    feed.rows += [*feed_rows([29.5], now - STEP), {**feed_rows([12.6], now + dt.timedelta(hours=1))[0]}]
    [second] = ingest.run_once(config, store)
    assert second.ok and second.rows == 0 and second.quarantined == 2
    aside = store.quarantined()
    assert sorted(aside["reason"].to_list()) == ["future", "rate"] and aside["value"].to_list() == [12.6, 29.5]  # newest first
    assert 29.5 not in store.readings()["value"].to_list()
    assert store.latest(now)["value"].to_list() == [12.5]
    assert 29.5 > store.rollup("15m")["value"].max()
    health = store.feed_health().row(0, named=True)
    assert health["quarantined"] == 2 and health["quarantined_total"] == 2
    # polled again, the same readings come again (the source's newest stored reading is older): kept once, counted once
    [third] = ingest.run_once(config, store)
    assert third.rows == 0 and third.quarantined == 0 and store.quarantined().height == 2
    assert store.feed_health()["quarantined_total"].item() == 2
    # the next good reading is stored: the spike did not make it look like a jump
    feed.rows.append(feed_rows([12.7], now)[0])
    [fourth] = ingest.run_once(config, store)
    assert fourth.rows == 1 and fourth.quarantined == 0


def test_the_demo_city_passes_its_own_checks(tmp_path):
    text = '[city]\nname = "T"\ntimezone = "Europe/Berlin"\ncenter = [51.4, 7.7]\nzoom = 12\n'
    (tmp_path / "city.toml").write_text(text + '\n[[sources]]\nkey = "demo"\nkind = "demo"\npoll = "1m"\nbackfill_days = 3\n')
    config = load_config(tmp_path / "city.toml")
    source = config.sources[0]
    batch = real_adapter("demo").fetch({"timezone": config.timezone, "center": list(config.center), **source}, None, since=None)
    out = quality.check(batch, batch.readings.clear(), now=dt.datetime.now(dt.UTC))
    assert batch.readings.height > 20_000 and out.quarantined.is_empty()


def test_a_rivers_temperature_is_never_the_airs(tmp_path):
    entity = json.loads((FIXTURES / "smart_data_models/WaterQualityObserved/example.json").read_text())
    entity["dateObserved"] = NOW.isoformat()
    batch = ngsi_v2.parse(json.dumps(entity).encode(), source="fiware")
    assert batch.readings["quantity"].to_list() == ["water_temperature"]
    assert batch.stations["theme"].to_list() == ["water"]
    store = open_store(tmp_path / "data")
    store.append(batch)
    city = CityConfig(name="T", timezone="Europe/Berlin", center=(51.4, 7.7), zoom=12.0, language="de", sources=(), thresholds={})
    assert microclimate.city_now(store, city, now=NOW).stations.is_empty()
    assert today.current(store, city, now=NOW).filter(pl.col("quantity") == "temperature").is_empty()
    assert next(t for t in today.overview(store, city, now=NOW).tiles if t.key == "heat").value is None
