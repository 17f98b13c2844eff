"""server.py for real: ingestion starts with the server (no page view needed), and every answer carries the security headers."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from core.store import open_store
from server import HEADERS
from tests.pages.browser import exited, streamlit

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("server") / "data"
    env = {k: v for k, v in os.environ.items() if k not in ("SHOWROOM_CONFIG", "SHOWROOM_INGEST", "SHOWROOM_DATABASE_URL")}
    with streamlit("server.py", {**env, "SHOWROOM_DATA_DIR": str(data)}, stdout=subprocess.DEVNULL, failed=exited) as (_, url):
        yield url, data


def test_the_server_polls_before_anyone_opens_a_page(server):
    _, data = server
    deadline, stored = time.monotonic() + 90, 0
    while time.monotonic() < deadline and not stored:
        time.sleep(1)
        if (data / "manifest.json").exists():
            stored = open_store(data).readings(quantities="water_level").height
    assert stored > 1000, "no page was opened, yet the demo's history should be in the store"
    assert "demo" in open_store(data).feed_health()["source"].to_list()


@pytest.mark.parametrize("path", ["/heute", "/", "/_stcore/health"])
def test_every_answer_carries_the_security_headers(server, path):
    url, _ = server
    with urllib.request.urlopen(url + path, timeout=10) as answer:
        headers = {k.lower(): v for k, v in answer.headers.items()}
    for name, value in HEADERS.items():
        assert headers.get(name.decode()) == value.decode(), name


def test_the_api_answers_beside_the_pages(server):
    url, _ = server
    deadline, things = time.monotonic() + 90, []
    gauges = lambda: any(t["@iot.id"].startswith("demo:pegel-") for t in things)  # noqa: E731 - other sources may land first
    while time.monotonic() < deadline and not gauges():
        request = urllib.request.Request(url + "/api/v1.1/Things?$top=200", headers={"Origin": "https://portal.example"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.headers["content-type"].startswith("application/json")
            assert answer.headers["access-control-allow-origin"] == "*"
            assert answer.headers["x-content-type-options"] == "nosniff"  # the server's headers on the API too
            things = json.loads(answer.read())["value"]
        time.sleep(0 if gauges() else 1)
    assert gauges()
    with urllib.request.urlopen(url + "/api/catalog", timeout=30) as answer:
        assert json.loads(answer.read())["@type"] == "dcat:Catalog"
    with urllib.request.urlopen(url + "/heute", timeout=10) as answer:
        assert answer.status == 200  # the pages are still there
