"""A workshop scenario in the real app and headless Chromium: kiosk banner, rotation, gauges at a level."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from core.scenario import state as scenario
from core.store import open_store
from data_sources import scenario as feed
from tests.pages.browser import browser_page, chromium, running_app

pytestmark = pytest.mark.browser
BANNER = "Szenario: Starkregen – keine echten Messwerte"


@pytest.fixture(scope="module")
def storm(tmp_path_factory, demo_store):
    """The app on the demo city, its own ingest on, Starkregen 3.5 scenario hours in at 60×."""
    chromium()
    directory = tmp_path_factory.mktemp("storm") / "store"
    demo_store.copy(directory)
    feed.start(open_store(directory), "starkregen", speed=60, now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3.5))
    with running_app(directory) as url:
        yield url, directory


def test_kiosk_url_keeps_the_running_scenario_and_shows_it_at_a_level(storm):
    url, directory = storm
    before = scenario.active(open_store(directory))
    with browser_page() as page:
        page.goto(f"{url}/pegel?kiosk=1&scenario=starkregen&speed=60")
        page.get_by_text(BANNER).wait_for(timeout=60_000)
        assert scenario.active(open_store(directory)) == before  # the kiosk address did not restart it
        # the app's own ingest plays the scenario in within seconds; a reload (a new session, the
        # same address) shows it sooner than the page's 30-s refresh, and must not restart it either
        deadline = time.monotonic() + 90
        while not page.get_by_text("Informationsstufe 2").count() and time.monotonic() < deadline:
            page.wait_for_timeout(3000)
            page.reload()
            page.get_by_text(BANNER).wait_for(timeout=30_000)
        page.get_by_text("Informationsstufe 2").first.wait_for(timeout=5_000)
        assert scenario.active(open_store(directory)) == before
        body = page.inner_text("body")
        assert "Pegel" in body and "60× Zeitraffer" in body and "Hönne Menden Mitte" in body
        assert page.locator('[data-testid="stSidebar"]').is_hidden()
        assert page.locator('[data-testid="stException"]').count() == 0
        assert not page.errors


def test_banner_stays_while_the_kiosk_rotates(storm):
    url, _ = storm
    with browser_page() as page:
        page.goto(f"{url}/heute?kiosk=1&rotate=5&pages=heute,karte&scenario=starkregen&speed=60")
        page.get_by_text(BANNER).wait_for(timeout=60_000)
        page.wait_for_url("**/karte**", timeout=30_000)
        page.get_by_text(BANNER).wait_for(timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert not page.errors


def test_a_scenario_started_elsewhere_appears_on_a_running_kiosk(storm):
    """A host starts it from a phone: the kiosk shows the banner without a reload."""
    url, directory = storm
    scenario.stop(open_store(directory))
    with browser_page() as page:
        page.goto(f"{url}/heute?kiosk=1")
        page.locator(".scs-tile").first.wait_for(timeout=60_000)
        assert page.get_by_text("Szenario:").count() == 0
        feed.start(open_store(directory), "hitzetag", speed=10)
        page.get_by_text("Szenario: Hitzetag – keine echten Messwerte").wait_for(timeout=30_000)
        scenario.stop(open_store(directory))
        page.get_by_text("Szenario:").wait_for(state="detached", timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0
