"""Stadtklima and Raumluft Schulen in headless Chromium: no exception, no map error, the key German strings."""

from __future__ import annotations

import re
import time

import pytest

from tests.pages.browser import browser_page, chromium, running_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_app(demo_store, tmp_path_factory):
    """One app for the module, on a copy of the demo store, without its own ingest."""
    chromium()
    data = tmp_path_factory.mktemp("climate") / "store"
    demo_store.copy(data)
    with running_app(data, SHOWROOM_INGEST="off") as url:
        yield url


def assert_clean(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    for chart in page.locator('[data-testid="stDeckGlJsonChart"]').all():
        assert "Error" not in chart.inner_text()  # deck.gl's JSON converter reports bad props as text
    assert not page.errors


def test_stadtklima_in_german(demo_app):
    with browser_page() as page:
        start = time.monotonic()
        page.goto(f"{demo_app}/stadtklima")
        page.get_by_role("heading", name="Stadtklima").wait_for(timeout=60_000)
        for text in ("Am wärmsten", "Am kühlsten", "Junge Bäume", "Frosttage"):
            page.get_by_text(text, exact=True).first.wait_for(timeout=30_000)
        page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=30_000)
        page.locator('[data-testid="stDeckGlJsonChart"]').first.wait_for(timeout=30_000)  # the heat map (the trees' map follows)
        print(f"\nStadtklima complete after {time.monotonic() - start:.1f} s")
        body = page.inner_text("body")
        for word in ("Im Mittel", "Stand:", "Tagesgang", "Hitze- und Frosttage", "Hitzebelastung", "°C"):
            assert word in body, word
        assert_clean(page)


def test_schulen_in_german(demo_app):
    with browser_page() as page:
        page.goto(f"{demo_app}/schulen?school=Walburgisgymnasium")
        page.get_by_role("heading", name="Raumluft in Schulen").wait_for(timeout=60_000)
        page.get_by_text("Raum 101", exact=True).first.wait_for(timeout=30_000)
        page.get_by_text("Unterrichtszeit mit schlechter Luft").wait_for(timeout=30_000)
        # the note under the lesson-time chart comes last; early on a Monday there is no lesson time yet
        page.get_by_text(re.compile("Unterrichtszeit: Mo–Fr 08:00–13:15|noch keine Unterrichtszeit")).first.wait_for(timeout=30_000)
        body = page.inner_text("body")
        for word in ("Raum 110", "ppm", "Verlauf heute", "Stand:", "Räumen"):
            assert word in body, word
        assert_clean(page)


@pytest.mark.parametrize(
    ("slug", "heading", "word"), [("stadtklima", "Stadtklima", "Am wärmsten"), ("schulen", "Raumluft in Schulen", "Walburgisgymnasium")]
)
def test_kiosk_hides_the_chrome(demo_app, slug, heading, word):
    with browser_page() as page:
        page.goto(f"{demo_app}/{slug}?kiosk=1")
        page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
        page.get_by_text(word).first.wait_for(timeout=30_000)
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        assert "Stand:" in page.inner_text("body")
        assert_clean(page)
