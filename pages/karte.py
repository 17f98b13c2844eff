"""Karte: every station on the map, coloured by status, with layers per theme."""

import polars as pl
import streamlit as st

from core.views.today import station_view
from ui import data, mapview, navigation, plain, style, widgets
from ui.i18n import age, clock, quantity_value, t

navigation.guard(__file__)
language = widgets.lang()
city = data.city()
st.title(t("map.title", language))
view = station_view(data.current())
if not len(view):
    widgets.wait_for_data(language)
    st.stop()

present = [theme for theme in view["theme"].unique(maintain_order=True).to_list() if theme]
kiosk = widgets.kiosk()
chosen = (
    present
    if kiosk
    else st.pills(
        t("map.layers", language),
        present,
        selection_mode="multi",
        default=present,
        format_func=lambda theme: t(f"theme.{theme}", language),
        key="map_layers",
    )
    or []
)
shown = view.filter(pl.col("theme").is_in(chosen))
height = 820 if kiosk else 620
st.pydeck_chart(mapview.deck(view, themes=chosen, center=city.center, zoom=city.zoom, language=language, height_px=height), height=height)
legend = " · ".join(f"{icon} {t(f'legend.{tone}', language)}" for tone, (_, icon) in style.TONES.items() if tone != "severe")
st.caption(
    f"{t('map.count', language, n=len(shown))} — {legend} — {t('common.as_of', language, time=clock(shown['ts'].max() if len(shown) else None, city.timezone, language))}"
)
if not kiosk:
    st.dataframe(
        shown.select(
            plain.column("name", plain.TABLE).alias(t("table.name", language)),
            pl.col("theme")
            .replace_strict({th: t(f"theme.{th}", language) for th in present}, default=None)
            .alias(t("table.theme", language)),
            pl.struct("value", "quantity")
            .map_elements(lambda r: quantity_value(r["value"], r["quantity"], language), return_dtype=pl.String)
            .alias(t("table.value", language)),
            pl.col("status_en" if language == "en" else "status_de").alias(t("table.status", language)),
            pl.col("age_s").map_elements(lambda s: age(s, language), return_dtype=pl.String).alias(t("table.age", language)),
        ),
        hide_index=True,
        width="stretch",
    )
