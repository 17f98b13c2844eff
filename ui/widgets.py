"""Shared widgets: language, kiosk flag, sidebar (which brings the page styling) and the tile renderer.

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
from ui import data, style
from ui.i18n import LANGUAGES, clock, quantity_value, t
from ui.style import TONES, TREND_ARROWS

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
    st.html(style.CSS)
    language = lang()
    if kiosk():
        st.html(style.KIOSK_CSS)
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
