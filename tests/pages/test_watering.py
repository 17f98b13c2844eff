"""The watering section on Stadtklima (AppTest): every register tree's water balance, its sensor beside it, bad registers."""

from __future__ import annotations

import csv
import re
import shutil

import pytest

from core.config import DEFAULT_CONFIG
from data_sources.demo import trees as demo_trees
from tests.pages.apptest import page_text, run

PAGE = "pages/stadtklima.py"
WORDS = {
    "de": (
        "Gießen ohne Sensor: Wasserbilanz der Jungbäume",
        "Modell ohne Sensor, ",
        "Modell und Sensor nebeneinander",
        "Annahmen:",
    ),
    "en": (
        "Watering without sensors: young trees' water balance",
        "Model without sensors, ",
        "Model and sensor side by side",
        "Assumptions:",
    ),
}
LEAD = {
    "de": re.compile(
        r"(Alle 60 Bäume sind ausreichend mit Wasser versorgt|\d+ von 60 Bäumen sollten gegossen werden|Kein Baum muss jetzt gegossen werden)"
    ),
    "en": re.compile(r"(All 60 trees have enough water|\d+ of 60 trees should be watered|No tree needs water now)"),
}


TREES = '[trees]\nregister = "menden-trees.csv"\nelevation = 145\n'


def city_with_register(tmp_path, monkeypatch, rows: list[dict] | None = None, *, register: str | None = None, trees_table: str = TREES):
    """The demo city's config with ``trees_table`` as its [trees], beside a register of ``rows`` (or the raw text ``register``)."""
    text = re.sub(r"^\[trees\]\n(?:(?!\[).*\n?)*", "", DEFAULT_CONFIG.read_text(encoding="utf-8"), flags=re.M) + "\n" + trees_table
    (tmp_path / "city.toml").write_text(text, encoding="utf-8")
    shutil.copy(DEFAULT_CONFIG.parent / "menden-outline.geojson", tmp_path)
    if register is not None:
        (tmp_path / "menden-trees.csv").write_text(register, encoding="utf-8")
    elif rows is not None:
        with (tmp_path / "menden-trees.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=demo_trees.COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    monkeypatch.setenv("SHOWROOM_CONFIG", str(tmp_path / "city.toml"))


def thirsty() -> list[dict]:
    """The demo register with pits that hold almost nothing: a few dry days call for water."""
    return [{**row, "taw_mm": 5 if i % 3 else 400} for i, row in enumerate(demo_trees.register_rows())]


# weather from a box without rain gauge or anemometer: Hargreaves, and no rain that could refill the pits today
DRY = '[trees]\nregister = "menden-trees.csv"\nweather = ["demo:wetter-marktplatz"]\n'


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_register_tree_with_its_sensor_beside_it(app_env, demo_copy, tmp_path, monkeypatch, lang):
    app_env(demo_copy)
    city_with_register(tmp_path, monkeypatch, demo_trees.register_rows())
    at = run(PAGE, lang)
    assert not at.exception, at.exception
    text = page_text(at)
    for word in WORDS[lang]:
        assert word in text, word
    assert LEAD[lang].search(text)
    assert re.search(r"(Wetter|Weather): .+ · (Verfahren|method): ", text)
    tables = [df.value for df in at.dataframe]
    side = next(t for t in tables if len(t) == 4)  # the four trees with a soil sensor
    assert side.iloc[:, 8].notna().all()  # each with its sensor's value beside the model
    assert any(len(t) == 60 for t in tables)  # and all 60 in the expander
    assert len(at.get("deck_gl_json_chart")) == 2


def test_trees_to_water_are_listed_first_with_the_litres(app_env, demo_copy, tmp_path, monkeypatch):
    app_env(demo_copy)
    city_with_register(tmp_path, monkeypatch, thirsty(), trees_table=DRY)
    at = run(PAGE)
    assert not at.exception, at.exception
    text = page_text(at)
    assert re.search(r"\d+ von 60 Bäumen sollten gegossen werden", text)
    assert "Zuerst gießen" in text and re.search(r"etwa \d+ l", text)
    assert re.search(r'scs-badge">\S+ gießen<', text)  # the badge: icon and word, not colour alone
    assert "Hargreaves (ohne Wind)" in text and "Tage ohne vollständige Wetterdaten" in text  # no rain gauge: said, not hidden


def test_kiosk_has_one_line_for_the_model(app_env, demo_copy, tmp_path, monkeypatch):
    app_env(demo_copy)
    city_with_register(tmp_path, monkeypatch, thirsty(), trees_table=DRY)
    at = run(PAGE, kiosk="1")
    assert not at.exception, at.exception
    text = page_text(at)
    assert re.search(r"Ohne Sensor \(Modell\): \d+ von 60 gießen, \d+ bald\.", text) and "Gießen ohne Sensor" not in text


def test_bad_rows_are_counted_and_hostile_text_stays_text(app_env, demo_copy, tmp_path, monkeypatch):
    app_env(demo_copy)
    rows = thirsty()[:5]
    rows[0] = {**rows[0], "street": "<script>alert(1)</script>", "species_de": "<b>Linde</b>", "taw_mm": 5}  # listed first: to water
    rows[1] = {**rows[1], "lat": "north"}
    city_with_register(tmp_path, monkeypatch, rows, trees_table=DRY)
    at = run(PAGE)
    assert not at.exception, at.exception
    text = page_text(at)
    assert "1 Einträge des Baumkatasters übersprungen" in text
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_an_unreadable_register_costs_the_section_only(app_env, demo_copy, tmp_path, monkeypatch):
    app_env(demo_copy)
    city_with_register(tmp_path, monkeypatch, register=None)  # no file beside the config
    at = run(PAGE)
    assert not at.exception, at.exception
    assert "Baumkataster nicht lesbar" in at.warning[0].value and "not found" in at.warning[0].value
    assert "Am wärmsten" in page_text(at)  # the rest of the page is there


def test_a_city_without_a_register(app_env, demo_copy, tmp_path, monkeypatch):
    app_env(demo_copy)
    city_with_register(tmp_path, monkeypatch, trees_table="")
    at = run(PAGE, "en")
    assert not at.exception, at.exception
    assert "No tree register in the city config" in page_text(at)
