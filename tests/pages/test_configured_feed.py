"""A feed added in the city TOML, no code: from the file through ingest to Heute and Karte."""

from __future__ import annotations

import datetime as dt

from core import ingest
from core.config import load_config
from core.store import open_store
from tests.pages.apptest import page_text, run

CITY = """
[city]
name = "Teststadt"
timezone = "Europe/Berlin"
center = [51.44, 7.78]
zoom = 12

[[sources]]
key = "upload"
kind = "csv_file"
path = "readings.csv"
poll = "5m"

[thresholds.stations]
"upload:hoenne-bruecke" = { water_level = [120, 160, 200] }
"""


def test_a_csv_source_shows_up_on_heute_and_karte(app_env, tmp_path, monkeypatch):
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    rows = ["ts,station_id,name,lat,lon,quantity,value,unit"]
    for minutes in (30, 20, 10):
        ts = (now - dt.timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
        rows.append(f"{ts},hoenne-bruecke,Hönnebrücke,51.4405,7.7912,water_level,1.{40 + minutes // 10},m")
        rows.append(f"{ts},rathaus,Rathaus Dach,51.4436,7.7783,temperature,21.5,°C")
    (tmp_path / "readings.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "city.toml").write_text(CITY, encoding="utf-8")
    config = load_config(tmp_path / "city.toml")
    [result] = ingest.run_once(config, open_store(tmp_path / "store", tz=config.timezone))
    assert result.ok and result.rows == 6

    app_env(tmp_path / "store")
    monkeypatch.setenv("SHOWROOM_CONFIG", str(tmp_path / "city.toml"))
    heute = run("pages/heute.py")
    assert not heute.exception
    text = page_text(heute)
    assert "Wie geht es Teststadt heute?" in text
    assert "141 cm" in text and "Hönnebrücke" in text  # 1.41 m converted at the edge
    assert "Informationsstufe 0" not in text and "Demo-Daten" not in text
    karte = run("pages/karte.py")
    assert not karte.exception
    assert set(karte.dataframe[0].value["Station"]) == {"Hönnebrücke", "Rathaus Dach"}
