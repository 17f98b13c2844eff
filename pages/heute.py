"""Heute: the city in one screen — a sentence and a tile per theme, refreshed in place."""

import streamlit as st

from core.views import today
from ui import cards, data, kiosk, navigation, widgets
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
    if widgets.kiosk() and len(tiles) > kiosk.DENSE_TILES:
        st.html(kiosk.DENSE_TILES_CSS + kiosk.BANNER_CSS)
    # row by row, so that the tiles of a row line up; a kiosk with more than nine themes puts five in a row (1080 px)
    per_row = 5 if widgets.kiosk() and len(tiles) > 9 else 3
    for row in range(0, len(tiles), per_row):
        for column, tile in zip(st.columns(per_row), tiles[row : row + per_row]):
            with column:
                st.html(cards.tile(tile, language, city.timezone))


board()
