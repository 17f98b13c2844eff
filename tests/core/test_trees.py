"""The tree register and the pits' water balance: bad rows skipped and counted, a dry spell, a heavy rain, a watering."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from core import trees
from core.config import Trees

DAY = dt.date(2026, 7, 1)


def settings(path, **kw) -> Trees:
    return Trees(register=path, **kw)


def write_csv(tmp_path, text: str, name: str = "trees.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_register_with_defaults_for_what_a_row_leaves_out(tmp_path):
    path = write_csv(
        tmp_path,
        "id,species,planted,lat,lon,street,pit_area_m2\nA1,Tilia cordata,2022,51.44,7.78,Unnaer Straße,6\nA2,Acer campestre,2024,51.45,7.77,,\n",
    )
    found = trees.read_register(settings(path, taw_mm=70.0), today=DAY)
    assert found.skipped == 0 and found.trees.schema == trees.REGISTER_SCHEMA
    assert found.trees["pit_area_m2"].to_list() == [6.0, 4.0] and found.trees["taw_mm"].to_list() == [70.0, 70.0]
    assert found.trees["street"].to_list() == ["Unnaer Straße", None]


def test_bad_rows_are_skipped_and_counted_never_a_crash(tmp_path):
    path = write_csv(
        tmp_path,
        "id;species;planted;lat;lon;taw_mm\n"
        "ok;Tilia;2021;51,44;7,78;\n"  # semicolons and decimal commas, as a German spreadsheet exports
        ";Tilia;2021;51.44;7.78;\n"  # no id
        "y;Tilia;zweitausend;51.44;7.78;\n"  # no year
        "p;Tilia;2021;;7.78;\n"  # no position
        "r;Tilia;2021;95;7.78;\n"  # not a latitude
        "t;Tilia;2021;51.44;7.78;9000\n"  # capacity out of range
        "ok;Acer;2022;51.45;7.77;\n",  # the id again
    )
    found = trees.read_register(settings(path), today=DAY)
    assert found.trees["id"].to_list() == ["ok"] and found.trees["lat"][0] == pytest.approx(51.44)
    assert found.skipped == 6 and len(found.problems) == 5


def test_a_geojson_register_with_the_city_s_own_column_names(tmp_path):
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [7.78, 51.44]},
            "properties": {"baum_nr": "7", "art": "Ginkgo", "pflanzjahr": 2023},
        },
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[7.7, 51.4], [7.8, 51.5]]}, "properties": {"baum_nr": "8"}},
    ]
    path = tmp_path / "kataster.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    found = trees.read_register(settings(path, columns={"id": "baum_nr", "species": "art", "planted": "pflanzjahr"}), today=DAY)
    assert found.trees.select("id", "species", "planted", "lat", "lon").row(0) == ("7", "Ginkgo", 2023, 51.44, 7.78)
    assert found.skipped == 1


@pytest.mark.parametrize("content", ["{not json", '{"type": "Feature"}', "[1, 2]"])
def test_an_unreadable_geojson_is_one_clear_error(tmp_path, content):
    path = tmp_path / "k.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(trees.RegisterError, match=str(path)):
        trees.read_register(settings(path))


def test_a_missing_register_names_the_file(tmp_path):
    with pytest.raises(trees.RegisterError, match="not found"):
        trees.read_register(settings(tmp_path / "nope.csv"))


def test_the_watering_log_skips_what_it_cannot_read(tmp_path):
    path = write_csv(tmp_path, "tree_id,date,litres\nA1,2026-07-03,100\nA1,gestern,100\nA2,2026-07-04,-5\n,2026-07-04,50\n", "log.csv")
    log, skipped = trees.read_watering(path)
    assert log.rows() == [("A1", dt.date(2026, 7, 3), 100.0)] and skipped == 3


def register(n: int = 2, **columns) -> pl.DataFrame:
    base = {"id": [f"T{i}" for i in range(n)], "kc": [1.0] * n, "taw_mm": [60.0] * n, "pit_area_m2": [4.0] * n}
    return pl.DataFrame({**base, **columns})


def weather(et0: list[float], rain: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"date": [DAY + dt.timedelta(days=i) for i in range(len(et0))], "et0": et0, "precipitation": rain})


def test_a_dry_spell_depletes_the_pit_until_it_is_empty_and_calls_for_water():
    per_tree, path = trees.balance(
        weather([4.0] * 20, [0.0] * 20), register(), pl.DataFrame(schema=trees.WATERING_SCHEMA), Trees(register=None)
    )
    row = per_tree.row(0, named=True)
    assert row["deficit_mm"] == 60.0  # 80 mm of demand, but the pit only ever held 60 mm
    assert row["litres"] == 240.0 and row["etc_mm"] == 80.0 and row["raw_mm"] == 30.0
    series = path.filter(pl.col("id") == "T0")["deficit_mm"].to_list()
    assert series[:3] == [4.0, 8.0, 12.0] and series[-1] == 60.0
    hinted = per_tree.with_columns(planted=pl.lit(2025)).with_columns(hint=trees.hint(DAY, Trees(register=None)))
    assert hinted["hint"].to_list() == ["water", "water"]


def test_heavy_rain_refills_the_pit_and_the_rest_drains():
    per_tree, path = trees.balance(
        weather([4.0] * 10 + [1.0], [0.0] * 10 + [80.0]), register(1), pl.DataFrame(schema=trees.WATERING_SCHEMA), Trees(register=None)
    )
    assert path["deficit_mm"].to_list()[9] == 40.0 and per_tree["deficit_mm"][0] == 0.0  # 80 mm of rain fill 40 mm; no credit beyond full


def test_a_logged_watering_is_litres_over_the_pit_area():
    log = pl.DataFrame({"tree_id": ["T1"], "date": [DAY + dt.timedelta(days=9)], "litres": [100.0]}, schema=trees.WATERING_SCHEMA)
    per_tree, _ = trees.balance(weather([4.0] * 10, [0.0] * 10), register(), log, Trees(register=None))
    assert per_tree["deficit_mm"].to_list() == [40.0, 15.0]  # 100 L on 4 m² = 25 mm, for T1 only
    assert per_tree["watered_l"].to_list() == [0.0, 100.0]


def test_per_tree_capacity_and_coefficient():
    per_tree, _ = trees.balance(
        weather([4.0] * 10, [0.0] * 10),
        register(kc=[0.5, 1.0], taw_mm=[60.0, 30.0]),
        pl.DataFrame(schema=trees.WATERING_SCHEMA),
        Trees(register=None),
    )
    assert per_tree["deficit_mm"].to_list() == [20.0, 30.0]


def test_days_without_weather_are_counted_not_guessed():
    per_tree, _ = trees.balance(
        weather([4.0, None, 4.0], [0.0, 0.0, None]), register(1), pl.DataFrame(schema=trees.WATERING_SCHEMA), Trees(register=None)
    )
    assert per_tree["missing"][0] == 2 and per_tree["deficit_mm"][0] == 8.0


def test_hints_by_deficit_and_age():
    frame = pl.DataFrame(
        {
            "planted": [2024, 2024, 2024, 2010, 2024],
            "deficit_mm": [31.0, 16.0, 5.0, 60.0, None],
            "raw_mm": [30.0] * 5,
            "days": [30, 30, 30, 30, 0],
        }
    )
    assert frame.select(trees.hint(DAY, Trees(register=None)))["hint"].to_list() == ["water", "soon", "ok", "established", "unknown"]


def test_weather_stations_are_outdoor_ones_reporting_most_days_then_the_nearest():
    def rows(sid: str, quantity: str, n: int) -> list[dict]:
        start = dt.datetime(2026, 6, 30, 22, tzinfo=dt.UTC)
        return [{"station_id": sid, "quantity": quantity, "bucket_start": start + dt.timedelta(days=i)} for i in range(n)]

    daily = pl.DataFrame(
        rows("near", "temperature", 10)
        + rows("far", "temperature", 10)
        + rows("far", "precipitation", 10)
        + rows("room", "temperature", 12)
    )
    stations = pl.DataFrame(
        {
            "station_id": ["near", "far", "room"],
            "theme": ["microclimate", "microclimate", "indoor_air"],
            "lat": [51.44, 51.50, 51.44],
            "lon": [7.78, 7.70, 7.78],
        }
    )
    assert trees.pick_stations(daily, stations, (51.44, 7.78)) == {"temperature": "near", "precipitation": "far"}
