"""ui.plain: names shortened with an ellipsis, and text that plotly, markdown and tooltips show as text."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from core.views.tiles import Tile
from ui import cards, plain

LONG = "X" * 10_000


@pytest.mark.parametrize(
    ("text", "room", "shown"),
    [
        ("Hönne Menden Mitte", 40, "Hönne Menden Mitte"),
        ("Gesamtschule Lendringsen", 12, "Gesamtschul…"),
        ("Raum  101\n\tNord", 40, "Raum 101 Nord"),  # one line: a line break is no place for layout to grow
        ("Raum 1 Nord", 8, "Raum 1…"),  # no space before the ellipsis
        (None, 10, ""),
        (LONG, 48, "X" * 47 + "…"),
    ],
)
def test_short(text, room, shown):
    assert plain.short(text, room) == shown and len(shown) <= room
    assert plain.is_cut(text, room) == (shown.endswith("…") and not (text or "").endswith("…"))


def test_plotly_text_is_escaped_and_no_template():
    text = plain.plotly('<a href="https://evil.example">Hof</a> %{y} 100%')
    assert "<" not in text and "%" not in text  # plotly shows the entities as the characters they stand for
    assert html.unescape(text) == '<a href="https://evil.example">Hof</a> %{y} 100%'
    assert plain.plotly(LONG, plain.LEGEND) == "X" * 31 + "…"


def test_hover_keeps_the_whole_name_up_to_the_tooltip_length_in_lines():
    lines = plain.hover(LONG).split("<br>")
    assert "".join(lines) == "X" * (plain.TOOLTIP - 1) + "…"
    assert max(len(line) for line in lines) <= plain.HOVER_LINE
    assert plain.hover("<b>%{x}</b>") == "&lt;b&gt;&#37;{x}&lt;/b&gt;"
    assert plain.tooltip("Walburgisgymnasium Raum 101") == "Walburgisgymnasium Raum 101"
    assert max(len(line) for line in plain.tooltip(LONG).split("\n")) <= plain.HOVER_LINE


@pytest.mark.parametrize(
    "text",
    [
        "[Jetzt hier klicken](https://evil.example)",
        "https://evil.example/x www.evil.example mail@evil.example",
        ":material/home: :red[rot] :smile: **stark** ~~weg~~ `code` $x^2$ <b>fett</b> &lt;",
        "Zeile\n\n# Überschrift\n===\n    Code",
    ],
)
def test_markdown_leaves_no_special_unescaped(text):
    out = plain.markdown(text)
    unescaped = [c for i, c in enumerate(out) if c in "[]()*_~`$<>#=&" and (i == 0 or out[i - 1] != "\\")]
    assert not unescaped, out
    assert "://" not in out and "www." not in out.lower() and "@e" not in out  # no bare link either
    assert not any(f":{word}" in out for word in ("material", "red", "smile"))  # no icon, colour or emoji
    assert "\n" not in out
    assert out.replace("\\", "").replace("\u2060", "") == " ".join(text.split())  # and it reads as written


def test_cards_shorten_long_names_and_keep_the_whole_name_as_tooltip():
    card = cards.status_card(tone="good", title=LONG, number_text="1", label="gut")
    assert "X" * plain.CARD not in card.replace(f'title="{"X" * (plain.TOOLTIP - 1)}…"', "")
    assert f'title="{"X" * (plain.TOOLTIP - 1)}…"' in card and f"{'X' * (plain.CARD - 1)}…" in card
    short = cards.status_card(tone="good", title="Raum 101", number_text="1", label="gut")
    assert "title=" not in short  # nothing was cut: no tooltip
    rows = cards.status_rows([{"name": LONG, "sub": "", "tone": "good", "label": "gut", "value": "1"}])
    assert f"{'X' * (plain.CARD - 1)}…" in rows and 'title="XXX' in rows


def test_heute_tile_sentences_shorten_place_names():
    now = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
    fields = {"key": "heat", "quantity": "temperature", "value": 21.0, "tone": "good", "status_de": "gut", "status_en": "good"}
    tile = Tile(**fields, as_of=now, station=LONG, stations=3, high_place=LONG, high=22.0, low_place=LONG, low=20.0)
    markup = cards.tile(tile, "de", "Europe/Berlin")
    assert "X" * plain.SENTENCE not in re.sub(r'title="[^"]*"', "", markup)
    assert f"{'X' * (plain.SENTENCE - 1)}…" in markup and f'title="Mittel aus 3 Stationen · am wärmsten: {"X" * 50}' in markup
