"""Hostile feed text for page tests: links, markdown, plotly template syntax and 10,000-character names.

``rename(store_dir)`` gives demo stations such names (a stations-only Batch, as a feed
would send it); ``at_level_3(tmp_path)`` writes a city TOML whose long-named gauge is past
its Informationsstufe 3, so the Pegel banner names it. ``python -m tests.pages.hostile DIR``
does both to a store directory (DIR/city.toml), for looking at it in a running app.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import polars as pl

from core.config import DEFAULT_CONFIG
from core.schema import Batch
from core.store import open_store

LINK = '<a href="https://evil.example/pl">Schule</a>'  # what a feed could call a school
LONG = "X" * 10_000  # nothing to break a line at: the worst case for a layout
MARKDOWN = "[Jetzt hier klicken](https://evil.example)"
TEMPLATE = "%{y} %{x|%Y} 100%"  # plotly's own template syntax, and a lone percent sign
LONG_GAUGE = "demo:pegel-hoenne-mitte"
NAMES = {
    # Schulen: a school named with a link, a 10,000-character school, a long room
    **{f"demo:co2-grundschule-boesperde-r{i:02d}": f"{LINK} Raum {100 + i}" for i in range(1, 11)},
    **{f"demo:co2-gesamtschule-lendringsen-r{i:02d}": f"{LONG} Raum {100 + i}" for i in range(1, 11)},
    "demo:co2-walburgisgymnasium-r07": f"Walburgisgymnasium Raum {LONG}",
    "demo:co2-walburgisgymnasium-r08": f'Walburgisgymnasium Raum <a href="https://evil.example/r">8</a> {TEMPLATE}',
    # Stadtklima: weather stations (hottest/coolest lists, map, day curves) and trees (cards, soil chart)
    "demo:wetter-marktplatz": LONG,
    "demo:wetter-rathaus": f'<a href="https://evil.example/k">Rathaus</a> {TEMPLATE}',
    "demo:baum-01": f'<a href="https://evil.example/b">Linde</a> {TEMPLATE}',
    "demo:baum-02": LONG,
    # Pegel and Heute: a gauge past level 3 with a long name, one with a link and markdown
    LONG_GAUGE: LONG,
    "demo:pegel-bieberbach": f'<a href="https://evil.example/w">Bieberbach</a> {MARKDOWN}',
    # Verkehr & Lärm, Heute and Karte: sound meters, counters, a charging site, places
    "demo:laerm-unnaer-strasse": LONG,
    "demo:laerm-bahnhof": f'<a href="https://evil.example/n">Bahnhof</a> {TEMPLATE}',
    "demo:verkehr-unnaer-strasse": f'<a href="https://evil.example/v">Unnaer Straße</a> {TEMPLATE}',
    "demo:verkehr-bahnhofstrasse": LONG,
    "demo:laden-hoennepark": f"{MARKDOWN} {LONG}",
    "demo:ort-stadtmuseum": f'<a href="https://evil.example/o">Museum</a> {MARKDOWN}',
    "demo:ort-rathaus": LONG,
}
DISTRICTS = {"demo:wetter-waldrand-barge": LONG, "demo:baum-03": LONG}
# Places: a category and opening hours are feed text too (filter chips, tooltips, the places table)
CATEGORIES = {"demo:ort-teufelsturm": MARKDOWN, "demo:ort-hoennepark": LONG}
HOURS = {"demo:ort-poenigeturm": f'<a href="https://evil.example/h">24/7</a> {LONG}'}


def rename(store_dir: Path) -> None:
    """Give the demo stations of :data:`NAMES`, :data:`DISTRICTS`, :data:`CATEGORIES` and :data:`HOURS` their hostile texts."""
    store = open_store(store_dir)
    stations = store.stations().with_columns(
        name=pl.col("station_id").replace_strict(NAMES, default=pl.col("name")),
        district=pl.col("station_id").replace_strict(DISTRICTS, default=pl.col("district")),
        category=pl.col("station_id").replace_strict(CATEGORIES, default=pl.col("category")),
        opening_hours=pl.col("station_id").replace_strict(HOURS, default=pl.col("opening_hours")),
    )
    store.append(Batch(stations=stations))


def at_level_3(directory: Path) -> Path:
    """The demo city TOML with levels so low that the long-named gauge is past Informationsstufe 3."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    text = re.sub(rf'"{LONG_GAUGE}" = \{{ water_level = \[[^\]]*\] \}}', f'"{LONG_GAUGE}" = {{ water_level = [1, 2, 3] }}', text)
    path = directory / "city.toml"
    path.write_text(text, encoding="utf-8")
    shutil.copy(DEFAULT_CONFIG.parent / "menden-outline.geojson", directory)  # the copy's outline, beside it
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1])
    rename(target)
    print(f"SHOWROOM_DATA_DIR={target} SHOWROOM_CONFIG={at_level_3(target)} SHOWROOM_INGEST=off")
