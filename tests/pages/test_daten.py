"""The Daten page through AppTest (filters, coarsening notes, kiosk) and its downloads (CSV, Parquet, GeoJSON)."""

from __future__ import annotations

import datetime as dt
import io
import json

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.views import explore
from tests.pages.apptest import page_text, run
from ui import exports
from ui.i18n import TEXTS

PAGE = "pages/daten.py"


def coarser(at) -> list[str]:
    """The page's note that a coarser resolution is served (the sidebar has notices too)."""
    return [i.value for i in at.info if i.icon == ":material/compress:"]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "de",
            (
                "Daten",
                "Stationen finden",
                "Rohdaten bis 2 Tage",
                "Zeilen",
                "15-Minuten-Werte",
                "Tabelle",
                "Download",
                "Workshop-Szenarien",
            ),
        ),
        (
            "en",
            (
                "Explore",
                "Find stations",
                "Raw readings up to 2 days",
                "rows",
                "15-minute values",
                "Table",
                "Download",
                "Workshop scenarios",
            ),
        ),
    ],
)
def test_first_visit_compares_three_weather_stations(app_env, demo_copy, lang, words):
    app_env(demo_copy)
    at = run(PAGE, lang)
    assert not at.exception, at.exception
    text = page_text(at) + "\n".join(e.label for e in at.expander)
    for word in words:
        assert word in text, word
    assert len(at.multiselect(key="daten_stations").value) == 3 and at.multiselect(key="daten_quantities").value == ["temperature"]
    assert len(at.get("plotly_chart")) == 1
    table = at.dataframe[0].value
    assert 0 < len(table) <= 2000 and set(table.iloc[:, 3]) == {"°C"}
    assert len(at.get("download_button")) == 3


def test_a_year_of_raw_readings_is_served_coarser_and_says_so(app_env, demo_copy):
    app_env(demo_copy)
    at = run(PAGE)
    at.button_group(key="daten_resolution").set_value("raw").run()
    assert not coarser(at) and "Rohdaten" in page_text(at)
    at.button_group(key="daten_preset").set_value("365d").run()
    assert not at.exception, at.exception
    notes = coarser(at)
    assert any("Rohdaten gibt es für diesen Zeitraum nicht" in n and "Stundenwerte" in n for n in notes), notes


def test_filters_find_stations_and_offer_their_quantities(app_env, demo_copy):
    app_env(demo_copy)
    at = run(PAGE)
    at.button_group(key="daten_themes").set_value(["water"]).run()
    at.text_input(key="daten_search").set_value("hönne").run()
    stations = at.multiselect(key="daten_stations")
    assert [o for o in stations.options if "Hönne" in o] and "Bahnhof Menden" in stations.options  # the chosen ones stay
    stations.set_value(["demo:pegel-hoenne-mitte"]).run()
    quantities = at.multiselect(key="daten_quantities")
    assert quantities.options == ["Wasserstand"] and quantities.value == ["water_level"]  # temperature is gone: the gauge's own
    assert not at.exception, at.exception
    assert "Hönne Menden Mitte" in set(at.dataframe[0].value.iloc[:, 1])


def test_nothing_chosen_asks_for_a_choice(app_env, demo_copy):
    app_env(demo_copy)
    at = run(PAGE)
    at.multiselect(key="daten_stations").set_value([]).run()
    assert not at.exception and any("mindestens eine Station" in i.value for i in at.info)


def test_kiosk_shows_a_chart_without_controls_or_scenarios(app_env, demo_copy):
    app_env(demo_copy)
    at = run(PAGE, kiosk="1")
    assert not at.exception, at.exception
    assert not at.multiselect and not at.expander and not at.get("download_button")
    assert len(at.get("plotly_chart")) == 1 and any("Stand:" in c.value for c in at.caption)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_empty_store(app_env, tmp_path, lang):
    app_env(tmp_path / "empty")
    at = run(PAGE, lang)
    assert not at.exception, at.exception
    assert any(("Noch keine Messwerte" if lang == "de" else "No readings yet") in i.value for i in at.info)


def test_every_chart_step_has_a_name_on_the_page():
    assert all(f"daten.res_long.{step}" in TEXTS for step in explore.CHART_STEPS)
    assert all(f"daten.res_long.{r.key}" in TEXTS and f"daten.res.{r.key}" in TEXTS for r in explore.RESOLUTIONS)


def frame() -> pl.DataFrame:
    ts = [dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC), dt.datetime(2026, 5, 1, 10, 0, 0, 500_000, tzinfo=dt.UTC)]
    return pl.DataFrame(
        {
            "ts": ts,
            "station_id": ["s:a", "s:b"],
            "name": ["=cmd|' /C calc'!A0", "Hönne, Mitte"],
            "quantity": "temperature",
            "unit": "°C",
            "value": [21.5, -3.0],
        },
    ).with_columns(pl.col("ts").dt.cast_time_unit("us"))


def test_csv_is_utc_iso_and_defuses_formulas():
    text = exports.csv_bytes(frame()).decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "ts,station_id,name,quantity,unit,value"
    assert lines[1].startswith("2026-05-01T10:00:00Z,s:a,'=cmd|")  # a spreadsheet shows it as text
    assert lines[2] == '2026-05-01T10:00:00.500Z,s:b,"Hönne, Mitte",temperature,°C,-3.0'


def test_parquet_round_trips_exactly():
    assert_frame_equal(pl.read_parquet(io.BytesIO(exports.parquet_bytes(frame()))), frame())


def test_geojson_has_lon_lat_points_and_latest_values_per_quantity():
    places = pl.DataFrame(
        [
            {
                "station_id": "s:a",
                "name": "A",
                "theme": "microclimate",
                "district": "Mitte",
                "lat": 51.44,
                "lon": 7.78,
                "quantity": "temperature",
                "ts": dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC),
                "value": 21.5,
                "stale": False,
            },
            {
                "station_id": "s:a",
                "name": "A",
                "theme": "microclimate",
                "district": "Mitte",
                "lat": 51.44,
                "lon": 7.78,
                "quantity": "humidity",
                "ts": dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC),
                "value": 60.0,
                "stale": True,
            },
            {
                "station_id": "s:b",
                "name": "<b>B</b>",
                "theme": "soil",
                "district": None,
                "lat": None,
                "lon": None,
                "quantity": None,
                "ts": None,
                "value": None,
                "stale": None,
            },
        ]
    )
    doc = json.loads(exports.geojson_bytes(places))
    assert doc["type"] == "FeatureCollection" and [f["id"] for f in doc["features"]] == ["s:a", "s:b"]
    a, b = doc["features"]
    assert a["geometry"] == {"type": "Point", "coordinates": [7.78, 51.44]}  # GeoJSON is [lon, lat]
    assert a["properties"]["temperature"] == 21.5 and a["properties"]["temperature_unit"] == "°C"
    assert a["properties"]["humidity_ts"] == "2026-05-01T09:00:00Z" and a["properties"]["humidity_stale"] is True
    assert b["geometry"] is None and b["properties"]["name"] == "<b>B</b>"


def test_chart_escapes_names_and_splits_quantities():
    chart = pl.DataFrame(
        {
            "ts": [dt.datetime(2026, 5, 1, h, tzinfo=dt.UTC) for h in (10, 11)] * 2,
            "station_id": ["s:a", "s:a", "s:b", "s:b"],
            "name": ["<b>A</b>", "<b>A</b>", "B", "B"],
            "quantity": ["temperature", "temperature", "co2", "co2"],
            "value": [1.0, 2.0, 500.0, 600.0],
        }
    ).with_columns(pl.col("ts").dt.cast_time_unit("us"))
    fig = exports.comparison_chart(chart, tz="Europe/Berlin", language="de", title="T")
    assert [tr.name for tr in fig.data] == ["&lt;b&gt;A&lt;/b&gt;", "B"]
    assert fig.layout.yaxis.title.text == "Temperatur (°C)" and fig.layout.yaxis2.title.text == "CO₂ (ppm)"  # vocabulary order
    assert fig.data[1].yaxis == "y2" and fig.layout.xaxis2.matches == "x"  # one time axis for every panel
    same = chart.with_columns(station_id=pl.lit("s:a"), name=pl.lit("A"))
    fig = exports.comparison_chart(same, tz="Europe/Berlin", language="de", title="T")
    assert fig.data[0].line.color == fig.data[1].line.color and [tr.showlegend for tr in fig.data] == [True, False]
    # drawn at Menden's wall-clock time: 10:00 UTC is 12:00 in May
    assert fig.layout.separators == ",." and fig.data[0].x[0] == dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC).timestamp() * 1000
