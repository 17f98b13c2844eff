"""Shared widgets: the viewer's language, the kiosk flag, the sidebar with the page styling, "no data yet"."""

from __future__ import annotations

import html

import streamlit as st

from ui import access, data, style
from ui.i18n import LANGUAGES, t


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


def _sync_city() -> None:
    """The sidebar's city switch: the viewer's city from now on, and in the URL (a link keeps it)."""
    st.session_state.city = st.session_state.city_choice
    st.query_params["city"] = st.session_state.city


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
        deployment = data.region()
        if deployment.single:
            st.caption(data.city().name)
        else:
            st.selectbox(
                t("sidebar.city", language),
                deployment.keys,
                index=deployment.keys.index(data.city_key()),
                format_func=lambda key: deployment.city(key).name,
                key="city_choice",
                on_change=_sync_city,
            )
        if data.has_demo():
            st.info(t("sidebar.demo", language), icon=":material/science:")
        access.account(language)


def wait_for_data(language: str) -> None:
    """Say plainly that there is no data yet, look again every second, redraw the page when it comes."""

    @st.fragment(run_every=1)  # a version check is one stat call: cheap enough to ask often
    def waiting() -> None:
        if data.version() > 0 and len(data.current()):
            st.rerun()
        st.info(t("common.no_data", language), icon=":material/hourglass_top:")

    waiting()
