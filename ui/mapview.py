"""The station map as a pydeck Deck: one layer per theme, coloured by status, plain-text tooltips.

Tooltips use deck.gl's text mode (rendered as text, never as HTML), so station names from
feeds cannot inject markup. District names are drawn as labels, so the map stays readable
when base-map tiles cannot be loaded (offline kiosk).
"""

from __future__ import annotations

import polars as pl
import pydeck as pdk

from ui.i18n import age, quantity_value, t
from ui.widgets import TONES

STALE_RGBA = [150, 150, 150, 140]
CHARACTERS = "".join(chr(c) for c in range(32, 127)) + "äöüÄÖÜßéèáàôâç"
RADIUS_M = {"indoor_air": 25, "parking": 60, "soil": 35}


def _rgba(hex_colour: str) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)] + [235]


def rows(view: pl.DataFrame, language: str) -> list[dict]:
    """Map rows with colour, icon and a plain-text tooltip in the viewer's language."""
    out = []
    for r in view.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null()).iter_rows(named=True):
        colour, icon = TONES.get(r["tone"], TONES["unknown"])
        label = r["status_en"] if language == "en" else r["status_de"]
        stale = f" · {t('common.stale', language)}" if r["stale"] else ""
        tooltip = t(
            "map.tooltip",
            language,
            name=r["name"] or r["station_id"],
            quantity=t(f"quantity.{r['quantity']}", language) if f"quantity.{r['quantity']}" else r["quantity"],
            value=quantity_value(r["value"], r["quantity"], language),
            status=f"{icon} {label}",
            age=age(r["age_s"], language) + stale,
        )
        out.append(
            {
                "lat": r["lat"],
                "lon": r["lon"],
                "theme": r["theme"],
                "color": STALE_RGBA if r["stale"] else _rgba(colour),
                "radius": RADIUS_M.get(r["theme"], 45),
                "tooltip": tooltip,
            }
        )
    return out


def districts(view: pl.DataFrame) -> list[dict]:
    """One label per district at the centre of its stations."""
    located = view.filter(pl.col("district").is_not_null() & pl.col("lat").is_not_null())
    if not len(located):
        return []
    return located.group_by("district").agg(pl.col("lat").mean(), pl.col("lon").mean()).to_dicts()


def deck(view: pl.DataFrame, *, themes: list[str], center: tuple[float, float], zoom: float, language: str) -> pdk.Deck:
    data = [r for r in rows(view, language) if r["theme"] in themes]
    layers = [
        pdk.Layer(
            "TextLayer",
            id="districts",
            data=districts(view),
            get_position=["lon", "lat"],
            get_text="district",
            get_size=15,
            get_color=[90, 90, 90, 200],
            get_pixel_offset=[0, -26],
            character_set=CHARACTERS,  # deck.gl draws ASCII only unless told: "Hüingsen", "Bösperde"
        )
    ]
    for theme in themes:
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                id=f"theme-{theme}",
                data=[r for r in data if r["theme"] == theme],
                get_position=["lon", "lat"],
                get_fill_color="color",
                get_radius="radius",
                radius_min_pixels=6,
                radius_max_pixels=22,
                stroked=True,
                get_line_color=[30, 30, 30, 220],
                line_width_min_pixels=1,
                pickable=True,
            )
        )
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(latitude=center[0], longitude=center[1], zoom=zoom),
        map_style="light",
        tooltip={"text": "{tooltip}"},
    )
