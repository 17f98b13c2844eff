"""Karte: every station on the map, coloured by status, with layers per theme; places with their opening hours."""

import polars as pl
import streamlit as st

from core.views import places, traffic
from core.views.today import station_view
from ui import data, maplayers, mapview, navigation, plain, style, widgets
from ui.i18n import age, clock, quantity_value, t

navigation.guard(__file__)
language = widgets.lang()
city = data.city()
st.title(t("map.title", language))
view = station_view(data.current())
if not len(view):
    widgets.wait_for_data(language)
    st.stop()
pois = data.view(places.pois)

present = [theme for theme in view["theme"].unique(maintain_order=True).to_list() if theme]
present += ["poi"] if len(pois) and "poi" not in present else []
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
kinds = places.categories(pois)
if "poi" in chosen and kinds and not kiosk:
    picked = st.pills(
        t("map.categories", language),
        kinds,
        selection_mode="multi",
        default=kinds,
        format_func=lambda kind: maplayers.category_chip(kind, language),  # a feed's category is text, not markdown
        key="map_categories",
    )
    pois = pois.filter(pl.col("category").is_in(picked or []) | pl.col("category").is_null())

shown = view.filter(pl.col("theme").is_in(chosen))
height = 680 if kiosk else 620  # the kiosk's map leaves room for the credit and both legends on one screen
deck = mapview.deck(
    view,
    themes=[th for th in chosen if th not in maplayers.THEMES],
    center=city.center,
    zoom=city.zoom,
    language=language,
    height_px=height,
)
own = []
for theme in ("noise", "charging"):
    if theme in chosen:
        own.append(maplayers.layer(theme, maplayers.sensor_rows(view, data.current(), theme, language)))
if "traffic" in chosen:
    counters = data.view(traffic.overview)
    own.append(maplayers.layer("traffic", maplayers.traffic_rows(counters.counters, tz=city.timezone, language=language)))
if "poi" in chosen:
    own.append(maplayers.layer("poi", maplayers.poi_rows(pois, language)))
st.pydeck_chart(maplayers.add(deck, own), height=height)
mapview.credit(city.base)  # the base map's attribution, as text
legend = " · ".join(f"{icon} {t(f'legend.{tone}', language)}" for tone, (_, icon) in style.TONES.items() if tone != "severe")
st.caption(
    f"{t('map.count', language, n=len(shown))} — {legend} — {t('common.as_of', language, time=clock(shown['ts'].max() if len(shown) else None, city.timezone, language))}"
)
if "poi" in chosen and len(pois):
    n_open = int(pois["open"].fill_null(False).sum())
    st.caption(f"{t('map.places_count', language, n=len(pois), open=n_open)} — {t('map.places_legend', language)}")
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
    if "poi" in chosen and len(pois):
        st.dataframe(
            pois.select(
                plain.column("name", plain.TABLE).alias(t("table.name", language)),
                pl.col("category")
                .map_elements(lambda c: maplayers.category_label(c, language), return_dtype=pl.String)
                .fill_null(t("poi.category.none", language))
                .alias(t("map.table.category", language)),
                pl.col("open")
                .map_elements(lambda o: maplayers.open_word(o, language), return_dtype=pl.String)
                .fill_null(t("map.hours_unknown", language))
                .alias(t("map.table.state", language)),
                plain.column("opening_hours", plain.TABLE).alias(t("map.table.hours", language)),
            ),
            hide_index=True,
            width="stretch",
        )
