"""Places: opening hours evaluated at the city's wall-clock time; hours nobody can read are unknown, never closed."""

from __future__ import annotations

import datetime as dt

from core.config import CityConfig
from core.schema import Batch
from core.store import open_store
from core.views import places

NOW = dt.datetime(2026, 7, 15, 6, 30, tzinfo=dt.UTC)  # a Wednesday, 08:30 in Berlin but 06:30 in UTC


def city(tz: str = "Europe/Berlin") -> CityConfig:
    return CityConfig(name="Test", timezone=tz, center=(51.44, 7.78), zoom=12.0, language="de", sources=())


def place(sid: str, category: str | None, hours: str | None, *, lat: float | None = 51.44) -> dict:
    return {
        "station_id": f"t:{sid}",
        "source": "t",
        "name": f"Ort {sid}",
        "lat": lat,
        "lon": 7.78,
        "theme": "poi",
        "category": category,
        "opening_hours": hours,
    }


def store_with(tmp_path, rows: list[dict]):
    store = open_store(tmp_path / "store", tz="Europe/Berlin")
    store.append(Batch(stations=Batch.from_rows(stations=rows).stations))
    return store


def test_open_now_is_read_in_the_city_time_zone(tmp_path):
    store = store_with(
        tmp_path,
        [
            place("amt", "public_office", "Mo-Fr 08:00-12:30"),  # 08:30 local: open (06:30 UTC would be closed)
            place("bad", "pool", "Sa,Su 08:00-18:00"),  # not on a Wednesday
            place("turm", "sight", "24/7"),
            place("kirche", "church", "Mo-Fr 08:00-18:00; PH off"),  # public holidays: beyond the subset, so unknown
            place("park", None, None),
            place("irgendwo", "park", "24/7", lat=None),  # no position: not on the map
        ],
    )
    frame = places.pois(store, city(), now=NOW)
    assert dict(zip(frame["station_id"], frame["open"])) == {
        "t:amt": True,
        "t:bad": False,
        "t:turm": True,
        "t:kirche": None,
        "t:park": None,
    }
    assert places.pois(store, city("UTC"), now=NOW).filter(frame["station_id"] == "t:amt")["open"].item() is False
    assert places.categories(frame) == ["church", "pool", "public_office", "sight"]  # sorted; a place without one has none


def test_no_places_no_rows(tmp_path):
    frame = places.pois(store_with(tmp_path, [place("x", "park", "24/7", lat=None)]), city(), now=NOW)
    assert frame.is_empty() and places.categories(frame) == []
