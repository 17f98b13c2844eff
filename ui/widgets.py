"""Shared widgets: language, kiosk flag, sidebar, status styling and the tile renderer.

Feed text (station names) is untrusted: everything dynamic that goes into HTML passes
``html.escape`` here, and ``st.html`` (sanitised by DOMPurify, no scripts) is used rather
than markdown with raw HTML switched on.
"""

from __future__ import annotations

import html
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from core.sentences import Label, Measure, TextKey, sentence
from core.today import Tile
from ui import data
from ui.i18n import LANGUAGES, clock, quantity_value, t

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies, and always
# paired with an icon and a word. Black text on each keeps contrast ≥ 4.5:1.
TONES: dict[str, tuple[str, str]] = {
    "good": ("#009E73", "✔"),
    "fair": ("#56B4E9", "✔"),
    "moderate": ("#F0E442", "!"),
    "poor": ("#E69F00", "▲"),
    "bad": ("#D55E00", "✖"),
    "severe": ("#CC79A7", "✖"),
    "unknown": ("#BBBBBB", "?"),
}
TREND_ARROWS = {"common.trend_up": "↑", "common.trend_down": "↓", "common.trend_flat": "→"}

CSS = """
<style>
.scs-tile{border-radius:12px;padding:1rem 1.2rem;background:rgba(128,128,128,.08);border-left:10px solid var(--tone);height:100%}
.scs-title{font-size:1.05rem;font-weight:600;opacity:.85}
.scs-value{font-size:2.4rem;font-weight:700;line-height:1.2;margin:.2rem 0}
.scs-value .scs-arrow{font-size:1.8rem;margin-left:.4rem;opacity:.8}
.scs-badge{display:inline-block;border-radius:999px;padding:.1rem .7rem;background:var(--tone);color:#000;font-weight:600}
.scs-sentence{margin-top:.5rem;font-size:1.05rem}
.scs-usual{margin-top:.35rem;font-size:.95rem;opacity:.85}
.scs-foot{margin-top:.5rem;font-size:.85rem;opacity:.75}
.scs-stale{display:inline-block;border:1px dashed currentColor;border-radius:6px;padding:0 .4rem;margin-left:.4rem;font-weight:600}
.scs-demo{display:inline-block;border-radius:6px;padding:.1rem .5rem;background:#F0E442;color:#000;font-weight:600}
.scs-demo-corner{position:fixed;top:.8rem;right:1.2rem;z-index:1000}
</style>
"""

KIOSK_CSS = """
<style>
[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],header[data-testid="stHeader"],
[data-testid="stToolbar"],[data-testid="stDecoration"],[data-testid="stStatusWidget"],footer{display:none!important}
.block-container,[data-testid="stMainBlockContainer"]{padding-top:1.2rem!important;max-width:100%!important}
html{font-size:22px}
.scs-value{font-size:3.2rem}
</style>
"""


def lang() -> str:
    """The viewer's language: ``?lang=en`` or the sidebar choice, else the city's default."""
    if "lang" not in st.session_state:
        wanted = st.query_params.get("lang")
        st.session_state.lang = wanted if wanted in LANGUAGES else data.city().language
    return st.session_state.lang


def kiosk() -> bool:
    return st.query_params.get("kiosk") == "1"


def _sync_lang() -> None:
    st.query_params["lang"] = st.session_state.lang


def sidebar() -> None:
    """Language switch, city and a demo notice; in kiosk mode only the page styling."""
    st.html(CSS)
    language = lang()
    if kiosk():
        st.html(KIOSK_CSS)
        if data.has_demo():  # no sidebar in kiosk mode: the demo label sits in the corner of every page
            st.html(f'<div class="scs-demo scs-demo-corner">{html.escape(t("sidebar.demo_badge", language))}</div>')
        return
    with st.sidebar:
        st.segmented_control(
            t("sidebar.language", language),
            LANGUAGES,
            key="lang",
            format_func=lambda code: {"de": "Deutsch", "en": "English"}[code],
            on_change=_sync_lang,
        )
        st.caption(data.city().name)
        if data.has_demo():
            st.info(t("sidebar.demo", language), icon=":material/science:")


def format_param(value: Any, language: str) -> str:
    if isinstance(value, Measure):
        return quantity_value(value.value, value.quantity, language)
    if isinstance(value, Label):
        return value.en if language == "en" else value.de
    if isinstance(value, TextKey):
        return t(value.key, language)
    return str(value)


def sentence_text(tile: Tile, language: str) -> str:
    key, params = sentence(tile)
    return t(key, language, **{k: format_param(v, language) for k, v in params.items()})


def tile_html(tile: Tile, language: str, tz: str, detail: str = "") -> str:
    """One tile as escaped HTML: title, value + unit + trend arrow, status badge, sentence, time."""
    colour, icon = TONES.get(tile.tone, TONES["unknown"])
    e = html.escape
    title = t(f"tile.{tile.key}", language)
    if tile.value is None:
        return (
            f'<div class="scs-tile" style="--tone:{TONES["unknown"][0]}"><div class="scs-title">{e(title)}</div>'
            f'<div class="scs-value">–</div><div class="scs-sentence">{e(t("common.no_data_theme", language))}</div></div>'
        )
    label = tile.status_en if language == "en" else tile.status_de
    arrow = TREND_ARROWS[f"common.trend_{tile.trend_word}"] if tile.trend_word else ""
    stale = f'<span class="scs-stale" title="{e(t("common.stale_hint", language))}">{e(t("common.stale", language))}</span>' if tile.stale else ""
    return (
        f'<div class="scs-tile" style="--tone:{colour}" data-tone="{e(tile.tone)}">'
        f'<div class="scs-title">{e(title)}</div>'
        f'<div class="scs-value">{e(quantity_value(tile.value, tile.quantity or "", language))}'
        f'<span class="scs-arrow">{e(arrow)}</span></div>'
        f'<span class="scs-badge">{e(icon)} {e(label)}</span>'
        f'<div class="scs-sentence">{e(sentence_text(tile, language))}</div>'
        f"{usual_html(tile, language, tz)}"
        f'<div class="scs-foot">{e(detail)}{" · " if detail else ""}{e(t("common.as_of", language, time=clock(tile.as_of, tz, language)))}{stale}</div>'
        "</div>"
    )


def usual_html(tile: Tile, language: str, tz: str) -> str:
    """ "Üblich um 11 Uhr: 6,1 °C (+1,2 °C)": today against the same hour of the last 14 days."""
    if tile.usual is None or tile.value is None or tile.as_of is None:
        return ""
    hour = tile.as_of.astimezone(ZoneInfo(tz)).hour
    delta = tile.value - tile.usual
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    text = t(
        "tile.usual",
        language,
        hour=hour,
        value=quantity_value(tile.usual, tile.quantity or "", language),
        delta=sign + quantity_value(abs(delta), tile.quantity or "", language),
    )
    return f'<div class="scs-usual">{html.escape(text)}</div>'


def tile_detail(tile: Tile, language: str) -> str:
    """The small print under a tile: how many stations, which one decides."""
    if tile.value is None:
        return ""
    params: dict[str, Any] = {"n": tile.stations, "place": tile.station or ""}
    if tile.key == "heat":
        params.update(place=tile.extra.get("max_station", ""), value=quantity_value(tile.extra.get("max"), "temperature", language))
    if tile.key == "air":
        params["pollutant"] = t(f"quantity.{tile.quantity}", language)
    return t(f"tile.{tile.key}.detail", language, **params)


def wait_for_data(language: str) -> None:
    """Say plainly that there is no data yet, look again every second, redraw the page when it comes."""

    @st.fragment(run_every=1)  # a version check is one stat call: cheap enough to ask often
    def waiting() -> None:
        if data.version() > 0 and len(data.current(data.version())):
            st.rerun()
        st.info(t("common.no_data", language), icon=":material/hourglass_top:")

    waiting()
