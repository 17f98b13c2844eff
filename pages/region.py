"""Region: "Wie geht es Südwestfalen heute?" — every city's Heute headline per theme, side by side, and who owns which use case."""

import html

import streamlit as st

from core.region import USE_CASES
from core.views import tiles, today
from ui import cards, data, navigation, plain, widgets
from ui.i18n import quantity_value, t
from ui.style import colour

navigation.guard(__file__)
language = widgets.lang()
kiosk = widgets.kiosk()
deployment = data.region()
st.title(t("region.title", language, region=deployment.name))
if not len(data.current()):
    widgets.wait_for_data(language)
    st.stop()
if deployment.single:
    st.info(t("region.single", language), icon=":material/location_city:")
    st.stop()
if not kiosk:
    st.caption(t("region.intro", language))

REGION_CSS = """<style>
.scs-region{width:100%;border-collapse:separate;border-spacing:.4rem .3rem;table-layout:fixed}
.scs-region th{text-align:left;font-size:1.1rem;padding:0 .2rem}
.scs-region th a{color:inherit;text-decoration:none;border-bottom:2px solid currentColor}
.scs-region th.scs-theme{width:11rem;font-weight:600}
.scs-region td{background:rgba(128,128,128,.08);border-left:6px solid var(--tone);border-radius:.4rem;padding:.35rem .6rem;vertical-align:top}
.scs-region .scs-cell-value{font-size:1.35rem;font-weight:700;margin-right:.4rem}
.scs-region .scs-cell-text{font-size:.85rem;opacity:.8;margin-top:.2rem}
.scs-region .scs-badge{white-space:nowrap}
.scs-kiosk-region .scs-region{border-spacing:.4rem .2rem}
.scs-kiosk-region .scs-region th{font-size:1.3rem}
.scs-kiosk-region .scs-region td{padding:.15rem .5rem}
.scs-kiosk-region .scs-region .scs-cell-value{font-size:1.4rem}
</style>"""


def city_head(key: str, name: str) -> str:
    """The city's name, a link to its Heute page (the key is checked by the region file: letters, digits, '-')."""
    query = (
        f"city={key}" + (f"&lang={language}" if language != deployment.city(key).config.language else "") + ("&kiosk=1" if kiosk else "")
    )
    title = html.escape(t("region.open", language, city=name))
    return f'<th><a href="./heute?{query}" target="_self" title="{title}">{html.escape(name)}</a></th>'


def cell(tile: tiles.Tile | None) -> str:
    """One city's headline of one theme: value, status word with icon, and (not in kiosk) the Heute sentence."""
    if tile is None or (tile.value is None and not tile.stations):
        return f'<td style="--tone:{colour("unknown")}">{cards.badge("unknown", t("region.none", language))}</td>'
    if tile.value is None:
        return f'<td style="--tone:{colour("unknown")}">{cards.badge("unknown", t("common.no_data_theme", language))}</td>'
    value = html.escape(quantity_value(tile.value, tile.quantity or "", language))
    label = tile.status_en if language == "en" else tile.status_de
    text = "" if kiosk else f'<div class="scs-cell-text">{html.escape(cards.words(tiles.sentence(tile), language, plain.SENTENCE))}</div>'
    stale = cards.stale_badge(language) if tile.stale else ""
    return f'<td style="--tone:{colour(tile.tone)}"><span class="scs-cell-value">{value}</span>{cards.badge(tile.tone, label)}{stale}{text}</td>'


@st.fragment(run_every=30)
def board() -> None:
    views = {c.key: data.view_of(c.key, today.overview) for c in deployment.cities}
    themes: list[str] = []
    for view in views.values():  # the themes some city measures, in Heute's order
        themes.extend(tile.key for tile in view.tiles if (tile.value is not None or tile.stations) and tile.key not in themes)
    by_city = {key: {tile.key: tile for tile in view.tiles} for key, view in views.items()}
    head = "<th class='scs-theme'></th>" + "".join(city_head(c.key, c.name) for c in deployment.cities)
    rows = "".join(
        f'<tr><th class="scs-theme">{html.escape(t(f"tile.{key}", language))}</th>'
        + "".join(cell(by_city[c.key].get(key)) for c in deployment.cities)
        + "</tr>"
        for key in themes
    )
    box = "scs-kiosk-region" if kiosk else ""
    st.html(f'{REGION_CSS}<div class="{box}"><table class="scs-region"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>')


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
