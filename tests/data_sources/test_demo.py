"""The demo city: real scale, plausible physics, and the same value for the same instant."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from core import opening
from core.schema import READINGS_SCHEMA
from data_sources import adapter, demo
from data_sources.demo.stations import ALL, CHARGING, POI_CATEGORIES, POIS
from data_sources.errors import FeedFormatError

UTC = dt.UTC
# Thursday 26 Nov 2026, 10:05 local (09:05 UTC): school is in session
NOW = dt.datetime(2026, 11, 26, 9, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def backfill():
    return demo.fetch({"key": "demo"}, None, None, now=NOW)


def at(batch, when: dt.datetime) -> pl.DataFrame:
    return batch.readings.filter(pl.col("ts") == when)


def local(frame: pl.DataFrame) -> pl.DataFrame:
    """Readings with local hour, weekday (1 = Monday) and date."""
    berlin = pl.col("ts").dt.convert_time_zone("Europe/Berlin")
    return frame.with_columns(hour=berlin.dt.hour(), weekday=berlin.dt.weekday(), date=berlin.dt.date())


def of(batch, native_id: str, quantity: str) -> pl.DataFrame:
    return local(batch.readings.filter((pl.col("station_id") == f"demo:{native_id}") & (pl.col("quantity") == quantity)))


def energetic(values: pl.Series) -> float:
    return 10 * math.log10((10 ** (values / 10)).mean())


def test_registered_like_any_feed():
    assert adapter("demo") is demo


def test_real_scale_of_menden(backfill):
    kinds = [st.kind for st in ALL]
    assert (kinds.count("weather"), kinds.count("gauge"), kinds.count("soil")) == (12, 8, 12)
    assert kinds.count("classroom") == 40 and kinds.count("air") == 2 and kinds.count("parking") == 3
    assert (kinds.count("noise"), kinds.count("traffic"), kinds.count("charging"), kinds.count("poi")) == (4, 3, 2, 15)
    schools = {st.params["school"] for st in ALL if st.kind == "classroom"}
    assert len(schools) == 4
    assert backfill.stations["station_id"].n_unique() == len(ALL)
    reporting = backfill.stations.filter(pl.col("theme") != "poi")["station_id"]
    assert set(backfill.readings["station_id"].unique()) == set(reporting)  # places report nothing
    assert backfill.stations["station_id"].str.starts_with("demo:").all()


def test_stations_per_theme(backfill):
    per_theme = dict(backfill.stations.group_by("theme").len().iter_rows())
    assert per_theme == {
        "microclimate": 12,
        "water": 8,
        "soil": 12,
        "indoor_air": 40,
        "air_quality": 2,
        "parking": 3,
        "noise": 4,
        "traffic": 3,
        "charging": 2,
        "poi": 15,
    }
    sensors = backfill.stations.filter(pl.col("theme") != "poi")
    assert sensors["category"].null_count() == sensors["opening_hours"].null_count() == len(sensors)  # only places have them


def test_backfills_fourteen_days_of_plausible_values(backfill):
    r = backfill.readings
    assert r.schema == READINGS_SCHEMA
    assert backfill.skipped == 0  # nothing the simulator makes is implausible
    span = r["ts"].max() - r["ts"].min()
    assert dt.timedelta(days=13, hours=23) <= span <= dt.timedelta(days=14, hours=1)  # an hour's count carries its start
    assert r["ts"].max() <= NOW and r["ts"].min() > NOW - dt.timedelta(days=14, hours=1)
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
        "noise",
        "noise_max",
        "traffic_car",
        "traffic_heavy",
        "traffic_bike",
        "traffic_pedestrian",
        "speed_v85",
        "charging_free",
        "charging_occupied",
        "charging_out_of_service",
    }


def test_same_instant_same_value_whatever_the_window(backfill):
    later = demo.fetch({"key": "demo"}, None, NOW - dt.timedelta(minutes=40), now=NOW + dt.timedelta(minutes=20))
    joined = backfill.readings.join(later.readings, on=["ts", "station_id", "quantity"])
    assert len(joined) > 100
    assert (joined["value"] == joined["value_right"]).all()
    # only what is new since `since`: readings taken after it, and counts of hours that ended after it
    since = NOW - dt.timedelta(minutes=40)
    counts = later.readings["station_id"].is_in([f"demo:{st.native_id}" for st in ALL if st.interval])
    assert later.readings.filter(~counts)["ts"].min() > since
    assert (later.readings.filter(counts)["ts"] + dt.timedelta(hours=1)).min() > since


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
    radio = {st.native_id for st in ALL if st.kind in ("classroom", "gauge", "noise")}
    assert {m["end_device_ids"]["device_id"] for m in messages} == radio
    assert {m["uplink_message"]["version_ids"]["brand_id"] for m in messages} == {"elsys", "decentlab", "milesight-iot"}
    assert not set(rest["native_id"]) & radio
    key = ["station_id", "quantity", "ts"]
    live = demo.parse_live(payload, source="demo")
    direct = demo.parse(payload, source="demo").readings.sort(key)
    assert len(live.readings) == len(direct) > 900 and live.skipped == 0
    joined = live.readings.join(direct, on=key)
    assert len(joined) == len(live.readings)
    assert ((joined["value"] - joined["value_right"]).abs() < 1e-9).all()
    sound = joined.filter(pl.col("station_id").str.starts_with("demo:laerm-"))
    assert set(sound["quantity"]) == {"noise", "noise_max"} and len(sound) == 4 * 6 * 2  # 4 meters, every 10 minutes
    themes = dict(live.stations.select("station_id", "theme").iter_rows())
    assert themes["demo:laerm-marktplatz"] == "noise" and themes["demo:ort-stadtmuseum"] == "poi"


def test_fetch_uses_the_lorawan_path_for_short_polls(monkeypatch):
    calls = []
    monkeypatch.setattr(demo, "parse_live", lambda payload, source: calls.append(source) or demo.parse(payload, source=source))
    demo.fetch({"key": "demo"}, None, NOW - dt.timedelta(minutes=5), now=NOW)
    demo.fetch({"key": "demo", "backfill_days": 1}, None, None, now=NOW)
    assert calls == ["demo"]  # the poll went over the radio path, the backfill did not


# -- noise, traffic, charging, places ---------------------------------------------------------------
DAY, NIGHT = pl.col("hour").is_between(6, 21), ~pl.col("hour").is_between(6, 21)  # TA Lärm: 06–22, 22–06


@pytest.mark.parametrize(
    ("meter", "day", "night"),
    [
        ("laerm-unnaer-strasse", (64, 70), (50, 56)),  # main road
        ("laerm-bahnhof", (60, 67), (48, 56)),
        ("laerm-marktplatz", (55, 62), (43, 51)),
        ("laerm-eisenberger-strasse", (44, 50), (33, 39)),  # quiet residential street
    ],
)
def test_noise_is_loud_by_day_and_quiet_at_night(backfill, meter, day, night):
    laeq = of(backfill, meter, "noise")
    assert day[0] <= energetic(laeq.filter(DAY)["value"]) <= day[1]
    assert night[0] <= energetic(laeq.filter(NIGHT)["value"]) <= night[1]
    peak = of(backfill, meter, "noise_max").join(laeq, on="ts")
    assert (peak["value"] > peak["value_right"] + 5).all()  # the loudest moment is above the interval's mean


def test_noise_follows_the_traffic_rush_hours_louder_weekends_quieter(backfill):
    laeq = of(backfill, "laerm-unnaer-strasse", "noise")
    weekday = laeq.filter(pl.col("weekday") <= 5)
    rush = energetic(weekday.filter(pl.col("hour").is_in([7, 16, 17]))["value"])
    noon = energetic(weekday.filter(pl.col("hour").is_in([11, 12, 13]))["value"])
    sunday = energetic(laeq.filter((pl.col("weekday") == 7) & DAY)["value"])
    assert rush > noon + 1 and energetic(weekday.filter(DAY)["value"]) > sunday + 2


def test_traffic_counts_hourly_with_rush_hours_on_weekdays(backfill):
    cars = of(backfill, "verkehr-unnaer-strasse", "traffic_car")
    assert (cars["ts"].dt.minute() == 0).all() and cars["ts"].is_unique().all()
    weekday = cars.filter(pl.col("weekday") <= 5).group_by("hour").agg(pl.col("value").mean()).sort("hour")
    by_hour = dict(weekday.iter_rows())
    assert 380 <= max(by_hour.values()) <= 460  # ~420 cars/h at rush hour on the busiest road
    assert by_hour[7] > 1.4 * by_hour[11] and by_hour[16] > 1.4 * by_hour[11]  # morning and evening peaks
    assert by_hour[3] < 0.05 * max(by_hour.values())  # night
    per_day = cars.group_by("date", "weekday").agg(pl.col("value").sum(), hours=pl.len()).filter(pl.col("hours") == 24)
    workday = per_day.filter(pl.col("weekday") <= 5)["value"].median()
    assert per_day.filter(pl.col("weekday") == 7)["value"].max() < 0.5 * workday  # quieter Sundays
    assert per_day.filter(pl.col("weekday") == 6)["value"].max() < workday


def test_bikes_and_pedestrians_have_their_own_day(backfill):
    def weekday_peak(quantity: str) -> int:
        rows = of(backfill, "verkehr-bahnhofstrasse", quantity).filter(pl.col("weekday") <= 5)
        return rows.group_by("hour").agg(pl.col("value").mean()).sort("value")["hour"][-1]

    assert weekday_peak("traffic_car") in (16, 17) and weekday_peak("traffic_bike") in (7, 17)
    assert 9 <= weekday_peak("traffic_pedestrian") <= 14  # shopping and the lunch break, not the commute
    walkers = of(backfill, "verkehr-bahnhofstrasse", "traffic_pedestrian").group_by("weekday").agg(pl.col("value").sum())
    assert dict(walkers.iter_rows())[6] > dict(walkers.iter_rows())[7]  # Saturday's market, not Sunday
    heavy = of(backfill, "verkehr-unnaer-strasse", "traffic_heavy")
    assert heavy.filter(pl.col("weekday") == 7)["value"].sum() < 0.15 * heavy.filter(pl.col("weekday") == 3)["value"].sum()
    v85 = of(backfill, "verkehr-bahnhofstrasse", "speed_v85")["value"]
    assert 25 < v85.min() and v85.max() < 45  # a 30 zone, indicative like Telraam's


def test_a_counted_hour_is_published_when_it_is_over_stamped_with_its_start():
    poll = demo.fetch({"key": "demo"}, None, NOW - dt.timedelta(minutes=40), now=NOW)  # 08:25–09:05 UTC
    counts = poll.readings.filter(pl.col("quantity") == "traffic_car")
    assert counts["ts"].unique().to_list() == [dt.datetime(2026, 11, 26, 8, 0, tzinfo=UTC)] and len(counts) == 3


def test_charge_points_are_whole_and_add_up(backfill):
    states = ("charging_free", "charging_occupied", "charging_out_of_service")
    rows = backfill.readings.filter(pl.col("quantity").is_in(states)).pivot(on="quantity", index=["station_id", "ts"], values="value")
    assert rows.null_count().sum_horizontal().item() == 0
    assert all((rows[q] == rows[q].round()).all() and (rows[q] >= 0).all() for q in states)
    total = rows.with_columns(points=pl.sum_horizontal(states)).group_by("station_id").agg(pl.col("points").unique())
    assert dict(total.iter_rows()) == {f"demo:{st.native_id}": [st.params["points"]] for st in CHARGING}
    assert sum(st.params["points"] for st in CHARGING) == 10
    broken = rows.group_by("station_id").agg(pl.col("charging_out_of_service").unique())
    assert sorted(b for _, b in broken.iter_rows()) == [[0.0], [1.0]]  # one point out of service, all the time
    assert (rows["charging_free"] == 0).any()  # "alle belegt" happens


def test_commuters_charge_by_day_and_residents_by_night(backfill):
    taken = of(backfill, "laden-obere-promenade", "charging_occupied").filter(pl.col("weekday") <= 5)
    assert (
        taken.filter(pl.col("hour").is_between(9, 15))["value"].mean() > taken.filter(pl.col("hour").is_between(1, 4))["value"].mean() + 0.5
    )


def test_places_have_a_category_and_hours_that_parse(backfill):
    places = backfill.stations.filter(pl.col("theme") == "poi")
    assert len(places) == len(POIS) == 15 and places["station_id"].str.starts_with("demo:ort-").all()
    assert set(places["category"]) <= set(POI_CATEGORIES) and places["category"].n_unique() >= 8
    for spec in places["opening_hours"]:
        opening.parse(spec)  # raises OpeningHoursError for what core.opening does not understand
    assert places["lat"].is_between(51.40, 51.49).all() and places["lon"].is_between(7.74, 7.83).all()
    museum = places.filter(pl.col("station_id") == "demo:ort-stadtmuseum")["opening_hours"].item()
    assert opening.is_open(museum, dt.datetime(2026, 11, 26, 16, 0)) is True  # Thursday afternoon
    assert opening.is_open(museum, dt.datetime(2026, 11, 23, 10, 0)) is False  # closed on Mondays
