"""The demo region (config/suedwestfalen.toml) through AppTest: the Region page and ?city= on every page."""

from __future__ import annotations

import shutil

import pytest

from core import ingest
from core.config import DEFAULT_CONFIG, load_config
from core.store import open_store
from tests.pages.apptest import page_text, run
from ui import navigation

REGION = DEFAULT_CONFIG.parent / "suedwestfalen.toml"
CITIES = ("Menden (Sauerland)", "Soest", "Olpe", "Arnsberg", "Bad Berleburg")


@pytest.fixture(scope="module")
def region_dir(tmp_path_factory):
    """The five cities backfilled once, by one poller over the region's sources."""
    directory = tmp_path_factory.mktemp("region") / "store"
    config = load_config(REGION)
    results = ingest.run_once(config, open_store(directory, tz=config.timezone))
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    return directory


@pytest.fixture
def region_store(app_env, region_dir, tmp_path, monkeypatch):
    target = tmp_path / "store"
    shutil.copytree(region_dir, target)
    app_env(target)
    monkeypatch.setenv("SHOWROOM_CONFIG", str(REGION))
    return target


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("de", ("Wie geht es Südwestfalen heute?", "Wer kümmert sich?", "Kümmerer", "CO₂-Ampeln in Schulen", "Temperatur")),
        ("en", ("How is Südwestfalen today?", "Who owns what?", "Owner", "Classroom CO₂ lights", "Temperature")),
    ],
)
def test_region_page_shows_every_city_side_by_side(region_store, lang, words):
    at = run("pages/region.py", lang)
    assert not at.exception, at.exception
    text = page_text(at)
    for word in (*words, *CITIES):
        assert word in text, word
    assert "?city=soest" in text and "?city=bad-berleburg" in text  # each city's name opens its Heute
    assert text.count("<td") >= 5 * 3  # a cell per theme and city


def test_region_page_in_kiosk_mode(region_store):
    at = run("pages/region.py", kiosk="1")
    assert not at.exception, at.exception
    text = page_text(at)
    assert all(city in text for city in CITIES) and "kiosk=1" in text


@pytest.mark.parametrize("spec", navigation.PAGES, ids=lambda s: s.slug)
def test_every_page_serves_the_city_of_the_url(region_store, spec):
    at = run(f"pages/{spec.slug}.py", city="soest")
    assert not at.exception, at.exception
    switch = next(s for s in at.sidebar.selectbox if s.key == "city_choice")
    assert switch.value == "soest"
    if spec.slug == "heute":
        assert "Soest" in at.title[0].value


def test_a_city_sees_its_own_stations_and_thresholds(region_store):
    soest = page_text(run("pages/stadtklima.py", city="soest"))
    menden = page_text(run("pages/stadtklima.py", city="menden"))
    assert "BürgerWOLKE" in soest and "BürgerWOLKE" not in menden
    assert "Marktplatz" in menden
    olpe_schools = page_text(run("pages/schulen.py", city="olpe"))
    assert "St.-Franziskus-Gymnasium" in olpe_schools and "Walburgisgymnasium" not in olpe_schools
    arnsberg = page_text(run("pages/pegel.py", city="arnsberg"))
    assert "Ruhr Neheim" in arnsberg and "Hönne" not in arnsberg


def test_an_unknown_city_shows_the_default_city(region_store):
    at = run("pages/heute.py", city="atlantis")
    assert not at.exception, at.exception
    assert "Menden" in at.title[0].value


def test_the_sidebar_switch_changes_the_city(region_store):
    at = run("pages/heute.py")
    assert "Menden" in at.title[0].value
    next(s for s in at.sidebar.selectbox if s.key == "city_choice").set_value("olpe").run()
    assert not at.exception, at.exception
    assert "Olpe" in at.title[0].value and at.query_params["city"] in ("olpe", ["olpe"])
