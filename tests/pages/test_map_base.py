"""The city's base map on Karte and Stadtklima: outline and tiles under the stations, the attribution as text.

AppTest reads the deck each page sends; the browser test serves tiles from a local server on
127.0.0.1 to the real app behind ``server.py`` (with its Content-Security-Policy) and looks at
the pixels: the tiles must arrive and be drawn.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image  # Pillow comes with Streamlit

from core.config import DEFAULT_CONFIG
from tests.pages.apptest import run
from tests.pages.browser import browser_page, chromium, running_app, settle
from ui import plain

OUTLINE_LINE = 'outline = "menden-outline.geojson"\n'
CREDIT = "Stadtgrenze, Gewässer und Straßen schematisch, keine Vermessungsdaten"
MAGENTA = (255, 0, 255)


def city_toml(tmp_path: Path, base: str | None) -> Path:
    """The demo city with ``base`` (TOML lines) in place of its outline and attribution; None: as bundled."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    if base is not None:
        text = text.replace(OUTLINE_LINE, "").replace(f'attribution = "{CREDIT}"\n', base)
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    shutil.copy(DEFAULT_CONFIG.parent / "menden-outline.geojson", tmp_path)
    return path


def deck_layers(at) -> list[tuple[str, str]]:
    chart = at.get("deck_gl_json_chart")[0]  # the page's station map (Stadtklima's trees' map comes after it)
    return [(layer["@@type"], layer["id"]) for layer in json.loads(chart.proto.json)["layers"]]


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


@pytest.mark.parametrize("page", ["pages/karte.py", "pages/stadtklima.py"])
def test_the_demo_city_draws_its_schematic_outline_under_the_stations(app_env, demo_copy, page):
    app_env(demo_copy)
    at = run(page)
    assert not at.exception, at.exception
    layers = deck_layers(at)
    outline = [layer_id for kind, layer_id in layers if layer_id.startswith("outline-")]
    assert (
        outline[:4] == ["outline-boundary-fill", "outline-boundary", "outline-stream", "outline-river"] and "outline-main_road" in outline
    )
    assert layers[: len(outline)] == [("SolidPolygonLayer", outline[0])] + [
        ("LineLayer", layer_id) for layer_id in outline[1:]
    ]  # under labels and stations
    assert plain.markdown(CREDIT) in captions(at)


def test_without_base_keys_there_is_no_outline_and_no_credit(app_env, demo_copy, tmp_path, monkeypatch):
    app_env(demo_copy)
    monkeypatch.setenv("SHOWROOM_CONFIG", str(city_toml(tmp_path, "")))
    at = run("pages/stadtklima.py")
    assert not at.exception, at.exception
    assert [kind for kind, _ in deck_layers(at)] == ["TextLayer", "ScatterplotLayer", "TextLayer"]
    assert not any("Vermessung" in c for c in captions(at))


def test_an_attribution_is_text_never_a_link_or_markup(app_env, demo_copy, tmp_path, monkeypatch):
    app_env(demo_copy)
    hostile = "[Karte](https://evil.example) <b>fett</b> :red[rot] ![x](https://evil.example/p.png)"
    monkeypatch.setenv("SHOWROOM_CONFIG", str(city_toml(tmp_path, f'outline = "menden-outline.geojson"\nattribution = "{hostile}"\n')))
    at = run("pages/stadtklima.py")
    assert not at.exception, at.exception
    assert plain.markdown(hostile) in captions(at)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG (no imaging library needed)."""
    row = b"\x00" + bytes(rgb) * width
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))  # noqa: E731
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b"")


@pytest.fixture
def tile_server():
    """Every ``/{z}/{x}/{y}.png`` is the same magenta tile, with CORS (WebGL needs it); ``.seen`` lists the paths."""
    tile, seen = png(256, 256, MAGENTA), []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def do_GET(self):
            seen.append(self.path)
            ok = self.path.endswith(".png")
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "image/png")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Length", str(len(tile) if ok else 0))
            self.end_headers()
            if ok:
                self.wfile.write(tile)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.seen = seen
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def magenta_share(screenshot: bytes) -> float:
    """The share of magenta pixels in a PNG screenshot (the map desaturates its tiles a little: no exact match)."""
    rgb = np.asarray(Image.open(io.BytesIO(screenshot)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return float(((r > 150) & (b > 150) & (g < 100)).mean())


@pytest.mark.browser
def test_tiles_from_the_configured_host_pass_the_csp_and_are_drawn_with_the_credit(demo_store, tmp_path, tile_server):
    chromium()
    data = tmp_path / "store"
    demo_store.copy(data)
    host = f"http://127.0.0.1:{tile_server.server_address[1]}"
    config = city_toml(tmp_path, f'tiles = "{host}/{{z}}/{{x}}/{{y}}.png"\nattribution = "© Testkacheln"\n')
    with running_app(data, script="server.py", SHOWROOM_CONFIG=str(config), SHOWROOM_INGEST="off") as url, browser_page() as page:
        response = page.goto(f"{url}/stadtklima")
        assert "frame-ancestors" in response.headers["content-security-policy"]  # the server's headers are on
        chart = page.locator('[data-testid="stDeckGlJsonChart"]')
        chart.wait_for(timeout=120_000)  # the first map after a server start loads deck.gl (3 MB)
        settle(page, quiet_s=1.0)
        page.wait_for_timeout(2000)  # deck.gl draws the tiles once they have arrived
        assert any(path.endswith(".png") for path in tile_server.seen)
        share = magenta_share(chart.screenshot())
        print(f"\ntiles: {len(tile_server.seen)} requested, {share:.0%} of the map magenta")
        assert share > 0.3, share
        assert page.get_by_text("© Testkacheln").is_visible()
        assert "Error" not in chart.inner_text() and not page.errors
