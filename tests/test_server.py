"""server.py for real: ingestion starts with the server (no page view needed), and every answer carries the security headers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from core.store import open_store
from server import HEADERS
from tests.pages.browser import free_port

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("server") / "data"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("SHOWROOM_CONFIG", "SHOWROOM_INGEST", "SHOWROOM_DATABASE_URL")}
    command = [sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", str(port), "--server.address", "127.0.0.1"]
    proc = subprocess.Popen(
        command, cwd=ROOT, env={**env, "SHOWROOM_DATA_DIR": str(data)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).close()
                break
            except OSError:
                time.sleep(0.3)
        yield url, data
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_the_server_polls_before_anyone_opens_a_page(server):
    _, data = server
    deadline, stored = time.monotonic() + 90, 0
    while time.monotonic() < deadline and not stored:
        time.sleep(1)
        if (data / "manifest.json").exists():
            stored = open_store(data).readings(quantities="water_level").height
    assert stored > 1000, "no page was opened, yet the demo's history should be in the store"
    assert open_store(data).feed_health()["source"].to_list() == ["demo"]


@pytest.mark.parametrize("path", ["/heute", "/", "/_stcore/health"])
def test_every_answer_carries_the_security_headers(server, path):
    url, _ = server
    with urllib.request.urlopen(url + path, timeout=10) as answer:
        headers = {k.lower(): v for k, v in answer.headers.items()}
    for name, value in HEADERS.items():
        assert headers.get(name.decode()) == value.decode(), name
