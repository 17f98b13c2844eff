"""Car parks and charging sites on a small store, and the Heute charging tile's sums over sites."""

from __future__ import annotations

import datetime as dt

import pytest

from core.config import CityConfig
from core.schema import Batch
from core.store import open_store
from core.views import parking, today
from core.views.sentences import NOTHING, Count, Phrase
from core.views.tiles import sentence

NOW = dt.datetime(2026, 7, 15, 12, 30, tzinfo=dt.UTC)


def city() -> CityConfig:
    return CityConfig(name="Test", timezone="Europe/Berlin", center=(51.44, 7.78), zoom=12.0, language="de", sources=())


def sites_store(tmp_path, sites: dict[str, tuple[str, dict[str, float]]]):
    """``sites``: id -> (theme, latest values); each value reported at NOW − 5 min and NOW − 2 min."""
    store = open_store(tmp_path / "store", tz="Europe/Berlin")
    rows = [
        {"ts": NOW - dt.timedelta(minutes=m), "station_id": f"t:{sid}", "quantity": q, "value": v, "source": "t"}
        for sid, (_, values) in sites.items()
        for q, v in values.items()
        for m in (5, 2)
    ]
    places = [
        {"station_id": f"t:{sid}", "source": "t", "name": f"Ort {sid}", "lat": 51.44, "lon": 7.78, "theme": theme}
        for sid, (theme, _) in sites.items()
    ]
    store.append(Batch.from_rows(rows, places))
    return store


def charging(free: float, occupied: float, broken: float) -> tuple[str, dict[str, float]]:
    return "charging", {"charging_free": free, "charging_occupied": occupied, "charging_out_of_service": broken}


def test_sites_count_free_of_those_in_operation_and_rate_each_site(tmp_path):
    store = sites_store(
        tmp_path,
        {
            "rathaus": charging(2, 3, 1),
            "bahnhof": charging(0, 4, 0),
            "nordwall": ("parking", {"parking_free": 120.0, "occupancy": 52.0}),
        },
    )
    rows = {r["station_id"]: r for r in parking.sites(store, city(), now=NOW).iter_rows(named=True)}
    assert list(rows) == ["t:nordwall", "t:bahnhof", "t:rathaus"]  # car parks first, then by name
    rathaus, bahnhof, nordwall = rows["t:rathaus"], rows["t:bahnhof"], rows["t:nordwall"]
    assert (rathaus["free"], rathaus["total"], rathaus["charging_out_of_service"]) == (2.0, 5.0, 1.0)  # out of service is not "belegt"
    assert (rathaus["status"], rathaus["status_de"]) == ("free", "frei")
    assert (bahnhof["free"], bahnhof["total"], bahnhof["status_de"], bahnhof["tone"]) == (0.0, 4.0, "alle belegt", "poor")
    assert (nordwall["free"], nordwall["total"], nordwall["occupancy"], nordwall["status"]) == (120.0, None, 52.0, "free")
    assert rathaus["age_s"] == pytest.approx(120.0) and not rathaus["stale"]


def charging_tile(tmp_path, **sites: tuple[str, dict[str, float]]):
    return {t.key: t for t in today.overview(sites_store(tmp_path, sites), city(), now=NOW).tiles}["charging"]


def test_heute_sums_charge_points_over_sites_and_keeps_out_of_service_apart(tmp_path):
    tile = charging_tile(tmp_path, a=charging(2, 3, 1), b=charging(1, 3, 0))
    assert (tile.value, tile.of, tile.status_de) == (3.0, 9.0, "frei")
    assert tile.counts == {"charging_free": 3.0, "charging_occupied": 6.0, "charging_out_of_service": 1.0}
    assert sentence(tile) == (
        "sentence.charging.some",
        {"free": Count(3), "total": Count(9), "aside": Phrase("sentence.charging.aside.one", {"n": Count(1)})},
    )


def test_heute_says_all_taken_when_no_point_is_free(tmp_path):
    tile = charging_tile(tmp_path, a=charging(0, 5, 2), b=charging(0, 4, 1))
    assert (tile.status, tile.status_de, tile.tone) == ("all_taken", "alle belegt", "poor")
    key, params = sentence(tile)
    assert key == "sentence.charging.none" and params["total"] == Count(9)
    assert params["aside"] == Phrase("sentence.charging.aside.some", {"n": Count(3)})


def test_heute_one_free_and_none_out_of_service(tmp_path):
    key, params = sentence(charging_tile(tmp_path, a=charging(1, 3, 0)))
    assert (key, params["aside"]) == ("sentence.charging.one", NOTHING)


def test_heute_with_every_point_out_of_service_rates_nothing(tmp_path):
    tile = charging_tile(tmp_path, a=charging(0, 0, 4))
    assert (tile.status_de, tile.tone, sentence(tile)[0]) == ("außer Betrieb", "unknown", "sentence.charging.off")
