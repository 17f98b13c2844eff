"""The scenario feed: the bundled scripts tell their stories at the intended times, deterministically."""

from __future__ import annotations

import datetime as dt
import shutil
import tomllib

import polars as pl
import pytest

from core import ingest
from core.config import DEFAULT_CONFIG, load_config
from core.scenario import state
from core.scenario.script import ScenarioError
from core.scenario.state import Run
from core.status import felt_temperature, status
from core.store import open_store
from data_sources import demo
from data_sources import scenario as feed
from data_sources.demo.stations import CHARGING, CLASSROOMS, PARKING, POIS
from data_sources.errors import FeedFormatError

UTC = dt.UTC
NOW = dt.datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
CITY = load_config(DEFAULT_CONFIG)
HOENNE = [f"pegel-hoenne-{p}" for p in ("oberroedinghausen", "lendringsen", "mitte", "boesperde", "halingen")]
BROOKS = ["pegel-oese-huengsen", "pegel-bieberbach", "pegel-gluerbach"]
ROOMS = ["co2-walburgisgymnasium-r04", "co2-gymnasium-an-der-hoenne-r08", "co2-gesamtschule-lendringsen-r02"]


def played(name: str, speed: int = 60) -> pl.DataFrame:
    return feed.table(feed.script(name), speed=speed).with_columns(h=pl.col("s") / 3600)


def series(frame: pl.DataFrame, native_id: str, quantity: str) -> pl.DataFrame:
    return frame.filter((pl.col("native_id") == native_id) & (pl.col("quantity") == quantity)).sort("s")


def rated(frame: pl.DataFrame) -> pl.DataFrame:
    """Status as the pages compute it: demo ids, so the city's thresholds apply."""
    return status(frame.with_columns(station_id=pl.lit("demo:") + pl.col("native_id")), thresholds=CITY.thresholds)


def test_every_bundled_script_loads_and_names_demo_stations_only():
    scripts = feed.scripts()
    assert set(scripts) == {"starkregen", "hitzetag", "stickiges_klassenzimmer", "feierabendverkehr"}
    for script in scripts.values():
        assert all(script.title) and all(script.about) and feed.twins(script)
        assert not set(feed.twins(script)) & {p.native_id for p in PARKING + CHARGING + POIS}  # parking, charging, places untouched


@pytest.mark.parametrize("gauge", HOENNE + BROOKS)
def test_starkregen_every_gauge_passes_level_1_then_level_2_and_falls_below_level_1(gauge):
    wave = rated(series(played("starkregen"), gauge, "water_level"))
    first = {k: wave.filter(pl.col("severity") >= k)["h"].min() for k in (1, 2)}
    peak = wave["severity"].max()
    assert 0 < first[1] < first[2] < 8 and peak == 2  # through Informationsstufe 2, never 3
    assert wave["severity"][0] == 0 and wave["severity"][-1] == 0  # starts and ends normal
    last_high = wave.filter(pl.col("severity") >= 1)["h"].max()
    assert last_high < 7, "the gauge is back below level 1 well before the end"


def test_starkregen_brooks_rise_earlier_than_the_hoenne_and_downstream_peaks_later():
    wave = played("starkregen").filter(pl.col("quantity") == "water_level")
    peak_at = {g: series(wave, g, "water_level").sort("value")["h"][-1] for g in HOENNE + BROOKS}
    assert max(peak_at[b] for b in BROOKS) < min(peak_at[h] for h in HOENNE)
    assert [peak_at[h] for h in HOENNE] == sorted(peak_at[h] for h in HOENNE)


def test_starkregen_soaks_the_tree_pits():
    soil = played("starkregen").filter(pl.col("quantity") == "soil_moisture")
    start, end = soil.filter(pl.col("h") == 0), soil.filter(pl.col("h") == soil["h"].max())
    assert len(start) == 12 and (end["value"] - start["value"]).min() > 15


def test_hitzetag_36_degrees_in_the_afternoon_with_heat_stress():
    day = played("hitzetag")
    centre = series(day, "wetter-marktplatz", "temperature")
    hottest = centre.sort("value").row(-1, named=True)
    assert hottest["value"] == 36.0 and 8 <= hottest["h"] <= 10  # 14:00–16:00 local
    weather = day.filter(pl.col("quantity").is_in(["temperature", "humidity"])).pivot(
        on="quantity", index=["native_id", "h"], values="value"
    )
    felt = weather.with_columns(value=felt_temperature(pl.col("temperature"), pl.col("humidity")), quantity=pl.lit("felt_temperature"))
    stressed = rated(felt).filter(pl.col("severity") >= 1)
    assert stressed["h"].min() > 3 and stressed["h"].max() < 14  # heat stress in the day, not at night
    assert {"wetter-marktplatz", "wetter-rathaus"} <= set(stressed["native_id"])
    assert rated(felt.filter(pl.col("h") == 0))["severity"].max() == 0  # the morning starts without


def test_hitzetag_tropennacht_in_the_centre_not_at_the_forest_edge():
    night = played("hitzetag").filter((pl.col("quantity") == "temperature") & pl.col("h").is_between(12, 24))  # 18:00–06:00
    lows = dict(night.group_by("native_id").agg(pl.col("value").min()).iter_rows())
    assert min(lows[s] for s in ("wetter-marktplatz", "wetter-neumarkt", "wetter-rathaus", "wetter-bahnhof")) >= 20.0
    assert lows["wetter-waldrand-barge"] < 20.0  # the heat island: the edge cools off


def test_hitzetag_trees_need_water_and_ozone_is_poor():
    day = played("hitzetag")
    soil = rated(day.filter(pl.col("quantity") == "soil_moisture"))
    dry = lambda h: soil.filter((pl.col("h") == h) & (pl.col("status") == "dry")).height  # noqa: E731
    assert dry(24) > dry(0) and dry(24) >= 6
    ozone = rated(day.filter(pl.col("quantity") == "o3"))
    assert set(ozone["native_id"]) == {"luft-unnaer-strasse", "luft-lendringsen"} and ozone["value"].max() > 144
    assert ozone.filter(pl.col("h").is_between(9, 13))["status"].unique().to_list() == ["poor"]


@pytest.mark.parametrize("room", ROOMS)
def test_klassenzimmer_co2_passes_2000_in_the_double_lesson_and_drops_below_1000_after_airing(room):
    co2 = rated(series(played("stickiges_klassenzimmer"), room, "co2"))
    over = co2.filter(pl.col("value") > 2000)
    assert not over.is_empty() and set(over["status"]) == {"bad"} and over["h"].min() > 1.5 and over["h"].max() <= 2.1
    aired = co2.filter(pl.col("h") > over["h"].max())
    below = aired.filter(pl.col("value") < 1000)["h"].min()
    assert below - over["h"].max() <= 0.5  # good air within half an hour of opening the window
    assert aired.filter(pl.col("h") >= below)["value"].max() < 1000 and set(rated(aired.filter(pl.col("h") >= below))["status"]) == {"good"}


def test_klassenzimmer_leaves_the_other_rooms_alone():
    rooms = feed.twins(feed.script("stickiges_klassenzimmer"))
    assert sorted(rooms) == sorted(ROOMS) and len(CLASSROOMS) == 40


MAIN_ROADS = ["verkehr-unnaer-strasse", "verkehr-froendenberger-strasse", "verkehr-bahnhofstrasse", "laerm-unnaer-strasse", "laerm-bahnhof"]


def against_the_ordinary_day(name: str) -> pl.DataFrame:
    """The scenario's values beside what the demo simulates at the same moments (``simulated``)."""
    script = feed.script(name)
    wire = demo.simulate(script.anchor - dt.timedelta(hours=1), script.anchor + dt.timedelta(hours=script.duration_h), seed=script.seed)
    anchor = int(script.anchor.timestamp())
    ordinary = pl.DataFrame({k: list(v) for k, v in wire.items()}).select(
        "native_id", "quantity", s=(pl.col("t") - anchor).cast(pl.Float64), simulated="value"
    )
    return played(name).join(ordinary, on=["native_id", "quantity", "s"], how="left")


def test_feierabendverkehr_loads_and_changes_the_main_roads_only():
    assert sorted(feed.twins(feed.script("feierabendverkehr"))) == sorted(MAIN_ROADS)  # not the Marktplatz, not the residential street
    assert set(played("feierabendverkehr")["native_id"]) == set(MAIN_ROADS)


def test_feierabendverkehr_more_cars_slower_and_louder_than_an_ordinary_thursday():
    rush = against_the_ordinary_day("feierabendverkehr")
    assert rush["simulated"].null_count() == 0 and (rush["s"] >= 0).all()
    cars = rush.filter((pl.col("native_id") == "verkehr-unnaer-strasse") & (pl.col("quantity") == "traffic_car"))
    assert cars["h"].to_list() == [0, 1, 2, 3]  # the hours 15–19, each stamped with its start
    assert (cars["value"] > cars["simulated"]).all() and cars["value"].max() > 550 > cars["simulated"].max()
    slower = rush.filter((pl.col("quantity") == "speed_v85") & (pl.col("h") == 2))
    assert len(slower) == 3 and (slower["value"] < slower["simulated"] - 10).all()
    loud = rush.filter((pl.col("native_id") == "laerm-unnaer-strasse") & (pl.col("quantity") == "noise") & pl.col("h").is_between(1.5, 2.5))
    assert ((loud["value"] - loud["simulated"]).round(2) == 2.5).all()
    assert set(rated(loud)["status"]) == {"very_loud"} and set(rated(loud.with_columns(value="simulated"))["status"]) != {"very_loud"}
    untouched = rush.filter(pl.col("quantity").is_in(["traffic_bike", "traffic_pedestrian", "traffic_heavy"]))
    assert len(untouched) > 0 and (untouched["value"] == untouched["simulated"]).all()


@pytest.mark.parametrize("name", ["starkregen", "hitzetag", "stickiges_klassenzimmer", "feierabendverkehr"])
def test_speed_changes_only_how_fast_not_what(name):
    assert played(name, speed=10).equals(played(name, speed=60)) and played(name, speed=1).equals(played(name, speed=60))


# -- wall clock ---------------------------------------------------------------------------------
TABLE = pl.DataFrame({"native_id": "a", "quantity": "water_level", "s": [0.0, 600.0, 1200.0, 1800.0], "value": [1.0, 2.0, 3.0, 4.0]})


def test_scenario_time_is_wall_time_times_speed():
    run = Run("probe", 60, NOW, False, 1800.0, ("a",))
    rows = feed.schedule(run, TABLE, NOW - dt.timedelta(microseconds=1), NOW + dt.timedelta(minutes=5))
    assert rows["ts"].to_list() == [NOW + dt.timedelta(seconds=s) for s in (0, 10, 20, 30)]
    later = feed.schedule(run, TABLE, NOW + dt.timedelta(seconds=10), NOW + dt.timedelta(seconds=25))
    assert later["value"].to_list() == [3.0]  # (since, now]: what an earlier poll stored is not repeated


def test_same_values_at_the_same_scenario_time_at_10x_and_60x():
    fast = feed.schedule(Run("p", 60, NOW, False, 1800.0, ()), TABLE, NOW - dt.timedelta(seconds=1), NOW + dt.timedelta(hours=1))
    slow = feed.schedule(Run("p", 10, NOW, False, 1800.0, ()), TABLE, NOW - dt.timedelta(seconds=1), NOW + dt.timedelta(hours=1))
    assert fast["value"].to_list() == slow["value"].to_list()
    assert (slow["ts"] - NOW).to_list() == [6 * (t - NOW) for t in fast["ts"]]


def test_a_loop_repeats_the_pass_and_a_single_run_stops():
    looped = feed.schedule(Run("p", 60, NOW, True, 1800.0, ()), TABLE, NOW - dt.timedelta(seconds=1), NOW + dt.timedelta(seconds=75))
    assert looped["value"].to_list() == [1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0]  # s = 1800 is s = 0 of the next pass
    once = feed.schedule(Run("p", 60, NOW, False, 1800.0, ()), TABLE, NOW - dt.timedelta(seconds=1), NOW + dt.timedelta(seconds=75))
    assert once["value"].to_list() == [1.0, 2.0, 3.0, 4.0]


def start(data_dir, name, **kw):
    return feed.start(open_store(data_dir), name, **kw)


def fetch(data_dir, now, since=None):
    """What the ingest runner does: read the run state, hand it to the feed."""
    run = state.read(open_store(data_dir))
    return feed.fetch({"key": "scenario", "kind": "scenario", "run": run.to_state() if run else None}, since=since, now=now)


def test_fetch_plays_from_the_start_and_then_only_what_is_new(tmp_path):
    start(tmp_path, "starkregen", speed=60, now=NOW)
    first = fetch(tmp_path, NOW + dt.timedelta(minutes=2))
    assert first.readings["ts"].min() == NOW and first.readings["ts"].max() <= NOW + dt.timedelta(minutes=2)
    assert first.readings["station_id"].str.starts_with("scenario:").all() and set(first.readings["source"]) == {"scenario"}
    assert set(first.stations["station_id"]) == set(first.readings["station_id"])
    second = fetch(tmp_path, NOW + dt.timedelta(minutes=3), since=first.readings["ts"].max())
    assert second.readings["ts"].min() > first.readings["ts"].max() and len(second) > 0


def test_the_same_scenario_at_the_same_speed_gives_the_same_readings_relative_to_its_start(tmp_path):
    def relative(begin: dt.datetime, directory) -> pl.DataFrame:
        start(directory, "hitzetag", speed=10, now=begin)
        rows = fetch(directory, begin + dt.timedelta(minutes=30)).readings
        return rows.with_columns(ts=pl.col("ts") - pl.lit(begin, dtype=pl.Datetime("us", "UTC")))

    assert relative(NOW, tmp_path / "a").equals(relative(NOW + dt.timedelta(days=3, seconds=7), tmp_path / "b"))


def test_at_10x_and_60x_the_same_scenario_time_gives_the_same_values(tmp_path):
    start(tmp_path / "fast", "starkregen", speed=60, now=NOW)
    start(tmp_path / "slow", "starkregen", speed=10, now=NOW)
    fast = fetch(tmp_path / "fast", NOW + dt.timedelta(minutes=8)).readings  # 8 scenario hours
    slow = fetch(tmp_path / "slow", NOW + dt.timedelta(minutes=48)).readings
    assert len(fast) == len(slow) > 300
    assert fast.sort("station_id", "ts")["value"].equals(slow.sort("station_id", "ts")["value"])


def test_a_single_run_stops_at_its_end_and_a_loop_starts_over(tmp_path):
    start(tmp_path, "stickiges_klassenzimmer", speed=60, now=NOW)  # 3 h: 3 minutes of wall time
    once = fetch(tmp_path, NOW + dt.timedelta(minutes=10)).readings
    assert once["ts"].max() == NOW + dt.timedelta(minutes=3)
    assert len(fetch(tmp_path, NOW + dt.timedelta(minutes=20), since=once["ts"].max())) == 0
    start(tmp_path, "stickiges_klassenzimmer", speed=60, loop=True, now=NOW)
    looped = fetch(tmp_path, NOW + dt.timedelta(minutes=6)).readings
    room = looped.filter((pl.col("station_id") == f"scenario:{ROOMS[0]}") & (pl.col("quantity") == "co2")).sort("ts")
    assert room["value"].to_list()[:18] == room["value"].to_list()[18:36]


def test_a_looped_rush_hour_plays_every_counted_hour_once_per_pass(tmp_path):
    start(tmp_path, "feierabendverkehr", speed=60, loop=True, now=NOW)  # 4 h: a pass every 4 minutes
    rows = fetch(tmp_path, NOW + dt.timedelta(minutes=11)).readings
    assert rows.select("station_id", "quantity", "ts").is_unique().all()
    cars = rows.filter((pl.col("station_id") == "scenario:verkehr-unnaer-strasse") & (pl.col("quantity") == "traffic_car")).sort("ts")
    assert len(cars) == 12 and cars["value"].to_list()[:4] == cars["value"].to_list()[4:8]  # hours 15–18, three passes


def test_nothing_to_fetch_without_a_scenario_and_a_missing_script_is_a_feed_error(tmp_path):
    assert len(fetch(tmp_path, NOW)) == 0
    start(tmp_path, "starkregen", speed=60, now=NOW)
    store = open_store(tmp_path)
    store.set_state(state.KEY, {**store.state(state.KEY), "name": "../gone"})
    with pytest.raises(FeedFormatError, match="no scenario"):
        fetch(tmp_path, NOW + dt.timedelta(minutes=1))


def test_parse_refuses_what_is_not_played_columns():
    with pytest.raises(FeedFormatError):
        feed.parse({"ts": ["soon"], "native_id": ["x"], "quantity": ["co2"], "value": [1.0]}, source="scenario")
    with pytest.raises(FeedFormatError):
        feed.parse([1, 2, 3], source="scenario")


BAD = {
    "no title": ("title = ", "tile = "),
    "duration": ('duration = "3h"', 'duration = "three hours"'),
    "anchor without offset": ("2025-11-18T07:30:00+01:00", "2025-11-18T07:30:00"),
    "unknown station": ('"co2-walburgisgymnasium-r04", "co2-gymnasium', '"co2-nowhere", "co2-gymnasium'),
    "unknown quantity": ('quantity = "humidity"', 'quantity = "humidness"'),
    "mode": ('mode = "offset"', 'mode = "plus"'),
    "keyframes out of order": ("[[0, 0], [0.5, 1], [2.0, 9]", "[[0, 0], [2.5, 1], [2.0, 9]"),
    "keyframes past the end": ("[3.0, 820]", "[3.5, 820]"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_broken_script_names_file_and_key(tmp_path, case):
    good = (feed.SCRIPTS_DIR / "stickiges_klassenzimmer.toml").read_text(encoding="utf-8")
    old, new = BAD[case]
    assert old in good
    path = tmp_path / "broken.toml"
    path.write_text(good.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken\.toml"):
        feed.load(path)


def test_script_files_are_valid_toml_with_a_comment_header():
    for path in feed.SCRIPTS_DIR.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# ") and tomllib.loads(text)["title"]["de"]


def test_ingest_keeps_scenario_readings_under_their_own_source(tmp_path):
    config = tmp_path / "menden.toml"
    config.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8").replace("backfill_days = 14", "backfill_days = 1"), encoding="utf-8")
    shutil.copy(DEFAULT_CONFIG.parent / "menden-outline.geojson", tmp_path)  # the copy's outline, beside it
    city = load_config(config)
    store = open_store(tmp_path / "data", tz=city.timezone)
    polled = [r.source for r in ingest.run_once(city, store)]
    assert "demo" in polled and "scenario" not in polled  # no scenario: not polled (the city's other sources are)
    demo_before = store.readings(quantities=["water_level"]).filter(pl.col("source") == "demo")
    feed.start(store, "starkregen", speed=60, now=dt.datetime.now(UTC) - dt.timedelta(minutes=4))
    results = {r.source: r for r in ingest.run_once(city, store)}
    assert results["scenario"].ok and results["scenario"].rows > 100
    rows = store.readings(start=dt.datetime.now(UTC) - dt.timedelta(minutes=5))
    played_rows = rows.filter(pl.col("source") == "scenario")
    assert played_rows["station_id"].str.starts_with("scenario:").all() and len(played_rows) == results["scenario"].rows
    assert not rows.filter(pl.col("station_id").str.starts_with("demo:"))["source"].is_in(["scenario"]).any()
    assert rows.filter(pl.col("source") == "demo")["station_id"].str.starts_with("demo:").all()
    demo_after = store.readings(end=demo_before["ts"].max() + dt.timedelta(microseconds=1), quantities=["water_level"]).filter(
        pl.col("source") == "demo"
    )
    assert demo_after.equals(demo_before)  # the demo's own history is untouched
    state.stop(store)
    assert "scenario" not in [r.source for r in ingest.run_once(city, store)]


def test_after_a_long_pause_only_the_last_day_is_played_back(tmp_path):
    start(tmp_path, "stickiges_klassenzimmer", speed=60, loop=True, now=NOW - dt.timedelta(days=5))
    rows = fetch(tmp_path, NOW).readings
    assert rows["ts"].min() >= NOW - feed.MAX_CATCH_UP and rows["ts"].max() <= NOW and len(rows) > 1000


def test_a_city_without_the_demo_never_polls_a_scenario(tmp_path):
    config = tmp_path / "city.toml"
    config.write_text(
        '[city]\nname = "X"\ntimezone = "Europe/Berlin"\ncenter = [51.4, 7.7]\nzoom = 12\n\n[[sources]]\nkey = "up"\nkind = "csv_file"\npath = "r.csv"\n',
        encoding="utf-8",
    )
    start(tmp_path / "data", "starkregen", speed=60)
    city = load_config(config)
    assert ingest.sources(city, tmp_path / "data") == city.sources
