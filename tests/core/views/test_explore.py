"""Explore: windows, the resolution rules (and why they coarsen), selections on a real store, chart thinning."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.config import CityConfig
from core.schema import Batch
from core.store import open_store
from core.views import explore

UTC = dt.UTC
CITY = CityConfig("X", "Europe/Berlin", (51.4, 7.8), 12.0, "de", ({"key": "s", "kind": "csv_file"},))


def series(n: int, interval_s: float | None = 600.0) -> pl.DataFrame:
    return pl.DataFrame(
        {"station_id": [f"s:{i}" for i in range(n)], "quantity": "temperature", "interval_s": [interval_s] * n},
        schema={"station_id": pl.String, "quantity": pl.String, "interval_s": pl.Float64},
    )


def test_presets_and_local_days():
    now = dt.datetime(2026, 4, 1, 12, tzinfo=UTC)
    assert explore.window("Europe/Berlin", now, preset="48h") == (now - dt.timedelta(hours=48), now)
    start, end = explore.window("Europe/Berlin", now, first=dt.date(2026, 3, 28), last=dt.date(2026, 3, 28))
    assert (start, end) == (dt.datetime(2026, 3, 27, 23, tzinfo=UTC), dt.datetime(2026, 3, 28, 23, tzinfo=UTC))
    start, end = explore.window("Europe/Berlin", now, first=dt.date(2026, 3, 29), last=dt.date(2026, 3, 29))
    assert (start, end) == (dt.datetime(2026, 3, 28, 23, tzinfo=UTC), dt.datetime(2026, 3, 29, 22, tzinfo=UTC))  # DST day: 23 h
    start, end = explore.window("Europe/Berlin", now, first=dt.date(2026, 3, 31), last=dt.date(2026, 4, 5))
    assert end == now  # never beyond now
    with pytest.raises(ValueError):
        explore.window("Europe/Berlin", now, preset="2h")
    with pytest.raises(ValueError):
        explore.window("Europe/Berlin", now, first=dt.date(2026, 3, 2), last=dt.date(2026, 3, 1))


@pytest.mark.parametrize(
    ("asked", "n", "days", "served", "reason"),
    [
        ("raw", 10, 2, "raw", None),
        ("raw", 10, 3, "15m", "span"),  # raw only up to 2 days
        ("raw", 800, 2, "15m", "rows"),  # 800 series × 288 readings > 200k
        ("15m", 10, 31, "15m", None),
        ("15m", 10, 40, "1h", "span"),
        ("15m", 100, 30, "1h", "rows"),  # 100 × 2881 buckets > 200k
        ("1h", 10, 366, "1h", None),
        ("1h", 500, 365, "1d", "rows"),
        ("1h", 10, 400, "1d", "span"),
        ("1d", 5000, 3650, "1d", None),  # the coarsest always serves
    ],
)
def test_resolution_rules(asked, n, days, served, reason):
    resolution, why, rows = explore.choose(asked, series(n), days * 86400.0)
    assert (resolution.key, why) == (served, reason)
    assert rows == explore.estimate(series(n), days * 86400.0, explore.BY_KEY[asked])


def test_raw_estimate_uses_each_series_interval():
    mixed = pl.concat([series(1, 60.0), series(1, None)])
    assert explore.estimate(mixed, 3600.0, explore.BY_KEY["raw"]) == 60 + 6 + 2


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path / "s", tz="Europe/Berlin")
    now = dt.datetime.now(UTC).replace(second=0, microsecond=0)
    times = [now - dt.timedelta(minutes=10 * i) for i in range(3 * 144)][::-1]  # 3 days of 10-min readings
    rows = [
        {"ts": ts, "station_id": sid, "quantity": q, "value": float(i % 50) + offset, "source": "s"}
        for sid, offset in (("s:a", 0.0), ("s:b", 30.0))
        for q in ("temperature", "humidity")
        for i, ts in enumerate(times)
        if not (q == "temperature" and sid == "s:b")  # s:b has humidity only
    ]
    stations = [
        {
            "station_id": "s:a",
            "source": "s",
            "name": "=HYPERLINK(x)",
            "lat": 51.44,
            "lon": 7.78,
            "theme": "microclimate",
            "district": "Mitte",
        },
        {"station_id": "s:b", "source": "s", "name": "B", "theme": "microclimate"},
    ]
    store.append(Batch.from_rows(rows, stations))
    return store


def test_catalog_lists_stations_with_their_quantities(store):
    got = explore.catalog(store, CITY)
    assert got.select("station_id", "quantities").rows() == [("s:a", ["humidity", "temperature"]), ("s:b", ["humidity"])]


def test_raw_selection_is_exactly_the_stored_readings(store):
    sel = explore.selection(store, CITY, station_ids=("s:a",), quantities=("temperature",), resolution="raw", preset="24h")
    assert (sel.resolution, sel.reason) == ("raw", None)
    expect = store.readings(sel.start, sel.end, ["s:a"], ["temperature"])
    assert_frame_equal(sel.frame.select("ts", "station_id", "quantity", "value"), expect.select("ts", "station_id", "quantity", "value"))
    assert sel.frame.columns == ["ts", "station_id", "name", "quantity", "unit", "value"]
    assert set(sel.frame["unit"]) == {"°C"} and set(sel.frame["name"]) == {"=HYPERLINK(x)"}
    assert sel.chart.height == sel.frame.height and sel.chart_every is None and sel.series == 1


def test_a_long_range_at_raw_is_served_coarser_and_says_why(store):
    sel = explore.selection(store, CITY, station_ids=("s:a", "s:b"), quantities=("temperature", "humidity"), resolution="raw", preset="7d")
    assert (sel.resolution, sel.asked, sel.reason) == ("15m", "raw", "span")
    assert sel.frame.columns == ["ts", "station_id", "name", "quantity", "unit", "value", "mean", "min", "max", "n"]
    assert sel.series == 3  # s:b has no temperature
    expect = store.rollup("15m", start=sel.start, end=sel.end, station_ids=["s:a", "s:b"], quantities=["temperature", "humidity"])
    assert sel.frame.height == expect.height and sel.frame["n"].sum() == expect["n"].sum()
    assert sel.places.select("station_id", "quantity").rows() == [("s:a", "humidity"), ("s:a", "temperature"), ("s:b", "humidity")]


def test_day_buckets_of_picked_days(store):
    today = dt.datetime.now(UTC).astimezone(dt.timezone(dt.timedelta(hours=1))).date()
    sel = explore.selection(
        store,
        CITY,
        station_ids=("s:a",),
        quantities=("temperature",),
        resolution="1d",
        preset=None,
        first=today - dt.timedelta(days=1),
        last=today,
    )
    assert sel.resolution == "1d" and 1 <= sel.frame.height <= 3


def test_rows_limit_and_chart_thinning(store, monkeypatch):
    monkeypatch.setattr(explore, "MAX_ROWS", 500)
    monkeypatch.setattr(explore, "CHART_POINTS", 100)
    sel = explore.selection(store, CITY, station_ids=("s:a", "s:b"), quantities=("humidity",), resolution="raw", preset="48h")
    assert (sel.resolution, sel.reason) == ("15m", "rows") and sel.estimate > 500
    assert sel.frame.height <= 500
    assert sel.chart_every in explore.CHART_STEPS and sel.chart.height <= 100
    # thinning weights each bucket by its count: the chart equals the store's rollup at that step
    expect = store.rollup(sel.chart_every, start=sel.start, end=sel.end, station_ids=["s:a", "s:b"], quantities=["humidity"])
    got = sel.chart.join(expect.select("station_id", ts="bucket_start", expected="value"), on=["station_id", "ts"], how="left")
    assert got.height == expect.height and got["value"].to_list() == pytest.approx(got["expected"].to_list())


@pytest.mark.parametrize("resolution", ["raw", "15m"])
def test_a_thinned_chart_sums_rain_and_takes_peaks(store, monkeypatch, resolution):
    now = dt.datetime.now(UTC).replace(second=0, microsecond=0)
    rows = [
        {"ts": now - dt.timedelta(minutes=10 * i), "station_id": "s:a", "quantity": q, "value": v, "source": "s"}
        for i in range(2 * 144)
        for q, v in (("precipitation", 0.1), ("noise_max", 60.0 + i % 6))
    ]
    store.append(Batch.from_rows(rows))
    monkeypatch.setattr(explore, "CHART_POINTS", 100)
    sel = explore.selection(
        store, CITY, station_ids=("s:a",), quantities=("precipitation", "noise_max"), resolution=resolution, preset="24h"
    )
    assert sel.chart_every == "1h"
    rain = sel.chart.filter(pl.col("quantity") == "precipitation").sort("ts")["value"].to_list()
    assert rain[1:-1] == pytest.approx([0.6] * (len(rain) - 2))  # six 10-min readings of 0.1 mm: 0.6 mm an hour, not 0.1
    peaks = sel.chart.filter(pl.col("quantity") == "noise_max").sort("ts")["value"].to_list()
    assert peaks[1:-1] == [65.0] * (len(peaks) - 2)  # every whole hour holds the loudest of its six readings (60 + i % 6)


def test_chart_draws_at_most_chart_series(store, monkeypatch):
    monkeypatch.setattr(explore, "CHART_SERIES", 1)
    sel = explore.selection(store, CITY, station_ids=("s:a", "s:b"), quantities=("humidity",), resolution="1h", preset="24h")
    assert sel.series == 2 and sel.chart["station_id"].unique().to_list() == ["s:a"]


def test_nothing_stored_for_the_choice(store):
    sel = explore.selection(store, CITY, station_ids=("s:nope",), quantities=("co2",), resolution="raw", preset="24h")
    assert sel.frame.is_empty() and sel.chart.is_empty() and sel.series == 0
    assert sel.frame.columns == ["ts", "station_id", "name", "quantity", "unit", "value"]
    with pytest.raises(ValueError, match="resolution"):
        explore.selection(store, CITY, station_ids=("s:a",), quantities=("co2",), resolution="5m")
