"""The watering section and the flood projection in headless Chromium at 1920×1080: German, English, kiosk."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from core import ingest
from core.config import DEFAULT_CONFIG, load_config
from core.store import open_store
from data_sources import scenario as feed
from tests.pages.browser import browser_page, chromium, running_app, settle

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOWROOM_SCREENSHOTS")  # a directory: keep screenshots to look at


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=name.endswith("full"))


@pytest.fixture(scope="module")
def demo_app(demo_store, tmp_path_factory):
    chromium()
    data = tmp_path_factory.mktemp("watering") / "store"
    demo_store.copy(data)
    with running_app(data, SHOWROOM_INGEST="off") as url:
        yield url


def assert_clean(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    for chart in page.locator('[data-testid="stDeckGlJsonChart"]').all():
        assert "Error" not in chart.inner_text()
    assert not page.errors


@pytest.mark.parametrize(
    ("lang", "heading", "words"),
    [
        ("de", "Gießen ohne Sensor: Wasserbilanz der Jungbäume", ("Modell ohne Sensor", "Modell und Sensor nebeneinander", "Annahmen:")),
        (
            "en",
            "Watering without sensors: young trees' water balance",
            ("Model without sensors", "Model and sensor side by side", "Assumptions:"),
        ),
    ],
)
def test_watering_section(demo_app, lang, heading, words):
    with browser_page() as page:
        page.goto(f"{demo_app}/stadtklima" + ("?lang=en" if lang == "en" else ""))
        page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
        settle(page)
        section = page.get_by_role("heading", name=heading)
        section.scroll_into_view_if_needed()
        body = page.inner_text("body")
        for word in words:
            assert word in body, word
        assert page.locator('[data-testid="stDeckGlJsonChart"]').count() == 2
        assert page.locator('[data-testid="stPlotlyChart"]').count() >= 3  # day curves, soil, the water balance
        shot(page, f"watering-{lang}")
        page.locator('[data-testid="stDeckGlJsonChart"]').last.scroll_into_view_if_needed()
        shot(page, f"watering-{lang}-map")
        page.locator('[data-testid="stPlotlyChart"]').last.scroll_into_view_if_needed()
        shot(page, f"watering-{lang}-chart")
        assert_clean(page)


def test_stadtklima_kiosk_fits_with_the_model_line(demo_app):
    with browser_page() as page:
        page.goto(f"{demo_app}/stadtklima?kiosk=1")
        page.get_by_role("heading", name="Stadtklima").wait_for(timeout=60_000)
        line = page.get_by_text(re.compile("Ohne Sensor \\(Modell\\):"))
        line.wait_for(timeout=30_000)
        settle(page)
        shot(page, "watering-kiosk")
        box = line.bounding_box()
        print(f"\nkiosk: the model's line ends at y = {box['y'] + box['height']:.0f} px of 1080")
        assert_clean(page)


@pytest.fixture(scope="module")
def rising_app(demo_store, tmp_path_factory):
    """Starkregen in real time, three hours in: the middle and lower Hönne rise steadily."""
    chromium()
    data = tmp_path_factory.mktemp("rising") / "store"
    demo_store.copy(data)
    config = load_config(DEFAULT_CONFIG)
    feed.start(open_store(data), "starkregen", speed=1, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))
    ingest.run_once(config, open_store(data, tz=config.timezone))
    with running_app(data, SHOWROOM_INGEST="off") as url:
        yield url


@pytest.mark.parametrize(
    ("query", "pattern"),
    [
        ("", r"Hochrechnung: Stufe \d in etwa"),
        ("?lang=en", r"Projection: level \d in about"),
        ("?kiosk=1", r"Hochrechnung: Stufe \d in etwa"),
    ],
)
def test_pegel_projection(rising_app, query, pattern):
    with browser_page() as page:
        page.goto(f"{rising_app}/pegel{query}")
        page.get_by_text(re.compile(pattern)).first.wait_for(timeout=60_000)
        settle(page)
        assert "keine Vorhersage" in page.inner_text("body") or "not a forecast" in page.inner_text("body")
        shot(page, "pegel-projection" + query.replace("?", "-").replace("=", ""))
        assert_clean(page)


def test_heute_projection(rising_app):
    with browser_page() as page:
        page.goto(f"{rising_app}/heute")
        page.get_by_text(re.compile(r"Hochrechnung: Stufe \d in etwa")).first.wait_for(timeout=60_000)
        settle(page)
        shot(page, "heute-projection")
        assert_clean(page)
