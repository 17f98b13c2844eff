"""Energie: the city's buildings today against last year, per m² against VDI 3807, night baseload, school days, heat by degree days."""

import streamlit as st

from core import energy
from core.views import energy as views
from ui import charts_energy as ce
from ui import data, navigation, widgets
from ui.cards import status_rows
from ui.i18n import clock, number, t

navigation.guard(__file__)
language = widgets.lang()
city = data.city()
kiosk = widgets.kiosk()
st.title(t("energie.title", language))
CHART = {"displaylogo": False}
STATIC = {"displayModeBar": False, "staticPlot": True}
TONE = {"good": "good", "medium": "moderate", "high": "bad", "unknown": "unknown"}
SAME = 0.05  # within ±5 % of the comparison day reads "the same"

if not len(data.current()):
    widgets.wait_for_data(language)
    st.stop()
if not city.buildings:
    st.info(t("energie.no_buildings", language), icon=":material/domain:")
    st.stop()


def kwh(value: float | None) -> str:
    return "–" if value is None else f"{number(value, 0, language)} kWh"


def percent(change: float | None) -> str:
    if change is None:
        return "–"
    whole = round(100 * change)
    return f"{'+' if whole > 0 else ''}{number(whole + 0.0, 0, language)} %"  # + 0.0: never "-0 %"


def change_word(change: float | None) -> tuple[str, str]:
    """Tone and word of today against the comparison day: less is good, more is a warning (never colour alone: the word says it)."""
    if change is None:
        return "unknown", t("energie.change.unknown", language)
    if abs(change) <= SAME:
        return "fair", t("energie.change.same", language)
    return ("good", t("energie.change.less", language)) if change < 0 else ("poor", t("energie.change.more", language))


def versus(r: dict) -> str:
    basis = r["el_basis"] or "none"
    return t(f"energie.versus.{basis}", language, value=kwh(r["el_usual"]))


def category(r: dict) -> str:
    return t(f"energie.category.{r['category']}", language)


def today_rows(view: views.EnergyView) -> list[dict]:
    rows = []
    for r in view.buildings.iter_rows(named=True):
        tone, word = change_word(r["el_change"])
        sub = f"{t('energie.row_today', language, el=kwh(r['el_today']), heat=kwh(r['heat_today']))} · {versus(r)}"
        rows.append({"name": r["name"], "sub": sub, "tone": tone, "label": word, "value": percent(r["el_change"])})
    return rows


def night_rows(view: views.EnergyView) -> list[dict]:
    rows = []
    for r in view.buildings.sort("night_share", descending=True, nulls_last=True).iter_rows(named=True):
        share, flag = r["night_share"], r["night_flag"]
        tone = "unknown" if share is None else "bad" if flag else "good"
        label = t("energie.night.none" if share is None else "energie.night.high" if flag else "energie.night.ok", language)
        sub = f"{category(r)} · " + t(
            "energie.night_row", language, kw="–" if r["night_kw"] is None else f"{number(r['night_kw'], 1, language)} kW"
        )
        rows.append({"name": r["name"], "sub": sub, "tone": tone, "label": label, "value": percent(share).lstrip("+")})
    return rows


def heat_rows(view: views.EnergyView) -> list[dict]:
    rows = []
    for r in view.buildings.iter_rows(named=True):
        change = r["heat_corrected_change"]
        tone, word = change_word(change)
        sub = t("energie.heat_row", language, now=kwh(r["heat_window"]), last=kwh(r["heat_last_year"]))
        rows.append({"name": r["name"], "sub": sub, "tone": tone, "label": word, "value": percent(change)})
    return rows


def rating_rows(view: views.EnergyView) -> list[dict]:
    rows = []
    for r in view.buildings.iter_rows(named=True):
        rating = r["el_rating"] if r["heat_rating"] == "unknown" else max((r["el_rating"], r["heat_rating"]), key=energy.RATINGS.index)
        sub = t("energie.row_today", language, el=per_m2(r["el_per_m2a"]), heat=per_m2(r["heat_per_m2a"]))
        sub = f"{category(r)} · {number(r['area_m2'], 0, language)} m² · {sub}"
        rows.append({"name": r["name"], "sub": sub, "tone": TONE[rating], "label": t(f"energie.rating.{rating}", language), "value": ""})
    return rows


def per_m2(value: float | None) -> str:
    return "–" if value is None else f"{number(value, 0, language)} kWh/(m²·a)"


def summary(view: views.EnergyView) -> None:
    total, hour = view.total, view.total["hours"]
    columns = st.columns(3)
    change = None if not total.get("el_usual") else total["el_today"] / total["el_usual"] - 1
    columns[0].metric(t("energie.total_el", language, hour=hour), kwh(total["el_today"]), percent(change), delta_color="inverse")
    columns[1].metric(t("energie.total_heat", language, hour=hour), kwh(total["heat_today"]))
    columns[2].metric(t("energie.total_flagged", language), f"{total['flagged']} / {total['buildings']}")


def degree_day_note(view: views.EnergyView) -> str:
    now, last = view.hdd
    if now is None or last is None or min(now, last) < views.MIN_HDD:
        return t("energie.heat_none", language)
    return t("energie.heat_note", language, now=number(now, 0, language), last=number(last, 0, language))


def kiosk_screen(view: views.EnergyView) -> None:
    """1920×1080 from a few metres: today against last year and the nights beside each other, kWh per m² below."""
    st.html(ce.KIOSK_CSS)
    left, right = st.columns(2, gap="medium")
    with left:
        st.subheader(t("energie.today", language))
        st.html(status_rows(today_rows(view)))
    with right:
        st.subheader(t("energie.night", language))
        st.html(status_rows(night_rows(view)[:4]))
        st.plotly_chart(ce.per_m2(view.buildings, "electricity", language=language, height=370, large=True), config=STATIC, key="k-el")


@st.fragment(run_every=60)
def page() -> None:
    view = data.view(views.overview)
    st.caption(t("common.as_of", language, time=clock(view.as_of, city.timezone, language)))
    if view.as_of is None:
        st.info(t("energie.no_data", language), icon=":material/electric_meter:")
        return
    if kiosk:
        kiosk_screen(view)
        return
    summary(view)
    st.subheader(t("energie.today", language))
    st.html(status_rows(today_rows(view)))
    st.subheader(t("energie.per_m2", language))
    st.html(status_rows(rating_rows(view)))
    left, right = st.columns(2, gap="medium")
    with left:
        st.plotly_chart(ce.per_m2(view.buildings, "electricity", language=language), config=CHART, key="per-m2-el")
    with right:
        st.plotly_chart(ce.per_m2(view.buildings, "heat", language=language), config=CHART, key="per-m2-heat")
    st.caption(t("energie.per_m2_note", language))
    st.subheader(t("energie.night", language))
    st.html(status_rows(night_rows(view)))
    st.caption(t("energie.night_note", language))
    st.plotly_chart(ce.day_kinds(view.buildings, language=language), config=CHART, key="day-kinds")
    note = "energie.days_note" if view.unknown_days else "energie.days_note_known"
    st.caption(t(note, language, n=view.unknown_days))
    st.subheader(t("energie.heat", language))
    st.html(status_rows(heat_rows(view)))
    st.caption(degree_day_note(view))
    names = {b.key: b.name for b in city.buildings}
    chosen = st.selectbox(t("energie.building", language), list(names), format_func=names.__getitem__, key="energie-building")
    days = data.view(views.daily, building=chosen)
    st.plotly_chart(ce.daily(days, name=names[chosen], language=language), config=CHART, key="daily")


page()
