"""The "Heute" view: tiles from latest values, and one test per generated sentence type."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from core.schema import STATIONS_SCHEMA
from core.views._series import trends
from core.views.sentences import Label, Measure, TextKey
from core.views.tiles import TILES, Tile, detail, sentence, tiles
from core.views.today import rate, station_view, usual

NOW = dt.datetime(2026, 7, 15, 12, tzinfo=dt.UTC)
THEMES = {"t": "microclimate", "c": "indoor_air", "w": "water", "a": "air_quality", "b": "soil", "p": "parking"}
THEMES |= {"n": "noise", "v": "traffic", "e": "charging"}


def latest(rows: list[tuple[str, str, float]], stale: set[str] = frozenset()) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = pl.DataFrame(
        [
            {"station_id": s, "quantity": q, "ts": NOW, "value": v, "interval_s": 600.0, "age_s": 60.0, "stale": s in stale}
            for s, q, v in rows
        ]
    )
    stations = pl.DataFrame(
        [
            {"station_id": s, "source": "x", "name": f"Ort {s}", "lat": 51.4, "lon": 7.7, "theme": THEMES[s[0]], "district": None}
            for s in sorted({r[0] for r in rows})
        ],
        schema=STATIONS_SCHEMA,
    )
    return frame, stations


def tile(key: str, rows, thresholds=None, stale=frozenset()) -> Tile:
    frame, stations = latest(rows, stale)
    return {t.key: t for t in tiles(rate(frame, stations, thresholds=thresholds), thresholds=thresholds)}[key]


def test_heat_tile_uses_city_mean_and_names_the_warmest_place():
    t = tile("heat", [("t1", "temperature", 20.0), ("t2", "temperature", 24.0), ("t1", "humidity", 50.0)])
    assert t.value == pytest.approx(22.0)
    assert (t.high_place, t.high, t.low_place, t.low) == ("Ort t2", 24.0, "Ort t1", 20.0) and t.stations == 2
    assert sentence(t)[0] == "sentence.heat.normal"


@pytest.mark.parametrize(
    ("temps", "humidity", "key"),
    [
        ([26.0, 24.0], 30.0, "sentence.heat.summer"),
        ([31.0, 29.0], 20.0, "sentence.heat.hot"),
        ([35.0, 33.0], 60.0, "sentence.heat.stress"),
        ([-3.0, -1.0], 80.0, "sentence.heat.cold"),
    ],
)
def test_heat_sentences(temps, humidity, key):
    rows = [(f"t{i}", "temperature", v) for i, v in enumerate(temps)] + [(f"t{i}", "humidity", humidity) for i in range(len(temps))]
    t = tile("heat", rows)
    name, params = sentence(t)
    assert name == key
    assert isinstance(params["max"], Measure) and params["max"].value == max(temps)


def test_air_sentences_worst_pollutant_decides():
    good = tile("air", [("a1", "pm10", 12.0), ("a1", "no2", 20.0)])
    assert sentence(good)[0] == "sentence.air.good" and good.status == "good"
    bad = tile("air", [("a1", "pm10", 12.0), ("a2", "pm2_5", 40.0)])
    name, params = sentence(bad)
    assert name == "sentence.air.bad"
    assert params["pollutant"] == Label("Feinstaub PM2,5", "Particulate matter PM2.5")
    assert params["place"] == "Ort a2"


def test_classroom_sentences_count_rooms_to_air():
    rooms = [(f"c{i}", "co2", v) for i, v in enumerate([600.0, 800.0, 1200.0, 2300.0])]
    t = tile("classrooms", rooms)
    assert sentence(t) == ("sentence.classrooms.some", {"n": 2, "total": 4})
    assert t.value == pytest.approx(1225.0) and t.status == "moderate"  # rated on the mean
    fine = tile("classrooms", [("c1", "co2", 500.0), ("c2", "co2", 700.0)])
    assert sentence(fine) == ("sentence.classrooms.none", {"n": 0, "total": 2})


def test_water_sentences_level_and_trend():
    thresholds = {"stations": {"w1": {"water_level": [100, 150, 200]}}}
    frame, stations = latest([("w1", "water_level", 160.0), ("w2", "water_level", 40.0)])
    rollup = pl.DataFrame(
        {
            "station_id": ["w1", "w1", "w2", "w2"],
            "quantity": "water_level",
            "bucket_start": [NOW - dt.timedelta(hours=1), NOW, NOW - dt.timedelta(hours=1), NOW],
            "value": [140.0, 158.0, 40.0, 40.0],
            "last": [141.0, 160.0, 40.0, 40.0],
        }
    )
    rated = rate(frame, stations, thresholds=thresholds).join(trends(rollup), on=["station_id", "quantity"], how="left")
    t = {x.key: x for x in tiles(rated, thresholds=thresholds)}["water"]
    assert t.status == "info2" and t.station == "Ort w1" and t.trend == pytest.approx(20.0)
    name, params = sentence(t)
    assert name == "sentence.water.level"
    assert params["trend"] == TextKey("common.trend_up")
    calm = tile("water", [("w2", "water_level", 40.0)])
    assert sentence(calm)[0] == "sentence.water.normal"
    assert sentence(calm)[1]["trend"] == TextKey("common.trend_flat")


def test_tree_sentences():
    t = tile("trees", [("b1", "soil_moisture", 12.0), ("b2", "soil_moisture", 30.0)])
    assert sentence(t) == ("sentence.trees.some", {"n": 1, "total": 2})
    assert sentence(tile("trees", [("b1", "soil_moisture", 30.0)]))[0] == "sentence.trees.none"


def test_parking_sentence_sums_free_spaces():
    t = tile("parking", [("p1", "parking_free", 100.0), ("p2", "parking_free", 50.0), ("p1", "occupancy", 95.0)])
    assert t.value == 150.0 and t.status == "full"
    assert sentence(t) == ("sentence.parking", {"value": Measure(150.0, "parking_free")})


def test_no_data_sentence_and_empty_tiles():
    assert sentence(Tile("air")) == ("sentence.no_data", {})
    frame, stations = latest([("t1", "temperature", 20.0)])
    out = {t.key: t for t in tiles(rate(frame, stations))}
    assert out["water"].value is None and out["water"].status == "unknown"


def test_stale_data_is_shown_but_flagged():
    t = tile("heat", [("t1", "temperature", 20.0)], stale={"t1"})
    assert t.stale and t.value == 20.0


def test_fresh_stations_win_over_stale_ones():
    t = tile("heat", [("t1", "temperature", 20.0), ("t2", "temperature", 10.0)], stale={"t2"})
    assert not t.stale and t.value == 20.0 and t.stations == 1


def test_station_view_picks_worst_rated_value_per_station():
    rows = [("c1", "co2", 2500.0), ("c1", "temperature", 21.0), ("t1", "temperature", 20.0), ("t1", "humidity", 50.0)]
    rows += [("c2", "temperature", 21.0), ("c2", "co2", 600.0)]  # both fine: a room shows its CO₂, the theme's headline
    frame, stations = latest(rows)
    view = station_view(rate(frame, stations))
    assert dict(zip(view["station_id"], view["quantity"])) == {"c1": "co2", "c2": "co2", "t1": "temperature"}
    assert view.filter(pl.col("station_id") == "c1")["status"][0] == "bad"


def test_usual_is_the_median_of_the_same_local_hour_on_past_days():
    # 10:00 local (CET, UTC+1) on the 20 previous days, plus other hours that must be ignored
    now = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
    starts, means = [], []
    for day in range(1, 21):
        for hour_utc, value in ((9, float(day)), (8, 1000.0)):
            starts.append(dt.datetime(2026, 11, 26, hour_utc, tzinfo=dt.UTC) - dt.timedelta(days=day))
            means.append(value)
    starts.append(dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC))  # today: left out
    means.append(500.0)
    rollup = pl.DataFrame({"station_id": "a", "quantity": "co2", "bucket_start": starts, "value": means})
    out = usual(rollup, now, "Europe/Berlin")
    assert out["usual"].to_list() == [7.5]  # median of days 1..14


def test_tile_compares_with_usual_like_with_like():
    frame, stations = latest([("t1", "temperature", 20.0), ("t2", "temperature", 24.0)])
    usual_frame = pl.DataFrame({"station_id": ["t1", "t2"], "quantity": "temperature", "usual": [18.0, 20.0]})
    t = {x.key: x for x in tiles(rate(frame, stations).join(usual_frame, on=["station_id", "quantity"], how="left"))}["heat"]
    assert t.usual == pytest.approx(19.0) and t.value == pytest.approx(22.0)
    partial = usual_frame.head(1)
    t = {x.key: x for x in tiles(rate(frame, stations).join(partial, on=["station_id", "quantity"], how="left"))}["heat"]
    assert t.usual is None  # one station without history: no misleading comparison


def test_every_tile_has_its_words_and_small_print():
    # one row per theme: every declared tile computes, and its own functions word it
    rows = [
        ("t1", "temperature", 21.0),
        ("a1", "pm10", 8.0),
        ("c1", "co2", 700.0),
        ("w1", "water_level", 50.0),
        ("b1", "soil_moisture", 30.0),
        ("p1", "parking_free", 12.0),
        ("n1", "noise", 58.0),
        ("v1", "traffic_car", 300.0),
        ("e1", "charging_free", 2.0),
    ]
    frame, stations = latest(rows)
    made = {t.key: t for t in tiles(rate(frame, stations))}
    assert set(made) == {spec.key for spec in TILES}
    for spec in TILES:
        key, params = sentence(made[spec.key])
        assert key.startswith(f"sentence.{spec.key}") and (key, params) == spec.sentence(made[spec.key])
        assert detail(made[spec.key])[0] == f"tile.{spec.key}.detail"
    assert detail(made["heat"])[1] == {"n": 1, "place": "Ort t1", "value": Measure(21.0, "temperature")}
    assert detail(made["air"])[1]["pollutant"] == Label("Feinstaub PM10", "Particulate matter PM10")
    assert detail(Tile("air")) is None
