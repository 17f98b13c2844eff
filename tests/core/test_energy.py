"""core.energy and core.views.energy: buildings config, consumption from registers, degree days, night share, the view on a store; the demo's buildings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from core import energy
from core.config import CityConfig, load_config
from core.rollup import bucket
from core.schema import Batch
from core.store import open_store
from core.views import energy as views
from data_sources import KINDS, demo
from data_sources.demo import buildings as demo_buildings

UTC = dt.UTC
ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 25, 11, 30, tzinfo=UTC)  # a Wednesday, 12:30 in Berlin


def test_check_buildings_names_the_bad_key():
    good = {"key": "r", "name": "Rathaus", "category": "administration", "area_m2": 7400, "meters": ["t:r-strom"]}
    (building,) = energy.check_buildings([good])
    assert building.area_m2 == 7400.0 and building.gas_kwh_per_m3 == energy.GAS_KWH_PER_M3
    for key, bad in (
        ("category", "castle"),
        ("area_m2", 0),
        ("area_m2", "groß"),
        ("meters", []),
        ("meters", ["no-colon"]),
        ("gas_kwh_per_m3", 40),
    ):
        with pytest.raises(energy.BuildingError, match=key):
            energy.check_buildings([{**good, key: bad}])
    with pytest.raises(energy.BuildingError, match="unique"):
        energy.check_buildings([good, good])


def test_benchmarks_and_ratings():
    assert energy.benchmark("school", "heat") == (154.0, 90.0) and energy.benchmark("school", "electricity") == (14.0, 6.0)
    assert energy.benchmark("pool", "heat") is None
    assert [energy.rating(v, (14.0, 6.0)) for v in (5.0, 6.0, 10.0, 14.5, None)] == ["good", "good", "medium", "high", "unknown"]


def test_degree_days_g20_15():
    got = pl.DataFrame({"tm": [-5.0, 10.0, 14.9, 15.0, 22.0]}).select(energy.degree_days(pl.col("tm")))
    assert got.to_series().to_list() == [25.0, 10.0, pytest.approx(5.1), 0.0, 0.0]


def test_consumption_turns_gas_into_kwh_and_leaves_water_out():
    meters = energy.meter_table(
        energy.check_buildings(
            [{"key": "s", "name": "S", "category": "school", "area_m2": 100, "meters": ["t:g", "t:w", "t:e"], "gas_kwh_per_m3": 10.0}]
        )
    )
    ts = [NOW, NOW + dt.timedelta(minutes=30)]
    rows = [
        {"ts": t, "station_id": sid, "quantity": q, "value": v, "source": "t"}
        for sid, q, values in (
            ("t:g", "gas_meter", (100.0, 102.5)),
            ("t:w", "water_meter", (5.0, 6.0)),
            ("t:e", "electricity_meter", (1.0, 4.0)),
        )
        for t, v in zip(ts, values)
    ]
    got = energy.consumption(bucket(Batch.from_rows(rows).readings, "1h"), meters)
    assert dict(zip(got["carrier"], got["kwh"])) == {"heat": 25.0, "electricity": 3.0}


def test_night_share_needs_whole_days():
    day = dt.datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # local midnight of Tuesday 24 Nov
    hours = [day + dt.timedelta(hours=h) for h in range(24)]
    kwh = [5.0 if h < 4 else 10.0 for h in range(24)]
    hourly = pl.DataFrame({"building": "b", "carrier": "electricity", "bucket_start": hours, "kwh": kwh})
    got = energy.night_share(hourly, "Europe/Berlin").row(0, named=True)
    assert got["night_kw"] == 5.0 and got["share"] == pytest.approx(5.0 / (220 / 24))
    assert energy.night_share(hourly.head(20), "Europe/Berlin").is_empty()


def city(**extra) -> CityConfig:
    built = energy.check_buildings(
        [
            {"key": "a", "name": "Schule A", "category": "school", "area_m2": 1000, "meters": ["t:a"], "school": "Schule A"},
            {"key": "b", "name": "Rathaus B", "category": "administration", "area_m2": 500, "meters": ["t:b"]},
        ]
    )
    return CityConfig(
        name="T", timezone="Europe/Berlin", center=(51.4, 7.7), zoom=12.0, language="de", sources=(), buildings=built, **extra
    )


def hourly_registers(days: int) -> list[dict]:
    """Two meters read at hh:59 for ``days`` days up to NOW: a steady 10 kWh/h at A (1 kWh/h at night, a waste-free school), 4 kWh/h at B."""
    start = NOW.replace(minute=59) - dt.timedelta(days=days)
    rows, a, b = [], 1000.0, 500.0
    t = start
    while t <= NOW:
        local_hour = (t + dt.timedelta(hours=1)).hour
        a += 1.0 if local_hour < 6 else 10.0
        b += 4.0
        rows += [
            {"ts": t, "station_id": "t:a", "quantity": "electricity_meter", "value": a, "source": "t"},
            {"ts": t, "station_id": "t:b", "quantity": "electricity_meter", "value": b, "source": "t"},
        ]
        t += dt.timedelta(hours=1)
    return rows


def test_view_falls_back_to_four_weeks_and_has_no_year_yet(tmp_path):
    store = open_store(tmp_path / "s", tz="Europe/Berlin")
    store.append(Batch.from_rows(hourly_registers(40)))
    view = views.overview(store, city(), now=NOW)
    rows = {r["building"]: r for r in view.buildings.iter_rows(named=True)}
    a, b = rows["a"], rows["b"]
    assert view.total["hours"] == 12
    assert b["el_today"] == pytest.approx(48.0) and b["el_usual"] == pytest.approx(48.0) and b["el_basis"] == "four_weeks"
    assert b["el_change"] == pytest.approx(0.0)
    assert a["el_per_m2a"] is None and a["el_rating"] == "unknown"  # 40 days are no year
    assert a["night_share"] < 0.5 and not a["night_flag"]
    assert b["night_share"] == pytest.approx(1.0)  # a flat load: as much at night as by day (an office, so not flagged)
    assert view.hdd == (None, None)  # no outdoor temperature in this store


def test_view_with_a_year_compares_with_the_same_weekday_and_rates_per_m2(tmp_path):
    store = open_store(tmp_path / "s", tz="Europe/Berlin")
    store.append(Batch.from_rows(hourly_registers(370)))
    view = views.overview(store, city(), now=NOW)
    b = view.buildings.filter(pl.col("building") == "b").row(0, named=True)
    assert b["el_basis"] == "last_year" and b["el_usual"] == pytest.approx(48.0)
    assert b["el_per_m2a"] == pytest.approx(4.0 * 24 * 365 / 500, rel=1e-3)  # 70 kWh/(m²·a): above the limit of 30
    assert b["el_rating"] == "high" and (b["el_limit"], b["el_target"]) == (30.0, 10.0)
    days = view.buildings.filter(pl.col("building") == "a").row(0, named=True)
    assert days["school_day_kwh"] == pytest.approx(days["holiday_kwh"])  # this meter knows no holidays: the split is honest about it


def test_the_example_config_loads():
    config = load_config(ROOT / "config" / "examples" / "energy" / "buildings.toml", kinds=KINDS)
    assert [b.key for b in config.buildings] == ["rathaus", "grundschule"]
    assert config.calendar.kind(dt.date(2026, 2, 16), "Grundschule Am Markt") == "free_day"


def test_menden_buildings_match_the_demo():
    config = load_config()
    demo_ids = {f"gebaeude:{st.native_id}" for st in demo_buildings.STATIONS}
    for b in config.buildings:
        assert set(b.meters) <= demo_ids, b.key
        assert b.area_m2 == demo_buildings.BY_KEY[b.key].area_m2


def test_demo_registers_are_deterministic_rising_and_read_at_59():
    source = {"key": "g", "stations": "buildings"}
    a = demo.fetch(source, None, NOW - dt.timedelta(hours=3), now=NOW)
    b = demo.fetch(source, None, NOW - dt.timedelta(hours=3), now=NOW)
    assert a.readings.equals(b.readings) and len(a.readings)
    meters = a.readings.filter(pl.col("quantity").str.ends_with("_meter"))
    assert set(meters["ts"].dt.minute()) == {59}
    st = next(s for s in demo_buildings.STATIONS if s.native_id == "rathaus-strom")
    t = np.arange(int(NOW.timestamp()) - 86400 * 30, int(NOW.timestamp()), 3600)
    values = demo_buildings.register(st, t, 42, "Europe/Berlin")
    assert (np.diff(values) > 0).all()


def test_demo_buildings_meet_their_yearly_values_and_one_school_wastes_at_night():
    start, end = dt.datetime(2025, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 1, tzinfo=UTC)
    for b in demo_buildings.BUILDINGS:
        st = next(s for s in demo_buildings.STATIONS if s.native_id == f"{b.key}-strom")
        first, last = demo_buildings.register(st, np.array([int(start.timestamp()), int(end.timestamp())]), 42, "Europe/Berlin")
        assert (last - first) / b.area_m2 == pytest.approx(b.electricity, rel=0.01), b.key
    assert [b.key for b in demo_buildings.BUILDINGS if b.category == "school" and b.baseload > 0.5] == ["gesamtschule-lendringsen"]
