"""Workshop scenarios in the app (AppTest): banner on every page, URL start/stop, controls, the overlay."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from core import ingest
from core.config import DEFAULT_CONFIG, load_config
from core.scenario import state as scenario
from core.store import open_store
from data_sources import scenario as feed
from tests.pages.apptest import page_text, run
from ui import data, navigation

PAGES = [f"pages/{spec.slug}.py" for spec in navigation.PAGES]  # the table, not the files: a missing file fails
BANNER = {"de": "Szenario: Starkregen – keine echten Messwerte", "en": "Scenario: Heavy rain – not real readings"}


def html(at: AppTest) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def play(directory, name: str = "starkregen", *, hours: float = 3.5, speed: int = 60) -> scenario.Run:
    """Start ``name`` as if ``hours`` of scenario time had passed, and ingest what it played."""
    started = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours / speed)
    run = feed.start(open_store(directory), name, speed=speed, now=started)
    config = load_config(DEFAULT_CONFIG)
    results = {r.source: r for r in ingest.run_once(config, open_store(directory, tz=config.timezone))}
    assert results["scenario"].ok and results["scenario"].rows > 0
    return run


@pytest.fixture(scope="module")
def playing(tmp_path_factory, demo_store):
    """The demo city with Starkregen at its peak (3.5 scenario hours in, at 60×)."""

    target = tmp_path_factory.mktemp("playing") / "store"
    demo_store.copy(target)
    play(target)
    return target


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_banner_on_every_page_while_a_scenario_runs(app_env, playing, page, lang):
    app_env(playing)
    at = run(page, lang)
    assert not at.exception, at.exception
    assert BANNER[lang] in html(at)
    assert ("60× Zeitraffer" if lang == "de" else "60× time-lapse") in html(at)


def test_no_banner_in_the_normal_demo_city(app_env, demo_copy):
    app_env(demo_copy)
    at = run(PAGES[0])
    assert not at.exception and "Szenario:" not in html(at)


def test_the_pages_show_the_scenario_in_place_of_the_demo_gauges(app_env, playing):
    app_env(playing)
    text = page_text(run(PAGES[0]))
    assert "Informationsstufe 2 erreicht" in text  # the water tile's sentence, from the scenario's values
    at = run("pages/pegel.py")
    assert not at.exception and "Informationsstufe 2" in page_text(at)


def test_stopping_returns_the_city_to_the_demo(app_env, demo_copy):
    play(demo_copy)
    app_env(demo_copy)
    assert "Informationsstufe 2" in page_text(run(PAGES[0]))
    scenario.stop(open_store(demo_copy))  # from another process (the stop button refreshes at once)
    data.refresh()  # the app asks the store for its version once a second; the test does not wait
    at = run(PAGES[0])
    assert "Szenario:" not in html(at) and "Informationsstufe" not in page_text(at)


def test_the_url_starts_a_scenario_once_and_a_reload_does_not_restart_it(app_env, demo_copy):
    app_env(demo_copy)
    at = run(PAGES[0], scenario="starkregen", speed="60", kiosk="1")
    first = scenario.active(open_store(demo_copy))
    assert not at.exception and first is not None and (first.name, first.speed, first.loop) == ("starkregen", 60, False)
    assert BANNER["de"] in html(at)
    run(PAGES[0], scenario="starkregen", speed="60", kiosk="1")  # a kiosk reloading the same address
    assert scenario.active(open_store(demo_copy)) == first
    run(PAGES[0], scenario="starkregen", speed="10", loop="1")
    again = scenario.active(open_store(demo_copy))
    assert (again.speed, again.loop) == (10, True) and again.started_at > first.started_at
    at = run(PAGES[0], scenario="stop")
    assert scenario.active(open_store(demo_copy)) is None and "Szenario:" not in html(at)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"scenario": "sintflut"}, "Unbekanntes Szenario „sintflut“"),
        ({"scenario": "hitzetag", "speed": "5"}, "Geschwindigkeit „5“ gibt es nicht"),
    ],
)
def test_a_wrong_address_says_what_is_wrong_and_starts_nothing(app_env, demo_copy, params, expected):
    app_env(demo_copy)
    at = run(PAGES[0], **params)
    assert not at.exception and any(expected in w.value for w in at.warning)
    assert scenario.read(open_store(demo_copy)) is None


def test_a_running_scenario_on_an_empty_store_shows_the_banner_and_no_crash(app_env, tmp_path):
    feed.start(open_store(tmp_path / "empty"), "hitzetag", speed=10)
    app_env(tmp_path / "empty")
    at = run(PAGES[0], "en")
    assert not at.exception
    assert "Scenario: Heat day – not real readings" in html(at)
    assert any("No readings yet" in i.value for i in at.info)


def controls_script() -> None:
    from ui import scenario as ui_scenario

    ui_scenario.controls("de")


def test_controls_start_and_stop_a_scenario(app_env, demo_copy):
    app_env(demo_copy)
    at = AppTest.from_function(controls_script, default_timeout=60).run()
    assert not at.exception
    assert any("Kein Szenario aktiv" in i.value for i in at.info)
    at.selectbox(key="scenario_name").set_value("stickiges_klassenzimmer")
    at.checkbox(key="scenario_loop").check()
    at.button[0].click().run()
    run_ = scenario.active(open_store(demo_copy))
    assert run_ is not None and (run_.name, run_.speed, run_.loop) == ("stickiges_klassenzimmer", 60, True)
    assert any("Läuft: Stickiges Klassenzimmer, 60×" in s.value for s in at.success)
    assert any("/heute?kiosk=1&scenario=stickiges_klassenzimmer&speed=60&loop=1" in c.value for c in at.caption)
    assert any("bei 60× 3 min" in c.value for c in at.caption)
    at.button[1].click().run()
    assert scenario.active(open_store(demo_copy)) is None and not at.exception
