"""Quellen: every data source's health (last success, last error, rows, latency), the stale stations,
the readings the quality checks kept aside and damaged store files."""

from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from core.schema import QUANTITIES
from core.views import feeds
from data_sources import licences
from ui import access, data, navigation, plain, style, widgets
from ui.i18n import age, clock, number, t

STAFF_COLUMNS = ("last_error", "rows", "rows_total", "skipped", "latency", "failures")  # how a feed fails: staff only

navigation.guard(__file__)
language = widgets.lang()
city = data.city()
kiosk = widgets.kiosk()
staff = access.is_staff()
CREDITS = {c.source: c for c in licences.credits(city)}  # licence and attribution per source key
st.title(t("quellen.title", language))
if not kiosk:
    st.caption(t("quellen.intro", language))
if not len(data.current()):
    widgets.wait_for_data(language)  # no st.stop(): the sources below tell what was tried


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 1:
        return t("quellen.milliseconds", language, n=round(seconds * 1000))
    for limit, key in ((3600, "quellen.hours"), (60, "quellen.minutes")):
        if seconds >= limit and seconds % limit == 0:
            return t(key, language, n=int(seconds // limit))
    return t("quellen.seconds", language, n=number(seconds, 0 if seconds >= 10 else 1, language))


def when(ts, seconds: float | None) -> str:
    return t("quellen.at_age", language, time=clock(ts, city.timezone, language), age=age(seconds, language))


def source_row(src: dict[str, Any]) -> dict[str, str]:
    """One source as table text; a never-polled source says so in plain words."""
    _, icon = style.TONES.get(src["tone"], style.TONES["unknown"])
    never, state = src["state"] == "never", t(f"quellen.state.{src['state']}", language)
    row = {
        "state": f"{icon} {state}",
        "key": src["key"],
        "kind": src["kind"] or t("quellen.not_configured", language),
        "poll": duration(src["poll_s"]),
        "last_success": t("quellen.state.never", language)
        if never
        else when(src["last_success"], src["since_success_s"])
        if src["last_success"]
        else t("quellen.never_ok", language),
        "last_error": src["last_error"] or "–",
        "rows": "–" if never else number(src["rows"], 0, language),
        "rows_total": "–" if never else number(src["rows_total"], 0, language),
        "skipped": "–" if never else f"{number(src['skipped'], 0, language)} / {number(src['skipped_total'], 0, language)}",
        "latency": "–" if never else duration(src["latency_s"]),
        "failures": "–" if never else str(src["failures"]),
        "quarantined": "–" if never else f"{number(src['quarantined'], 0, language)} / {number(src['quarantined_total'], 0, language)}",
        "stations": f"{number(src['stations'], 0, language)} ({number(src['stale_stations'], 0, language)})",
        "licence": CREDITS[src["key"]].text() if src["key"] in CREDITS else "–",  # what a reuser must name
    }
    if kiosk:  # error texts are for staff, not for a public screen
        row.pop("last_error")
    if not staff:
        row = {k: v for k, v in row.items() if k not in STAFF_COLUMNS}
    return {t(f"quellen.col.{k}", language): v for k, v in row.items()}


def stale_row(station: dict[str, Any]) -> dict[str, str]:
    return {
        t("quellen.col.station", language): plain.short(station["name"] or station["station_id"], plain.TABLE),
        t("quellen.col.key", language): station["source"] or "–",
        t("quellen.col.theme", language): t(f"theme.{station['theme']}", language) if station["theme"] else "–",
        t("quellen.col.district", language): plain.short(station["district"], plain.TABLE) or "–",
        t("quellen.col.quantities", language): ", ".join(t(f"quantity.{q}", language) for q in station["quantities"]),
        t("quellen.col.last_seen", language): when(station["last_ts"], station["age_s"]),
        t("quellen.col.outage", language): t("quellen.outage.all" if station["silent"] else "quellen.outage.part", language),
    }


def stamp(ts) -> str:
    return (
        "–" if ts is None else ts.astimezone(ZoneInfo(city.timezone)).strftime("%d.%m.%Y %H:%M" if language == "de" else "%d %b %Y %H:%M")
    )


def quarantine_row(row: dict[str, Any]) -> dict[str, str]:
    q = QUANTITIES.get(row["quantity"])
    return {
        t("quellen.col.measured", language): stamp(row["ts"]),
        t("quellen.col.station", language): plain.short(row["name"] or row["station_id"], plain.TABLE),  # feed text: a cell shows text
        t("quellen.col.key", language): row["source"] or "–",
        t("quellen.col.quantity", language): t(f"quantity.{row['quantity']}", language) if q else row["quantity"],
        t("quellen.col.value", language): f"{number(row['value'], q.decimals if q else 1, language)} {q.unit if q else ''}".strip(),
        t("quellen.col.reason", language): t(f"quellen.reason.{row['reason']}", language),
    }


def quarantined(view: feeds.FeedsView) -> None:
    st.subheader(t("quellen.quarantine.title", language))
    total = int(view.quarantine_counts["readings"].sum()) if len(view.quarantine_counts) else 0
    if not total:
        st.success(t("quellen.quarantine.none", language), icon=":material/check_circle:")
    else:
        st.warning(t("quellen.quarantine.count", language, n=number(total, 0, language)), icon=":material/filter_alt:")
        counts = [
            {
                t("quellen.col.key", language): c["source"] or "–",
                t("quellen.col.reason", language): t(f"quellen.reason.{c['reason']}", language),
                t("quellen.col.readings", language): number(c["readings"], 0, language),
            }
            for c in view.quarantine_counts.iter_rows(named=True)
        ]
        st.dataframe(counts, hide_index=True)
        if not kiosk and staff:  # the readings themselves (station names, values) are for staff
            st.caption(t("quellen.quarantine.newest", language, n=len(view.quarantine)))
            st.dataframe([quarantine_row(r) for r in view.quarantine.iter_rows(named=True)], hide_index=True, width="stretch")
    st.caption(t("quellen.quarantine.rule", language))


def store_problems(view: feeds.FeedsView) -> None:
    st.subheader(t("quellen.store.title", language))
    problems = view.problems
    if not len(problems):
        st.success(t("quellen.store.ok", language), icon=":material/check_circle:")
        return
    waiting = int((~problems["repaired"]).sum())
    text = t("quellen.store.damaged", language, n=len(problems))
    if waiting:
        text += " " + t("quellen.store.waiting", language, n=waiting)
    st.warning(text, icon=":material/build:")
    if kiosk or not staff:  # file names and error texts are for staff
        return
    rows = [
        {
            t("quellen.col.found", language): p["at"] or "–",
            t("quellen.col.file", language): p["file"],
            t("quellen.col.action", language): p["action"],
            t("quellen.col.why", language): p["reason"],
        }
        for p in problems.iter_rows(named=True)
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


def push_sources(view: feeds.FeedsView) -> None:
    """Push sources (MQTT bridges): connected or not, since when, last message, messages per hour, last error."""
    if not len(view.push):
        return
    st.subheader(t("quellen.push.title", language))
    rows = []
    for p in view.push.iter_rows(named=True):
        tone = "good" if p["connected"] else "bad"
        word = "connected" if p["connected"] else "disconnected" if p["running"] else "not_running"
        row = {
            "state": f"{style.TONES[tone][1]} {t(f'quellen.push.{word}', language)}",
            "key": p["key"],
            "since": when(p["since"], _age(p["since"], view.as_of)) if p["since"] else "–",
            "last_message": when(p["last_message"], _age(p["last_message"], view.as_of)) if p["last_message"] else "–",
            "per_hour": number(p["per_hour"], 0, language),
            "malformed": f"{number(p['malformed'], 0, language)} / {number(p['protobuf'], 0, language)}",
            "last_error": p["last_error"] or "–",  # feed text: a table cell shows it as text
        }
        if kiosk or not staff:  # error texts are for staff, not for a public screen
            row.pop("last_error")
        rows.append({t(f"quellen.push.col.{k}", language): v for k, v in row.items()})
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(t("quellen.push.rule", language))


def _age(ts, now) -> float | None:
    return None if ts is None else (now - ts).total_seconds()


@st.fragment(run_every=30)
def health() -> None:
    view: feeds.FeedsView = data.view(feeds.overview)
    sources = view.sources
    ok = int((sources["state"] == "ok").sum())
    columns = st.columns(4)
    columns[0].metric(t("quellen.metric.ok", language), t("quellen.of", language, n=ok, total=len(sources)))
    columns[1].metric(t("quellen.metric.failing", language), int((sources["state"] == "failing").sum()))
    columns[2].metric(t("quellen.metric.stations", language), number(view.stations, 0, language))
    columns[3].metric(t("quellen.metric.stale", language), number(len(view.stale), 0, language))
    st.caption(t("common.as_of", language, time=clock(view.as_of, city.timezone, language)))
    st.subheader(t("quellen.sources", language))
    st.dataframe([source_row(src) for src in sources.iter_rows(named=True)], hide_index=True, width="stretch")
    failed = sources.filter(sources["last_error"].is_not_null())
    if not kiosk and not staff:
        access.staff_only("feed_details", language)
    elif len(failed) and not kiosk:
        with st.expander(t("quellen.errors", language), expanded=bool((sources["state"] == "failing").any())):
            for src in failed.iter_rows(named=True):
                failing = src["state"] == "failing"
                moment = clock(src["last_attempt"] if failing else src["last_success"], city.timezone, language)
                key = "quellen.error_failing" if failing else "quellen.error_recovered"
                st.caption(t(key, language, source=src["key"], n=src["failures"], time=moment))
                st.code(src["last_error"], language=None, wrap_lines=True)  # feed text, shown literally
    push_sources(view)
    st.subheader(t("quellen.stale.title", language))
    if len(view.stale):
        st.dataframe([stale_row(s) for s in view.stale.iter_rows(named=True)], hide_index=True, width="stretch")
    else:
        st.success(t("quellen.stale.none", language, n=view.stations), icon=":material/check_circle:")
    st.caption(t("quellen.stale.rule", language))
    quarantined(view)
    store_problems(view)


health()
