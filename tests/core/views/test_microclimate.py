"""Stadtklima views on a small store: spots now, day curves, DWD day counts, young trees."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from core.config import CityConfig
from core.schema import Batch
from core.store import open_store
from core.views import microclimate, today

UTC = dt.UTC
NOW = dt.datetime(2026, 7, 15, 12, 0, tzinfo=UTC)  # 14:00 in Berlin (CEST)


def city(**thresholds) -> CityConfig:
    return CityConfig(
        name="Test", timezone="Europe/Berlin", center=(51.44, 7.78), zoom=12.0, language="de", sources=(), thresholds=thresholds
    )


def station(sid: str, theme: str = "microclimate", *, lat: float = 51.44, lon: float = 7.78, district: str | None = "Mitte") -> dict:
    return {"station_id": f"t:{sid}", "source": "t", "name": f"Ort {sid}", "lat": lat, "lon": lon, "theme": theme, "district": district}


def reading(sid: str, quantity: str, value: float, ts: dt.datetime) -> dict:
    return {"ts": ts, "station_id": f"t:{sid}", "quantity": quantity, "value": value, "source": "t"}


def every(
    sid: str, quantity: str, values: list[float], *, end: dt.datetime = NOW, step: dt.timedelta = dt.timedelta(minutes=10)
) -> list[dict]:
    """``values`` reported every ``step`` up to ``end`` (the last value at ``end``)."""
    return [reading(sid, quantity, v, end - (len(values) - 1 - i) * step) for i, v in enumerate(values)]


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / "store", tz="Europe/Berlin")


def test_spots_rank_fresh_stations_and_rate_felt_temperature(store):
    rows = (
        every("hot", "temperature", [33.0] * 6)
        + every("hot", "humidity", [60.0] * 6)
        + every("mild", "temperature", [24.0] * 6)
        + every("mild", "humidity", [50.0] * 6)
        + every("cool", "temperature", [19.0] * 6)
        + every("old", "temperature", [40.0] * 6, end=NOW - dt.timedelta(hours=3))  # stale: not the hottest spot
        + every("room", "temperature", [45.0] * 6)  # a classroom: not microclimate
    )
    places = [station(s) for s in ("hot", "mild", "cool", "old")] + [station("room", "indoor_air")]
    store.append(Batch.from_rows(rows, places))
    now = microclimate.city_now(store, city(), now=NOW)
    assert now.stations["station_id"].to_list() == ["t:hot", "t:mild", "t:cool", "t:old"]  # stale last
    assert now.hottest["station_id"].to_list() == ["t:hot", "t:mild"]
    assert now.coolest["station_id"].to_list() == ["t:cool"]
    assert now.mean == pytest.approx((33 + 24 + 19) / 3)
    hot = now.stations.row(0, named=True)
    assert hot["felt"] > 38 and hot["status"] == "extreme" and hot["status_de"] == "extreme Hitzebelastung"
    assert now.worst["station_id"] == "t:hot"
    cool = now.stations.filter(pl.col("station_id") == "t:cool").row(0, named=True)
    assert cool["felt"] == 19.0 and cool["status"] == "no_stress"  # no humidity: felt = air temperature


def test_heat_stress_bands_follow_the_city_config(store):
    store.append(Batch.from_rows(every("a", "temperature", [31.0] * 3) + every("a", "humidity", [55.0] * 3), [station("a")]))
    assert microclimate.city_now(store, city(), now=NOW).worst["status"] == "strong"  # felt ≈ 33.7 °C
    assert microclimate.city_now(store, city(felt_temperature=[35, 40]), now=NOW).worst["status"] == "no_stress"


def test_felt_temperature_is_rated_the_same_on_heute_and_stadtklima(store):
    # 33 °C at 40 % feels like ~34 °C: with the city's bands at 30/31 °C that is "extreme" on every page
    store.append(Batch.from_rows(every("a", "temperature", [33.0] * 3) + every("a", "humidity", [40.0] * 3), [station("a")]))
    bands = city(felt_temperature=[30, 31])
    stadtklima = microclimate.city_now(store, bands, now=NOW).worst
    heute = today.current(store, bands, now=NOW).filter(pl.col("quantity") == "temperature").row(0, named=True)
    tile = next(t for t in today.overview(store, bands, now=NOW).tiles if t.key == "heat")
    assert stadtklima["status"] == heute["status"] == tile.status == "extreme"
    assert heute["felt"] == pytest.approx(stadtklima["felt"]) and heute["value"] == 33.0  # the tile shows the air temperature
    # a stale humidity is no longer the air now: both pages fall back to the air temperature alike
    later = NOW + dt.timedelta(hours=3)
    store.append(Batch.from_rows(every("a", "temperature", [29.0] * 3, end=later), [station("a")]))
    assert microclimate.city_now(store, bands, now=later).worst["felt"] == 29.0
    heute = today.current(store, bands, now=later).filter(pl.col("quantity") == "temperature")
    assert heute["felt"].item() == 29.0 and heute["status"].item() == "no_stress"


def test_empty_store_gives_empty_views(store):
    c = city()
    now = microclimate.city_now(store, c, now=NOW)
    assert now.stations.is_empty() and now.mean is None and now.worst is None and now.as_of is None
    assert microclimate.day_curves(store, c, now=NOW).is_empty()
    days = microclimate.heat_days(store, c, now=NOW)
    assert days.city == {"summer": 0, "hot": 0, "tropical": 0, "frost": 0} and days.first is None
    assert microclimate.trees(store, c, now=NOW).is_empty()
    assert microclimate.tree_curves(store, c, now=NOW).is_empty()


def test_day_curves_overlay_local_days_today_in_15_minutes(store):
    start = dt.datetime(2026, 7, 13, 22, 0, tzinfo=UTC)  # local midnight of 14 July
    steps = int((NOW - start) / dt.timedelta(minutes=15)) + 1
    rows = [
        reading(s, "temperature", base + i * 0.01, start + i * dt.timedelta(minutes=15))
        for s, base in (("a", 10.0), ("b", 20.0))
        for i in range(steps)
    ]
    store.append(Batch.from_rows(rows, [station("a"), station("b")]))
    curves = microclimate.day_curves(store, city(), now=NOW)
    yesterday, today = curves.filter(~pl.col("today")), curves.filter(pl.col("today"))
    assert yesterday["day"].unique().to_list() == [dt.date(2026, 7, 14)] and len(yesterday) == 24  # hourly
    assert today["day"].unique().to_list() == [dt.date(2026, 7, 15)] and len(today) == 14 * 4 + 1  # 15-min, 00:00–14:00
    first = today.row(0, named=True)
    assert first["clock"] == dt.datetime(2000, 1, 1, 0, 0)  # local midnight, not 22:00 UTC
    assert first["value"] == pytest.approx(15.0 + 0.01 * 96)  # the city mean of both stations
    one = microclimate.day_curves(store, city(), station_id="t:b", now=NOW)
    assert one.filter(pl.col("today"))["value"][0] == pytest.approx(20.0 + 0.01 * 96)


def daily(sid: str, day: dt.date, low: float, high: float) -> list[dict]:
    """A day's minimum at 03:00 and maximum at 15:00 local (CEST = UTC+2)."""
    at = dt.datetime.combine(day, dt.time(1), tzinfo=UTC)
    return [reading(sid, "temperature", low, at), reading(sid, "temperature", high, at + dt.timedelta(hours=12))]


def test_heat_days_count_per_station_and_anywhere_in_the_city(store):
    rows = (
        daily("a", dt.date(2026, 7, 10), 21.0, 31.0)  # hot day + summer day + tropical night
        + daily("a", dt.date(2026, 7, 11), 15.0, 26.0)  # summer day
        + daily("b", dt.date(2026, 7, 11), 14.0, 27.0)  # summer day on the same day: counts once city-wide
        + daily("b", dt.date(2026, 2, 1), -3.0, 2.0)  # frost day
        + [reading("a", "temperature", 2.0, dt.datetime(2025, 12, 31, 23, 30, tzinfo=UTC))]  # 1 Jan 2026 00:30 local (CET)
        + [reading("a", "temperature", 40.0, dt.datetime(2025, 7, 1, 12, tzinfo=UTC))]  # last year: not counted
    )
    store.append(Batch.from_rows(rows, [station("a"), station("b")]))
    days = microclimate.heat_days(store, city(), now=NOW)
    a, b = (days.per_station.filter(pl.col("station_id") == f"t:{s}").row(0, named=True) for s in "ab")
    assert (a["summer"], a["hot"], a["tropical"], a["frost"]) == (2, 1, 1, 0)
    assert (b["summer"], b["hot"], b["tropical"], b["frost"]) == (1, 0, 0, 1)
    assert days.city == {"summer": 2, "hot": 1, "tropical": 1, "frost": 1}
    assert days.first == dt.date(2026, 1, 1) and days.since == dt.date(2026, 1, 1) and days.through == dt.date(2026, 7, 15)
    assert a["max"] == 31.0 and b["min"] == -3.0


def test_today_counts_once_certain_but_a_tropical_night_only_when_the_day_is_over(store):
    today = dt.date(2026, 7, 15)
    store.append(Batch.from_rows(daily("a", today, 22.0, 30.5), [station("a")]))
    days = microclimate.heat_days(store, city(), now=NOW)
    assert days.city == {"summer": 1, "hot": 1, "tropical": 0, "frost": 0}
    tomorrow = microclimate.heat_days(store, city(), now=NOW + dt.timedelta(days=1))
    assert tomorrow.city["tropical"] == 1


def test_trees_worst_first_with_the_sensors_own_levels(store):
    rows = every("t1", "soil_moisture", [30.0] * 2, step=dt.timedelta(hours=1)) + every(
        "t2", "soil_moisture", [12.0] * 2, step=dt.timedelta(hours=1)
    )
    rows += every("t3", "soil_tension", [45.0] * 2, step=dt.timedelta(hours=1)) + every(
        "t4", "soil_moisture", [35.0] * 2, step=dt.timedelta(hours=1)
    )
    levels = [
        {"station_id": "t:t4", "quantity": "soil_moisture", "level": lvl, "value": v}
        for lvl, v in (("soil_drying", 40.0), ("soil_dry", 20.0))
    ]
    store.append(Batch.from_rows(rows, [station(s, "soil") for s in ("t1", "t2", "t3", "t4")], levels=levels))
    trees = microclimate.trees(store, city(), now=NOW)
    assert trees["station_id"].to_list() == ["t:t2", "t:t4", "t:t3", "t:t1"]
    assert trees["status"].to_list() == ["dry", "drying", "drying", "moist"]
    assert trees["status_de"].to_list()[:2] == ["gießen", "bald gießen"]
    assert trees.filter(pl.col("station_id") == "t:t3")["quantity"][0] == "soil_tension"


def test_tree_curves_default_to_the_most_urgent_trees_in_local_time(store):
    rows = [reading(f"t{i}", "soil_moisture", 10.0 + 3 * i, NOW - dt.timedelta(hours=h)) for i in range(7) for h in range(48)]
    store.append(Batch.from_rows(rows, [station(f"t{i}", "soil") for i in range(7)]))
    curves = microclimate.tree_curves(store, city(), now=NOW)
    assert sorted(curves["station_id"].unique().to_list()) == [f"t:t{i}" for i in range(5)]  # the five driest
    assert curves["time"].max() == dt.datetime(2026, 7, 15, 14, 0)  # naive local time
    assert len(curves.filter(pl.col("station_id") == "t:t0")) == 48
    picked = microclimate.tree_curves(store, city(), station_ids=("t:t6",), days=1, now=NOW)
    assert picked["station_id"].unique().to_list() == ["t:t6"] and picked["time"].min() == dt.datetime(2026, 7, 15, 0, 0)


def test_soil_edges_default_and_override(store):
    assert microclimate.soil_edges(store, city()) == {"soil_moisture": (25.0, 15.0), "soil_tension": (30.0, 60.0)}
    assert microclimate.soil_edges(store, city(soil_tension=[20, 50]))["soil_tension"] == (20, 50)


def test_local_day_start_across_dst():
    assert microclimate.local_day_start(dt.datetime(2026, 3, 29, 12, tzinfo=UTC), "Europe/Berlin") == dt.datetime(
        2026, 3, 28, 23, tzinfo=UTC
    )
    assert microclimate.local_day_start(dt.datetime(2026, 3, 30, 12, tzinfo=UTC), "Europe/Berlin", days_back=1) == dt.datetime(
        2026, 3, 28, 23, tzinfo=UTC
    )
