"""/api/download gives the Daten page's files for the same choice, with licence and attribution; staff rules hold."""

from __future__ import annotations

import datetime as dt
import io
import json
import urllib.parse

import polars as pl
import pytest
from starlette.applications import Starlette

import api
from api import download
from api.context import Context
from core.views import explore
from data_sources import licences
from tests.api.conftest import HOSTILE, city_with, serving
from tests.api.test_sta import get
from ui import exports

CHOICE = {"stations": ("demo:wetter-a", "demo:laerm-b"), "quantities": ("temperature", "noise"), "resolution": "1h"}
DAYS = (dt.date(2026, 5, 1), dt.date(2026, 5, 2))


def page_file(store, city, kind: str) -> bytes:
    """What the Daten page's button gives for CHOICE over DAYS."""
    sel = explore.selection(
        store,
        city,
        station_ids=CHOICE["stations"],
        quantities=CHOICE["quantities"],
        resolution="1h",
        preset=None,
        first=DAYS[0],
        last=DAYS[1],
    )
    return exports.download(kind, sel.frame, sel.places, licences.credits(city))


@pytest.mark.parametrize("kind", ["csv", "parquet", "geojson"])
def test_a_download_url_gives_the_page_buttons_file(base, store, city, kind):
    link = download.url(**CHOICE, kind=kind, first=DAYS[0], last=DAYS[1])
    status, headers, body = get(base.removesuffix("/api") + link)
    assert status == 200, body[:300]
    assert body == page_file(store, city, kind)
    assert headers["content-type"].startswith(exports.FORMATS[kind])
    assert headers["content-disposition"] == f'attachment; filename="menden-sauerland-20260430-20260502-1h.{kind}"'
    assert headers["link"] == '<https://creativecommons.org/publicdomain/zero/1.0/>; rel="license"'


def test_every_file_names_licence_and_attribution_and_is_spreadsheet_safe(base):
    link = download.url(**CHOICE, kind="csv", first=DAYS[0], last=DAYS[1])
    text = get(base.removesuffix("/api") + link)[2].decode("utf-8")
    frame = pl.read_csv(io.StringIO(text))
    assert frame.height == 2 * 46  # two series, hourly from the data's start (02:00 local) to the end of 2 May
    assert set(frame["licence"]) == {"http://dcat-ap.de/def/licenses/cc-zero"} and frame["attribution"].null_count() == 0
    assert set(frame.filter(pl.col("station_id") == "demo:laerm-b")["name"]) == {"'" + HOSTILE}  # a formula stays text
    parquet = pl.read_parquet(
        io.BytesIO(get(base.removesuffix("/api") + download.url(**CHOICE, kind="parquet", first=DAYS[0], last=DAYS[1]))[2])
    )
    assert set(parquet["licence"]) == {"http://dcat-ap.de/def/licenses/cc-zero"}
    assert HOSTILE in set(parquet["name"])  # not a spreadsheet: the name as the feed gave it
    geo = json.loads(get(base.removesuffix("/api") + download.url(**CHOICE, kind="geojson", first=DAYS[0], last=DAYS[1]))[2])
    assert {f["properties"]["licence"] for f in geo["features"]} == {"http://dcat-ap.de/def/licenses/cc-zero"}


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("stations=demo:wetter-a&quantities=temperature&format=xlsx", "format must be"),
        ("quantities=temperature", "stations="),
        ("stations=demo:wetter-a&quantities=mood", "unknown quantity"),
        ("stations=demo:wetter-a&quantities=temperature&from=yesterday", "from must be a day"),
        ("stations=demo:wetter-a&quantities=temperature&resolution=1w", "resolution must be"),
        ("stations=demo:wetter-a&quantities=temperature&password=x", "unknown parameter"),
    ],
)
def test_bad_download_requests_answer_400(base, query, words):
    status, _, body = get(f"{base}/download?{query}")
    assert status == 400 and words in json.loads(body)["error"]["message"]


def test_a_station_id_with_a_comma_is_taken_whole(base, store, city):
    assert download._ids(["demo:a,b", "demo:c,demo:d"], {"demo:a,b"}) == ["demo:a,b", "demo:c", "demo:d"]
    link = download.url(
        stations=["demo:park-c/1 o'clock"], quantities=["parking_free"], resolution="1h", kind="csv", first=DAYS[0], last=DAYS[1]
    )
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["stations"] == ["demo:park-c/1 o'clock"]
    frame = pl.read_csv(io.BytesIO(get(base.removesuffix("/api") + link)[2]))
    assert set(frame["station_id"]) == {"demo:park-c/1 o'clock"}


def test_a_city_that_keeps_data_for_staff_keeps_the_api_for_staff(tmp_path, store):
    city = city_with(tmp_path, '[access]\nstaff = "proxy"\nproxy_header = "X-Staff"\n')
    with serving(Starlette(routes=api.routes(Context(city, store)))) as url:
        link = url + download.url(**CHOICE, kind="csv", first=DAYS[0], last=DAYS[1])
        refused = get(link)
        allowed = get(link, headers={"X-Staff": "anna"})
        things = get(url + "/api/v1.1/Things")
    assert refused[0] == 403 and things[0] == 403 and allowed[0] == 200
