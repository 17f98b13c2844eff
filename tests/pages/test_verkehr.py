"""Verkehr & Lärm through AppTest: counters, sound meters, car parks and charging in German, English and kiosk; guideline values from the config."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest

from core.config import DEFAULT_CONFIG
from core.schema import Batch
from core.store import open_store
from tests.pages import themes
from tests.pages.apptest import page_text, run

PAGE = "pages/verkehr.py"
WORDS = {
    "de": (
        "Verkehr & Lärm",
        "Verkehr heute",
        "Hauptstraße",
        "V85",
        "indikativ",
        "Richtwert-Vergleich, keine amtliche Messung.",
        "über dem Richtwert",
        "unter dem Richtwert",
        "letzte Nacht 58 dB(A)",
        "Parken & Laden",
        "2 von 5 frei",
        "1 außer Betrieb",
        "TA Lärm, Mischgebiet: Tag 60 dB(A), Nacht 45 dB(A)",
        "WHO 2018",
        "Stand:",
    ),
    "en": (
        "Traffic & noise",
        "Traffic today",
        "Hauptstraße",
        "indicative",
        "A comparison with guideline values, not an official measurement.",
        "above the guideline",
        "last night 58 dB(A)",
        "Parking & charging",
        "2 of 5 free",
        "1 out of service",
        "As of:",
    ),
}


@pytest.fixture(scope="module")
def themes_dir(tmp_path_factory):
    """A store with only the sound meters, counters, charging sites and places of ``tests.pages.themes`` (15 days up to now)."""
    directory = tmp_path_factory.mktemp("themes") / "store"
    themes.seed(directory)
    return directory


@pytest.fixture
def themes_store(app_env, themes_dir, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(themes_dir, target)
    app_env(target)
    return target


def figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_part_in_both_languages(themes_store, lang):
    at = run(PAGE, lang)
    assert not at.exception, at.exception
    text = page_text(at)
    for word in WORDS[lang]:
        assert word in text, word
    titles = [fig["layout"]["title"]["text"] for fig in figures(at)]
    assert len(titles) == 5  # a day chart per counter, the modal split, the noise day
    assert sum("Hauptstraße" in title for title in titles) == 1
    assert "Modal" in titles[3]
    assert "Stundenpegel LAeq" in titles[-1] or "hourly LAeq" in titles[-1]


def test_the_day_chart_draws_today_over_the_usual_band(themes_store):
    day = figures(run(PAGE))[0]
    band, usual, today = day["data"][1:]
    assert (band["name"], band["fill"], today["name"]) == ("übliche Spanne", "tonexty", "heute")
    assert re.fullmatch(r"üblich (montags|dienstags|mittwochs|donnerstags|freitags|samstags|sonntags)", usual["name"])


def test_noise_chart_draws_the_guideline_values_and_the_who_reference(themes_store):
    noise = figures(run(PAGE))[-1]
    lines = sorted((shape["y0"], note["text"]) for shape, note in zip(noise["layout"]["shapes"], noise["layout"]["annotations"]))
    assert lines == [(45.0, "Richtwert Nacht 45 · WHO Lnight 45"), (53.0, "WHO Lden 53"), (60.0, "Richtwert Tag 60")]


def test_kiosk_shows_everything_without_controls(themes_store):
    at = run(PAGE, kiosk="1")
    assert not at.exception, at.exception
    text = page_text(at)
    for word in ("Verkehr heute", "Lärm", "Parken & Laden", "keine amtliche Messung", "wie üblich", "über Richtwert", "Autos/h"):
        assert word in text, word
    assert len(at.get("plotly_chart")) == 3  # the busiest counter's day, the noise day, the modal split
    assert not at.selectbox and not at.multiselect and not at.button
    assert "Unnaer Straße" in text and "Verkehrszählung" not in text


def test_guideline_values_come_from_the_city_config(themes_store, tmp_path, monkeypatch):
    config = tmp_path / "city.toml"
    config.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + "\n[noise]\nday = 70\nnight = 60\n", encoding="utf-8")
    shutil.copy(DEFAULT_CONFIG.parent / "menden-outline.geojson", tmp_path)  # the copy's outline, beside it
    monkeypatch.setenv("SHOWROOM_CONFIG", str(config))
    at = run(PAGE)
    assert not at.exception, at.exception
    text = page_text(at)
    assert "über dem Richtwert" not in text and "unter dem Richtwert" in text  # 68 dB(A) at Unnaer Straße is below 70
    assert "Richtwerte der Stadt: Tag 70 dB(A), Nacht 60 dB(A)" in text
    assert re.search(r"· 0 von \d+ Stunden über 70 dB\(A\)", text)


def test_a_city_without_such_stations_is_told_so(app_env, tmp_path):
    weather = tmp_path / "weather"
    now = dt.datetime.now(dt.UTC)
    reading = {"ts": now, "station_id": "w:1", "quantity": "temperature", "value": 21.0, "source": "w"}
    station = {"station_id": "w:1", "source": "w", "name": "Marktplatz", "lat": 51.44, "lon": 7.78, "theme": "microclimate"}
    open_store(weather).append(Batch.from_rows([reading], [station]))
    app_env(weather)
    at = run(PAGE)
    assert not at.exception, at.exception
    infos = [i.value for i in at.info][:3]  # the sidebar says "Demo-Daten" after them
    assert infos == ["Keine Verkehrszähler.", "Keine Lärmmessstellen.", "Keine Parkhäuser oder Ladestationen."]


def test_day_charts_are_built_once_per_data_version(themes_store):
    # The day figures are cached on the data version: a new count must reach the chart.
    import time

    from tests.pages.themes import COUNTERS, SOURCE

    at = run(PAGE)
    before = figures(at)[:3]
    at.run()
    assert figures(at)[:3] == before  # same version: the same figures
    now = dt.datetime.now(dt.UTC)
    rows = [{"ts": now, "station_id": f"{SOURCE}:{key}", "quantity": "traffic_car", "value": 5000.0, "source": SOURCE} for key in COUNTERS]
    assert open_store(themes_store).append(Batch.from_rows(rows)) == len(COUNTERS)
    time.sleep(1.2)  # the data version is asked of the store at most once a second
    at.run()
    after = figures(at)[:3]
    assert not at.exception, at.exception
    for old, new in zip(before, after):
        today_old, today_new = old["data"][-1], new["data"][-1]
        assert today_new != today_old  # the hour with the new count is drawn again
