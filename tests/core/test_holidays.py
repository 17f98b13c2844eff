"""The NRW school calendar: known holidays, public holidays, a school's own free days, and "unknown" beyond the data."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from core.config import CityConfig, ConfigError, load_config
from core.holidays import KINDS, SchoolCalendar
from core.schema import Batch
from core.store import open_store
from core.views import schools

D = dt.date


@pytest.mark.parametrize(
    ("day", "kind", "name"),
    [
        (D(2026, 7, 21), "school_holiday", "Sommerferien"),  # NRW summer holidays 2026: 20.07.–01.09.
        (D(2026, 7, 20), "school_holiday", "Sommerferien"),
        (D(2026, 9, 1), "school_holiday", "Sommerferien"),
        (D(2026, 9, 2), "school_day", None),
        (D(2026, 7, 17), "school_day", None),  # the Friday before
        (D(2026, 6, 4), "public_holiday", "Fronleichnam"),  # a public holiday in NRW, not in every state
        (D(2026, 11, 2), "school_day", None),  # Herbstferien 2026 end on 31.10.
        (D(2026, 10, 20), "school_holiday", "Herbstferien"),
        (D(2026, 12, 23), "school_holiday", "Weihnachtsferien"),
        (D(2027, 1, 6), "school_holiday", "Weihnachtsferien"),
        (D(2026, 5, 26), "school_holiday", "Himmelfahrts-/Pfingstferien"),
        (D(2026, 7, 25), "weekend", "Sommerferien"),
        (D(2029, 10, 15), "unknown", None),  # beyond the package's data (it ends with the summer of 2029)
        (D(2029, 12, 25), "public_holiday", "Erster Weihnachtstag"),  # public holidays are rules: always known
        (D(2029, 10, 13), "weekend", None),
    ],
)
def test_known_days(day, kind, name):
    calendar = SchoolCalendar()
    assert calendar.kind(day) == kind and kind in KINDS
    assert calendar.name(day) == name
    assert calendar.lessons(day) is (None if kind == "unknown" else kind == "school_day")


def test_coverage_ends_with_the_summer_holidays_of_2029():
    first, last = SchoolCalendar().coverage()
    assert first <= D(1995, 1, 1) and last == D(2029, 8, 14)
    assert SchoolCalendar().kind(D(2029, 8, 15)) == "unknown"


def test_a_schools_own_free_days():
    calendar = SchoolCalendar(free_days={"Walburgisgymnasium": frozenset({D(2026, 2, 16)})})
    assert calendar.kind(D(2026, 2, 16), "Walburgisgymnasium") == "free_day"  # Rosenmontag
    assert calendar.kind(D(2026, 2, 16), "Gymnasium an der Hönne") == "school_day"
    assert calendar.kind(D(2026, 2, 16)) == "school_day"  # the state's calendar knows nothing of it
    days = calendar.days(D(2026, 2, 14), D(2026, 2, 18), "Walburgisgymnasium")
    assert days["kind"].to_list() == ["weekend", "weekend", "free_day", "school_day"]
    assert days.schema["lessons"] == pl.Boolean


def _config(tmp_path, body: str):
    path = tmp_path / "city.toml"
    path.write_text(
        '[city]\nname = "T"\ntimezone = "Europe/Berlin"\ncenter = [51.4, 7.7]\nzoom = 12\n'
        '[[sources]]\nkey = "demo"\nkind = "demo"\n' + body,
        encoding="utf-8",
    )
    return path


def test_free_days_from_the_city_file(tmp_path):
    path = _config(tmp_path, '[schools."Walburgisgymnasium"]\nfree_days = [2026-02-16, "2026-02-17"]\n')
    city = load_config(path)
    assert city.free_days == {"Walburgisgymnasium": frozenset({D(2026, 2, 16), D(2026, 2, 17)})}
    assert city.calendar.kind(D(2026, 2, 17), "Walburgisgymnasium") == "free_day"
    for bad in ('[schools."X"]\nfree_days = ["Rosenmontag"]\n', '[schools."X"]\nferien = [2026-02-16]\n'):
        with pytest.raises(ConfigError, match="schools"):
            load_config(_config(tmp_path, bad))


UTC = dt.UTC


def _lessons(sid: str, day: dt.date, value: float) -> list[dict]:
    start = dt.datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)  # 08:00 CEST
    return [
        {"ts": start + i * dt.timedelta(minutes=5), "station_id": f"t:{sid}", "quantity": "co2", "value": value, "source": "t"}
        for i in range(12 * 6)
    ]


def _room(sid: str, name: str) -> dict:
    return {"station_id": f"t:{sid}", "source": "t", "name": name, "lat": 51.44, "lon": 7.78, "theme": "indoor_air", "district": None}


def _city(**free) -> CityConfig:
    return CityConfig(name="T", timezone="Europe/Berlin", center=(51.4, 7.7), zoom=12.0, language="de", sources=(), free_days=free)


def test_lesson_time_skips_holidays_public_holidays_and_a_schools_free_day(tmp_path):
    store = open_store(tmp_path / "s", tz="Europe/Berlin")
    # the week of 15 June 2026 (Mon … Fri): Thursday 4 June was Fronleichnam, so use the week of 1 June
    week = [D(2026, 6, 1) + dt.timedelta(days=i) for i in range(5)]
    rows = [r for day in week for sid in ("a", "b") for r in _lessons(sid, day, 1500.0)]
    store.append(Batch.from_rows(rows, [_room("a", "S1 Raum 1"), _room("b", "S2 Raum 1")]))
    now = dt.datetime(2026, 6, 6, 12, tzinfo=UTC)
    share = schools.lesson_share(store, _city(S1=frozenset({D(2026, 6, 5)})), now=now)
    got = {r["school"]: r["buckets"] for r in share.rooms.iter_rows(named=True)}
    assert got == {"S1": 3 * 21, "S2": 4 * 21}  # Fronleichnam for both; S1 also keeps the Friday free
    assert share.days.filter(pl.col("date") == D(2026, 6, 4))["kind"].item() == "public_holiday"
    assert not share.unknown


def test_lesson_time_in_the_summer_holidays_is_none(tmp_path):
    store = open_store(tmp_path / "s", tz="Europe/Berlin")
    store.append(Batch.from_rows(_lessons("a", D(2026, 7, 21), 1500.0), [_room("a", "S1 Raum 1")]))
    share = schools.lesson_share(store, _city(), now=dt.datetime(2026, 7, 22, 12, tzinfo=UTC))
    assert share.rooms["buckets"].to_list() == [0]
    assert set(share.days["kind"]) == {"school_holiday"}


def test_beyond_the_calendar_lessons_are_unknown(tmp_path):
    store = open_store(tmp_path / "s", tz="Europe/Berlin")
    store.append(Batch.from_rows(_lessons("a", D(2029, 10, 16), 1500.0), [_room("a", "S1 Raum 1")]))
    share = schools.lesson_share(store, _city(), now=dt.datetime(2029, 10, 17, 12, tzinfo=UTC))
    assert share.unknown and share.rooms["buckets"].to_list() == [0]  # never counted as a school day
