"""The page table: the files in pages/, in what order, with which title and icon."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from ui.i18n import t

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"


@dataclass(frozen=True)
class PageSpec:
    slug: str  # file name in pages/ without .py, and the URL path
    title_key: str
    icon: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("heute", "nav.today", ":material/wb_sunny:"),
    PageSpec("karte", "nav.map", ":material/map:"),
    PageSpec("stadtklima", "nav.microclimate", ":material/thermostat:"),
    PageSpec("schulen", "nav.schools", ":material/school:"),
    PageSpec("pegel", "nav.water", ":material/water:"),
    PageSpec("verkehr", "nav.traffic", ":material/traffic:"),
    PageSpec("energie", "nav.energy", ":material/bolt:"),
    PageSpec("daten", "nav.explore", ":material/query_stats:"),
    PageSpec("quellen", "nav.feeds", ":material/sensors:"),
    PageSpec("region", "nav.region", ":material/public:"),  # the cities of a region file side by side
)


def _start() -> None:
    """The root URL opens the first page under its own name, keeping the query string."""
    st.switch_page(PAGES_DIR / f"{PAGES[0].slug}.py", query_params=dict(st.query_params))


def build(language: str) -> list[st.Page]:
    """One ``st.Page`` per page file, in table order, behind a hidden start page at "/".

    Streamlit serves its default page at "/" only, so "/heute" would be "page not found"
    if Heute were the default; the hidden start page forwards "/" to "/heute" instead.
    """
    start = st.Page(_start, title=t(PAGES[0].title_key, language), url_path="start", default=True, visibility="hidden")
    return [start] + [
        st.Page(str(PAGES_DIR / f"{spec.slug}.py"), title=t(spec.title_key, language), icon=spec.icon, url_path=spec.slug) for spec in PAGES
    ]


_run = threading.local()


@contextlib.contextmanager
def entered() -> Iterator[None]:
    """Mark the current script run as started from app.py (see :func:`guard`)."""
    _run.entered = True
    try:
        yield
    finally:
        _run.entered = False


def guard(page_file: str) -> None:
    """Make a page opened by deep link (``/pegel?kiosk=1``) run through app.py.

    Streamlit treats a ``pages/`` folder as an old-style multipage app until the first
    ``st.navigation`` call in the server process, so the very first deep link after a
    server start would run the page script alone — no sidebar, no kiosk styling. Calling
    ``st.navigation`` switches the server to the app.py entry point for good; switching to
    this same page file (with the same query parameters) then renders the URL properly.
    Every page calls ``guard(__file__)`` first.
    """
    if not getattr(_run, "entered", False):
        st.navigation(build("de"), position="hidden")
        st.switch_page(Path(page_file), query_params=dict(st.query_params))
