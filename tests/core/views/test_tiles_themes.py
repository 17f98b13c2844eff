"""Heute tiles of the noise, traffic and charging themes: only where a city has such stations, and their sentences."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from core.schema import STATIONS_SCHEMA
from core.views.sentences import Label, Measure, place, place_kind
from core.views.tiles import sentence, tiles
from core.views.today import rate

NOW = dt.datetime(2026, 7, 15, 12, tzinfo=dt.UTC)
THEMES = {"noise": "noise", "traffic_car": "traffic", "charging_free": "charging", "temperature": "microclimate"}


def rated(rows: list[tuple[str, str, str, float]]) -> pl.DataFrame:
    """``rows``: station id, name, quantity, value — all fresh."""
    latest = pl.DataFrame(
        [{"station_id": s, "quantity": q, "ts": NOW, "value": v, "interval_s": 600.0, "age_s": 60.0, "stale": False} for s, _, q, v in rows]
    )
    stations = pl.DataFrame(
        [{"station_id": s, "source": "x", "name": n, "lat": 51.4, "lon": 7.7, "theme": THEMES[q], "district": None} for s, n, q, _ in rows],
        schema=STATIONS_SCHEMA,
    ).unique("station_id")
    return rate(latest, stations)


def test_a_city_without_such_stations_gets_no_noise_traffic_or_charging_tile():
    keys = [t.key for t in tiles(rated([("w", "Marktplatz", "temperature", 20.0)]))]
    assert keys == ["heat", "air", "water", "trees", "classrooms", "parking"]  # the six of every city, empty ones included
    keys = [t.key for t in tiles(rated([("w", "Marktplatz", "temperature", 20.0), ("n", "Bahnhof", "noise", 50.0)]))]
    assert "noise" in keys and "traffic" not in keys and "charging" not in keys


@pytest.mark.parametrize(
    ("name", "value", "key", "status"),
    [
        ("Lärmmessung Unnaer Straße", 68.0, "sentence.noise.street", "laut"),  # "An der Unnaer Straße ist es gerade laut: 68 dB(A)"
        ("Lärmmessung Bahnhof", 71.0, "sentence.noise.square", "sehr laut"),
        ("Messpunkt 7", 60.0, "sentence.noise.place", "deutlich hörbar"),
        ("Lärmmessung Marktplatz", 52.0, "sentence.noise.quiet", "ruhig"),
    ],
)
def test_the_loudest_sound_meter_speaks_for_the_city(name, value, key, status):
    rows = [("a", name, "noise", value), ("b", "Lärmmessung Eisenberger Straße", "noise", 40.0)]
    tile = {t.key: t for t in tiles(rated(rows))}["noise"]
    words, params = sentence(tile)
    assert (words, tile.status_de, tile.value) == (key, status, value)
    assert params["place"] == place(name) and params["value"] == Measure(value, "noise")
    assert params["status"] == Label(tile.status_de, tile.status_en)


def test_names_give_the_place_and_its_preposition():
    assert [place(n) for n in ("Lärmmessung Unnaer Straße", "Verkehrszählung Bahnhofstraße", "Ladepunkte", "  Hönnepark ")] == [
        "Unnaer Straße",
        "Bahnhofstraße",
        "Ladepunkte",
        "Hönnepark",
    ]
    assert [place_kind(n) for n in ("Hauptstr.", "Am Wall", "Lärmmessung Eisenberger Straße (Wohngebiet)", "Sensor 12", None)] == [
        "street",
        "square",
        "street",
        "place",
        "place",
    ]


def test_traffic_without_a_usual_value_says_no_comparison():
    tile = {t.key: t for t in tiles(rated([("v", "Verkehrszählung Hauptstraße", "traffic_car", 420.0)]))}["traffic"]
    words, params = sentence(tile)
    assert words == "sentence.traffic.street" and params["versus"] == Label("", "")
    assert tile.status == "unrated"  # without a usual there is nothing to compare with
