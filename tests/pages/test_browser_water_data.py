"""Pegel, Daten and Quellen in headless Chromium: no exception, the key German words, kiosk without chrome."""

from __future__ import annotations

import time

import pytest

from tests.pages.browser import browser_page, chromium, running_app

pytestmark = pytest.mark.browser
EXCEPTION = '[data-testid="stException"]'


@pytest.fixture(scope="module")
def app(demo_store, tmp_path_factory):
    """One server for the module, on a copy of the demo store, with its own ingest off (stable data)."""
    chromium()
    directory = tmp_path_factory.mktemp("water-data") / "store"
    demo_store.copy(directory)
    with running_app(directory, SHOWROOM_INGEST="off") as url:
        yield url


@pytest.fixture(scope="module")
def page():
    with browser_page() as page:
        yield page


def visit(page, url: str, words: tuple[str, ...], timeout_s: float = 60.0) -> str:
    """Open ``url`` and wait until every word is on the page (Streamlit draws in steps); the body text."""
    page.goto(url)
    deadline = time.monotonic() + timeout_s
    while True:
        body = page.inner_text("body")
        missing = [w for w in words if w not in body]
        if not missing or time.monotonic() > deadline:
            assert not missing, f"{url}: missing {missing} in {body[-1500:]!r}"
            return body
        time.sleep(0.3)


def test_pegel(app, page):
    visit(page, f"{app}/pegel", ("Pegel", "Hönne Menden Mitte", "Informationsstufe 1", "Stand:", "Ganglinien", "Alle 8 Pegel liegen unter"))
    page.locator(".js-plotly-plot").nth(7).wait_for(timeout=60_000)
    assert page.locator(".scs-tile").count() == 8
    assert page.locator(EXCEPTION).count() == 0 and not page.errors


def test_pegel_kiosk_has_no_chrome_and_every_gauge(app, page):
    visit(page, f"{app}/pegel?kiosk=1", ("Pegel", "Stand:", "Hönne Halingen"))
    page.locator(".js-plotly-plot").nth(7).wait_for(timeout=60_000)
    assert page.locator('[data-testid="stSidebar"]').is_hidden() and page.locator('header[data-testid="stHeader"]').is_hidden()
    assert page.locator(".scs-gauge").count() == 8
    assert page.locator(EXCEPTION).count() == 0 and not page.errors


def test_daten(app, page):
    visit(
        page,
        f"{app}/daten",
        (
            "Daten",
            "Stationen finden",
            "Messgrößen",
            "Temperatur",
            "Rohdaten bis 2 Tage",
            "Tabelle",
            "CSV",
            "Parquet",
            "GeoJSON",
            "Workshop-Szenarien",
        ),
    )
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    assert page.locator(EXCEPTION).count() == 0 and not page.errors


def test_quellen(app, page):
    visit(page, f"{app}/quellen", ("Quellen", "Datenquellen", "Quellen in Ordnung", "Veraltete Stationen", "Stand:"))
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)  # a canvas grid: its cells are not DOM text
    assert page.locator(EXCEPTION).count() == 0 and not page.errors
