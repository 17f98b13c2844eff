"""Energie in the real app and headless Chromium at 1920×1080: German, English and kiosk, no exception, nothing wider than the screen, the kiosk without scrolling."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.pages.browser import browser_page, chromium, running_app, settle
from tests.pages.test_energie import buildings_store

pytestmark = pytest.mark.browser
MAIN = (
    "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
    " return {sw: m.scrollWidth, cw: m.clientWidth, sh: m.scrollHeight, ch: m.clientHeight}; }"
)
SHOTS = os.environ.get("SHOWROOM_SCREENSHOTS")  # a folder: each page is also saved as a PNG there, to look at


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The demo's buildings with a year and two weeks of meter readings, polling off."""
    chromium()
    directory = tmp_path_factory.mktemp("energie") / "store"
    buildings_store(directory, 380)
    with running_app(directory, SHOWROOM_INGEST="off") as url:
        yield url


@pytest.mark.parametrize(
    ("path", "heading", "charts", "words"),
    [
        ("energie", "Energie der städtischen Gebäude", 4, ("VDI 3807", "Gesamtschule Lendringsen", "zu hoch", "Gradtagzahl G20/15")),
        ("energie?lang=en", "Energy of the city's buildings", 4, ("VDI 3807", "too high", "Heating degree days G20/15")),
        ("energie?kiosk=1", "Energie der städtischen Gebäude", 1, ("Heute im Vergleich", "Grundlast nachts")),
    ],
)
def test_energie_renders_without_error_or_overflow(app, path, heading, charts, words):
    with browser_page(1920, 1080) as page:
        page.goto(f"{app}/{path}")
        settle(page, quiet_s=1.5, timeout_s=90)
        page.locator(".js-plotly-plot").nth(charts - 1).wait_for(timeout=60_000)
        page.wait_for_timeout(800)  # plotly lays out after the script run
        page.get_by_role("heading", name=heading).wait_for(timeout=30_000)
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"{path.replace('?', '_').replace('=', '-')}.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert not page.errors, page.errors
        assert page.locator(".js-plotly-plot").count() == charts
        size = page.evaluate(MAIN)
        assert size["sw"] <= size["cw"] + 1, f"{path} is wider than the screen by {size['sw'] - size['cw']} px"
        if "kiosk" in path:
            assert size["sh"] <= size["ch"] + 1, f"{path}: {size['sh'] - size['ch']} px to scroll"
        body = page.inner_text("body")
        for word in words:
            assert word in body, word
