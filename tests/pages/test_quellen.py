"""The Quellen page through AppTest: sources, never-polled ones, errors without secrets, stale stations."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from core.config import DEFAULT_CONFIG, load_config
from core.schema import Batch
from core.store import open_store
from tests.pages.apptest import page_text, run
from ui import data

PAGE = "pages/quellen.py"
EXTRA = """
[[sources]]
key = "gauges"
kind = "pegelonline"
poll = "15m"
api_key_env = "QUELLEN_TEST_SECRET"
"""


def with_extra_source(tmp_path, monkeypatch) -> None:
    path = tmp_path / "city.toml"
    path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    shutil.copy(DEFAULT_CONFIG.parent / "menden-outline.geojson", tmp_path)  # the copy's outline, beside it
    monkeypatch.setenv("SHOWROOM_CONFIG", str(path))


def cells(at, index: int = 0) -> str:
    return at.dataframe[index].value.to_csv()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("de", ("Quellen", "Datenquellen", "Stationen mit Daten", "Veraltete Stationen", "Stand:")),
        ("en", ("Feeds", "Data sources", "Stations with data", "Stale stations", "As of:")),
    ],
)
def test_sources_with_demo_data(app_env, demo_copy, lang, words):
    app_env(demo_copy)
    at = run(PAGE, lang)
    assert not at.exception, at.exception
    text = page_text(at) + "\n".join(m.label for m in at.metric)
    for word in words:
        assert word in text, word
    table = at.dataframe[0].value
    keys = [s["key"] for s in load_config().sources]  # the demo city, its buildings' meters, its weather station
    assert list(table.iloc[:, 1]) == keys and "demo" in keys
    reporting = open_store(demo_copy).latest()["station_id"].n_unique()  # the demo's places have no data
    assert any(m.value == str(reporting) for m in at.metric)


def test_never_polled_source_and_a_failing_one_without_its_secret(app_env, demo_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("QUELLEN_TEST_SECRET", "geheim-4711")
    with_extra_source(tmp_path, monkeypatch)
    app_env(demo_copy)
    monkeypatch.setenv("SHOWROOM_CONFIG", str(tmp_path / "city.toml"))  # app_env resets it
    at = run(PAGE)
    assert not at.exception, at.exception
    assert "noch nie abgefragt" in cells(at)
    store = open_store(demo_copy)
    store.record_health("gauges", ok=False, rows=0, skipped=0, latency_s=3.0, error="FeedAuthError: 401 for https://x/?key=geheim-4711")
    data.refresh()  # the app asks the store for its version once a second; the test does not wait
    at = run(PAGE)
    assert not at.exception, at.exception
    everything = page_text(at) + cells(at) + "".join(c.value for c in at.code)
    assert "geheim-4711" not in everything and "key=***" in everything
    assert "✖ Fehler" in cells(at) and any("1 Fehlschläge in Folge" in c.value for c in at.caption)
    at = run(PAGE, kiosk="1")  # a public screen shows states, not error texts
    assert not at.code and "401" not in cells(at) and "✖ Fehler" in cells(at)


def test_stale_station_is_listed_with_its_name(app_env, demo_copy):
    store = open_store(demo_copy)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=6)
    store.append(
        Batch.from_rows(
            [
                {
                    "ts": old - dt.timedelta(minutes=10 * i),
                    "station_id": "demo:verstummt",
                    "quantity": "co2",
                    "value": 700.0,
                    "source": "demo",
                }
                for i in range(5)
            ],
            [{"station_id": "demo:verstummt", "source": "demo", "name": "Raum <i>101</i>", "theme": "indoor_air", "district": "Mitte"}],
        )
    )
    app_env(demo_copy)
    at = run(PAGE)
    assert not at.exception, at.exception
    stale = cells(at, 1)
    assert "Raum <i>101</i>" in stale and "CO₂" in stale and "ganz" in stale and "vor 6 h" in stale


@pytest.mark.parametrize("lang", ["de", "en"])
def test_empty_store_still_lists_the_sources(app_env, tmp_path, lang):
    app_env(tmp_path / "empty")
    at = run(PAGE, lang)
    assert not at.exception, at.exception
    assert any(("Noch keine Messwerte" if lang == "de" else "No readings yet") in i.value for i in at.info)
    assert ("noch nie abgefragt" if lang == "de" else "never polled") in cells(at)


@pytest.mark.parametrize(("lang", "words"), [("de", ("Ausreißer", "Zeit in der Zukunft")), ("en", ("spike", "time in the future"))])
def test_quarantined_readings_and_damaged_files_are_shown(app_env, demo_copy, lang, words):
    import polars as pl

    store = open_store(demo_copy)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    aside = pl.DataFrame(
        [
            {"ts": now, "station_id": "demo:x", "quantity": "temperature", "value": 71.5, "source": "demo"},
            {"ts": now + dt.timedelta(days=1), "station_id": "demo:x", "quantity": "co2", "value": 900.0, "source": "demo"},
        ]
    ).with_columns(reason=pl.Series(["spike", "future"]))
    store.quarantine(aside)
    store.append(Batch.from_rows([], [{"station_id": "demo:x", "source": "demo", "name": "<b>Raum X</b>", "theme": "indoor_air"}]))
    app_env(demo_copy)
    at = run(PAGE, lang)
    assert not at.exception, at.exception
    everything = page_text(at) + "".join(cells(at, i) for i in range(len(at.dataframe))) + "".join(w.value for w in at.warning)
    for word in words:
        assert word in everything, word
    assert "<b>Raum X</b>" in everything and ("71,5 °C" if lang == "de" else "71.5 °C") in everything
    assert ("Der Datenspeicher meldet keine beschädigten Daten" if lang == "de" else "The data store reports no damaged data") in everything
    # a damaged rollup file: found by a reader, listed until and after its repair
    manifest = __import__("json").loads((demo_copy / "manifest.json").read_text())
    rel = max(manifest["segments"]["1h"], key=lambda s: s["rows"])["file"]
    target = demo_copy / rel
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    store = open_store(demo_copy)
    store.rollup("1h")
    store.maintain()
    data.refresh()
    at = run(PAGE, lang)
    assert not at.exception, at.exception
    warnings = "".join(w.value for w in at.warning)
    assert ("Beschädigte Dateien gefunden: 1" if lang == "de" else "Damaged files found: 1") in warnings
    assert rel in "".join(cells(at, i) for i in range(len(at.dataframe)))
    at = run(PAGE, lang, kiosk="1")  # a public screen: counts, no rows of feed text
    assert not at.exception, at.exception
    assert rel not in "".join(cells(at, i) for i in range(len(at.dataframe)))
