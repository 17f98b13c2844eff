"""Every page through Streamlit's AppTest, in German and English, with demo data and with none."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.store import open_store
from tests.pages.apptest import APP, page_text, run
from ui import navigation, plain

PAGES = [f"pages/{spec.slug}.py" for spec in navigation.PAGES]  # the table, not the files: a missing file fails
TITLES = {
    ("heute", "de"): "Wie geht es Menden (Sauerland) heute?",
    ("heute", "en"): "How is Menden (Sauerland) today?",
    ("karte", "de"): "Karte",
    ("karte", "en"): "Map",
}


def test_the_navigation_table_and_the_page_files_match_both_ways():
    """A file outside the table cannot be reached; a table row without its file breaks the navigation."""
    files = {p.stem for p in navigation.PAGES_DIR.glob("*.py") if p.stem != "__init__"}
    slugs = [spec.slug for spec in navigation.PAGES]
    assert len(set(slugs)) == len(slugs), "a slug twice in navigation.PAGES"
    assert files - set(slugs) == set(), "page files missing from navigation.PAGES"
    assert set(slugs) - files == set(), "navigation.PAGES rows without a file in pages/"
    assert PAGES[0] == "pages/heute.py"


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_demo_data(app_env, demo_copy, page, lang):
    app_env(demo_copy)
    at = run(page, lang)
    assert not at.exception, at.exception
    slug = page.split("/")[1][:-3]
    if (slug, lang) in TITLES:
        assert at.title[0].value == TITLES[(slug, lang)]
    assert at.title, "every page has a title"


def test_today_shows_a_tile_per_theme_in_german(app_env, demo_copy):
    app_env(demo_copy)
    text = page_text(run(PAGES[0]))
    for word in ("Temperatur", "Luftqualität", "Raumluft in Schulen", "Pegel", "Junge Bäume", "Parken", "Stand:", "Demo-Daten"):
        assert word in text
    assert "Klassenräumen" in text and "°C" in text and "ppm" in text


def test_today_in_english_uses_english_words_and_decimal_point(app_env, demo_copy):
    app_env(demo_copy)
    text = page_text(run(PAGES[0], "en"))
    assert "Water levels" in text and "As of:" in text and "Demo data" in text
    assert "Stand:" not in text


def test_map_lists_every_station(app_env, demo_copy):
    app_env(demo_copy)
    at = run("pages/karte.py")
    assert not at.exception
    reporting = open_store(demo_copy).latest()["station_id"].n_unique()  # the demo's places report nothing
    assert reporting > 100 and len(at.dataframe[0].value) == reporting  # every station that reports
    assert any(f"{reporting} Stationen" in c.value for c in at.caption)


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_empty_store_says_so_plainly(app_env, tmp_path, page, lang):
    app_env(tmp_path / "empty")
    at = run(page, lang)
    assert not at.exception, at.exception
    expected = "Noch keine Messwerte" if lang == "de" else "No readings yet"
    assert any(expected in i.value for i in at.info)


def test_bad_config_is_one_sentence_not_a_traceback(app_env, tmp_path, monkeypatch):
    app_env(tmp_path / "d")
    bad = tmp_path / "bad.toml"
    bad.write_text("[city]\nname = 'X'\n", encoding="utf-8")
    monkeypatch.setenv("SHOWROOM_CONFIG", str(bad))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    # the path is shown as text: markdown characters escaped (ui.plain.markdown)
    assert "timezone" in at.error[0].value and plain.markdown(str(bad)) in at.error[0].value


def test_station_names_are_escaped_in_tiles(app_env, demo_copy):
    """Untrusted names: markup in a name arrives as text, never as HTML."""
    import polars as pl

    from core.schema import Batch
    from core.store import open_store

    store = open_store(demo_copy)
    evil = '<img src=x onerror="alert(1)">Marktplatz'
    store.append(Batch(stations=store.stations().with_columns(name=pl.lit(evil))))
    app_env(demo_copy)
    html = "\n".join(e.proto.body for e in run(PAGES[0]).get("html"))
    assert "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Marktplatz" in html


@pytest.mark.parametrize("page", PAGES)
def test_demo_label_on_every_kiosk_page(app_env, demo_copy, page):
    """Kiosk mode has no sidebar, so each page carries the "Demo-Daten" label itself."""
    app_env(demo_copy)
    at = run(page, kiosk="1")
    assert not at.exception
    text = page_text(at)
    # the label once (the kiosk credits line names the demo's attribution, "Simulierte Demo-Daten …", too)
    assert text.count('<div class="scs-demo scs-demo-corner">Demo-Daten</div>') == 1
    assert text.count("Simulierte Demo-Daten") <= 1  # the same credit of several demo sources is named once


def test_a_broken_city_file_is_one_sentence_of_text(app_env, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.pages.apptest import APP

    app_env(tmp_path / "store")
    bad = tmp_path / "city.toml"
    bad.write_text('[city]\nname = "T"\ntimezone = "Europe/Berlin"\ncenter = [51.4, 7.7]\nzoom = 12\n\n'
                   '[[sources]]\nkey = "x"\nkind = "[klick](https://evil.example)"\n', encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("SHOWROOM_CONFIG", str(bad))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    [error] = at.error
    assert error.value.startswith("Die Stadt-Konfiguration ist fehlerhaft") and "evil" in error.value
    assert "](https" not in error.value  # the link brackets are escaped: markdown shows them as text
