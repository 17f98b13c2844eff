"""The flood projection on Pegel and Heute (AppTest): shown while Starkregen rises, never in the calm demo city."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from core import ingest
from core.config import DEFAULT_CONFIG, load_config
from core.store import open_store
from data_sources import scenario as feed
from tests.pages.apptest import page_text, run

PROJECTION = {
    "de": re.compile(r"Hochrechnung: Stufe [123] in etwa \d+(,5)? (Minuten|Stunden?), wenn der Anstieg anhält – keine Vorhersage\."),
    "en": re.compile(r"Projection: level [123] in about \d+(\.5)? (minutes|hours?) if the rise continues – not a forecast\."),
}


@pytest.fixture(scope="module")
def rising(tmp_path_factory, demo_store):
    """Starkregen played in real time, three hours in: the middle and lower Hönne rise steadily, the brooks fall."""
    target = tmp_path_factory.mktemp("rising") / "store"
    demo_store.copy(target)
    config = load_config(DEFAULT_CONFIG)
    feed.start(open_store(target), "starkregen", speed=1, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))
    results = {r.source: r for r in ingest.run_once(config, open_store(target, tz=config.timezone))}
    assert results["scenario"].ok and results["scenario"].rows > 0
    return target


@pytest.mark.parametrize("lang", ["de", "en"])
def test_pegel_shows_the_projection_under_the_rising_gauges_only(app_env, rising, lang):
    app_env(rising)
    at = run("pages/pegel.py", lang)
    assert not at.exception, at.exception
    text = page_text(at)
    found = PROJECTION[lang].findall(text)
    assert 1 <= len(found) < 8  # the rising Hönne gauges, not the falling brooks
    assert ("Amtliche Vorhersagen" if lang == "de" else "Official forecasts") in text


def test_pegel_kiosk_shows_it_too(app_env, rising):
    app_env(rising)
    at = run("pages/pegel.py", kiosk="1")
    assert not at.exception, at.exception
    assert PROJECTION["de"].search(page_text(at))


@pytest.mark.parametrize("lang", ["de", "en"])
def test_heute_names_the_gauge_and_the_projection_in_the_water_tile(app_env, rising, lang):
    app_env(rising)
    at = run("pages/heute.py", lang)
    assert not at.exception, at.exception
    text = page_text(at)
    assert PROJECTION[lang].search(text)
    assert re.search(r"Hönne [A-Za-zöä ]+ · (Hochrechnung|Projection)", text)


def test_no_projection_in_the_calm_demo_city(app_env, demo_copy):
    app_env(demo_copy)
    for page in ("pages/pegel.py", "pages/heute.py"):
        at = run(page)
        assert not at.exception, at.exception
        assert "Hochrechnung" not in page_text(at), page
