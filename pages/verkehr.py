"""Verkehr & Lärm: counters today against the usual, modal split, V85; noise day and night levels; car parks and charging."""

import html
import re
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from core.views import noise, parking, traffic
from core.views.sentences import place
from ui import charts_traffic as ct
from ui import data, navigation, widgets
from ui import kiosk as kiosk_mode
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


def places(frame: pl.DataFrame) -> dict[str, str]:
    """Station id -> where it stands ("Unnaer Straße" for "Lärmmessung Unnaer Straße"): charts and kiosk rows name the place.

    The kiosk's chart legends have room for the place, not for a remark in brackets after it.
    """
    named = {sid: place(name or sid) for sid, name in zip(frame["station_id"], frame["name"])}
    return {sid: re.sub(r"\s*\([^()]*\)$", "", text) or text for sid, text in named.items()} if kiosk else named


def weekday(view: traffic.TrafficView) -> str:
    return t(f"weekdays.{view.weekday}", language)


def counter_usual(r: dict) -> str:
    """ "Üblich mittwochs um 14 Uhr: 380 Autos/h": the hour and weekday of the latest count, which it is compared with."""
    if r["usual"] is None or r["at"] is None:
        return t("verkehr.counter_no_usual", language)
    at = r["at"].astimezone(ZoneInfo(city.timezone))
    day = t(f"weekdays.{at.isoweekday()}", language)
    return t("verkehr.counter_usual", language, weekday=day, hour=at.hour, value=q(r["usual"], traffic.HEADLINE))


def comparison_word(r: dict) -> str:
    return (r["comparison_en"] if language == "en" else r["comparison_de"]) or t("legend.unknown", language)


def counter_lines(r: dict) -> tuple[str, ...]:
    """A counter card's small print: the usual it is compared with, today's count, the other modes, V85, the age."""
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
        counter_usual(r),
        counted,
        modes,
        t("verkehr.v85", language, value=q(r["speed_v85"], "speed_v85")),
        age(r["age_s"], language),
    )


def traffic_rows(view: traffic.TrafficView) -> list[dict]:
    """The kiosk's counters: cars now against the usual, V85 in the small print."""
    return [
        {
            "name": place(r["name"] or r["station_id"]),
            "sub": t("verkehr.kiosk_counter", language, usual=number(r["usual"], 0, language), v85=q(r["speed_v85"], "speed_v85")),
            "tone": r["tone"],
            "label": t(f"verkehr.short.{r['comparison']}", language) if r["comparison"] else t("legend.unknown", language),
            "value": q(r[traffic.HEADLINE], traffic.HEADLINE),
        }
        for r in view.counters.iter_rows(named=True)
    ]


@st.cache_resource(max_entries=512, show_spinner=False)
def day_figure(data_version: int, station_id: str, language: str, kiosk: bool, height: int, _view: traffic.TrafficView):
    """One counter's day chart, built once per data version (``_view`` is that version's view: not part of the key).

    A city with a few dozen counters draws a chart for each on every rerun; building the
    plotly figures was most of the page's time. A kiosk refresh or a second visitor on the
    same data gets the figure made before (``st.plotly_chart`` only reads it).
    """
    one = _view.hourly.filter((pl.col("station_id") == station_id) & (pl.col("quantity") == traffic.HEADLINE))
    name = places(_view.counters)[station_id]
    return ct.traffic_day(one, name=name, quantity=traffic.HEADLINE, weekday=_view.weekday, language=language, height=height, large=kiosk)


def traffic_chart(view: traffic.TrafficView, station_id: str, *, height: int, key: str) -> None:
    fig = day_figure(data.version(), station_id, language, kiosk, height, view)
    st.plotly_chart(fig, config=STATIC if kiosk else CHART, key=key)


def traffic_section() -> None:
    view = data.view(traffic.overview)
    st.subheader(t("verkehr.traffic", language))
    if not len(view.counters):
        st.info(t("verkehr.no_counters", language), icon=":material/traffic:")
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
                    lines=counter_lines(r),
                    stale=r["stale"],
                    language=language,
                )
            )
        with chart:
            traffic_chart(view, r["station_id"], height=340, key=f"traffic-day-{r['station_id']}")
    st.plotly_chart(ct.modal_split(view.split, places(view.counters), language=language), config=CHART, key="split")
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
        if kiosk:  # one line of small print: the screen has room for every sound meter
            parts = [
                t(
                    "verkehr.kiosk_noise",
                    language,
                    night=number(r["night"], 0, language),
                    n=r["hours_above"],
                    value=number(view.guide.day, 0, language),
                )
            ]
        else:
            parts.insert(0, t("verkehr.noise_now", language, value=q(r["now"], "noise"), peak=q(r["peak"], "noise_max")))
        rating = f"verkehr.{'short' if kiosk else 'rating'}.{r['day_rating'] or 'none'}"
        rows.append(
            {
                "name": place(r["name"] or r["station_id"]) if kiosk else r["name"] or r["station_id"],
                "sub": " · ".join(parts),
                "tone": r["day_tone"],
                "label": t(rating, language),
                "value": q(r["day"], "noise") if kiosk else t(day_key, language, value=q(r["day"], "noise")),
            }
        )
    return rows


def noise_section(*, chart: bool = True) -> None:
    view = data.view(noise.overview)
    st.subheader(t("verkehr.noise", language))
    if not len(view.stations):
        st.info(t("verkehr.no_noise", language), icon=":material/volume_up:")
        return
    lead = t("verkehr.kiosk_noise_lead" if kiosk else "verkehr.not_official", language)
    st.html(f'<div class="scl-sub"><b>{html.escape(lead)}</b></div>' + status_rows(noise_rows(view)))
    if chart:
        noise_chart(view, height=380)
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


def noise_chart(view: noise.NoiseView, *, height: int) -> None:
    fig = ct.noise_day(view.hourly, places(view.stations), view.guide, language=language, height=height, large=kiosk)
    st.plotly_chart(fig, config=STATIC if kiosk else CHART, key="noise-day")


def site_row(r: dict) -> dict:
    """A car park or charging site as a ranked row: free (of total), status, out of service and age in the small print."""
    when = age(r["age_s"], language) + (f" · {t('common.stale', language)}" if r["stale"] else "")
    label = r["status_en"] if language == "en" else r["status_de"]
    if r["theme"] == "charging":
        broken = int(r["charging_out_of_service"] or 0)
        aside = t("verkehr.charging_broken", language, n=broken) if broken else t("verkehr.charging_ok", language)
        free = number(r["free"], 0, language)
        return {
            "name": r["name"] or r["station_id"],
            "sub": aside if kiosk else t("verkehr.charging_sub", language, broken=aside, age=when),
            "tone": r["tone"],
            "label": label,
            "value": t("verkehr.charging_value", language, free=free, total=number(r["total"], 0, language)),
        }
    return {
        "name": r["name"] or r["station_id"],
        "sub": t("verkehr.kiosk_parking" if kiosk else "verkehr.parking_sub", language, occupancy=q(r["occupancy"], "occupancy"), age=when),
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
    if not kiosk:
        st.caption(t("verkehr.sites_note", language))


def kiosk_screen() -> None:
    """1920×1080 from a few metres, no scrolling: three lists side by side, the busiest counter's day and the noise day below."""
    st.html(ct.KIOSK_CSS)
    height = ct.KIOSK_CHART - (kiosk_mode.BANNER_PX if kiosk_mode.scenario_running() else 0)  # the banner takes its room
    lists = st.columns(3, gap="medium")
    view = data.view(traffic.overview)
    with lists[0]:
        st.subheader(t("verkehr.traffic", language))
        if len(view.counters):
            st.html(status_rows(traffic_rows(view)))
        else:
            st.info(t("verkehr.no_counters", language), icon=":material/traffic:")
    with lists[1]:
        noise_section(chart=False)
    with lists[2]:
        sites_section()
    charts = st.columns(3, gap="medium")
    if len(view.counters):
        with charts[0]:
            traffic_chart(view, view.counters["station_id"][0], height=height, key="kiosk-traffic-day")
        with charts[2]:
            st.plotly_chart(
                ct.modal_split(view.split, places(view.counters), language=language, height=height, large=True),
                config=STATIC,
                key="kiosk-split",
            )
    noises = data.view(noise.overview)
    if len(noises.stations):
        with charts[1]:
            noise_chart(noises, height=height)


@st.fragment(run_every=30)
def page() -> None:
    as_of = max((ts for ts in (data.view(traffic.overview).as_of, data.view(noise.overview).as_of) if ts is not None), default=None)
    st.caption(t("common.as_of", language, time=clock(as_of, city.timezone, language)))
    if kiosk:
        kiosk_screen()
        return
    traffic_section()
    noise_section()
    sites_section()


page()
