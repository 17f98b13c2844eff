"""Raumluft Schulen views on a small store: grouping, traffic lights, lesson-time shares, overview, day curve."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from core.config import CityConfig
from core.schema import Batch
from core.store import open_store
from core.views import schools

UTC = dt.UTC
NOW = dt.datetime(2026, 7, 15, 12, 0, tzinfo=UTC)  # Wednesday, 14:00 in Berlin (CEST)
MONDAY = dt.date(2026, 7, 13)


def city(**thresholds) -> CityConfig:
    return CityConfig(
        name="Test", timezone="Europe/Berlin", center=(51.44, 7.78), zoom=12.0, language="de", sources=(), thresholds=thresholds
    )


def room(sid: str, name: str | None, district: str | None = None, theme: str = "indoor_air") -> dict:
    return {"station_id": f"t:{sid}", "source": "t", "name": name, "lat": 51.44, "lon": 7.78, "theme": theme, "district": district}


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - dt.timedelta(hours=2)  # CEST


def co2(sid: str, start: dt.datetime, end: dt.datetime, value: float) -> list[dict]:
    """A reading every 5 minutes in [start, end)."""
    steps = int((end - start) / dt.timedelta(minutes=5))
    return [
        {"ts": start + i * dt.timedelta(minutes=5), "station_id": f"t:{sid}", "quantity": "co2", "value": value, "source": "t"}
        for i in range(steps)
    ]


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / "store", tz="Europe/Berlin")


def test_school_and_room_from_the_name_else_the_district():
    stations = pl.DataFrame(
        [
            room("a", "Walburgisgymnasium Raum 101"),
            room("b", "Gesamtschule Lendringsen  Raum 2.14", "Lendringsen"),
            room("c", "Hönne School Room 7"),
            room("d", "Klasse 5a", "Bösperde"),  # no marker: the district is the school
            room("e", "Sensor 17"),  # neither: no school
            room("f", "Schule Raumstation"),  # "Raum" inside a word is no marker
            room("w", "Marktplatz Raum 1", theme="microclimate"),
        ]
    )
    out = {r["station_id"]: (r["school"], r["room"]) for r in schools.rooms_of(stations).iter_rows(named=True)}
    assert out == {
        "t:a": ("Walburgisgymnasium", "Raum 101"),
        "t:b": ("Gesamtschule Lendringsen", "Raum 2.14"),
        "t:c": ("Hönne School", "Room 7"),
        "t:d": ("Bösperde", "Klasse 5a"),
        "t:e": (None, "Sensor 17"),
        "t:f": (None, "Schule Raumstation"),
    }


def test_rooms_now_traffic_light_and_airing_hint(store):
    rows = co2("a", NOW - dt.timedelta(minutes=30), NOW, 800.0) + co2("b", NOW - dt.timedelta(minutes=30), NOW, 1400.0)
    rows += co2("c", NOW - dt.timedelta(minutes=30), NOW, 2300.0)
    stations = [room("a", "S1 Raum 1"), room("b", "S1 Raum 2"), room("c", "S1 Raum 3"), room("d", "S1 Raum 4"), room("x", "Sensor X")]
    store.append(Batch.from_rows(rows, stations))
    now = schools.rooms(store, city(), school="S1", now=NOW)
    assert now["room"].to_list() == ["Raum 1", "Raum 2", "Raum 3", "Raum 4"]
    assert now["status"].to_list() == ["good", "moderate", "bad", "unknown"]
    assert now["status_de"].to_list()[:3] == ["gut", "lüften", "schlecht"]
    assert now["air"].to_list() == [False, True, True, False]
    assert now["stale"].to_list() == [False, False, False, False]
    assert schools.schools(store, city()) == ["S1", schools.UNASSIGNED]
    assert schools.rooms(store, city(), school=schools.UNASSIGNED, now=NOW)["room"].to_list() == ["Sensor X"]
    assert len(schools.rooms(store, city(), now=NOW)) == 5


def week_of_lessons(sid: str) -> list[dict]:
    rows = co2(sid, local(MONDAY, 6), local(MONDAY, 8), 3000.0)  # before lessons: not counted
    rows += co2(sid, local(MONDAY, 8), local(MONDAY, 10), 1500.0)  # 8 buckets above 1,000
    rows += co2(sid, local(MONDAY, 10), local(MONDAY, 10, 30), 2500.0)  # 2 buckets above 2,000 (and 1,000)
    rows += co2(sid, local(MONDAY, 10, 30), local(MONDAY, 13, 15), 600.0)
    rows += co2(sid, local(MONDAY, 13, 15), local(MONDAY, 14), 3000.0)  # after lessons: not counted
    rows += co2(sid, local(MONDAY + dt.timedelta(days=1), 0), NOW, 600.0)  # Tuesday and Wednesday so far
    return rows


def test_lesson_share_counts_15_minute_buckets_inside_lesson_time(store):
    store.append(Batch.from_rows(week_of_lessons("a"), [room("a", "S1 Raum 1"), room("b", "S1 Raum 2")]))
    share = schools.lesson_share(store, city(), school="S1", now=NOW)
    a, b = share.rooms.row(0, named=True), share.rooms.row(1, named=True)
    assert a["buckets"] == 3 * 21  # Mon, Tue, Wed 8:00–13:15, 21 buckets each
    assert (a["over_moderate"], a["over_bad"]) == (10, 2)
    assert a["share_moderate"] == pytest.approx(10 / 63) and a["share_bad"] == pytest.approx(2 / 63)
    assert a["hours"] == pytest.approx(63 / 4)
    assert b["buckets"] == 0 and b["share_moderate"] is None  # a room without readings has no share
    assert (share.start, share.end, share.edges) == (MONDAY, dt.date(2026, 7, 15), (1000.0, 2000.0))


def test_lesson_share_of_a_morning_in_progress_and_of_last_week(store):
    store.append(Batch.from_rows(week_of_lessons("a"), [room("a", "S1 Raum 1")]))
    morning = schools.lesson_share(store, city(), now=local(MONDAY, 9))  # Monday 9:00: four lesson buckets so far
    assert morning.rooms["buckets"][0] == 4 and morning.rooms["over_moderate"][0] == 4
    last = schools.lesson_share(store, city(), weeks_back=1, now=NOW)
    assert last.start == dt.date(2026, 7, 6) and last.end == dt.date(2026, 7, 12) and last.rooms["buckets"][0] == 0


def test_lesson_share_uses_the_rooms_own_thresholds(store):
    store.append(Batch.from_rows(week_of_lessons("a"), [room("a", "S1 Raum 1")]))
    share = schools.lesson_share(store, city(stations={"t:a": {"co2": [2000, 3000]}}), now=NOW)
    assert (share.rooms["over_moderate"][0], share.rooms["over_bad"][0]) == (2, 0)
    assert schools.lesson_share(store, city(co2=[1400, 2400]), now=NOW).edges == (1400, 2400)


def test_overview_per_school_worst_room_first(store):
    rows = week_of_lessons("a") + co2("a", NOW - dt.timedelta(minutes=20), NOW + dt.timedelta(minutes=5), 1700.0)
    rows += co2("b", NOW - dt.timedelta(hours=1), NOW, 500.0) + co2("c", NOW - dt.timedelta(hours=1), NOW, 450.0)
    stations = [room("a", "Alpha Raum 2"), room("b", "Alpha Raum 1"), room("c", "Beta Raum 1"), room("x", "Sensor X")]
    store.append(Batch.from_rows(rows, stations))
    result = schools.overview(store, city(), now=NOW)
    table = result.schools
    assert result.week.start == MONDAY and len(result.week.rooms) == 4
    assert table["school"].to_list() == ["Alpha", "Beta", schools.UNASSIGNED]  # Alpha has a room to air
    alpha = table.row(0, named=True)
    assert (alpha["rooms"], alpha["to_air"], alpha["bad"], alpha["worst_room"], alpha["max_co2"]) == (2, 1, 0, "Raum 2", 1700.0)
    assert alpha["status"] == "moderate" and alpha["tone"] == "moderate"
    assert [s["room"] for s in alpha["room_states"]] == ["Raum 1", "Raum 2"]
    assert [s["status"] for s in alpha["room_states"]] == ["good", "moderate"]
    assert alpha["buckets"] == 63 + 1 and alpha["share_moderate"] == pytest.approx(
        10 / (63 + 1)
    )  # room b adds one good lesson bucket (13:00–13:15)
    unassigned = table.row(2, named=True)
    assert unassigned["unknown"] == 1 and unassigned["severity"] is None


def test_day_curve_from_local_midnight(store):
    rows = co2("a", local(dt.date(2026, 7, 14), 22), NOW, 700.0)
    store.append(Batch.from_rows(rows, [room("a", "S1 Raum 1"), room("b", "S2 Raum 1")]))
    curve = schools.day_curve(store, city(), school="S1", now=NOW)
    assert curve["time"].min() == dt.datetime(2026, 7, 15, 0, 0) and curve["time"].max() == dt.datetime(2026, 7, 15, 13, 45)
    assert len(curve) == 14 * 4 and curve["room"].unique().to_list() == ["Raum 1"]
    assert schools.day_curve(store, city(), school="S2", now=NOW).is_empty()
    assert schools.day_curve(store, city(), school="nowhere", now=NOW).is_empty()


def test_week_start_across_dst():
    assert schools.week_start(dt.datetime(2026, 3, 29, 12, tzinfo=UTC), "Europe/Berlin") == dt.datetime(2026, 3, 22, 23, tzinfo=UTC)
    assert schools.week_start(dt.datetime(2026, 3, 31, 12, tzinfo=UTC), "Europe/Berlin") == dt.datetime(2026, 3, 29, 22, tzinfo=UTC)
    assert schools.week_start(dt.datetime(2026, 3, 31, 12, tzinfo=UTC), "Europe/Berlin", weeks_back=1) == dt.datetime(
        2026, 3, 22, 23, tzinfo=UTC
    )


def test_empty_store(store):
    assert schools.schools(store, city()) == []
    assert schools.rooms(store, city(), now=NOW).is_empty()
    assert schools.overview(store, city(), now=NOW).schools.is_empty()
    assert schools.lesson_share(store, city(), now=NOW).rooms.is_empty()
