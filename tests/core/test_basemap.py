"""Base map keys of [city]: tile URLs without credentials, attribution beside them, outline files checked and cached."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest

from core import basemap
from core.config import DEFAULT_CONFIG, BaseMap, ConfigError, load_config
from data_sources.demo.stations import ALL as DEMO_STATIONS

ROOT = Path(__file__).resolve().parents[2]
OUTLINE = ROOT / "config" / "menden-outline.geojson"
CITY = """
[city]
name = "Teststadt"
timezone = "Europe/Berlin"
center = [51.44, 7.78]
zoom = 12
{extra}

[[sources]]
key = "demo"
kind = "demo"
"""
TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
SQUARE = {"type": "Polygon", "coordinates": [[[7.7, 51.4], [7.8, 51.4], [7.8, 51.5], [7.7, 51.4]]]}
LINE = {"type": "LineString", "coordinates": [[7.7, 51.4], [7.8, 51.45]]}


def city(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "city.toml"
    path.write_text(CITY.format(extra=extra), encoding="utf-8")
    return path


def geojson(tmp_path: Path, *features: dict, name: str = "outline.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}), encoding="utf-8")
    return path


def feature(geometry: dict, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def test_without_base_keys_nothing_is_drawn_under_the_stations(tmp_path):
    assert load_config(city(tmp_path, "")).base == BaseMap()


def test_tiles_with_attribution_and_an_outline_relative_to_the_file(tmp_path):
    (tmp_path / "maps").mkdir()
    geojson(tmp_path / "maps", feature(SQUARE, kind="boundary"), feature(LINE))
    extra = f'tiles = "{TILES}"\nattribution = "  © OpenStreetMap   contributors "\noutline = "maps/outline.geojson"'
    base = load_config(city(tmp_path, extra)).base
    assert base == BaseMap(tiles=TILES, attribution="© OpenStreetMap contributors", outline=tmp_path / "maps" / "outline.geojson")
    assert load_config(city(tmp_path, 'tiles = "http://127.0.0.1:8123/{z}/{x}/{y}.png"\nattribution = "Test"')).base.tiles


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ('tiles = "http://tiles.example/{z}/{x}/{y}.png"\nattribution = "x"', ["'tiles'", "https://", "127.0.0.1"]),
        ('tiles = "ftp://tiles.example/{z}/{x}/{y}.png"\nattribution = "x"', ["'tiles'", "https://"]),
        ('tiles = "https://tiles.example/{z}/{x}.png"\nattribution = "x"', ["'tiles'", "{z}, {x} and {y}"]),
        ('tiles = "https://{s}.tiles.example/{z}/{x}/{y}.png"\nattribution = "x"', ["'tiles'", "no {s} subdomains"]),
        (
            'tiles = "https://tiles.example/{z}/{x}/{y}.png?api_key=S3CR3T"\nattribution = "x"',
            ["'tiles'", "without credentials", "'api_key'"],
        ),
        ('tiles = "https://anna:pw@tiles.example/{z}/{x}/{y}.png"\nattribution = "x"', ["'tiles'", "user:password@"]),
        ('tiles = "https://tiles.example/{z}/{x}/{y}.png?q=\'a\'"\nattribution = "x"', ["'tiles'", "without quotes"]),
        ('tiles = ""\nattribution = "x"', ["'tiles'", "tile URL template"]),
        ('tiles = 3\nattribution = "x"', ["'tiles'", "tile URL template"]),
        (f'tiles = "{TILES}"', ["'attribution'", "missing", "OpenStreetMap"]),
        (f'tiles = "{TILES}"\nattribution = "  "', ["'attribution'", "1 to 200 characters"]),
        (f'tiles = "{TILES}"\nattribution = "{"©" * 201}"', ["'attribution'", "1 to 200 characters"]),
        ('attribution = "© Stadt"', ["'attribution'", "'tiles' or 'outline'"]),
        ('outline = "nowhere.geojson"', ["'outline'", "nowhere.geojson", "missing"]),
        ("outline = 7", ["'outline'", "GeoJSON file"]),
    ],
)
def test_a_bad_base_map_key_stops_with_a_sentence_naming_it(tmp_path, extra, words):
    with pytest.raises(ConfigError) as caught:
        load_config(city(tmp_path, extra))
    message = str(caught.value)
    assert str(tmp_path / "city.toml") in message
    for word in words:
        assert word in message, (word, message)
    assert "S3CR3T" not in message and "anna:pw" not in message  # a message may be logged: never the credential


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"{not json", ["GeoJSON file", "JSONDecodeError"]),
        (b"\xff\xfe", ["GeoJSON file"]),
        (b"[" * 100_000 + b"]" * 100_000, ["GeoJSON file", "RecursionError"]),
        (json.dumps({"type": "Topology"}).encode(), ["FeatureCollection"]),
        (json.dumps({"type": "FeatureCollection", "features": []}).encode(), ["at least one polygon or line"]),
        (json.dumps({"type": "FeatureCollection", "features": [feature({"type": "Point", "coordinates": [7.7, 51.4]})]}).encode(), ["feature #1", "LineString"]),
        (json.dumps({"type": "FeatureCollection", "features": [feature(LINE, kind="motorway")]}).encode(), ["feature #1", "'kind'", "'motorway'", "main_road"]),
        (json.dumps({"type": "FeatureCollection", "features": [feature({"type": "LineString", "coordinates": [[7.7, 51.4]]})]}).encode(), ["at least 2 positions"]),
        (json.dumps({"type": "FeatureCollection", "features": [feature({"type": "Polygon", "coordinates": [[[7.7, 51.4], [7.8, 51.4], [7.8, 51.5], [7.7, 51.5]]]})]}).encode(), ["closed polygon rings"]),
        (json.dumps({"type": "FeatureCollection", "features": [feature({"type": "LineString", "coordinates": [[400000, 5700000], [400100, 5700100]]})]}).encode(), ["WGS84", "EPSG:4326"]),
        (json.dumps({"type": "FeatureCollection", "features": [feature({"type": "LineString", "coordinates": [["7.7", 51.4], [7.8, 51.5]]})]}).encode(), ["[lon, lat] numbers"]),
        (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": null, "geometry": {"type": "LineString", "coordinates": [[NaN, 51.4], [7.8, 51.5]]}}]}', ["[lon, lat] numbers"]),
        (json.dumps({"type": "FeatureCollection", "features": [feature(LINE), "x"]}).encode(), ["feature #2", "Feature"]),
    ],
)  # fmt: skip
def test_an_outline_that_is_not_geojson_of_polygons_and_lines_stops_the_config(tmp_path, content, words):
    (tmp_path / "outline.geojson").write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_config(city(tmp_path, 'outline = "outline.geojson"'))
    message = str(caught.value)
    assert "[city] key 'outline'" in message and "outline.geojson" in message
    for word in words:
        assert word in message, (word, message)


def test_an_outline_above_the_size_cap_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = geojson(tmp_path, feature(LINE))
    monkeypatch.setattr(basemap, "MAX_OUTLINE_BYTES", path.stat().st_size - 1)
    with pytest.raises(ConfigError, match=r"at most 0 MB \(it has 0\.0 MB\)"):
        load_config(city(tmp_path, 'outline = "outline.geojson"'))
    path.write_bytes(b" " * 5_000_001)  # the real cap: 5 MB of blanks is refused by size, not parsed
    monkeypatch.undo()
    with pytest.raises(ConfigError, match=r"at most 5 MB \(it has 5\.0 MB\)"):
        load_config(city(tmp_path, 'outline = "outline.geojson"'))


def test_the_browser_gets_geometry_and_kind_only_grouped_in_drawing_order(tmp_path):
    path = geojson(
        tmp_path,
        feature({"type": "LineString", "coordinates": [[7.7123456789, 51.4, 120.0], [7.8, 51.45]]}, kind="main_road", name="<b>B7</b>"),
        feature(LINE, kind="river", name="Hönne"),
        feature(SQUARE, name="Mitte"),  # no kind: a polygon is a district
        feature({"type": "MultiLineString", "coordinates": [LINE["coordinates"]]}),  # no kind: a line is a road
    )
    groups = basemap.load_outline(path)
    assert list(groups) == ["district", "river", "road", "main_road"]
    main_road = groups["main_road"]["features"][0]
    assert main_road == {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[7.71235, 51.4], [7.8, 51.45]]},
        "properties": {"kind": "main_road"},
    }
    assert "Hönne" not in json.dumps(groups) and "B7" not in json.dumps(groups)


def test_the_outline_is_read_once_and_again_when_the_file_changes(tmp_path):
    path = geojson(tmp_path, feature(LINE))
    first = basemap.load_outline(path)
    assert basemap.load_outline(path) is first  # cached
    geojson(tmp_path, feature(LINE), feature(SQUARE))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert list(basemap.load_outline(path)) == ["district", "road"]


def test_the_demo_outline_is_small_schematic_and_holds_every_demo_station():
    assert OUTLINE.stat().st_size < 50_000
    raw = json.loads(OUTLINE.read_text(encoding="utf-8"))
    assert "schematic, not survey data" in raw["description"].lower().replace(":", ",")
    assert all(f["properties"]["source"] == "schematic, not survey data" for f in raw["features"])
    names = {f["properties"]["name"] for f in raw["features"]}
    assert {"Hönne", "Ruhr", "B515", "Werler Straße"} <= names
    [boundary] = [f for f in raw["features"] if f["properties"]["kind"] == "boundary"]
    ring = boundary["geometry"]["coordinates"][0]
    assert 30 <= len(ring) <= 61
    for station in DEMO_STATIONS:
        assert inside(ring, station.lon, station.lat), station.native_id
    for src in (DEFAULT_CONFIG, ROOT / "config" / "examples" / "demo.toml"):
        assert load_config(src).base.outline == OUTLINE


def inside(ring: list[list[float]], x: float, y: float) -> bool:
    """Even-odd rule: a ray to the east crosses the ring an odd number of times."""
    crossings = 0
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            crossings += 1
    return crossings % 2 == 1
