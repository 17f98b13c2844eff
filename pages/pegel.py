"""Pegel: every gauge now (status, trend, margin to the next level), a banner at a level, hydrographs."""

import html

import polars as pl
import streamlit as st

from core.views import sentences, water
from ui import cards, charts_water, data, navigation, plain, style, widgets
from ui.i18n import clock, t

navigation.guard(__file__)
language = widgets.lang()
city = data.city()
kiosk = widgets.kiosk()
st.title(t("pegel.title", language))
if not len(data.current()):
    widgets.wait_for_data(language)
    st.stop()
gauges = data.current().filter((pl.col("theme") == "water") & (pl.col("quantity") == water.QUANTITY)).sort("name")
if not len(gauges):
    st.info(t("pegel.no_gauges", language), icon=":material/water:")
    st.stop()
names = {sid: plain.short(name or sid, plain.OPTION) for sid, name in zip(gauges["station_id"], gauges["name"])}  # as offered


def banner(view: water.WaterView) -> None:
    """Gauges at a level: alarm levels in red, warning levels in yellow, one line each; else an all-clear."""
    groups = charts_water.banner_texts(water.alerts(view.gauges), language)
    if groups["alarm"]:
        st.error("  \n".join(groups["alarm"]), icon=":material/flood:")
    if groups["warning"]:
        st.warning("  \n".join(groups["warning"]), icon=":material/flood:")
    if not groups["alarm"] and not groups["warning"]:
        st.success(t("pegel.all_normal", language, n=len(view.gauges)), icon=":material/check_circle:")


def projection(gauge: dict) -> None:
    """The guarded core.flood projection under a gauge's card, while it rises steadily toward a level within 6 h."""
    if gauge.get("projection_level") is not None:
        chosen = sentences.projection(gauge["projection_level"], gauge["projection_hours"])
        look = "border-left:4px solid #D55E00;padding:.3rem .6rem;margin:-.4rem 0 .6rem;background:#FFF4EC;font-weight:600"
        st.html(f'<div class="scs-projection" role="note" style="{look}">{html.escape(cards.words(chosen, language))}</div>')


def as_of(view: water.WaterView) -> None:
    resolution = t(f"pegel.resolution.{view.every}", language)
    window = t("pegel.last", language, window=t(f"pegel.window.{view.hours}", language))
    st.caption(
        f"{t('pegel.caption', language, n=len(view.gauges), window=window, resolution=resolution)} · "
        f"{t('common.as_of', language, time=clock(view.as_of, city.timezone, language))}"
    )


if kiosk:
    st.html(style.PEGEL_KIOSK_CSS)

    @st.fragment(run_every=30)
    def glance() -> None:
        """The gauges at a glance (eight fit a screen): a card over a small hydrograph each, four to a row."""
        view = data.view(water.overview, hours=water.DEFAULT_HOURS)
        as_of(view)
        banner(view)
        shown = water.glance(view.gauges)
        buckets, marks = charts_water.per_gauge(view.series, view.levels)
        if len(shown) < len(view.gauges):
            st.caption(t("pegel.glance", language, n=len(shown), total=len(view.gauges)))
        columns = st.columns(4)
        for i, gauge in enumerate(shown.iter_rows(named=True)):
            with columns[i % 4]:
                st.html(charts_water.card_html(gauge, language=language, tz=city.timezone, compact=True))
                projection(gauge)
                sid = gauge["station_id"]
                fig = charts_water.hydrograph(
                    buckets.get(sid, view.series.clear()),
                    marks.get(sid, []),
                    gauge,
                    every=view.every,
                    tz=city.timezone,
                    language=language,
                    compact=True,
                )
                st.plotly_chart(fig, config={"displayModeBar": False, "staticPlot": True}, key=f"kiosk-{gauge['station_id']}")

    glance()
    st.stop()

st.caption(t("pegel.intro", language))
# The controls sit under the cards, but the cards already use their values (kept by key).
hours = st.session_state.get("pegel_hours") or water.DEFAULT_HOURS
first = list(names)[:8]
chosen = tuple(sid for sid in st.session_state.get("pegel_gauges", first) if sid in names)


@st.fragment(run_every=30)
def board() -> None:
    view = data.view(water.overview, hours=hours, station_ids=chosen)
    banner(view)
    columns = st.columns(4)
    for i, gauge in enumerate(view.gauges.iter_rows(named=True)):
        with columns[i % 4]:
            st.html(charts_water.card_html(gauge, language=language, tz=city.timezone))
            projection(gauge)
    if view.gauges["projection_level"].is_not_null().any():
        st.caption(t("pegel.projection.note", language))


board()
st.subheader(t("pegel.hydrographs", language))
left, right = st.columns([1, 2])
left.segmented_control(
    t("pegel.window", language),
    list(water.WINDOWS),
    default=water.DEFAULT_HOURS,
    format_func=lambda h: t(f"pegel.window.{h}", language),
    key="pegel_hours",
)
if "pegel_gauges" in st.session_state and list(chosen) != st.session_state.pegel_gauges:
    st.session_state.pegel_gauges = list(chosen)  # a gauge left the data: keep the rest selectable
right.multiselect(t("pegel.choose", language), list(names), default=first, format_func=lambda sid: names[sid], key="pegel_gauges")


@st.fragment(run_every=30)
def hydrographs() -> None:
    view = data.view(water.overview, hours=hours, station_ids=chosen)
    as_of(view)
    drawn = view.gauges.filter(pl.col("station_id").is_in(chosen))
    buckets, marks = charts_water.per_gauge(view.series, view.levels)
    columns = st.columns(2)
    for i, gauge in enumerate(drawn.iter_rows(named=True)):
        with columns[i % 2]:
            sid = gauge["station_id"]
            fig = charts_water.hydrograph(
                buckets.get(sid, view.series.clear()), marks.get(sid, []), gauge, every=view.every, tz=city.timezone, language=language
            )
            st.plotly_chart(fig, config={"displaylogo": False}, key=f"hydrograph-{gauge['station_id']}")


hydrographs()
