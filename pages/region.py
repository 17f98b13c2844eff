"""Region: "Wie geht es Südwestfalen heute?" — every city's Heute headline per theme, side by side, and who owns which use case."""

import html

import streamlit as st

from core.region import USE_CASES
from core.views import tiles, today
from ui import cards, data, navigation, plain, widgets
from ui.i18n import quantity_value, t

navigation.guard(__file__)
language = widgets.lang()
kiosk = widgets.kiosk()
deployment = data.region()
st.title(t("region.title", language, region=deployment.name))
if deployment.single:
    st.info(t("region.single", language), icon=":material/location_city:")
    st.stop()
if not kiosk:
    st.caption(t("region.intro", language))

REGION_CSS = """<style>
.scs-region-city{font-weight:700;font-size:1.15rem;margin:.2rem 0 .4rem}
.scs-region-city a{color:inherit;text-decoration:none;border-bottom:2px solid currentColor}
.scs-region-cell{margin-bottom:.5rem}
.scs-region-owners{border-collapse:collapse;width:100%}
.scs-region-owners th,.scs-region-owners td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid rgba(128,128,128,.3)}
</style>"""


def city_head(key: str, name: str) -> cards.Html:
    """The city's name, a link to its Heute page (the key is checked by the region file: letters, digits, '-')."""
    query = (
        f"city={key}" + (f"&lang={language}" if language != deployment.city(key).config.language else "") + ("&kiosk=1" if kiosk else "")
    )
    title = html.escape(t("region.open", language, city=name))
    return cards.Html(
        f'<div class="scs-region-city"><a href="./heute?{query}" target="_self" title="{title}">{html.escape(name)}</a></div>'
    )


def cell(tile: tiles.Tile | None, key: str) -> cards.Html:
    title = t(f"tile.{key}", language)
    if tile is None or tile.value is None:
        label = t("region.none", language) if tile is None else t("common.no_data_theme", language)
        return cards.card(
            cards.SMALL, tone="unknown", title=title, value="–", badges=(cards.badge("unknown", label),), variant="scs-region-cell"
        )
    sentence = cards.words(tiles.sentence(tile), language, plain.SENTENCE)
    body = [cards.block("scs-sentence", sentence)] if not kiosk else []
    if tile.stale:
        body.append(cards.stale_badge(language))
    value = quantity_value(tile.value, tile.quantity or "", language)
    label = tile.status_en if language == "en" else tile.status_de
    return cards.card(
        cards.SMALL, tone=tile.tone, title=title, value=value, badges=(cards.badge(tile.tone, label),), body=body, variant="scs-region-cell"
    )


@st.fragment(run_every=30)
def board() -> None:
    views = {c.key: data.view_of(c.key, today.overview) for c in deployment.cities}
    themes: list[str] = []
    for view in views.values():
        themes.extend(tile.key for tile in view.tiles if tile.value is not None and tile.key not in themes)
    st.html(REGION_CSS)
    for column, c in zip(st.columns(len(deployment.cities), gap="small"), deployment.cities):
        by_key = {tile.key: tile for tile in views[c.key].tiles}
        with column:
            st.html(city_head(c.key, c.name) + cards.Html("".join(cell(by_key.get(key), key) for key in themes)))


board()

st.subheader(t("region.owners", language))
owned = [(use_case, owner) for use_case in USE_CASES if (owner := deployment.owner(use_case)) is not None]
if owned:
    rows = "".join(
        f"<tr><td>{html.escape(t(f'usecase.{use_case}', language))}</td><td><b>{html.escape(owner.name)}</b></td>"
        f"<td>{html.escape(', '.join(c.name for c in deployment.cities if c.key != owner.key))}</td></tr>"
        for use_case, owner in owned
    )
    head = "".join(f"<th>{html.escape(t(k, language))}</th>" for k in ("region.usecase", "region.owner", "region.adopters"))
    st.html(f'<table class="scs-region-owners"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')
st.caption(t("region.owners_note", language))
