"""The station map as a pydeck Deck: one layer per theme, coloured by status, plain-text tooltips, the city's base map under it.

Tooltips use deck.gl's text mode (rendered as text, never as HTML), so station names from
feeds cannot inject markup; long names wrap there (``ui.plain``). District names are drawn as labels, so the map stays readable
when base-map tiles cannot be loaded (offline kiosk). Every deck (``deck`` here, the Stadtklima map
through :func:`with_base`) lies on the city's base map (``[city] tiles`` and ``outline``,
``core.basemap``); :func:`credit` writes its attribution under the map.

Tiles are BitmapLayers, one per tile, for the view the page opens with (sharp) and a wider area one
zoom level coarser (for panning and zooming out). deck.gl's TileLayer would fetch tiles as the view
moves, but it draws a raster tile only through a JavaScript ``renderSubLayers`` function, which
pydeck's JSON cannot carry (Streamlit's deck.gl then draws each image as GeoJSON and fails).
"""

from __future__ import annotations

import itertools
import math

import polars as pl
import pydeck as pdk
import streamlit as st

from core.basemap import KINDS, load_outline
from core.config import BaseMap
from ui import data, plain
from ui.i18n import age, quantity_value, t
from ui.style import TONES

STALE_RGBA = [150, 150, 150, 140]
RADIUS_M = {"indoor_air": 25, "parking": 60, "soil": 35}
# How each outline kind is drawn (core.basemap.KINDS): fill (None: a line only), line colour, line
# width in pixels. Light and grey, so the status colours of the stations stay what one sees first.
OUTLINE_STYLE: dict[str, tuple[list[int] | None, list[int], float]] = {
    "boundary": ([247, 245, 238, 255], [120, 120, 120, 220], 2.0),
    "district": ([238, 238, 238, 110], [160, 160, 160, 200], 1.0),
    "water": ([200, 222, 242, 230], [90, 150, 210, 220], 1.0),
    "stream": (None, [110, 165, 220, 220], 1.5),
    "river": (None, [50, 120, 200, 235], 3.5),
    "road": (None, [185, 185, 185, 230], 1.5),
    "main_road": (None, [150, 150, 150, 240], 3.0),
}
FONT = "'Source Sans Pro, Helvetica, Arial, sans-serif'"  # the page's font (quoted: a plain string for pydeck)
# A white rim around map labels keeps them readable where they cross the outline's lines.
HALO = {"font_settings": {"sdf": True}, "outline_width": 4, "outline_color": [255, 255, 255, 230]}
MAX_TILE_ZOOM = 19
SCREEN_WIDTH_PX = 1920  # the widest a map gets (a kiosk screen): tiles cover at least this


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


def _tile_xy(lat: float, lon: float, level: int) -> tuple[float, float]:
    n = 2**level
    lat = max(min(lat, 85.0511), -85.0511)
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2
    return (lon + 180) / 360 * n, y * n


def _tile_bounds(x: int, y: int, level: int) -> list[float]:
    """[west, south, east, north] of XYZ tile (x, y) at ``level``, in degrees."""
    n = 2**level
    lat = lambda row: math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))  # noqa: E731
    return [x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)]


def tile_layers(url: str, state: pdk.ViewState, *, height_px: int) -> list[pdk.Layer]:
    """BitmapLayers of the tiles around ``state``: one level coarser over three views, then sharp over one and a half."""
    # A 256-px XYZ tile of level z is sharp at deck.gl zoom z - 1 (deck.gl's world is 512 px at zoom 0).
    sharp = max(0, min(MAX_TILE_ZOOM, round(state.zoom) + 1))
    layers = []
    for level, spread in ((max(sharp - 2, 0), 3.0), (sharp, 1.5)):
        tile_px = 512 * 2 ** (state.zoom - level)  # how wide one tile of this level is on the screen
        cx, cy = _tile_xy(state.latitude, state.longitude, level)
        half_x, half_y = SCREEN_WIDTH_PX / 2 / tile_px * spread, height_px / 2 / tile_px * spread
        last = 2**level - 1
        for x in range(max(0, math.floor(cx - half_x)), min(last, math.floor(cx + half_x)) + 1):
            for y in range(max(0, math.floor(cy - half_y)), min(last, math.floor(cy + half_y)) + 1):
                image = url.replace("{z}", str(level)).replace("{x}", str(x)).replace("{y}", str(y))
                layers.append(
                    pdk.Layer(
                        "BitmapLayer",
                        id=f"tile-{level}-{x}-{y}",
                        image=f"'{image}'",  # quoted: a plain string for pydeck (core.basemap refuses quotes in the URL)
                        bounds=_tile_bounds(x, y, level),
                        desaturate=0.4,  # the tiles stay a background for the status colours
                    )
                )
    return layers


# Up to this many line segments the outline is drawn as LineLayers and SolidPolygonLayers, the
# simplest programs deck.gl has: in a browser without a GPU (software WebGL, as on a cheap kiosk
# PC or in the tests' headless Chromium) the GeoJsonLayer's path and polygon programs made a fresh
# map page 2.8 s slower, these 0.5-1.2 s. A segment is sent with both ends, so a larger outline
# stays GeoJSON, which sends every point once.
LINE_LAYER_MAX_SEGMENTS = 20_000


def _lines(geometry: dict) -> list[list]:
    """The point lists of a geometry's lines and polygon rings."""
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "LineString":
        return [coords]
    if kind in ("MultiLineString", "Polygon"):
        return list(coords)
    if kind == "MultiPolygon":
        return [ring for polygon in coords for ring in polygon]
    return []


def _polygons(geometry: dict) -> list[list]:
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    return [coords] if kind == "Polygon" else list(coords) if kind == "MultiPolygon" else []


# id of a loaded outline -> (that outline, its polygons and segments per kind). load_outline keeps
# one object per file version, so every rerun of every map (kiosks refresh every 30 s) finds its
# shapes here instead of taking the outline apart again; the outline is kept to make the id safe.
_SHAPES: dict[int, tuple[dict, dict[str, tuple[list[dict], list[dict]]]]] = {}


def _shapes(groups: dict) -> dict[str, tuple[list[dict], list[dict]]]:
    """Per kind of a loaded outline: its polygons (SolidPolygonLayer rows) and line segments (LineLayer rows)."""
    hit = _SHAPES.get(id(groups))
    if hit is not None and hit[0] is groups:
        return hit[1]
    shapes = {}
    for kind, collection in groups.items():
        geometries = [f["geometry"] for f in collection["features"]]
        polygons = [{"polygon": p} for g in geometries for p in _polygons(g)]
        segments = [{"a": a, "b": b} for g in geometries for line in _lines(g) for a, b in itertools.pairwise(line)]
        shapes[kind] = (polygons, segments)
    if len(_SHAPES) >= 8:  # a city has one outline; an edited file adds a version
        _SHAPES.clear()
    _SHAPES[id(groups)] = (groups, shapes)
    return shapes


def outline_layers(base: BaseMap) -> list[pdk.Layer]:
    """The city's outline under everything else (none without an outline).

    The fills of all kinds first (SolidPolygonLayer), then the lines of each kind in drawing order
    (LineLayer), see :data:`LINE_LAYER_MAX_SEGMENTS`; a larger outline is one GeoJsonLayer per
    kind. Over tiles the outline draws lines only: its fills would hide the tile map.
    """
    if base.outline is None:
        return []
    groups = load_outline(base.outline)
    present = [kind for kind in KINDS if kind in groups]
    shapes = _shapes(groups)
    if sum(len(shapes[kind][1]) for kind in present) > LINE_LAYER_MAX_SEGMENTS:
        return [_geojson_layer(kind, groups[kind], base) for kind in present]
    fills, lines = [], []
    for kind in present:
        fill, line, width = OUTLINE_STYLE[kind]
        polygons, segments = shapes[kind]
        if fill is not None and polygons and not base.tiles:
            fills.append(
                pdk.Layer("SolidPolygonLayer", id=f"outline-{kind}-fill", data=polygons, get_polygon="polygon", get_fill_color=fill)
            )
        if segments:
            lines.append(
                pdk.Layer(
                    "LineLayer",
                    id=f"outline-{kind}",
                    data=segments,
                    get_source_position="a",
                    get_target_position="b",
                    get_color=line,
                    get_width=width,
                    pickable=False,
                )
            )
    return fills + lines


def _geojson_layer(kind: str, collection: dict, base: BaseMap) -> pdk.Layer:
    fill, line, width = OUTLINE_STYLE[kind]
    return pdk.Layer(
        "GeoJsonLayer",
        id=f"outline-{kind}",
        data=collection,
        stroked=True,
        filled=fill is not None and not base.tiles,
        get_fill_color=fill or [0, 0, 0, 0],
        get_line_color=line,
        get_line_width=width,
        line_width_units="'pixels'",
        pickable=False,
    )


def city_base() -> BaseMap:
    """The base map of the city the app serves (``ui.data.city``)."""
    return data.city().base


def with_base(layers: list[pdk.Layer], state: pdk.ViewState, *, base: BaseMap | None = None, height_px: int = 620, **deck_args) -> pdk.Deck:
    """A Deck of ``layers`` on the city's base map: tiles, then the outline, then ``layers``.

    ``base``: the city's by default. Without tiles and outline the deck keeps pydeck's "light"
    style (a vector map the browser fetches from CARTO when it is online); with either, no
    style, so the page asks no third party the city did not name.
    """
    base = city_base() if base is None else base
    under = (tile_layers(base.tiles, state, height_px=height_px) if base.tiles else []) + outline_layers(base)
    if not under:
        return pdk.Deck(layers=layers, initial_view_state=state, map_style="light", **deck_args)
    return pdk.Deck(layers=under + layers, initial_view_state=state, map_style=None, map_provider=None, **deck_args)


def credit(base: BaseMap | None = None) -> None:
    """The base map's attribution under the map, as plain text (it is the city's config, not markup)."""
    base = city_base() if base is None else base
    if base.attribution:
        st.caption(plain.markdown(base.attribution))


def deck(
    view: pl.DataFrame,
    *,
    themes: list[str],
    center: tuple[float, float],
    zoom: float,
    language: str,
    height_px: int = 620,
    base: BaseMap | None = None,
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
            font_family=FONT,
            **HALO,
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
    state = view_state(view, center=center, zoom=zoom, height_px=height_px)
    return with_base(layers, state, base=base, height_px=height_px, tooltip={"text": "{tooltip}"})
