"""Heute: the city in one screen — a sentence and a tile per theme, refreshed in place."""

import streamlit as st

from core.views import today
from ui import cards, data, navigation, widgets
from ui.i18n import t

navigation.guard(__file__)
language = widgets.lang()
city = data.city()
st.title(t("today.title", language, city=city.name))
if data.has_demo() and not widgets.kiosk():  # kiosk pages carry the label in their corner
    st.html(f'<span class="scs-demo">{t("sidebar.demo_badge", language)}</span>')


if not len(data.current()):
    widgets.wait_for_data(language)
    st.stop()


@st.fragment(run_every=30)
def board() -> None:
    tiles = data.view(today.overview).tiles
    columns = st.columns(3)
    for i, tile in enumerate(tiles):
        with columns[i % 3]:
            st.html(cards.tile(tile, language, city.timezone))


board()
