"""Energie through AppTest: the demo's ten buildings in German, English and kiosk; a store without meter readings."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from core.config import DEFAULT_CONFIG, load_config
from core.store import open_store
from data_sources import demo
from tests.pages.apptest import page_text, run

PAGE = "pages/energie.py"


def buildings_store(directory, days: float) -> None:
    config = load_config(DEFAULT_CONFIG)
    source = {**config.source("gebaeude"), "backfill_days": days}
    open_store(directory, tz=config.timezone).append(demo.fetch(source, None, None, now=dt.datetime.now(dt.UTC)))


@pytest.fixture(scope="module")
def year_dir(tmp_path_factory):
    """The demo buildings' meters with a year and two weeks of history up to now (≈ 10 s once per module)."""
    directory = tmp_path_factory.mktemp("energie") / "store"
    buildings_store(directory, 380)
    return directory


@pytest.fixture
def year_copy(year_dir, tmp_path):
    return shutil.copytree(year_dir, tmp_path / "store")


WORDS = {
    "de": (
        "Energie der städtischen Gebäude",
        "Heute im Vergleich",
        "am selben Wochentag vor einem Jahr",
        "Verbrauch je m² und Jahr (VDI 3807)",
        "Gesamtschule Lendringsen",
        "zu hoch",
        "Grundlast nachts (00–04 Uhr)",
        "Wärme witterungsbereinigt",
        "Gradtagzahl G20/15",
        "Hallenbäder haben hier keinen Vergleichswert",
        "Stand:",
    ),
    "en": (
        "Energy of the city's buildings",
        "Today compared",
        "on the same weekday a year ago",
        "Consumption per m² and year (VDI 3807)",
        "too high",
        "Night baseload (00:00–04:00)",
        "Heat, weather-corrected",
        "Heating degree days G20/15",
        "As of:",
    ),
}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_energie_in_both_languages(app_env, year_copy, lang):
    app_env(year_copy)
    at = run(PAGE, lang if lang == "en" else None)
    assert not at.exception, at.exception
    text = page_text(at)
    for word in WORDS[lang]:
        assert word in text, word
    other = "Heute im Vergleich" if lang == "en" else "Today compared"
    assert other not in text
    assert len(at.get("plotly_chart")) == 4
    assert len(at.metric) == 3


def test_energie_building_choice_draws_its_days(app_env, year_copy):
    app_env(year_copy)
    at = run(PAGE)
    (choice,) = at.selectbox
    choice.set_value("hallenbad").run()
    assert not at.exception, at.exception
    spec = json.loads(at.get("plotly_chart")[-1].proto.spec)
    assert "Hallenbad Menden: Verbrauch je Tag" in json.dumps(spec["layout"], ensure_ascii=False)
    assert {trace["name"] for trace in spec["data"]} >= {"Strom", "Wärme", "Wärme, vor einem Jahr (gleicher Wochentag)"}


def test_energie_kiosk_has_no_widgets(app_env, year_copy):
    app_env(year_copy)
    at = run(PAGE, kiosk="1")
    assert not at.exception, at.exception
    text = page_text(at)
    assert "Heute im Vergleich" in text and "Grundlast nachts" in text
    assert not at.selectbox and len(at.get("plotly_chart")) == 1


def test_energie_with_a_few_weeks_compares_with_the_last_four(app_env, tmp_path):
    buildings_store(tmp_path / "store", 35)
    app_env(tmp_path / "store")
    at = run(PAGE)
    assert not at.exception, at.exception
    text = page_text(at)
    assert "im Mittel derselben Wochentage der letzten 4 Wochen" in text
    assert "Keine Bereinigung möglich" in text  # no year of heat and outdoor temperature


def test_energie_without_meter_readings(app_env, tmp_path):
    from core.schema import Batch

    rows = [{"ts": dt.datetime.now(dt.UTC), "station_id": "t:a", "quantity": "co2", "value": 600.0, "source": "t"}]
    open_store(tmp_path / "store").append(Batch.from_rows(rows))
    app_env(tmp_path / "store")
    at = run(PAGE)
    assert not at.exception, at.exception
    assert "Noch keine Zählerstände der Gebäude." in page_text(at)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("de", ("Städtische Gebäude", "In 1 von 10 städtischen Gebäuden läuft nachts zu viel Strom.", "Vorjahr bis")),
        ("en", ("City buildings", "In 1 of 10 city buildings too much electricity runs at night.", "Last year until")),
    ],
)
def test_heute_tile_of_the_city_buildings(app_env, year_copy, lang, words):
    app_env(year_copy)
    at = run("pages/heute.py", lang if lang == "en" else None)
    assert not at.exception, at.exception
    text = page_text(at)
    for word in words:
        assert word in text, word
    assert " kWh" in text
