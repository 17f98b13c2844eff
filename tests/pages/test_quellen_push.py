"""The Quellen page with a push (MQTT) source: its connection, last message, messages per hour and error."""

from __future__ import annotations

import shutil
import time

import pytest

from core.config import DEFAULT_CONFIG
from core.store import open_store
from core.views.feeds import push_state
from tests.pages.apptest import page_text, run

PAGE = "pages/quellen.py"
PUSH = """
[[sources]]
key = "lns"
kind = "mqtt"
poll = "1m"
url = "mqtts://eu1.cloud.thethings.network:8883"
format = "chirpstack"
api_key_env = "QUELLEN_PUSH_SECRET"
"""


@pytest.mark.parametrize(
    ("lang", "title", "word"), [("de", "Push-Quellen (MQTT)", "verbunden"), ("en", "Push sources (MQTT)", "connected")]
)
def test_a_connected_push_source(app_env, demo_copy, tmp_path, monkeypatch, lang, title, word):
    path = tmp_path / "city.toml"
    path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + PUSH, encoding="utf-8")
    shutil.copy(DEFAULT_CONFIG.parent / "menden-outline.geojson", tmp_path)
    monkeypatch.setenv("QUELLEN_PUSH_SECRET", "geheim-0815")
    now = time.time()
    open_store(demo_copy).set_state(
        push_state("lns"),
        {
            "connected": True,
            "since": now - 600,
            "last_message": now - 5,
            "per_hour": 42,
            "malformed": 1,
            "protobuf": 2,
            "last_error": "ChirpStack sends Protobuf, not JSON <b>x</b> geheim-0815",
            "updated": now,
        },
    )
    app_env(demo_copy)
    monkeypatch.setenv("SHOWROOM_CONFIG", str(path))
    at = run(PAGE, lang)
    assert not at.exception, at.exception
    assert title in page_text(at)
    per_hour = "Nachrichten pro Stunde" if lang == "de" else "Messages per hour"
    push = next(d.value.to_csv() for d in at.dataframe if per_hour in d.value.columns)
    assert word in push and "1 / 2" in push
    assert "geheim-0815" not in push and "Protobuf, not JSON <b>x</b> ***" in push  # scrubbed, shown as text
    at = run(PAGE, lang, kiosk="1")
    assert not at.exception and all("Protobuf, not JSON" not in d.value.to_csv() for d in at.dataframe)
