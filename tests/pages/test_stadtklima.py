"""The Stadtklima page through AppTest: demo data in both languages, kiosk, picker, no data, escaping."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

from core.config import DEFAULT_CONFIG, load_config
from core.schema import Batch
from core.store import open_store
from tests.pages.apptest import page_text, run

PAGE = "pages/stadtklima.py"
WORDS = {
    "de": ("Stadtklima", "Am wärmsten", "Am kühlsten", "Tagesgang", "Hitze- und Frosttage", "Junge Bäume", "Stand:", "Marktplatz"),
    "en": ("Microclimate", "Warmest", "Coolest", "Day curve", "Heat and frost days", "Young trees", "As of:", "Marktplatz"),
}
DECIMAL = {"de": r"\d,\d °C", "en": r"\d\.\d °C"}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_demo_city_in_both_languages(app_env, demo_copy, lang):
    app_env(demo_copy)
    at = run(PAGE, lang)
    assert not at.exception, at.exception
    text = page_text(at)
    for word in WORDS[lang]:
        assert word in text, word
    assert re.search(DECIMAL[lang], text)
    # temperatures now, and the young trees' water balance where the city has a tree register
    assert len(at.get("deck_gl_json_chart")) == 1 + (load_config(DEFAULT_CONFIG).trees is not None)
    assert len(at.get("plotly_chart")) >= 2  # day curves and the trees' soil
    labels = [m.label for m in at.metric]
    assert labels == (
        ["Sommertage", "Heiße Tage", "Tropennächte", "Frosttage"]
        if lang == "de"
        else ["Summer days", "Hot days", "Tropical nights", "Frost days"]
    )
    assert all(str(m.value).isdigit() for m in at.metric)


def test_spot_lists_and_tree_cards(app_env, demo_copy):
    app_env(demo_copy)
    html = "\n".join(e.proto.body for e in run(PAGE).get("html"))
    assert html.count('class="scl-row"') == 10  # five warmest, five coolest of 12 stations
    assert html.count('class="scl-card"') == 12  # one card per young tree
    assert "Hitzebelastung" in html
    assert any(hint in html for hint in ("Kein Gießen nötig", "Bald gießen", "Jetzt gießen!"))


def test_station_picker_redraws_the_day_curve(app_env, demo_copy):
    app_env(demo_copy)
    at = run(PAGE)
    assert "Stadtmittel" in at.get("plotly_chart")[0].proto.spec
    at.selectbox(key="climate_place").set_value("demo:wetter-waldrand-barge").run()
    assert not at.exception
    assert "Waldrand Barge" in at.get("plotly_chart")[0].proto.spec


def test_per_station_table_in_the_expander(app_env, demo_copy):
    app_env(demo_copy)
    at = run(PAGE)
    table = at.dataframe[0].value
    # the demo's 12 weather stations and the Rathaus's outdoor sensor (its building management)
    assert len(table) == 13 and {"Station", "Sommertage", "Frosttage", "Höchstwert (°C)"} <= set(table.columns)
    assert all("," in v for v in table["Höchstwert (°C)"])  # decimal comma in German


def test_kiosk_shows_no_staff_controls(app_env, demo_copy):
    app_env(demo_copy)
    at = run(PAGE, kiosk="1")
    assert not at.exception
    assert not at.selectbox and not at.multiselect and not at.expander
    text = page_text(at)
    assert "Stand:" in text and "Frosttage" in [m.label for m in at.metric]
    assert "Junge Bäume" in text


def test_empty_store_says_so(app_env, tmp_path):
    app_env(tmp_path / "empty")
    at = run(PAGE)
    assert not at.exception
    assert any("Noch keine Messwerte" in i.value for i in at.info)


def test_a_city_without_microclimate_stations_says_so(app_env, tmp_path):
    now = dt.datetime.now(dt.UTC)
    open_store(tmp_path / "s").append(
        Batch.from_rows(
            [{"ts": now, "station_id": "x:1", "quantity": "co2", "value": 500.0, "source": "x"}],
            [{"station_id": "x:1", "source": "x", "name": "Schule Raum 1", "theme": "indoor_air"}],
        )
    )
    app_env(tmp_path / "s")
    at = run(PAGE, "en")
    assert not at.exception
    info = " ".join(i.value for i in at.info)
    assert "No microclimate stations with a temperature." in info and "No soil sensors at trees." in info


def test_station_names_are_escaped(app_env, demo_copy):
    store = open_store(demo_copy)
    evil = '<img src=x onerror="alert(1)">Hof'
    store.append(Batch(stations=store.stations().with_columns(name=pl.lit(evil))))
    app_env(demo_copy)
    html = "\n".join(e.proto.body for e in run(PAGE).get("html"))
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Hof" in html
