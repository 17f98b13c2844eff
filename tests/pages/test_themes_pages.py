"""Heute and Karte with sound meters, counters, charging sites and places (``tests.pages.themes``), in German, English and kiosk."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest

from core.schema import Batch
from core.store import open_store
from tests.pages import themes
from tests.pages.apptest import page_text, run


@pytest.fixture(scope="module")
def themes_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("themes") / "store"
    themes.seed(directory)
    return directory


@pytest.fixture
def themes_store(app_env, themes_dir, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(themes_dir, target)
    app_env(target)
    return target


def tiles_html(at) -> str:
    return "\n".join(e.proto.body for e in at.get("html") if "scs-tile" in e.proto.body)


SENTENCES = {  # the sound meters report their level now: "laut" by day, "deutlich hörbar" at night
    "de": (
        r"An der Unnaer Straße ist es gerade (laut|deutlich hörbar): \d+ dB\(A\)\.",
        r"Auf der Hauptstraße fahren gerade \d+ Autos pro Stunde – so viel wie üblich\.",
        r"3 von 9 Ladepunkten sind frei, einer ist außer Betrieb\.",
    ),
    "en": (
        r"It is (loud|noticeable) on Unnaer Straße right now: \d+ dB\(A\)\.",
        r"\d+ cars an hour on Hauptstraße right now – as usual\.",
        r"3 of 9 charge points are free, one is out of service\.",
    ),
}


@pytest.mark.parametrize("params", [{}, {"lang": "en"}, {"kiosk": "1"}])
def test_heute_has_a_noise_a_traffic_and_a_charging_tile(themes_store, params):
    language = params.get("lang", "de")
    at = run("pages/heute.py", **params)
    assert not at.exception, at.exception
    markup = tiles_html(at)
    titles = re.findall(r'class="scs-title"[^>]*>([^<]*)<', markup)
    expected = ["Lärm", "Verkehr", "Laden"] if language == "de" else ["Noise", "Traffic", "Charging"]
    assert [title for title in titles if title in expected] == expected
    for sentence in SENTENCES[language]:
        assert re.search(sentence, markup), sentence
    assert re.search(r'class="scs-value">\d+ (Autos|cars)/h<', markup)
    assert ('class="scs-value">3 von 9<' if language == "de" else 'class="scs-value">3 of 9<') in markup
    badges = re.findall(r'class="scs-badge">([^<]*)<', markup)
    assert ("✔ so viel wie üblich" if language == "de" else "✔ as usual") in badges  # a word and an icon with the colour
    assert ("✔ frei" if language == "de" else "✔ free") in badges
    usual = "Üblich " if language == "de" else "Usual on "
    assert re.search(rf"{usual}\w+ (um|at) \d+", markup), "traffic names the weekday it compares with"


def test_heute_without_such_stations_has_no_such_tiles(app_env, tmp_path):
    store_dir = tmp_path / "store"
    reading = {"ts": dt.datetime.now(dt.UTC), "station_id": "w:1", "quantity": "temperature", "value": 21.0, "source": "w"}
    station = {"station_id": "w:1", "source": "w", "name": "Marktplatz", "lat": 51.44, "lon": 7.78, "theme": "microclimate"}
    open_store(store_dir).append(Batch.from_rows([reading], [station]))
    app_env(store_dir)
    titles = re.findall(r'class="scs-title"[^>]*>([^<]*)<', tiles_html(run("pages/heute.py")))
    # the six of every city, and the buildings' tile: the city file lists [[buildings]]
    assert titles == ["Temperatur", "Luftqualität", "Pegel", "Junge Bäume", "Raumluft in Schulen", "Parken", "Städtische Gebäude"]


def deck(at) -> dict:
    [chart] = at.get("deck_gl_json_chart")
    return json.loads(chart.proto.json)


def layer(spec: dict, theme: str) -> dict:
    return next(layer for layer in spec["layers"] if layer["id"] == f"theme-{theme}")


def test_karte_draws_noise_traffic_charging_and_places(themes_store):
    at = run("pages/karte.py")
    assert not at.exception, at.exception
    spec = deck(at)
    tips = {theme: [p["tooltip"] for p in layer(spec, theme)["data"]] for theme in ("noise", "traffic", "charging", "poi")}
    assert len(tips["noise"]) == 4 and len(tips["traffic"]) == 3 and len(tips["charging"]) == 2 and len(tips["poi"]) == 6
    assert any("Lärmspitze:" in tip and "dB(A)" in tip for tip in tips["noise"])
    assert any(tip.startswith("Hauptstraße\n") and "V85:" in tip and "üblich " in tip for tip in tips["traffic"])
    assert any("Ladepunkte außer Betrieb: 1" in tip for tip in tips["charging"])
    by_name = {tip.split("\n")[0]: tip for tip in tips["poi"]}
    assert "✔ geöffnet" in by_name["Museum für Stadt- und Kulturgeschichte"]  # 24/7
    assert "✖ geschlossen" in by_name["Stadtbücherei"]  # Mo-Su off
    assert "Öffnungszeiten unbekannt" in by_name["Hallenbad Leitmecke"]  # none given
    assert "Öffnungszeiten unbekannt" in by_name["Aussichtsturm Kapellenberg"]  # "PH off": beyond what core.opening reads
    assert "Schwimmbad" in by_name["Hallenbad Leitmecke"] and "ohne Angabe" in by_name["Spielplatz Hönnepark"]
    assert any("6 Orte, 3 gerade geöffnet" in c.value for c in at.caption)
    places = at.dataframe[1].value
    assert list(places.columns) == ["Station", "Art", "Jetzt", "Öffnungszeiten"] and len(places) == 6


def test_karte_filters_places_by_category(themes_store):
    at = run("pages/karte.py")
    at.pills(key="map_categories").set_value(["museum", "church"]).run()
    assert not at.exception, at.exception
    names = {tip.split("\n")[0] for tip in (p["tooltip"] for p in layer(deck(at), "poi")["data"])}
    assert names == {
        "Museum für Stadt- und Kulturgeschichte",
        "St.-Vincenz-Kirche",
        "Spielplatz Hönnepark",
    }  # and the one without a category


def test_karte_in_english_and_kiosk(themes_store):
    at = run("pages/karte.py", "en")
    assert not at.exception, at.exception
    tips = [p["tooltip"] for p in layer(deck(at), "poi")["data"]]
    assert (
        any("✔ open" in tip for tip in tips)
        and any("✖ closed" in tip for tip in tips)
        and any("Opening hours unknown" in tip for tip in tips)
    )
    at = run("pages/karte.py", kiosk="1")
    assert not at.exception and not at.get("pills") and not at.dataframe
    assert {"theme-noise", "theme-traffic", "theme-charging", "theme-poi"} <= {layer["id"] for layer in deck(at)["layers"]}
    assert "Orte" in page_text(at)
