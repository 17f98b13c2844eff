"""The Pegel page through AppTest: cards, banner at a level, hydrographs, kiosk glance, escaped names."""

from __future__ import annotations

import re
import shutil

import polars as pl
import pytest

from core.config import DEFAULT_CONFIG
from core.schema import Batch
from core.store import open_store
from tests.pages.apptest import page_text, run

PAGE = "pages/pegel.py"


def charts(at) -> list:
    return at.get("plotly_chart")


def low_levels_config(tmp_path, monkeypatch):
    """The demo city with flood levels so low that Menden Mitte is at level 2 and Bieberbach at level 1."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    text = re.sub(
        r'"demo:pegel-hoenne-mitte" = \{ water_level = \[[^\]]*\] \}', '"demo:pegel-hoenne-mitte" = { water_level = [1, 2, 1900] }', text
    )
    text = re.sub(
        r'"demo:pegel-bieberbach" = \{ water_level = \[[^\]]*\] \}', '"demo:pegel-bieberbach" = { water_level = [1, 1800] }', text
    )
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    shutil.copy(DEFAULT_CONFIG.parent / "menden-outline.geojson", tmp_path)  # the copy's outline, beside it
    monkeypatch.setenv("SHOWROOM_CONFIG", str(path))


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("de", ("Pegel", "Hönne Menden Mitte", "Informationsstufe 1", "noch", "Stand:", "Ganglinien", "Alle 8 Pegel liegen unter")),
        ("en", ("Water levels", "Hönne Menden Mitte", "Information level 1", "below", "As of:", "Hydrographs", "All 8 gauges are below")),
    ],
)
def test_cards_and_hydrographs_with_demo_data(app_env, demo_copy, lang, words):
    app_env(demo_copy)
    at = run(PAGE, lang)
    assert not at.exception, at.exception
    text = page_text(at)
    for word in words:
        assert word in text, word
    assert len(charts(at)) == 8  # one hydrograph per gauge
    assert text.count('class="scs-tile') == 8
    assert "cm/h" in text and not at.error and not at.warning
    if lang == "de":
        assert re.search(r"\(\+?-?\d+,\d cm/h\)", text), "trend with a decimal comma"


def test_a_gauge_at_a_level_raises_a_banner_with_its_name_and_level(app_env, demo_copy, tmp_path, monkeypatch):
    app_env(demo_copy)
    low_levels_config(tmp_path, monkeypatch)
    at = run(PAGE)
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "Hönne Menden Mitte" in at.error[0].value and "Informationsstufe 2 erreicht" in at.error[0].value
    assert len(at.warning) == 1 and "Bieberbach Platte Heide" in at.warning[0].value and "Informationsstufe 1" in at.warning[0].value
    assert not at.success
    assert "Informationsstufe 2" in page_text(at)  # the card's badge carries the word, not only a colour


def test_window_and_gauge_choice(app_env, demo_copy):
    app_env(demo_copy)
    at = run(PAGE)
    at.multiselect(key="pegel_gauges").set_value(["demo:pegel-hoenne-mitte"]).run()
    assert len(charts(at)) == 1 and page_text(at).count('class="scs-tile') == 8  # every gauge keeps its card
    at.button_group(key="pegel_hours").set_value(720).run()
    assert not at.exception, at.exception
    assert any("Stundenmittel" in c.value and "letzte 30 Tage" in c.value for c in at.caption)


def test_kiosk_shows_every_gauge_without_controls(app_env, demo_copy):
    app_env(demo_copy)
    at = run(PAGE, kiosk="1")
    assert not at.exception, at.exception
    assert not at.multiselect and not at.get("button_group")
    assert len(charts(at)) == 8 and page_text(at).count("scs-tile scs-gauge") == 8
    assert any("Stand:" in c.value for c in at.caption)


def test_kiosk_with_more_gauges_than_a_screen_holds(app_env, demo_copy):
    import datetime as dt

    store = open_store(demo_copy)
    now = dt.datetime.now(dt.UTC)
    extra = [f"demo:extra-{i}" for i in range(3)]
    store.append(
        Batch.from_rows(
            [
                {"ts": now - dt.timedelta(minutes=15 * k), "station_id": sid, "quantity": "water_level", "value": 50.0, "source": "demo"}
                for sid in extra
                for k in range(8)
            ],
            [{"station_id": sid, "source": "demo", "name": f"Zusatz {sid[-1]}", "theme": "water"} for sid in extra],
        )
    )
    app_env(demo_copy)
    at = run(PAGE, kiosk="1")
    assert not at.exception, at.exception
    assert len(charts(at)) == 8 and any("8 von 11 Pegeln" in c.value for c in at.caption)


def test_gauge_names_are_escaped_in_cards_and_banner(app_env, demo_copy, tmp_path, monkeypatch):
    store = open_store(demo_copy)
    evil = '<img src=x onerror="alert(1)">[Klick](javascript:alert(1))'
    store.append(
        Batch(stations=store.stations().with_columns(name=pl.when(pl.col("theme") == "water").then(pl.lit(evil)).otherwise(pl.col("name"))))
    )
    app_env(demo_copy)
    low_levels_config(tmp_path, monkeypatch)
    at = run(PAGE)
    assert not at.exception, at.exception
    html = "\n".join(e.proto.body for e in at.get("html"))
    assert "<img" not in html and "&lt;img src=x" in html
    titles = [c.proto.spec for c in charts(at)]
    assert all("<img" not in spec for spec in titles) and any("&lt;img src=x" in spec for spec in titles)
    banner = at.error[0].value
    assert "\\<img src\\=x" in banner and "\\[Klick\\]\\(j…" in banner  # shortened, and markdown cannot make a link of it


@pytest.mark.parametrize("lang", ["de", "en"])
def test_empty_store(app_env, tmp_path, lang):
    app_env(tmp_path / "empty")
    at = run(PAGE, lang)
    assert not at.exception, at.exception
    assert any(("Noch keine Messwerte" if lang == "de" else "No readings yet") in i.value for i in at.info)
    assert not charts(at)
