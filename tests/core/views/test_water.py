"""Water levels: gauge levels, trend, margin, the level passed, and the overview on a real store."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from core.config import CityConfig
from core.schema import Batch
from core.store import open_store
from core.views import water

UTC = dt.UTC
THRESHOLDS = {"stations": {"g:a": {"water_level": [100, 150, 200]}, "g:c": {"water_level": [50]}}}


def levels(rows: list[tuple[str, str, float]], quantity: str = "water_level") -> pl.DataFrame:
    return pl.DataFrame(
        [{"station_id": s, "quantity": quantity, "level": lv, "value": v} for s, lv, v in rows],
        schema={"station_id": pl.String, "quantity": pl.String, "level": pl.String, "value": pl.Float64},
    )


def test_config_levels_replace_a_feeds_informationsstufen_and_feed_levels_join():
    fed = pl.concat(
        [
            levels([("g:a", "info1", 90.0), ("g:a", "MHW", 170.0), ("g:b", "info1", 60.0), ("g:b", "MNW", 10.0), ("g:b", "HHW", 400.0)]),
            levels([("g:b", "MQ", 3.0)], quantity="discharge"),
        ]
    )
    got = water.gauge_levels(THRESHOLDS, fed, ["g:a", "g:b"])
    assert got.filter(pl.col("station_id") == "g:a").rows() == [
        ("g:a", "info1", 100.0),
        ("g:a", "info2", 150.0),
        ("g:a", "MHW", 170.0),
        ("g:a", "info3", 200.0),
    ]
    # g:b has no config levels: the feed's info1 stays; HHW is not drawn, MQ is a discharge
    assert got.filter(pl.col("station_id") == "g:b").rows() == [("g:b", "MNW", 10.0), ("g:b", "info1", 60.0)]
    assert "g:c" not in got["station_id"].to_list()  # configured, but not among the gauges asked for


def now_rows(values: dict[str, float], stale: set[str] = frozenset()) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "station_id": s,
                "quantity": "water_level",
                "ts": dt.datetime(2026, 3, 1, tzinfo=UTC),
                "value": v,
                "stale": s in stale,
                "name": s.upper(),
                "severity": None,
            }
            for s, v in values.items()
        ],
        schema_overrides={"severity": pl.Int8},
    )


def trends(values: dict[str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        {"station_id": list(values), "quantity": ["water_level"] * len(values), "trend": list(values.values())},
        schema={"station_id": pl.String, "quantity": pl.String, "trend": pl.Float64},
    )


@pytest.mark.parametrize(
    ("value", "passed", "severity", "next_level", "margin"),
    [
        (99.0, None, None, "info1", 1.0),
        (100.0, "info1", 1, "info2", 50.0),  # reaching the mark counts, as in core.status
        (160.0, "info2", 2, "MHW", 10.0),
        (180.0, "info2", 2, "info3", 20.0),  # past MHW too, but the most severe level names the state
        (250.0, "info3", 3, None, None),
    ],
)
def test_passed_level_and_margin_to_the_next(value, passed, severity, next_level, margin):
    lv = water.gauge_levels(THRESHOLDS, levels([("g:a", "MHW", 170.0), ("g:a", "MW", 60.0)]), ["g:a"])
    row = water.summary(now_rows({"g:a": value}), lv, trends({"g:a": 0.0})).row(0, named=True)
    assert (row["passed"], row["passed_severity"], row["next_level"]) == (passed, severity, next_level)
    assert row["margin"] == (pytest.approx(margin) if margin is not None else None)


def test_band_against_mnw_and_mhw_and_trend_words():
    lv = levels([("g:low", "MNW", 20.0), ("g:low", "MHW", 80.0), ("g:mid", "MNW", 20.0), ("g:mid", "MHW", 80.0), ("g:high", "MHW", 80.0)])
    values = {"g:low": 15.0, "g:mid": 50.0, "g:high": 95.0, "g:none": 40.0}
    got = water.summary(
        now_rows(values, stale={"g:none"}),
        lv.select("station_id", "level", "value"),
        trends({"g:low": -3.0, "g:mid": 0.5, "g:high": 12.0, "g:none": 5.0}),
    )
    rows = {r["station_id"]: r for r in got.iter_rows(named=True)}
    assert [rows[s]["band"] for s in ("g:low", "g:mid", "g:high", "g:none")] == ["low", "normal", "high", None]
    assert [rows[s]["trend_word"] for s in ("g:low", "g:mid", "g:high")] == ["down", "flat", "up"]
    assert rows["g:none"]["trend"] is None and rows["g:none"]["trend_word"] is None  # stale: no trend is claimed
    assert rows["g:high"]["passed"] == "MHW" and rows["g:mid"]["passed"] is None
    assert got["station_id"].to_list() == ["g:high", "g:low", "g:mid", "g:none"]  # by name: a kiosk keeps places


def test_a_change_below_the_quantitys_steady_limit_is_flat():
    # water_level is steady below 1 cm/h (core.schema); the limit itself is still steady
    words = {-1.5: "down", -1.0: "flat", 0.0: "flat", 0.99: "flat", 1.0: "flat", 1.01: "up", 4.0: "up"}
    for trend, word in words.items():
        row = water.summary(now_rows({"g:a": 50.0}), levels([]).select("station_id", "level", "value"), trends({"g:a": trend})).row(
            0, named=True
        )
        assert row["trend_word"] == word, trend


def test_alerts_list_the_most_severe_first():
    lv = water.gauge_levels(
        {"stations": {"a": {"water_level": [10, 20]}, "b": {"water_level": [10, 20]}, "c": {"water_level": [10, 20]}}},
        levels([]),
        ["a", "b", "c"],
    )
    got = water.alerts(water.summary(now_rows({"a": 12.0, "b": 25.0, "c": 5.0}), lv, trends({})))
    assert got["station_id"].to_list() == ["b", "a"]


def test_glance_picks_gauges_at_a_level_then_the_least_margin_in_name_order():
    lv = water.gauge_levels({"stations": {k: {"water_level": [100, 200]} for k in "abcde"}}, levels([]), list("abcde"))
    gauges = water.summary(now_rows({"a": 10.0, "b": 95.0, "c": 150.0, "d": 60.0, "e": 250.0, "f": 99.0}), lv, trends({}))
    assert water.glance(gauges, 3)["station_id"].to_list() == ["b", "c", "e"]  # e and c at a level, b 5 cm below; f has no levels


@pytest.fixture
def gauge_store(tmp_path):
    """Two gauges, one reading every 15 min for 60 h: g:a rises 2 cm per reading, g:b stays at 40."""
    store = open_store(tmp_path / "s")
    now = dt.datetime.now(UTC).replace(second=0, microsecond=0)
    last = now - dt.timedelta(minutes=now.minute % 15)  # aligned, so each reading has its own bucket
    times = [last - dt.timedelta(minutes=15 * i) for i in range(240)][::-1]
    rows = [{"ts": ts, "station_id": "g:a", "quantity": "water_level", "value": 50.0 + 2 * i, "source": "g"} for i, ts in enumerate(times)]
    rows += [{"ts": ts, "station_id": "g:b", "quantity": "water_level", "value": 40.0, "source": "g"} for ts in times]
    rows += [{"ts": last, "station_id": "t:x", "quantity": "temperature", "value": 20.0, "source": "t"}]
    stations = [
        {"station_id": "g:a", "source": "g", "name": "Hönne <b>A</b>", "theme": "water", "district": "Mitte"},
        {"station_id": "g:b", "source": "g", "name": "Bach B", "theme": "water"},
        {"station_id": "t:x", "source": "t", "name": "Wetter", "theme": "microclimate"},
    ]
    store.append(Batch.from_rows(rows, stations, levels=[{"station_id": "g:b", "quantity": "water_level", "level": "MHW", "value": 35.0}]))
    return store


def city(thresholds: dict | None = None) -> CityConfig:
    return CityConfig("X", "Europe/Berlin", (51.4, 7.8), 12.0, "de", ({"key": "g", "kind": "csv_file"},), thresholds or {})


def test_overview_on_a_store(gauge_store):
    view = water.overview(gauge_store, city({"stations": {"g:a": {"water_level": [300, 400, 600]}}}))
    assert view.every == "15m" and view.hours == 48
    gauges = {r["station_id"]: r for r in view.gauges.iter_rows(named=True)}
    assert set(gauges) == {"g:a", "g:b"}  # the temperature station is no gauge
    a, b = gauges["g:a"], gauges["g:b"]
    assert a["value"] == 50.0 + 2 * 239 and a["trend"] == pytest.approx(8.0) and a["trend_word"] == "up"
    assert (a["passed"], a["next_level"], a["margin"]) == ("info2", "info3", pytest.approx(600 - 528))
    assert a["status"] == "info2" and a["name"] == "Hönne <b>A</b>"  # names stay data
    assert b["trend_word"] == "flat" and b["band"] == "high" and b["passed"] == "MHW" and b["status"] == "unrated"
    per_gauge = view.series.group_by("station_id").len().sort("station_id")["len"].to_list()
    assert per_gauge in ([192, 192], [193, 193])  # 48 h of 15-min buckets (plus the cut edge bucket)
    assert view.series["ts"].max() == a["ts"] and view.as_of == a["ts"]


def test_overview_longer_windows_use_hourly_buckets_for_the_chosen_gauges(gauge_store):
    view = water.overview(gauge_store, city(), hours=720, station_ids=("g:b", "nope"))
    assert view.every == "1h" and view.series["station_id"].unique().to_list() == ["g:b"]
    assert view.gauges.filter(pl.col("station_id") == "g:a")["trend"].item() == pytest.approx(8.0)  # trends for every gauge
    with pytest.raises(ValueError, match="hours"):
        water.overview(gauge_store, city(), hours=5)


def test_overview_of_an_empty_store(tmp_path):
    view = water.overview(open_store(tmp_path / "e"), city())
    assert view.gauges.is_empty() and view.series.is_empty() and view.as_of is None
