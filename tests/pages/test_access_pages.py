"""Staff-only parts through AppTest: scenario URLs need the key, Daten and Quellen hide staff parts from the public.

AppTest seeds ``st.user`` (``at.user``) but not request headers, so the proxy mode's header
is set by replacing ``ui.access.request_headers``; ``tests/ui/test_access.py`` checks the
decision itself.
"""

from __future__ import annotations

import shutil

import pytest

from core.config import DEFAULT_CONFIG
from core.scenario import state as scenario
from core.store import open_store
from tests.pages.apptest import page_text, run
from ui import access, data

KEY = "werkstatt-7f3a"


@pytest.fixture
def staff_mode(app_env, demo_copy, tmp_path, monkeypatch):
    """The demo city with ``[access] staff = <mode>`` and a workshop key in SHOWROOM_SCENARIO_KEY."""

    def use(mode: str) -> None:
        app_env(demo_copy)
        path = tmp_path / "city.toml"
        path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + f'\n[access]\nstaff = "{mode}"\n', encoding="utf-8")
        shutil.copy(DEFAULT_CONFIG.parent / "menden-outline.geojson", tmp_path)  # the copy's outline, beside it
        monkeypatch.setenv("SHOWROOM_CONFIG", str(path))
        monkeypatch.setenv("SHOWROOM_SCENARIO_KEY", KEY)

    return use


def staff_header(monkeypatch) -> None:
    monkeypatch.setattr(access, "request_headers", lambda: {"X-Forwarded-User": "anna"})


def running(directory) -> scenario.Run | None:
    data.refresh()
    return scenario.active(open_store(directory))


@pytest.mark.parametrize("mode", ["proxy", "login"])
def test_defect_7_an_address_starts_or_stops_a_scenario_only_with_the_key(staff_mode, demo_copy, mode):
    staff_mode(mode)
    at = run("pages/karte.py", scenario="starkregen", speed="60")
    assert not at.exception, at.exception
    assert running(demo_copy) is None and any("Workshop-Schlüssel" in w.value for w in at.warning)
    run("pages/heute.py", scenario="starkregen", speed="60", key="falsch")
    assert running(demo_copy) is None
    at = run("pages/heute.py", scenario="starkregen", speed="60", key=KEY)
    started = running(demo_copy)
    assert started is not None and (started.name, started.speed) == ("starkregen", 60)
    assert "key" not in at.query_params and not at.warning  # the key leaves the address once used
    at = run("pages/heute.py", kiosk="1", scenario="starkregen", speed="60")  # a kiosk reload: running, no key needed
    assert not at.warning and running(demo_copy) == started
    at = run("pages/heute.py", scenario="stop")
    assert running(demo_copy) == started and any("Workshop-Schlüssel" in w.value for w in at.warning)
    run("pages/heute.py", scenario="stop", key=KEY)
    assert running(demo_copy) is None


def test_without_a_configured_key_no_address_starts_a_scenario(staff_mode, demo_copy, monkeypatch):
    staff_mode("proxy")
    monkeypatch.delenv("SHOWROOM_SCENARIO_KEY")
    run("pages/heute.py", scenario="starkregen", speed="60", key="")
    run("pages/heute.py", scenario="starkregen", speed="60", key="irgendwas")
    assert running(demo_copy) is None


def test_open_access_keeps_todays_behaviour(app_env, demo_copy):
    app_env(demo_copy)
    run("pages/heute.py", scenario="hitzetag", speed="10")
    assert running(demo_copy) is not None
    at = run("pages/daten.py")
    assert len(at.get("download_button")) == 3 and "Nur für Mitarbeitende" not in page_text(at)


def test_the_public_sees_no_downloads_or_scenario_controls_and_is_told_why(staff_mode):
    staff_mode("proxy")
    at = run("pages/daten.py")
    assert not at.exception, at.exception
    assert not at.get("download_button") and "scenario_name" not in [s.key for s in at.selectbox]
    notices = [i.value for i in at.info if "Nur für Mitarbeitende" in i.value]
    assert len(notices) == 2 and any("Download" in n for n in notices) and any("Szenarien" in n for n in notices)
    assert at.get("plotly_chart") and at.dataframe  # the data itself stays open
    at = run("pages/daten.py", "en")
    assert any("For city staff only: downloading the data" in i.value for i in at.info)


def test_staff_behind_the_proxy_get_downloads_and_controls(staff_mode, monkeypatch):
    staff_mode("proxy")
    staff_header(monkeypatch)
    at = run("pages/daten.py")
    assert not at.exception, at.exception
    assert len(at.get("download_button")) == 3 and "scenario_name" in [s.key for s in at.selectbox]
    assert "Nur für Mitarbeitende" not in page_text(at)


def test_login_mode_offers_the_login_and_lets_a_logged_in_user_in(staff_mode, monkeypatch):
    staff_mode("login")
    at = run("pages/daten.py")  # Authlib and [auth] are not set up here: the page says so
    assert not at.get("download_button") and any("nicht eingerichtet" in c.value for c in at.caption)
    monkeypatch.setattr(access, "login_ready", lambda: True)
    at = run("pages/daten.py")
    assert [b.label for b in at.button if b.key and b.key.startswith("access_login")] == ["Anmelden", "Anmelden"]
    at = run("pages/daten.py", user={"is_logged_in": True, "name": "Anna [Stadt](https://evil.example)", "email": "a@menden.de"})
    assert not at.exception, at.exception
    assert len(at.get("download_button")) == 3 and "scenario_name" in [s.key for s in at.selectbox]
    logged_in = next(c.value for c in at.sidebar.caption if "Angemeldet" in c.value)
    assert "Anna" in logged_in and "](" not in logged_in  # the identity provider's name is text too
    assert any(b.key == "access_logout" for b in at.sidebar.button)
    at = run("pages/daten.py", user={"is_logged_in": False})
    assert not at.get("download_button")


def test_quellen_shows_error_texts_and_counters_to_staff_only(staff_mode, demo_copy, monkeypatch):
    staff_mode("proxy")
    open_store(demo_copy).record_health("demo", ok=False, rows=0, skipped=0, latency_s=1.0, error="FeedUnavailable: timeout")
    at = run("pages/quellen.py")
    assert not at.exception, at.exception
    columns = list(at.dataframe[0].value.columns)
    assert "Letzter Fehler" not in columns and "Antwortzeit" not in columns and "Zustand" in columns
    assert not at.code and any("Fehlermeldungen und Details" in i.value for i in at.info)
    staff_header(monkeypatch)
    at = run("pages/quellen.py")
    assert "Letzter Fehler" in list(at.dataframe[0].value.columns) and "timeout" in "".join(c.value for c in at.code)
