"""Kiosk mode for the MendenLab screens: ``?kiosk=1&rotate=20&pages=heute,karte,pegel``.

No sidebar, header or menu (CSS in ``style.KIOSK_CSS``); large type; the page changes every
``rotate`` seconds through ``pages`` (default: all). Data refreshes inside each page with
``st.fragment(run_every=…)``, so nothing reloads the whole browser page. Nothing is kept per
rotation but two small numbers in the session, so a screen can run for days.
"""

from __future__ import annotations

import html
import time

import streamlit as st

from core.scenario import state
from data_sources import licences
from ui import data, navigation, widgets
from ui.i18n import t

MIN_ROTATE_S = 5
# Heute with more than six tiles (a city with sound meters, counters and charging sites): three
# rows of smaller tiles fit one 1080-pixel screen. A page's own rules, as ui.style.PEGEL_KIOSK_CSS
# is Pegel's (they belong in ui/style.py, which another change owns right now).
DENSE_TILES = 6
DENSE_TILES_CSS = (
    "<style>.scs-tile{padding:.5rem 1rem}.scs-tile .scs-value{font-size:2.5rem;margin:0}"
    ".scs-tile .scs-sentence{margin-top:.25rem;font-size:.95rem;line-height:1.3}.scs-tile .scs-usual{margin-top:.15rem;font-size:.8rem}"
    ".scs-tile .scs-foot{margin-top:.2rem;font-size:.72rem;line-height:1.3}"
    "[data-testid='stMainBlockContainer']{padding-bottom:.5rem!important}"
    "[data-testid='stMainBlockContainer'] [data-testid='stVerticalBlock']{gap:.6rem}</style>"
)
# While a workshop scenario runs, its banner (ui.scenario) takes this much of the screen's height.
BANNER_PX = 110
BANNER_CSS = (  # Heute's nine tiles and the banner: a smaller title and values make the room
    "<style>[data-testid='stMain']:has(.scs-scenario) h1{font-size:2.1rem;padding:.2rem 0 .4rem}"
    "[data-testid='stMain']:has(.scs-scenario) .scs-tile .scs-value{font-size:2rem}</style>"
)


# Every chart on a public screen shows data someone licensed: one credits line at the foot of the
# screen names them all (CC BY and ODbL ask for it wherever the data is shown).
CREDITS_CSS = (
    "<style>.scs-credits{position:fixed;left:0;right:0;bottom:0;z-index:999;padding:.15rem 1rem;"
    "font-size:.78rem;line-height:1.3;color:#31333F;background:rgba(255,255,255,.92);border-top:1px solid #ddd}"
    "[data-testid='stMainBlockContainer']{padding-bottom:2.2rem!important}</style>"
)


def credits_line(language: str) -> str:
    """ "Daten: PEGELONLINE (WSV), DL-DE Zero 2.0; …" for every source of the city."""
    # sources with the same credit (the demo's simulated sources) are named once
    parts = list(dict.fromkeys(f"{c.attribution} ({c.licence.name})" for c in licences.credits(data.city())))
    return t("common.data_credits", language, credits="; ".join(parts))


def credits(language: str) -> None:
    """The credits line fixed at the foot of a kiosk screen, under every chart of every page."""
    st.html(f'{CREDITS_CSS}<div class="scs-credits">{html.escape(credits_line(language))}</div>')


def scenario_running() -> bool:
    """True while a workshop scenario runs (and its banner stands on every page)."""
    return data.plays_scenarios() and state.active(data.writer()) is not None


def rotate_seconds() -> int:
    try:
        seconds = int(st.query_params.get("rotate", "0"))
    except ValueError:
        return 0
    return max(seconds, MIN_ROTATE_S) if seconds > 0 else 0


def playlist() -> list[str]:
    """The chosen pages that are in the page table, in the order given; all pages when none is named."""
    known = [spec.slug for spec in navigation.PAGES]
    wanted = [slug.strip() for slug in st.query_params.get("pages", "").split(",") if slug.strip()]
    chosen = [slug for slug in wanted if slug in known]
    return chosen or known


def next_page(current: str, pages: list[str]) -> str:
    """The page after ``current`` in the playlist (the first one if current is not in it)."""
    if current not in pages:
        return pages[0]
    return pages[(pages.index(current) + 1) % len(pages)]


def rotation(current: str) -> None:
    """Switch to the next page every ``rotate`` seconds, keeping the kiosk query parameters.

    Runs on every kiosk page (``app.py``), so it also sets the screen's data credits (:func:`credits`).
    """
    credits(widgets.lang())
    seconds = rotate_seconds()
    if not seconds:
        return
    st.session_state.kiosk_page = current
    st.session_state.kiosk_since = time.monotonic()

    @st.fragment(run_every=seconds)
    def tick() -> None:
        # the fragment also runs once with the page: only a timer run that is due switches
        if time.monotonic() - st.session_state.get("kiosk_since", 0.0) < seconds - 0.5:
            return
        target = next_page(st.session_state.get("kiosk_page", current), playlist())
        st.switch_page(navigation.PAGES_DIR / f"{target}.py", query_params=dict(st.query_params))

    tick()
