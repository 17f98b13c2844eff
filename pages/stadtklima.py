"""Stadtklima: temperatures across the city now, day curves, heat and frost days, young trees' soil."""

import html

import polars as pl
import streamlit as st

from core.views import microclimate
from core.views import trees as tree_view
from ui import charts_climate as cc
from ui import charts_trees as ct
from ui import data, mapview, navigation, plain, widgets
from ui.cards import block, grid, status_card, status_rows
from ui.i18n import age, clock, day_label, decimal, quantity_value, t

navigation.guard(__file__)
language = widgets.lang()
city = data.city()
kiosk = widgets.kiosk()
st.title(t("stadtklima.title", language))
if not len(data.current()):
    widgets.wait_for_data(language)
    st.stop()


def temperature(value: float | None) -> str:
    return quantity_value(value, "temperature", language)


def summary(now: microclimate.CityNow, room: int | None) -> str:
    """The lead: mean, warmest and coolest place, heat stress; place names shortened to ``room`` (None: whole)."""

    def name(row: dict) -> str:
        return plain.short(row["name"], room) if room else row["name"]

    lead = ""
    if len(now.hottest) and len(now.coolest):
        hot, cool = now.hottest.row(0, named=True), now.coolest.row(0, named=True)
        lead = t(
            "stadtklima.summary",
            language,
            mean=temperature(now.mean),
            hot_place=name(hot),
            hot=temperature(hot["temperature"]),
            cool_place=name(cool),
            cool=temperature(cool["temperature"]),
        )
    worst = now.worst
    if not worst or not worst["severity"]:
        return f"{lead} {t('stadtklima.stress.none', language)}"
    status = worst["status_en" if language == "en" else "status_de"]
    return f"{lead} {t('stadtklima.stress.some', language, status=status, felt=temperature(worst['felt']), place=name(worst))}"


@st.fragment(run_every=30)
def now_section() -> None:
    now = data.view(microclimate.city_now)
    if not len(now.stations):
        st.info(t("stadtklima.no_stations", language), icon=":material/thermostat:")
        return
    stale = int(now.stations["stale"].sum())
    badge = f' <span class="scs-stale">{html.escape(t("stadtklima.stale_n", language, n=stale))}</span>' if stale else ""
    st.html(
        block("scl-lead", summary(now, plain.SENTENCE), full=summary(now, None))
        + f'<div class="scs-foot">{html.escape(t("common.as_of", language, time=clock(now.as_of, city.timezone, language)))}{badge}</div>'
    )
    left, right = st.columns([3, 2], gap="medium")
    with left:
        height = 400 if kiosk else 500
        labelled = frozenset(now.hottest["station_id"]) | frozenset(now.coolest["station_id"])
        st.pydeck_chart(
            cc.temperature_deck(
                now.stations, center=city.center, zoom=city.zoom, language=language, labelled=labelled, height=height, base=city.base
            ),
            height=height,
        )
        fresh = now.stations.filter(~pl.col("stale"))["temperature"]
        st.caption(t("stadtklima.map_legend", language, low=temperature(fresh.min()), high=temperature(fresh.max())))
        mapview.credit(city.base)
    with right:
        shown = 3 if kiosk else len(now.hottest)  # the kiosk screen has room for three of each
        st.html(
            cc.spot_list(now.hottest.head(shown), title=t("stadtklima.hottest", language), language=language)
            + cc.spot_list(now.coolest.head(shown), title=t("stadtklima.coolest", language), language=language)
        )


@st.fragment(run_every=30)
def heat_days_section() -> None:
    days = data.view(microclimate.heat_days)
    st.subheader(t("stadtklima.days", language, year=days.through.year))
    columns = st.columns(len(microclimate.DAY_COUNTS))
    for column, count in zip(columns, microclimate.DAY_COUNTS):
        column.metric(
            t(f"stadtklima.count.{count.key}", language),
            days.city[count.key],
            help=t(f"stadtklima.rule.{count.key}", language),
            border=True,
        )
    if kiosk or not len(days.per_station):
        return
    first = day_label(days.first, language) if days.first else "–"
    st.caption(t("stadtklima.days_note", language, since=day_label(days.since, language), n=days.days, first=first))
    with st.expander(t("stadtklima.per_station", language)):
        st.dataframe(
            days.per_station.select(
                plain.column("name", plain.TABLE).alias(t("stadtklima.col.station", language)),
                plain.column("district", plain.TABLE).alias(t("stadtklima.col.district", language)),
                *[pl.col(c.key).alias(t(f"stadtklima.count.{c.key}", language)) for c in microclimate.DAY_COUNTS],
                decimal("max", 1, language).alias(t("stadtklima.col.max", language)),
                decimal("min", 1, language).alias(t("stadtklima.col.min", language)),
                pl.col("days").alias(t("stadtklima.col.days", language)),
            ),
            hide_index=True,
        )


@st.fragment(run_every=30)
def curves_section() -> None:
    st.subheader(t("stadtklima.curves", language))
    places = data.view(microclimate.city_now).stations.sort("name")
    options = ["", *places["station_id"].to_list()]
    names = dict(zip(places["station_id"], places["name"]))
    chosen = (
        ""
        if kiosk
        else st.selectbox(
            t("stadtklima.place", language),
            options,
            key="climate_place",
            format_func=lambda sid: plain.short(names.get(sid) or sid, plain.OPTION) if sid else t("stadtklima.city_mean", language),
        )
    )
    curves = data.view(microclimate.day_curves, station_id=chosen or None)
    if not len(curves):
        st.info(t("stadtklima.no_curves", language))
        return
    place = names.get(chosen) or chosen if chosen else t("stadtklima.city_mean", language)
    st.plotly_chart(cc.day_curves(curves, place=place, language=language), config={"displaylogo": False})
    st.caption(t("stadtklima.curves_note", language))


@st.fragment(run_every=30)
def trees_section() -> None:
    if not kiosk:  # the kiosk screen has no room for the heading: its sentence names the trees
        st.subheader(t("stadtklima.trees", language))
    trees = data.view(microclimate.trees)
    if not len(trees):
        st.info(t("stadtklima.no_trees", language))
        return
    thirsty = int((trees["severity"].fill_null(0) >= 1).sum())
    lead = (
        t("stadtklima.trees.some", language, n=thirsty, total=len(trees))
        if thirsty
        else t("stadtklima.trees.none", language, total=len(trees))
    )
    if kiosk:  # the screen has room for the two trees that need water most
        thirsty_rows = trees.filter(pl.col("severity").fill_null(0) >= 1).head(2)
        rows = [
            {
                "name": r["name"] or r["station_id"],
                "sub": plain.short(r["district"], plain.DISTRICT),
                "tone": r["tone"],
                "label": t("stadtklima.hint." + r["status"], language),
                "value": quantity_value(r["value"], r["quantity"], language),
            }
            for r in thirsty_rows.iter_rows(named=True)
        ]
        model = data.view(tree_view.watering)  # the register's trees without sensors: one more sentence, no more rows
        if model.configured and not model.error and len(model.trees):
            lead = f"{lead} {watering_lead(model, 'kiosk')}"
        st.html(
            f'<div class="scl-lead"><b>{html.escape(t("stadtklima.trees", language))}:</b> {html.escape(lead)}</div>'
            + (status_rows(rows) if rows else "")
        )
        return
    cards = [
        status_card(
            tone=r["tone"],
            title=r["name"] or r["station_id"],
            number_text=quantity_value(r["value"], r["quantity"], language),
            label=t("stadtklima.hint." + r["status"], language),
            lines=(
                plain.short(r["district"], plain.DISTRICT),
                t("quantity." + r["quantity"], language) + " · " + age(r["age_s"], language),
            ),
            stale=r["stale"],
            language=language,
        )
        for r in trees.iter_rows(named=True)
    ]
    st.html(f'<div class="scl-lead">{html.escape(lead)}</div>' + grid(cards, 14))
    names = dict(zip(trees["station_id"], trees["name"]))
    picked = st.multiselect(
        t("stadtklima.tree_pick", language),
        trees["station_id"].to_list(),
        default=trees["station_id"].head(5).to_list(),
        format_func=lambda sid: plain.short(names.get(sid) or sid, plain.OPTION),
        key="climate_trees",
    )
    curves = data.view(microclimate.tree_curves, station_ids=tuple(picked))
    edges = data.view(microclimate.soil_edges)
    for quantity in curves["quantity"].unique().sort().to_list() if picked else []:
        st.plotly_chart(
            cc.soil(curves, quantity, edges=edges[quantity], days=microclimate.TREE_DAYS, language=language), config={"displaylogo": False}
        )
    st.caption(t("stadtklima.tree_note", language))


def watering_lead(view: tree_view.WateringView, kind: str = "lead") -> str:
    """ "3 von 60 Bäumen sollten gegossen werden, 5 bald." from the weather-only balance (``kind="kiosk"``: shorter)."""
    counts = dict(view.trees["hint"].value_counts().iter_rows())
    water, soon, total = counts.get("water", 0), counts.get("soon", 0), len(view.trees)
    case = "some" if water else "soon" if soon else "none"
    return t(f"trees.{kind}.{case}", language, water=water, soon=soon, total=total)


def watering_notice(view: tree_view.WateringView) -> bool:
    """Say why there is nothing to show (no register, an unreadable one); True when the section can go on."""
    if not view.configured:
        st.caption(t("trees.no_register", language))
    elif view.error:
        st.warning(t("trees.error", language, error=plain.markdown(view.error)), icon=":material/park:")
    elif not len(view.trees):
        st.info(t("trees.empty", language), icon=":material/park:")
    else:
        return True
    return False


@st.fragment(run_every=60)
def watering_section() -> None:
    """Every register tree's water balance from the weather alone (map, the most urgent, all), its sensor beside it."""
    view = data.view(tree_view.watering)
    st.subheader(t("trees.title", language))
    if not watering_notice(view):
        return
    days = view.days
    rain, et = days["precipitation"].fill_null(0).sum(), (days["et0"].fill_null(0).sum())
    methods = ", ".join(t(f"trees.method.{m}", language) for m in days["method"].drop_nulls().unique().sort().to_list()) or "–"
    stations = ", ".join(dict.fromkeys(view.stations.values())) or "–"
    st.html(f'<div class="scl-lead">{html.escape(watering_lead(view))}</div>')
    notes = [
        t("trees.model", language, days=len(days), rain=ct.mm(rain, language), et=ct.mm(et, language)),
        t("trees.weather", language, stations=stations, method=methods),
    ]
    missing = int(view.trees["missing"].max() or 0)
    if missing:
        notes.append(t("trees.missing", language, n=missing))
    if view.skipped:
        notes.append(t("trees.skipped", language, n=view.skipped, example=view.problems[0] if view.problems else "–"))
    st.html(block("scs-foot", *notes))  # station names and register text are untrusted: escaped, never markdown
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.pydeck_chart(ct.deck(view.trees, center=city.center, zoom=city.zoom, language=language, height=480, base=city.base), height=480)
        st.caption(t("trees.map_legend", language))
    with right:
        rows = ct.urgent_rows(view.trees, language, 8)
        st.html(
            status_rows(rows, title=t("trees.urgent", language))
            if rows
            else f'<div class="scl-lead">{html.escape(t("trees.all_ok", language))}</div>'
        )
    sensed = view.trees.filter(pl.col("sensor_value").is_not_null())
    if len(sensed):
        st.markdown(f"**{t('trees.side_by_side', language)}**")
        st.dataframe(ct.table(sensed, language), hide_index=True)
        st.caption(t("trees.side_note", language))
    labels = {r["id"]: plain.short(ct.name(r, language), plain.OPTION) for r in view.trees.iter_rows(named=True)}
    chosen = st.selectbox(t("trees.chart_tree", language), list(labels), format_func=labels.get, key="watering_tree")
    tree = view.trees.filter(pl.col("id") == chosen).row(0, named=True) if chosen in labels else view.trees.row(0, named=True)
    st.plotly_chart(ct.balance(view.days, view.path, tree, language=language), config={"displaylogo": False})
    with st.expander(t("trees.all", language)):
        st.dataframe(ct.table(view.trees, language), hide_index=True)
    st.caption(t("trees.note", language))


now_section()
if kiosk:
    days_column, trees_column = st.columns([3, 2], gap="medium")
    with days_column:
        heat_days_section()
    with trees_column:
        trees_section()  # with the model's sentence for the register's trees
else:
    curves_section()
    heat_days_section()
    trees_section()
    watering_section()
