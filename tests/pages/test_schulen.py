"""The Raumluft Schulen page through AppTest: overview, one school, lesson-time shares, kiosk, no data, escaping."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from core.schema import Batch
from core.store import open_store
from tests.pages.apptest import page_text, run

PAGE = "pages/schulen.py"
SCHOOLS = ("Gesamtschule Lendringsen", "Grundschule Bösperde", "Gymnasium an der Hönne", "Walburgisgymnasium")


def html_of(at) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("de", ("Raumluft in Schulen", "Räumen", "Stand:", "Unterrichtszeit")),
        ("en", ("Classroom air in schools", "rooms", "As of:", "lesson time")),
    ],
)
def test_overview_of_all_schools_in_both_languages(app_env, demo_copy, lang, words):
    app_env(demo_copy)
    at = run(PAGE, lang)
    assert not at.exception, at.exception
    text = page_text(at)
    for word in (*words, *SCHOOLS):
        assert word in text, word
    html = html_of(at)
    assert html.count('class="scl-card"') == 4 and html.count('class="scl-chip"') == 40  # a traffic light per room
    assert at.selectbox(key="school").value is None


def test_one_school_rooms_curve_and_lesson_shares(app_env, demo_copy):
    app_env(demo_copy)
    at = run(PAGE)
    at.selectbox(key="school").set_value("Walburgisgymnasium").run()
    assert not at.exception
    html = html_of(at)
    assert html.count('class="scl-card"') == 10 and "Raum 101" in html and "ppm" in html
    assert at.query_params["school"] == "Walburgisgymnasium"  # bookmarkable
    at.segmented_control(key="schools_week").set_value(1).run()  # last week: five full school days in the demo
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 10 and list(table.columns) == ["Raum", "über 1.000 ppm", "über 2.000 ppm", "Unterrichtsstunden mit Daten (h)"]
    assert len(set(table["Unterrichtsstunden mit Daten (h)"])) == 1 and table["Unterrichtsstunden mit Daten (h)"][0] in (
        "26,2",
        "26,3",
    )  # 5 × 21 buckets
    assert table["über 1.000 ppm"].between(0, 100).all() and (table["über 1.000 ppm"] >= table["über 2.000 ppm"]).all()
    assert table["über 1.000 ppm"].max() > 0  # the demo has rooms that rarely air
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Anteil der Unterrichtszeit" in s for s in specs)
    assert any("Mo–Fr 08:00–13:15" in c.value for c in at.caption)


def test_school_deep_link(app_env, demo_copy):
    app_env(demo_copy)
    at = run(PAGE, "en", school="Grundschule Bösperde")
    assert not at.exception
    assert at.selectbox(key="school").value == "Grundschule Bösperde"
    assert "Raum 110" in html_of(at)


def test_kiosk_shows_the_overview_without_controls(app_env, demo_copy):
    app_env(demo_copy)
    at = run(PAGE, kiosk="1")
    assert not at.exception
    assert not at.selectbox and not at.segmented_control
    assert html_of(at).count('class="scl-card"') == 4 and "Stand:" in page_text(at)


def test_empty_store_says_so(app_env, tmp_path):
    app_env(tmp_path / "empty")
    at = run(PAGE, "en")
    assert not at.exception
    assert any("No readings yet" in i.value for i in at.info)


def test_a_city_without_classrooms_says_so(app_env, tmp_path):
    now = dt.datetime.now(dt.UTC)
    open_store(tmp_path / "s").append(
        Batch.from_rows(
            [{"ts": now, "station_id": "x:1", "quantity": "temperature", "value": 20.0, "source": "x"}],
            [{"station_id": "x:1", "source": "x", "name": "Marktplatz", "theme": "microclimate"}],
        )
    )
    app_env(tmp_path / "s")
    at = run(PAGE)
    assert not at.exception
    assert any("Keine CO₂-Ampeln" in i.value for i in at.info)


def test_school_names_are_escaped(app_env, demo_copy):
    store = open_store(demo_copy)
    evil = "<script>alert(1)</script>Schule Raum 1"
    store.append(
        Batch(stations=store.stations().with_columns(name=pl.when(pl.col("theme") == "indoor_air").then(pl.lit(evil)).otherwise("name")))
    )
    app_env(demo_copy)
    html = html_of(run(PAGE))
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;Schule" in html
