"""The base map under the stations: outline layers per kind, tiles around the view, nothing of it when not configured."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import polars as pl
import pydeck as pdk
import pytest

from core.basemap import load_outline
from core.config import BaseMap
from ui import mapview

ROOT = Path(__file__).resolve().parents[2]
OUTLINE = ROOT / "config" / "menden-outline.geojson"
TILES = "https://tiles.example/{z}/{x}/{y}.png"
VIEW = pl.DataFrame(
    {
        "station_id": ["a", "b"],
        "name": ["Marktplatz", "Lendringsen"],
        "lat": [51.4436, 51.4165],
        "lon": [7.7783, 7.8105],
        "theme": ["microclimate", "microclimate"],
        "district": ["Innenstadt", "Lendringsen"],
        "quantity": ["temperature", "temperature"],
        "value": [21.5, 19.0],
        "tone": ["good", "good"],
        "status_de": ["gut", "gut"],
        "status_en": ["good", "good"],
        "stale": [False, False],
        "age_s": [60.0, 120.0],
    }
)


def deck_json(base: BaseMap) -> dict:
    deck = mapview.deck(VIEW, themes=["microclimate"], center=(51.44, 7.78), zoom=12.5, language="de", base=base)
    return json.loads(deck.to_json())


def kinds(spec: dict) -> list[str]:
    return [layer["@@type"] for layer in spec["layers"]]


def test_without_a_base_map_the_deck_is_as_before():
    spec = deck_json(BaseMap())
    assert kinds(spec) == ["TextLayer", "ScatterplotLayer"]
    assert "positron" in spec["mapStyle"]  # pydeck's "light": CARTO's vector map, when the browser is online


def test_the_outline_lies_under_labels_and_stations_one_layer_per_kind():
    spec = deck_json(BaseMap(outline=OUTLINE, attribution="schematisch"))
    groups = load_outline(OUTLINE)
    filled = [kind for kind in groups if mapview.OUTLINE_STYLE[kind][0] is not None]
    assert filled == ["boundary"]  # the demo outline: one area, the rest lines
    assert kinds(spec) == ["SolidPolygonLayer"] + ["LineLayer"] * len(groups) + ["TextLayer", "ScatterplotLayer"]
    [fill] = [layer for layer in spec["layers"] if layer["@@type"] == "SolidPolygonLayer"]
    assert fill["id"] == "outline-boundary-fill" and fill["getFillColor"] == mapview.OUTLINE_STYLE["boundary"][0]
    assert [p["polygon"] for p in fill["data"]] == [f["geometry"]["coordinates"] for f in groups["boundary"]["features"]]
    lines = [layer for layer in spec["layers"] if layer["@@type"] == "LineLayer"]
    assert [layer["id"] for layer in lines] == [f"outline-{kind}" for kind in groups]
    for layer in lines:
        kind = layer["id"].removeprefix("outline-")
        _, line, width = mapview.OUTLINE_STYLE[kind]
        assert (layer["getColor"], layer["getWidth"]) == (line, width)
        expected = []  # every line and ring of the kind, as consecutive pairs of its points
        for feature in groups[kind]["features"]:
            geometry = feature["geometry"]
            parts = [geometry["coordinates"]] if geometry["type"] == "LineString" else geometry["coordinates"]
            expected += [{"a": a, "b": b} for part in parts for a, b in itertools.pairwise(part)]
        assert layer["data"] == expected and expected
    river = next(layer for layer in lines if layer["id"] == "outline-river")
    assert river["getColor"][2] > river["getColor"][0]  # rivers blue
    road = mapview.OUTLINE_STYLE["main_road"][1]
    assert road[0] == road[1] == road[2]  # roads grey
    assert "mapStyle" not in spec  # no third-party map the city did not name


def test_a_large_outline_stays_geojson_that_sends_each_point_once(monkeypatch):
    groups = load_outline(OUTLINE)
    monkeypatch.setattr(mapview, "LINE_LAYER_MAX_SEGMENTS", 10)
    spec = deck_json(BaseMap(outline=OUTLINE, attribution="schematisch"))
    outline = [layer for layer in spec["layers"] if layer["@@type"] == "GeoJsonLayer"]
    assert kinds(spec) == ["GeoJsonLayer"] * len(groups) + ["TextLayer", "ScatterplotLayer"]
    for layer in outline:
        kind = layer["id"].removeprefix("outline-")
        fill, line, width = mapview.OUTLINE_STYLE[kind]
        assert layer["data"] == groups[kind]
        assert (layer["getLineColor"], layer["getLineWidth"], layer["lineWidthUnits"]) == (line, width, "pixels")
        assert layer["filled"] is (fill is not None)


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int]:
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def test_tiles_cover_the_view_sharp_and_a_wider_area_coarser_under_the_outline():
    spec = deck_json(BaseMap(tiles=TILES, attribution="© OpenStreetMap contributors", outline=OUTLINE))
    tiles = [layer for layer in spec["layers"] if layer["@@type"] == "BitmapLayer"]
    assert kinds(spec)[: len(tiles)] == ["BitmapLayer"] * len(tiles)  # first: under the outline and the stations
    assert kinds(spec)[len(tiles)] == "LineLayer"
    state = spec["initialViewState"]
    sharp = round(state["zoom"]) + 1
    levels = {int(layer["id"].split("-")[1]) for layer in tiles}
    assert levels == {sharp - 2, sharp}
    assert "SolidPolygonLayer" not in kinds(spec)  # fills would hide the tiles
    assert 20 <= len(tiles) <= 120  # a view and its margin, not the world
    for level in levels:  # the tile under the view's centre is there, with the URL filled in and its bounds around the centre
        x, y = tile_of(state["latitude"], state["longitude"], level)
        [centre] = [layer for layer in tiles if layer["id"] == f"tile-{level}-{x}-{y}"]
        assert centre["image"] == f"https://tiles.example/{level}/{x}/{y}.png"
        west, south, east, north = centre["bounds"]
        assert west <= state["longitude"] <= east and south <= state["latitude"] <= north
    sharp_tiles = [layer for layer in tiles if layer["id"].startswith(f"tile-{sharp}-")]
    for layer in sharp_tiles:  # neighbours share their edges: no seams, no overlap
        west, south, east, north = layer["bounds"]
        _, level, x, y = layer["id"].split("-")
        right = next((t for t in sharp_tiles if t["id"] == f"tile-{level}-{int(x) + 1}-{y}"), None)
        if right:
            assert right["bounds"][0] == pytest.approx(east) and right["bounds"][1] == pytest.approx(south)
    assert "mapStyle" not in spec


def test_tiles_stop_at_the_edge_of_the_world():
    layers = mapview.tile_layers(TILES, pdk.ViewState(latitude=84.0, longitude=179.9, zoom=1), height_px=620)
    for layer in layers:
        _, level, x, y = layer.id.split("-")
        assert 0 <= int(x) < 2 ** int(level) and 0 <= int(y) < 2 ** int(level)


def test_the_stadtklima_map_gets_the_same_base():
    from ui import charts_climate

    stations = VIEW.select("station_id", "name", "lat", "lon", "district", "tone", "status_de", "status_en", "stale", "age_s").with_columns(
        temperature=pl.col("lat") * 0 + 20.0, felt=pl.col("lat") * 0 + 20.0
    )
    deck = charts_climate.temperature_deck(
        stations, center=(51.44, 7.78), zoom=12.5, language="de", base=BaseMap(tiles=TILES, attribution="x", outline=OUTLINE)
    )
    spec = json.loads(deck.to_json())
    assert kinds(spec)[0] == "BitmapLayer" and "LineLayer" in kinds(spec)
    assert kinds(spec)[-3:] == ["TextLayer", "ScatterplotLayer", "TextLayer"]
