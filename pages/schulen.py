"""Raumluft Schulen: CO₂ traffic lights with airing hints per school and room, today's curve, lesson-time shares."""

import html

import polars as pl
import streamlit as st

from core.views import schools
from ui import charts_schools, data, navigation, plain, widgets
from ui.cards import chips, grid, status_card
from ui.i18n import age, clock, day_label, decimal, number, quantity_value, t

navigation.guard(__file__)
language = widgets.lang()
city = data.city()
kiosk = widgets.kiosk()
st.title(t("schulen.title", language))
if not len(data.current()):
    widgets.wait_for_data(language)
    st.stop()

names = data.view(schools.schools)
if not names:
    st.info(t("schulen.no_rooms", language), icon=":material/school:")
    st.stop()


def ppm(value: float | None) -> str:
    return quantity_value(value, "co2", language)


def school_name(school: str | None) -> str:
    return t("schulen.all", language) if school is None else school or t("schulen.unassigned", language)


def label(row: dict) -> str:
    return row["status_en"] if language == "en" else row["status_de"]


def as_of_line(moment, stale: int) -> None:
    badge = f' <span class="scs-stale">{html.escape(t("common.stale", language))}: {stale}</span>' if stale else ""
    st.html(f'<div class="scs-foot">{html.escape(t("common.as_of", language, time=clock(moment, city.timezone, language)))}{badge}</div>')


@st.fragment(run_every=30)
def overview() -> None:
    result = data.view(schools.overview)
    table = result.schools
    limit = ppm(result.week.edges[0])
    airing, total = int((table["to_air"] + table["bad"]).sum()), int(table["rooms"].sum())
    lead = t("schulen.summary.some", language, n=airing, total=total) if airing else t("schulen.summary.none", language, total=total)
    st.html(f'<div class="scl-lead">{html.escape(lead)}</div>')
    as_of_line(table["as_of"].max(), int(table["stale"].sum()))
    compact = kiosk and len(table) > 4  # many schools on one kiosk screen: small tiles, no small print
    cards = []
    for r in table.iter_rows(named=True):
        n = r["to_air"] + r["bad"]
        state = t("schulen.tile.to_air", language, n=n, total=r["rooms"]) if n else t("schulen.tile.all_good", language, total=r["rooms"])
        week = (
            t("schulen.tile.week", language, share=f"{number(r['share_moderate'] * 100, 0, language)} %", value=limit)
            if r["share_moderate"] is not None
            else ""
        )
        rooms = [{"tone": s["tone"], "title": f"{s['room']}: {t('schulen.hint.' + s['status'], language)}"} for s in r["room_states"]]
        cards.append(
            status_card(
                tone=r["tone"],
                title=school_name(r["school"]),
                number_text=state,
                label=label(r),
                extra=chips(rooms),
                lines=(t("schulen.tile.worst", language, room=plain.short(r["worst_room"], plain.SENTENCE), value=ppm(r["max_co2"])), week),
                stale=r["stale"] > 0,
                language=language,
                compact=compact,
            )
        )
    st.html(grid(cards, 12 if compact else 18 if kiosk else 20))
    if (kiosk and len(cards) > 4) or not int(table["buckets"].fill_null(0).sum()):
        return  # a kiosk full of tiles has no room for the chart
    week = result.week
    edges = week.edges
    title = t(
        "schulen.share_title",
        language,
        moderate=ppm(edges[0]),
        bad=ppm(edges[-1]),
        start=day_label(week.start, language),
        end=day_label(week.end, language),
    )
    named = table.sort("school").with_columns(school=pl.col("school").map_elements(school_name, return_dtype=pl.String))
    st.plotly_chart(
        charts_schools.lesson_shares(
            named, title=title, edges=edges, language=language, label="school", y_title=t("schulen.pick", language), large=kiosk
        ),
        config={"displaylogo": False},
    )


@st.fragment(run_every=30)
def rooms_now(school: str) -> None:
    rooms = data.view(schools.rooms, school=school)
    airing = int(rooms["air"].sum())
    lead = (
        t("schulen.summary.some", language, n=airing, total=len(rooms)) if airing else t("schulen.summary.none", language, total=len(rooms))
    )
    st.html(f'<div class="scl-lead">{html.escape(lead)}</div>')
    as_of_line(rooms["ts"].max(), int(rooms["stale"].sum()))
    cards = [
        status_card(
            tone=r["tone"],
            title=r["room"],
            number_text=ppm(r["value"]),
            label=label(r),
            lines=(t("schulen.hint." + r["status"], language) if r["severity"] != 0 else "", age(r["age_s"], language)),
            stale=r["stale"],
            language=language,
        )
        for r in rooms.iter_rows(named=True)
    ]
    st.html(grid(cards, 11))
    st.subheader(t("schulen.curve", language))
    curve = data.view(schools.day_curve, school=school)
    share = data.view(schools.lesson_share, school=school)
    if len(curve):
        st.plotly_chart(
            charts_schools.co2_day(curve, school=school_name(school), edges=share.edges, language=language), config={"displaylogo": False}
        )
    else:
        st.info(t("schulen.no_curve", language))


@st.fragment(run_every=30)
def lesson_time(school: str) -> None:
    st.subheader(t("schulen.share", language))
    weeks_back = st.segmented_control(
        t("schulen.week", language),
        [0, 1],
        default=0,
        key="schools_week",
        required=True,
        format_func=lambda w: t(f"schulen.week.{w}", language),
    )
    share = data.view(schools.lesson_share, school=school, weeks_back=weeks_back or 0)
    if not int(share.rooms["buckets"].sum()):
        st.info(t("schulen.no_lessons", language))
        return
    moderate, bad = ppm(share.edges[0]), ppm(share.edges[-1])
    title = t(
        "schulen.share_title",
        language,
        moderate=moderate,
        bad=bad,
        start=day_label(share.start, language),
        end=day_label(share.end, language),
    )
    st.plotly_chart(
        charts_schools.lesson_shares(share.rooms, title=title, edges=share.edges, language=language), config={"displaylogo": False}
    )
    days = f"{t(f'schulen.day.{schools.LESSONS.weekdays[0]}', language)}–{t(f'schulen.day.{schools.LESSONS.weekdays[-1]}', language)}"
    st.caption(
        t(
            "schulen.share_note",
            language,
            days=days,
            start=schools.LESSONS.start.strftime("%H:%M"),
            end=schools.LESSONS.end.strftime("%H:%M"),
        )
    )
    above = [t("schulen.over", language, value=moderate), t("schulen.over", language, value=bad)]
    st.dataframe(
        share.rooms.select(
            plain.column("room", plain.TABLE).alias(t("schulen.col.room", language)),
            (pl.col("share_moderate") * 100).alias(above[0]),
            (pl.col("share_bad") * 100).alias(above[1]),
            decimal("hours", 1, language).alias(t("schulen.col.hours", language)),
        ),
        column_config={name: st.column_config.ProgressColumn(name, format="%.0f %%", min_value=0, max_value=100) for name in above},
        hide_index=True,
    )


if kiosk:
    overview()
    st.stop()


def remember_school() -> None:
    """Keep the choice in the URL, so a school can bookmark its own page."""
    if st.session_state.school is None:
        st.query_params.pop("school", None)
    else:
        st.query_params["school"] = st.session_state.school


options = [None, *names]
wanted = st.query_params.get("school")
school = st.selectbox(
    t("schulen.pick", language),
    options,
    index=options.index(wanted) if wanted in options else 0,
    key="school",
    format_func=lambda s: plain.short(school_name(s), plain.OPTION),
    on_change=remember_school,
)
if school is None:
    overview()
else:
    rooms_now(school)
    lesson_time(school)
