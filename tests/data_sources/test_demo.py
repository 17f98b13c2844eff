"""The demo city: real scale, plausible physics, and the same value for the same instant."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from core.schema import READINGS_SCHEMA
from data_sources import adapter, demo
from data_sources.demo.stations import ALL
from data_sources.errors import FeedFormatError

UTC = dt.UTC
# Thursday 26 Nov 2026, 10:05 local (09:05 UTC): school is in session
NOW = dt.datetime(2026, 11, 26, 9, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def backfill():
    return demo.fetch({"key": "demo"}, None, None, now=NOW)


def at(batch, when: dt.datetime) -> pl.DataFrame:
    return batch.readings.filter(pl.col("ts") == when)


def test_registered_like_any_feed():
    assert adapter("demo") is demo


def test_real_scale_of_menden(backfill):
    kinds = [st.kind for st in ALL]
    assert (kinds.count("weather"), kinds.count("gauge"), kinds.count("soil")) == (12, 8, 12)
    assert kinds.count("classroom") == 40 and kinds.count("air") == 2 and kinds.count("parking") == 3
    schools = {st.params["school"] for st in ALL if st.kind == "classroom"}
    assert len(schools) == 4
    assert backfill.stations["station_id"].n_unique() == len(ALL)
    assert set(backfill.readings["station_id"].unique()) == set(backfill.stations["station_id"])
    assert backfill.stations["station_id"].str.starts_with("demo:").all()


def test_backfills_fourteen_days_of_plausible_values(backfill):
    r = backfill.readings
    assert r.schema == READINGS_SCHEMA
    assert backfill.skipped == 0  # nothing the simulator makes is implausible
    span = r["ts"].max() - r["ts"].min()
    assert dt.timedelta(days=13, hours=23) <= span <= dt.timedelta(days=14)
    assert r["ts"].max() <= NOW
    assert set(r["quantity"].unique()) == {
        "temperature",
        "humidity",
        "water_level",
        "soil_moisture",
        "co2",
        "pm10",
        "pm2_5",
        "no2",
        "occupancy",
        "parking_free",
    }


def test_same_instant_same_value_whatever_the_window(backfill):
    later = demo.fetch({"key": "demo"}, None, NOW - dt.timedelta(minutes=40), now=NOW + dt.timedelta(minutes=20))
    joined = backfill.readings.join(later.readings, on=["ts", "station_id", "quantity"])
    assert len(joined) > 100
    assert (joined["value"] == joined["value_right"]).all()
    assert later.readings["ts"].min() > NOW - dt.timedelta(minutes=40)  # only what is new since `since`


def test_seed_changes_the_city():
    a = demo.fetch({"key": "demo", "seed": 1}, None, NOW - dt.timedelta(hours=1), now=NOW)
    b = demo.fetch({"key": "demo", "seed": 2}, None, NOW - dt.timedelta(hours=1), now=NOW)
    assert not a.readings["value"].equals(b.readings["value"])


def test_classrooms_fill_during_lessons_and_air_out_at_night(backfill):
    co2 = backfill.readings.filter(pl.col("quantity") == "co2")
    lesson = co2.filter(pl.col("ts") == dt.datetime(2026, 11, 25, 10, 10, tzinfo=UTC))  # Wed 11:10 local, end of a double lesson
    night = co2.filter(pl.col("ts") == dt.datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    sunday = co2.filter(pl.col("ts") == dt.datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    assert lesson["value"].mean() > 1000 and night["value"].max() < 520 and sunday["value"].max() < 520
    assert (lesson["value"] > 2000).sum() >= 2  # some rooms are aired badly
    assert (lesson["value"] < 1100).sum() >= 5  # others well


def test_city_centre_is_warmer_than_the_forest_edge_at_night(backfill):
    night = backfill.readings.filter((pl.col("quantity") == "temperature") & (pl.col("ts").dt.hour() == 2))
    centre = night.filter(pl.col("station_id") == "demo:wetter-marktplatz")["value"].mean()
    forest = night.filter(pl.col("station_id") == "demo:wetter-waldrand-barge")["value"].mean()
    assert centre - forest > 2.5


def test_afternoons_are_warmer_than_mornings(backfill):
    t = backfill.readings.filter((pl.col("quantity") == "temperature") & pl.col("station_id").str.contains("wetter"))
    afternoon = t.filter(pl.col("ts").dt.hour() == 13)["value"].mean()
    morning = t.filter(pl.col("ts").dt.hour() == 5)["value"].mean()
    assert afternoon > morning + 2


def test_gauges_move_slowly_and_downstream_is_higher(backfill):
    levels = backfill.readings.filter(pl.col("quantity") == "water_level").sort("ts")
    steps = levels.group_by("station_id").agg(pl.col("value").diff().abs().max().alias("step"))
    assert steps["step"].max() < 25  # cm per 15 min: no jumps
    mean = levels.group_by("station_id").agg(pl.col("value").mean())
    by_id = dict(mean.iter_rows())
    assert by_id["demo:pegel-hoenne-halingen"] > by_id["demo:pegel-hoenne-oberroedinghausen"]


def test_parking_is_fuller_on_weekday_noon_than_at_night(backfill):
    occ = backfill.readings.filter((pl.col("quantity") == "occupancy") & (pl.col("station_id") == "demo:parken-nordwall"))
    noon = occ.filter(pl.col("ts") == dt.datetime(2026, 11, 25, 10, 30, tzinfo=UTC))["value"][0]
    night = occ.filter(pl.col("ts") == dt.datetime(2026, 11, 25, 2, 0, tzinfo=UTC))["value"][0]
    assert noon > 40 > 15 > night


def test_parse_rejects_what_is_not_simulator_output():
    with pytest.raises(FeedFormatError):
        demo.parse({"t": [1]}, source="demo")
    with pytest.raises(FeedFormatError):
        demo.parse({"t": ["x"], "native_id": ["a"], "quantity": ["co2"], "value": [1.0]}, source="demo")


def test_live_polls_travel_as_ttn_uplinks_and_match_the_direct_path():
    payload = demo.simulate(NOW - dt.timedelta(hours=1), NOW)
    messages, rest = demo.uplinks(payload)
    rooms_and_gauges = {st.native_id for st in ALL if st.kind in ("classroom", "gauge")}
    assert {m["end_device_ids"]["device_id"] for m in messages} == rooms_and_gauges
    assert {m["uplink_message"]["version_ids"]["brand_id"] for m in messages} == {"elsys", "decentlab"}
    assert not set(rest["native_id"]) & rooms_and_gauges
    key = ["station_id", "quantity", "ts"]
    live = demo.parse_live(payload, source="demo").readings.sort(key)
    direct = demo.parse(payload, source="demo").readings.sort(key)
    assert len(live) == len(direct) > 900
    joined = live.join(direct, on=key)
    assert len(joined) == len(live)
    assert ((joined["value"] - joined["value_right"]).abs() < 1e-9).all()


def test_fetch_uses_the_lorawan_path_for_short_polls(monkeypatch):
    calls = []
    monkeypatch.setattr(demo, "parse_live", lambda payload, source: calls.append(source) or demo.parse(payload, source=source))
    demo.fetch({"key": "demo"}, None, NOW - dt.timedelta(minutes=5), now=NOW)
    demo.fetch({"key": "demo", "backfill_days": 1}, None, None, now=NOW)
    assert calls == ["demo"]  # the poll went over the radio path, the backfill did not
