"""Scenario state, keyframe evaluation, wall-clock schedule and the read overlay, on small hand-made data."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.scenario import overlay, state
from core.scenario import script as play
from core.scenario.overlay import Overlay
from core.scenario.script import ScenarioError, Script, Target
from core.scenario.state import Run
from core.schema import Batch
from core.store import open_store

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def script(*targets: Target, hours: float = 2.0) -> Script:
    return Script("probe", ("Probe", "Probe"), ("", ""), hours, T0, 42, "Europe/Berlin", targets)


def base(**values: list[float]) -> pl.DataFrame:
    """Simulated rows every 30 min of scenario time for stations a, b (and a quantity each)."""
    rows = []
    for native_id, series in values.items():
        rows += [{"native_id": native_id, "quantity": "water_level", "s": i * 1800.0, "value": v} for i, v in enumerate(series)]
    return pl.DataFrame(rows, schema={"native_id": pl.String, "quantity": pl.String, "s": pl.Float64, "value": pl.Float64})


# -- state -------------------------------------------------------------------------------------
def test_start_read_stop_round_trip(tmp_path):
    store, other = open_store(tmp_path), open_store(tmp_path)  # another process's handle sees it too
    run = state.start(store, script(), speed=60, loop=True, stations=("a", "b"), now=T0)
    assert state.read(other) == run
    assert run == Run("probe", 60, T0, True, 7200.0, ("a", "b"))
    state.stop(store)
    assert state.read(other) is None
    state.stop(store)  # stopping twice is fine


def test_only_the_offered_speeds(tmp_path):
    with pytest.raises(ScenarioError, match="1, 10, 60"):
        state.start(open_store(tmp_path), script(), speed=5, stations=())


def test_a_single_run_ends_after_its_duration_a_loop_never(tmp_path):
    store = open_store(tmp_path)
    state.start(store, script(hours=2), speed=60, stations=(), now=T0)
    assert state.active(store, now=T0 + dt.timedelta(minutes=1, seconds=59)) is not None
    assert state.active(store, now=T0 + dt.timedelta(minutes=2, seconds=1)) is None
    assert state.read(store) is not None  # ended, not stopped
    run = state.start(store, script(hours=2), speed=10, loop=True, stations=(), now=T0)
    assert state.active(store, now=T0 + dt.timedelta(days=3)) == run
    assert run.progress(T0 + dt.timedelta(minutes=18)) == pytest.approx(0.5)  # 3 h at 10× = 1.5 passes


def test_broken_run_state_means_no_scenario(tmp_path):
    store = open_store(tmp_path)
    store.set_state(state.KEY, {"name": "x"})  # from another version, or edited by hand
    assert state.read(store) is None
    store.set_state(state.KEY, {"name": "x", "speed": "fast", "started_at": "now", "loop": False, "duration_s": 1, "stations": []})
    assert state.active(store) is None
    assert Run.from_state(Run("probe", 60, T0, True, 7200.0, ("a",)).to_state()) == Run("probe", 60, T0, True, 7200.0, ("a",))


def test_version_moves_while_a_scenario_runs_and_an_empty_store_stays_empty():
    run = Run("probe", 60, T0, False, 3600.0, ())
    assert overlay.version(7, None) == 7
    assert overlay.version(0, run) == 0
    assert overlay.version(7, run) > 0 and overlay.version(7, run) not in (7, overlay.version(8, run))
    assert overlay.version(7, run) != overlay.version(7, Run("probe", 60, T0 + dt.timedelta(seconds=1), False, 3600.0, ()))


# -- script evaluation --------------------------------------------------------------------------
def test_ramp_interpolates_linearly_and_holds_the_ends():
    hours = pl.DataFrame({"h": [-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.0, 3.0, 9.0]})
    got = hours.select(play.ramp(((0.0, 10.0), (1.0, 20.0), (2.0, 0.0), (2.0, 50.0), (3.0, 60.0)), pl.col("h")))
    assert got.to_series().to_list() == [10.0, 10.0, 15.0, 20.0, 10.0, 50.0, 50.0, 60.0, 60.0]


def test_offset_adds_to_the_simulated_value_value_replaces_it():
    simulated = base(a=[10, 10, 10, 10, 10], b=[20, 21, 22, 23, 24])
    played = play.apply(
        script(
            Target(("a",), "water_level", "offset", ((0.0, 0.0), (2.0, 100.0))),
            Target(("b",), "water_level", "value", ((0.0, 50.0), (1.0, 70.0))),
        ),
        simulated,
    )
    assert played.filter(pl.col("native_id") == "a")["value"].to_list() == [10.0, 35.0, 60.0, 85.0, 110.0]
    assert played.filter(pl.col("native_id") == "b")["value"].to_list() == [50.0, 60.0, 70.0, 70.0, 70.0]


def test_reference_keeps_every_station_s_simulated_difference():
    simulated = base(centre=[20, 20, 21, 21, 22], edge=[17, 17.5, 18, 18, 19])
    played = play.apply(script(Target(("*",), "water_level", "value", ((0.0, 30.0), (2.0, 34.0)), reference="centre")), simulated)
    centre = played.filter(pl.col("native_id") == "centre")["value"].to_list()
    edge = played.filter(pl.col("native_id") == "edge")["value"].to_list()
    assert centre == [30.0, 31.0, 32.0, 33.0, 34.0]
    assert edge == [27.0, 28.5, 29.0, 30.0, 31.0]


def test_a_value_target_creates_a_quantity_the_simulator_lacks_on_the_station_s_grid():
    simulated = base(air=[1, 2, 3], other=[5, 5, 5])
    played = play.apply(script(Target(("air",), "o3", "value", ((0.0, 40.0), (1.0, 160.0)))), simulated)
    o3 = played.filter(pl.col("quantity") == "o3")
    assert o3["native_id"].unique().to_list() == ["air"] and o3.sort("s")["value"].to_list() == [40.0, 100.0, 160.0]
    assert len(played) == 9  # the simulated rows stay


def test_targets_apply_in_file_order():
    simulated = base(a=[10, 10, 10])
    played = play.apply(
        script(Target(("a",), "water_level", "value", ((0.0, 50.0),)), Target(("a",), "water_level", "offset", ((0.0, 5.0),))),
        simulated,
    )
    assert played["value"].to_list() == [55.0, 55.0, 55.0]


# -- overlay ------------------------------------------------------------------------------------
START = T0 + dt.timedelta(minutes=30)


def station(sid: str, source: str) -> dict:
    return {"station_id": sid, "source": source, "name": "Hönne", "lat": 51.4, "lon": 7.8, "theme": "water", "district": None}


@pytest.fixture
def store(tmp_path):
    """Demo gauges g1, g2 every 10 min for an hour; scenario g1 every minute from START on."""
    demo = [
        {"ts": T0 + dt.timedelta(minutes=m), "station_id": f"demo:{g}", "quantity": "water_level", "value": 80.0, "source": "demo"}
        for m in range(0, 60, 10)
        for g in ("g1", "g2")
    ]
    played = [
        {
            "ts": START + dt.timedelta(minutes=m),
            "station_id": "scenario:g1",
            "quantity": "water_level",
            "value": 200.0 + m,
            "source": "scenario",
        }
        for m in range(30)
    ]
    old = [{"ts": T0 - dt.timedelta(hours=2), "station_id": "scenario:g1", "quantity": "water_level", "value": 999.0, "source": "scenario"}]
    s = open_store(tmp_path / "store", tz="UTC")
    s.append(
        Batch.from_rows(demo + played + old, [station("demo:g1", "demo"), station("demo:g2", "demo"), station("scenario:g1", "scenario")])
    )
    return s


RUN = Run("probe", 60, START, False, 8 * 3600.0, ("g1",))


def test_latest_shows_the_scenario_in_place_of_its_demo_twin(store):
    got = Overlay(store, RUN, demo="demo").latest(now=START + dt.timedelta(minutes=30))
    assert got["station_id"].to_list() == ["demo:g1", "demo:g2"]
    assert got["value"].to_list() == [229.0, 80.0]


def test_readings_switch_to_the_scenario_at_its_start_and_keep_their_source(store):
    got = Overlay(store, RUN, demo="demo").readings(station_ids=["demo:g1"])
    before, after = got.filter(pl.col("ts") < START), got.filter(pl.col("ts") >= START)
    assert before["value"].to_list() == [80.0, 80.0, 80.0] and set(before["source"]) == {"demo"}
    assert len(after) == 30 and set(after["source"]) == {"scenario"} and set(after["station_id"]) == {"demo:g1"}
    assert 999.0 not in got["value"].to_list()  # an earlier run's rows stay out


def test_a_bucket_the_scenario_touches_holds_scenario_readings_only(store):
    got = Overlay(store, RUN, demo="demo").rollup("1h", start=T0, end=T0 + dt.timedelta(hours=2))
    g1 = got.filter(pl.col("station_id") == "demo:g1")
    assert g1["bucket_start"].to_list() == [T0] and g1["n"].to_list() == [30] and g1["max"].to_list() == [229.0]
    assert got.filter(pl.col("station_id") == "demo:g2")["n"].to_list() == [6]
    early = Overlay(store, RUN, demo="demo").rollup("15m", start=T0, end=T0 + dt.timedelta(hours=1), station_ids="demo:g1")
    assert early.filter(pl.col("bucket_start") < START)["mean"].to_list() == [80.0, 80.0]


def test_without_a_run_scenario_rows_are_hidden_and_the_demo_is_back(store):
    plain = overlay.overlay(store, None, demo="demo")
    assert "scenario:g1" not in plain.latest(now=START)["station_id"].to_list()
    assert plain.stations()["station_id"].to_list() == ["demo:g1", "demo:g2"]
    assert_frame_equal(plain.readings(station_ids=["demo:g1"]), store.readings(station_ids=["demo:g1"]))
    assert "scenario:g1" not in plain.rollup("1h")["station_id"].to_list()


def test_a_store_that_never_saw_a_scenario_is_read_as_it_is(tmp_path):
    s = open_store(tmp_path)
    assert overlay.overlay(s, None, demo="demo") is s
    assert overlay.overlay(s, RUN, demo=None) is s
