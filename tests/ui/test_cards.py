"""The one card renderer: untrusted text escaped in every kind of card, markup the styles and page tests rely on."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from core.views.tiles import Tile
from ui import cards, charts_water, style

EVIL = '<img src=x onerror="alert(1)">Markt & Co'
ESCAPED = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Markt &amp; Co"
NOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)


def gauge(**changes) -> dict:
    row = {
        "name": EVIL,
        "station_id": "g:1",
        "district": EVIL,
        "value": 123.0,
        "trend_word": "up",
        "trend": 1.5,
        "tone": "bad",
        "status_de": "Informationsstufe 2",
        "status_en": "Information level 2",
        "severity": 2,
        "band": "high",
        "stale": True,
        "ts": NOW,
        "next_level": "info3",
        "margin": 12.0,
        "passed": "info2",
    }
    return row | changes


def heute_tile(**changes) -> Tile:
    fields = {
        "key": "heat",
        "quantity": "temperature",
        "value": 31.5,
        "tone": "poor",
        "status_de": "Hitze",
        "status_en": "heat",
        "station": EVIL,
        "trend_word": "up",
        "usual": 29.0,
        "as_of": NOW,
        "stale": True,
        "stations": 3,
        "high_place": EVIL,
        "high": 33.0,
    }
    return Tile(**(fields | changes))


def every_kind(language: str = "de") -> dict[str, str]:
    """One card of each kind, each fed the untrusted name wherever feed text can go."""
    tile = heute_tile()
    return {
        "tile": cards.tile(tile, language, "Europe/Berlin"),
        "gauge": charts_water.card_html(gauge(), language=language, tz="Europe/Berlin"),
        "gauge_compact": charts_water.card_html(gauge(), language=language, tz="Europe/Berlin", compact=True),
        "school": cards.status_card(
            tone="moderate",
            title=EVIL,
            number_text=EVIL,
            label=EVIL,
            lines=(EVIL, ""),
            stale=True,
            language=language,
            extra=cards.chips([{"tone": "bad", "title": EVIL}]),
        ),
        "grid": cards.grid([cards.status_card(tone="good", title=EVIL, number_text="1", label="gut", compact=True)]),
        "rows": cards.status_rows([{"name": EVIL, "sub": EVIL, "tone": "good", "label": EVIL, "value": EVIL}], title=EVIL),
    }


@pytest.mark.parametrize("kind", list(every_kind()))
def test_feed_text_arrives_as_text_in_every_kind_of_card(kind):
    markup = every_kind()[kind]
    assert "<img" not in markup and 'onerror="' not in markup
    assert ESCAPED in markup


def test_a_plain_string_in_a_fragment_slot_is_escaped_and_only_html_made_here_passes():
    box = cards.card(cards.TILE, tone="good", title="T", value="1", badges=[EVIL], body=[EVIL, cards.block("scs-usual", EVIL)])
    assert "<img" not in box
    assert box.count(ESCAPED) == 3 and '<div class="scs-usual">' in box


def test_the_card_carries_tone_as_colour_and_attribute_and_the_word_with_an_icon():
    box = cards.status_card(tone="poor", title="Raum 101", number_text="1.450 ppm", label="lüften")
    assert box.startswith(
        f'<div class="scl-card" style="--tone:{style.colour("poor")}" data-tone="poor"><div class="scl-title">Raum 101</div>'
    )
    assert f'<span class="scs-badge">{style.icon("poor")} lüften</span>' in box


def test_gauge_cards_are_tiles_and_the_kiosk_ones_gauges():
    kinds = every_kind()
    assert kinds["gauge"].startswith('<div class="scs-tile" ') and 'class="scs-tile scs-gauge"' in kinds["gauge_compact"]
    assert "scs-foot" in kinds["gauge"] and "scs-foot" not in kinds["gauge_compact"]  # the kiosk page shows the time once
    assert '<span class="scs-badge" style="--tone:#F0E442">' in kinds["gauge"]  # the MHW band beside the level


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_stale_mark_explains_itself(language):
    hint = "Daten älter als erwartet" if language == "de" else "Data older than expected"
    for kind, markup in every_kind(language).items():
        if "scs-stale" in markup:
            assert markup.count('class="scs-stale"') == markup.count(f'class="scs-stale" title="{hint}"'), kind


def test_a_theme_without_data_says_so_in_grey():
    markup = cards.tile(Tile("trees"), "en", "Europe/Berlin")
    assert f"--tone:{style.colour('unknown')}" in markup and '<div class="scs-value">–</div>' in markup
    assert '<div class="scs-sentence">No current data</div>' in markup


def test_unknown_tones_fall_back_to_grey_and_a_question_mark():
    assert (style.colour("nope"), style.icon("nope")) == style.TONES["unknown"]


def test_every_class_the_cards_use_is_styled_in_the_one_stylesheet():
    used = {c for markup in every_kind().values() for attr in re.findall(r'class="([^"]+)"', markup) for c in attr.split()}
    sheet = style.CSS + style.KIOSK_CSS
    assert used and {c for c in used if f".{c}" not in sheet} == set()
