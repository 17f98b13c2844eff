"""A small real store behind the real API, served by uvicorn on a free port of 127.0.0.1 for each test module."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette

import api
from api.bench import serving
from api.context import Context
from core.config import DEFAULT_CONFIG, CityConfig, load_config
from core.schema import Batch
from core.store import Store, open_store
from data_sources import KINDS

START = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)  # two whole days, in the past: downloads of those days never change
HOURS = 48
HOSTILE = '=HYPERLINK("https://evil.example")<script>alert(\'x\')</script> "quoted" \\ back'
STATIONS = {
    "demo:wetter-a": ("Wetter A", 51.44, 7.77, "microclimate", {"temperature": 10, "humidity": 10}),
    "demo:laerm-b": (HOSTILE, 51.45, 7.78, "noise", {"noise": 15, "noise_max": 15}),
    "demo:park-c/1 o'clock": ("Parkhaus C", None, None, "parking", {"parking_free": 30}),  # a quote and a slash in the id
    "demo:pegel-d": ("Pegel D", 51.43, 7.79, "water", {"water_level": 15}),
}


def batch() -> Batch:
    stations, readings = [], []
    for sid, (name, lat, lon, theme, quantities) in STATIONS.items():
        stations.append({"station_id": sid, "source": "demo", "name": name, "lat": lat, "lon": lon, "theme": theme, "district": "Mitte"})
        for i, (quantity, minutes) in enumerate(quantities.items()):
            for k in range(HOURS * 60 // minutes):
                value = {"parking_free": float(k % 50), "noise_max": 60.0 + k % 7}.get(quantity, 10.0 + i + (k % 13) * 0.37)
                readings.append(
                    {
                        "ts": START + dt.timedelta(minutes=k * minutes),
                        "station_id": sid,
                        "quantity": quantity,
                        "value": value,
                        "source": "demo",
                    }
                )
    return Batch.from_rows(readings, stations)


@pytest.fixture(scope="module")
def city() -> CityConfig:
    return load_config(DEFAULT_CONFIG, kinds=KINDS)


@pytest.fixture(scope="module")
def store(tmp_path_factory, city) -> Store:
    opened = open_store(tmp_path_factory.mktemp("api") / "data", tz=city.timezone)
    opened.append(batch())
    return opened


@pytest.fixture(scope="module")
def base(city, store) -> Iterator[str]:
    """The running API's root, e.g. http://127.0.0.1:PORT/api."""
    with serving(Starlette(routes=api.routes(Context(city, store)))) as url:
        yield url + "/api"


def city_with(tmp_path: Path, extra: str) -> CityConfig:
    """The bundled city with ``extra`` TOML appended (e.g. an [access] table)."""
    path = tmp_path / "city.toml"
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        'outline = "menden-outline.geojson"', f'outline = "{DEFAULT_CONFIG.parent / "menden-outline.geojson"}"'
    )
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return load_config(path, kinds=KINDS)
