"""The station map as a pydeck Deck: one layer per theme, coloured by status, plain-text tooltips.

Tooltips use deck.gl's text mode (rendered as text, never as HTML), so station names from
feeds cannot inject markup; long names wrap there (``ui.plain``). District names are drawn as labels, so the map stays readable
when base-map tiles cannot be loaded (offline kiosk).
"""

from __future__ import annotations

import math

import polars as pl
import pydeck as pdk

from ui import plain
from ui.i18n import age, quantity_value, t
from ui.style import TONES

STALE_RGBA = [150, 150, 150, 140]
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
            name=plain.tooltip(r["name"] or r["station_id"]),
            quantity=t(f"quantity.{r['quantity']}", language),  # a Batch keeps only quantities of the vocabulary
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
    """One label per district at the centre of its stations (district names shortened: they are feed text)."""
    located = view.filter(pl.col("district").is_not_null() & pl.col("lat").is_not_null())
    if not len(located):
        return []
    centres = located.group_by("district").agg(pl.col("lat").mean(), pl.col("lon").mean()).to_dicts()
    return [{**c, "district": plain.short(c["district"], plain.DISTRICT)} for c in centres]


def fit(
    view: pl.DataFrame, *, center: tuple[float, float], zoom: float, width_px: int = 1100, height_px: int = 620
) -> tuple[float, float, float]:
    """(lat, lon, zoom) that shows every located station, never closer than the city's zoom."""
    located = view.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    if len(located) < 2:
        return center[0], center[1], zoom
    lat_lo, lat_hi = located["lat"].min(), located["lat"].max()
    lon_lo, lon_hi = located["lon"].min(), located["lon"].max()
    mercator = lambda lat: math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))  # noqa: E731
    span_x = max(lon_hi - lon_lo, 1e-4) / 360
    span_y = max(mercator(lat_hi) - mercator(lat_lo), 1e-6) / (2 * math.pi)
    # deck.gl's world is 512 px wide at zoom 0
    fitting = min(math.log2(width_px / 512 / span_x), math.log2(height_px / 512 / span_y)) - 0.2  # a margin
    return (lat_lo + lat_hi) / 2, (lon_lo + lon_hi) / 2, min(zoom, fitting)


def view_state(
    view: pl.DataFrame, *, center: tuple[float, float], zoom: float, width_px: int = 1100, height_px: int = 620
) -> pdk.ViewState:
    lat, lon, fitted = fit(view, center=center, zoom=zoom, width_px=width_px, height_px=height_px)
    return pdk.ViewState(latitude=lat, longitude=lon, zoom=fitted)


def deck(
    view: pl.DataFrame, *, themes: list[str], center: tuple[float, float], zoom: float, language: str, height_px: int = 620
) -> pdk.Deck:
    data = [r for r in rows(view, language) if r["theme"] in themes]
    labels = districts(view)
    layers = [
        pdk.Layer(
            "TextLayer",
            id="districts",
            data=labels,
            get_position=["lon", "lat"],
            get_text="district",
            get_size=15,
            get_color=[90, 90, 90, 200],
            get_pixel_offset=[0, -26],
            # deck.gl draws ASCII only unless told; "auto" collects the glyphs of the labels
            # ("Hüingsen"). Quoted, because pydeck reads an unquoted string as an expression.
            character_set="'auto'",
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
        initial_view_state=view_state(view, center=center, zoom=zoom, height_px=height_px),
        map_style="light",
        tooltip={"text": "{tooltip}"},
    )
