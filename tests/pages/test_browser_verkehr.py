"""Verkehr & Lärm in the real app and headless Chromium at 1920×1080: no exception, nothing wider than the screen, the kiosk without scrolling."""

from __future__ import annotations

import pytest

from tests.pages.browser import browser_page, chromium, running_app, settle

pytestmark = pytest.mark.browser
# Streamlit scrolls its main area, not the document: that is where a page grows too wide or too tall
MAIN = (
    "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
    " return {sw: m.scrollWidth, cw: m.clientWidth, sh: m.scrollHeight, ch: m.clientHeight}; }"
)
LOWEST = "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMainBlockContainer\"] *')].map(e => e.getBoundingClientRect().bottom))"


@pytest.fixture(scope="module")
def app(demo_store, tmp_path_factory):
    """The demo city (with its sound meters, counters, charging sites and places), polling off."""
    chromium()
    directory = tmp_path_factory.mktemp("verkehr") / "store"
    demo_store.copy(directory)
    with running_app(directory, SHOWROOM_INGEST="off") as url:
        yield url


def visit(page, url: str, charts: int) -> None:
    page.goto(url)
    settle(page, quiet_s=1.5, timeout_s=90)
    page.locator(".js-plotly-plot").nth(charts - 1).wait_for(timeout=60_000)
    page.wait_for_timeout(800)  # plotly lays out after the script run


@pytest.mark.parametrize(
    ("path", "heading", "charts"),
    [("verkehr", "Verkehr & Lärm", 5), ("verkehr?lang=en", "Traffic & noise", 5), ("verkehr?kiosk=1", "Verkehr & Lärm", 3)],
)
def test_verkehr_renders_without_error_or_overflow(app, path, heading, charts):
    with browser_page(1920, 1080) as page:
        visit(page, f"{app}/{path}", charts)
        page.get_by_role("heading", name=heading).wait_for(timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert not page.errors, page.errors
        assert page.locator(".js-plotly-plot").count() == charts
        size = page.evaluate(MAIN)
        assert size["sw"] <= size["cw"] + 1, f"{path} is wider than the screen by {size['sw'] - size['cw']} px"
        body = page.inner_text("body")
        assert ("keine amtliche Messung" in body) or ("not an official measurement" in body)


# the kiosk's three charts; Heute's ten tiles: the six of every city and noise, traffic, charging, buildings
@pytest.mark.parametrize(("path", "selector", "count"), [("verkehr?kiosk=1", ".js-plotly-plot", 3), ("heute?kiosk=1", ".scs-tile", 10)])
def test_kiosk_screens_fit_1080_pixels_without_scrolling(app, path, selector, count):
    with browser_page(1920, 1080) as page:
        page.goto(f"{app}/{path}")
        settle(page, quiet_s=1.5, timeout_s=90)
        page.locator(selector).nth(count - 1).wait_for(timeout=60_000)
        settle(page, quiet_s=1.0, timeout_s=90)  # a kiosk refresh mid-count shows old and new elements side by side
        assert page.locator(selector).count() == count
        size = page.evaluate(MAIN)
        assert size["sh"] <= size["ch"] + 1, f"{path}: {size['sh'] - size['ch']} px to scroll"
        assert page.evaluate(LOWEST) <= 1080
