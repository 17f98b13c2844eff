"""Verkehr & Lärm: counters today against the usual, modal split, V85; noise day and night levels; car parks and charging."""

import html

import polars as pl
import streamlit as st

from core.views import noise, parking, traffic
from ui import charts_traffic as ct
from ui import data, navigation, widgets
from ui.cards import status_card, status_rows
from ui.i18n import age, clock, number, quantity_value, t

navigation.guard(__file__)
language = widgets.lang()
city = data.city()
kiosk = widgets.kiosk()
st.title(t("verkehr.title", language))
if not len(data.current()):
    widgets.wait_for_data(language)
    st.stop()
CHART = {"displaylogo": False}
STATIC = {"displayModeBar": False, "staticPlot": True}


def q(value: float | None, quantity: str) -> str:
    return quantity_value(value, quantity, language)


def weekday(view: traffic.TrafficView) -> str:
    return t(f"weekdays.{view.weekday}", language)


def counter_usual(view: traffic.TrafficView, r: dict) -> str:
    if r["usual"] is None:
        return t("verkehr.counter_no_usual", language)
    return t("verkehr.counter_usual", language, weekday=weekday(view), hour=view.hour, value=q(r["usual"], traffic.HEADLINE))


def comparison_word(r: dict) -> str:
    return (r["comparison_en"] if language == "en" else r["comparison_de"]) or t("legend.unknown", language)


def counter_lines(view: traffic.TrafficView, r: dict) -> tuple[str, ...]:
    counted = (
        t("verkehr.counted", language, n=number(r["today"], 0, language), usual=number(r["usual_today"], 0, language))
        if r["usual_today"] is not None
        else t("verkehr.counted_alone", language, n=number(r["today"], 0, language))
    )
    modes = t(
        "verkehr.modes",
        language,
        heavy=q(r["traffic_heavy"], "traffic_heavy"),
        bike=q(r["traffic_bike"], "traffic_bike"),
        pedestrian=q(r["traffic_pedestrian"], "traffic_pedestrian"),
    )
    return (
        counter_usual(view, r),
        counted,
        modes,
        t("verkehr.v85", language, value=q(r["speed_v85"], "speed_v85")),
        age(r["age_s"], language),
    )


def traffic_section() -> None:
    view = data.view(traffic.overview)
    st.subheader(t("verkehr.traffic", language))
    if not len(view.counters):
        st.info(t("verkehr.no_counters", language), icon=":material/traffic:")
        return
    names = dict(zip(view.counters["station_id"], view.counters["name"]))
    if kiosk:  # the busiest counter with its day; the others as rows
        rows = [
            {
                "name": r["name"] or r["station_id"],
                "sub": f"{counter_usual(view, r)} · {t('verkehr.v85', language, value=q(r['speed_v85'], 'speed_v85'))}",
                "tone": r["tone"],
                "label": comparison_word(r),
                "value": q(r[traffic.HEADLINE], traffic.HEADLINE),
            }
            for r in view.counters.iter_rows(named=True)
        ]
        st.html(status_rows(rows))
        first = view.counters.row(0, named=True)
        one = view.hourly.filter((pl.col("station_id") == first["station_id"]) & (pl.col("quantity") == traffic.HEADLINE))
        fig = ct.traffic_day(
            one,
            name=names[first["station_id"]] or "",
            quantity=traffic.HEADLINE,
            weekday=view.weekday,
            language=language,
            height=330,
            large=True,
        )
        st.plotly_chart(fig, config=STATIC, key="kiosk-traffic-day")
        st.plotly_chart(
            ct.modal_split(view.split, names, language=language, height=110 + 40 * len(names), large=True), config=STATIC, key="kiosk-split"
        )
        return
    for r in view.counters.iter_rows(named=True):
        card, chart = st.columns([2, 5], gap="medium")
        with card:
            st.html(
                status_card(
                    tone=r["tone"],
                    title=r["name"] or r["station_id"],
                    number_text=q(r[traffic.HEADLINE], traffic.HEADLINE),
                    label=comparison_word(r),
                    lines=counter_lines(view, r),
                    stale=r["stale"],
                    language=language,
                )
            )
        with chart:
            one = view.hourly.filter((pl.col("station_id") == r["station_id"]) & (pl.col("quantity") == traffic.HEADLINE))
            fig = ct.traffic_day(
                one, name=r["name"] or r["station_id"], quantity=traffic.HEADLINE, weekday=view.weekday, language=language, height=300
            )
            st.plotly_chart(fig, config=CHART, key=f"traffic-day-{r['station_id']}")
    st.plotly_chart(ct.modal_split(view.split, names, language=language), config=CHART, key="split")
    st.caption(t("verkehr.usual_note", language, weekday=weekday(view), weeks=traffic.USUAL_WEEKS))
    st.caption(t("verkehr.v85_note", language))


def noise_rows(view: noise.NoiseView) -> list[dict]:
    day_key = "verkehr.noise_day_running" if view.periods.day_running else "verkehr.noise_day"
    rows = []
    for r in view.stations.iter_rows(named=True):
        parts = [
            t("verkehr.noise_night", language, value=q(r["night"], "noise")),
            t("verkehr.hours_above", language, n=r["hours_above"], total=r["hours_counted"], value=q(view.guide.day, "noise")),
        ]
        if not kiosk:
            parts.insert(0, t("verkehr.noise_now", language, value=q(r["now"], "noise"), peak=q(r["peak"], "noise_max")))
        rows.append(
            {
                "name": r["name"] or r["station_id"],
                "sub": " · ".join(parts),
                "tone": r["day_tone"],
                "label": t(f"verkehr.rating.{r['day_rating'] or 'none'}", language),
                "value": t(day_key, language, value=q(r["day"], "noise")),
            }
        )
    return rows


def noise_section() -> None:
    view = data.view(noise.overview)
    st.subheader(t("verkehr.noise", language))
    if not len(view.stations):
        st.info(t("verkehr.no_noise", language), icon=":material/volume_up:")
        return
    st.html(f'<div class="scl-lead"><b>{html.escape(t("verkehr.not_official", language))}</b></div>' + status_rows(noise_rows(view)))
    names = dict(zip(view.stations["station_id"], view.stations["name"]))
    fig = ct.noise_day(view.hourly, names, view.guide, language=language, height=330 if kiosk else 380, large=kiosk)
    st.plotly_chart(fig, config=STATIC if kiosk else CHART, key="noise-day")
    guide = view.guide
    basis = t("verkehr.basis.default" if guide.is_default() else "verkehr.basis.city", language)
    if not kiosk:
        st.caption(
            t(
                "verkehr.noise_note",
                language,
                basis=basis,
                day=number(guide.day, 0, language),
                night=number(guide.night, 0, language),
                lden=number(guide.who_lden, 0, language),
                lnight=number(guide.who_lnight, 0, language),
            )
        )


def site_row(r: dict) -> dict:
    when = age(r["age_s"], language) + (f" · {t('common.stale', language)}" if r["stale"] else "")
    label = r["status_en"] if language == "en" else r["status_de"]
    if r["theme"] == "charging":
        broken = int(r["charging_out_of_service"] or 0)
        aside = t("verkehr.charging_broken", language, n=broken) if broken else t("verkehr.charging_ok", language)
        free = number(r["free"], 0, language)
        return {
            "name": r["name"] or r["station_id"],
            "sub": t("verkehr.charging_sub", language, broken=aside, age=when),
            "tone": r["tone"],
            "label": label,
            "value": t("verkehr.charging_value", language, free=free, total=number(r["total"], 0, language)),
        }
    return {
        "name": r["name"] or r["station_id"],
        "sub": t("verkehr.parking_sub", language, occupancy=q(r["occupancy"], "occupancy"), age=when),
        "tone": r["tone"],
        "label": label,
        "value": t("verkehr.parking_value", language, free=number(r["free"], 0, language)),
    }


def sites_section() -> None:
    sites = data.view(parking.sites)
    st.subheader(t("verkehr.sites", language))
    if not len(sites):
        st.info(t("verkehr.no_sites", language), icon=":material/local_parking:")
        return
    st.html(status_rows([site_row(r) for r in sites.iter_rows(named=True)]))
    st.caption(t("verkehr.sites_note", language))


@st.fragment(run_every=30)
def page() -> None:
    as_of = max((ts for ts in (data.view(traffic.overview).as_of, data.view(noise.overview).as_of) if ts is not None), default=None)
    st.caption(t("common.as_of", language, time=clock(as_of, city.timezone, language)))
    if kiosk:
        left, middle, right = st.columns([5, 5, 3], gap="medium")
        with left:
            traffic_section()
        with middle:
            noise_section()
        with right:
            sites_section()
        return
    traffic_section()
    noise_section()
    sites_section()


page()
