"""Pages that hand data out name its licence: Daten links its choice to /api/download, Quellen lists every source's licence."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from tests.pages.apptest import run
from tests.pages.conftest import app_env, demo_copy, demo_store  # noqa: F401 - fixtures, found by name

PAGE = "pages/daten.py"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_page_links_its_downloads_by_url_and_names_the_licence(app_env, demo_copy, lang):  # noqa: F811
    app_env(demo_copy)
    at = run(PAGE, lang)
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    [links] = [c for c in captions if "/api/download?" in c]
    urls = re.findall(r"\]\((/api/download\?[^)]+)\)", links)
    assert [urllib.parse.parse_qs(urllib.parse.urlsplit(u).query)["format"] for u in urls] == [["csv"], ["parquet"], ["geojson"]]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(urls[0]).query)
    assert query["quantities"] == ["temperature"] and query["preset"] == ["48h"] and query["resolution"] == ["15m"]
    assert len(query["stations"]) == 3  # the first visit's choice: three weather stations
    assert "(/api/v1.1)" in links and "(/api/catalog)" in links
    [credit] = [c.replace("\\", "") for c in captions if c.startswith(("Lizenz", "Licence"))]  # as markdown shows it
    assert "Creative Commons CC0 1.0" in credit and "Simulierte Demo-Daten" in credit


@pytest.mark.parametrize(("lang", "column"), [("de", "Lizenz und Namensnennung"), ("en", "Licence and attribution")])
def test_quellen_lists_each_sources_licence(app_env, demo_copy, lang, column):  # noqa: F811
    app_env(demo_copy)
    at = run("pages/quellen.py", lang)
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    row = table[table.iloc[:, 1] == "demo"].iloc[0]
    assert row[column] == "Simulierte Demo-Daten des Smart City Showroom · Creative Commons CC0 1.0 Universell"


@pytest.mark.parametrize(("lang", "word"), [("de", "Daten: "), ("en", "Data: ")])
def test_a_kiosk_screen_credits_the_data_under_its_charts(app_env, demo_copy, tmp_path, monkeypatch, lang, word):  # noqa: F811
    from tests.api.conftest import city_with

    city_with(tmp_path, '[[sources]]\nkey = "gauges"\nkind = "pegelonline"\nattribution = "<b>WSV</b> & PEGELONLINE"\n')
    app_env(demo_copy)
    monkeypatch.setenv("SHOWROOM_CONFIG", str(tmp_path / "city.toml"))
    at = run("pages/pegel.py", lang, kiosk="1")
    assert not at.exception, at.exception
    [footer] = [h.proto.body for h in at.get("html") if "scs-credits" in h.proto.body]
    assert word + "Simulierte Demo-Daten des Smart City Showroom (Creative Commons CC0 1.0 Universell)" in footer
    assert "&lt;b&gt;WSV&lt;/b&gt; &amp; PEGELONLINE (Datenlizenz Deutschland – Zero – Version 2.0)" in footer  # text, never markup
    assert not [h for h in run("pages/pegel.py", lang).get("html") if "scs-credits" in h.proto.body]  # desk pages: Quellen and Daten say it
