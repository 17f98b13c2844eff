"""Daten: find stations, choose quantities, range and resolution, compare in one chart, table, downloads."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from api import download
from core.schema import QUANTITIES, headline
from core.views import explore
from data_sources import licences
from ui import access, data, exports, navigation, plain, scenario, widgets
from ui.charts import local_time
from ui.i18n import clock, number, t

TABLE_ROWS = 2_000  # shown in the page; the downloads hold every row
DEFAULT_THEME = "microclimate"  # a first visit compares three weather stations' temperature

navigation.guard(__file__)
language = widgets.lang()
city = data.city()
kiosk = widgets.kiosk()
st.title(t("daten.title", language))
if not len(data.current()):
    widgets.wait_for_data(language)
    st.stop()
catalog: pl.DataFrame = data.view(explore.catalog)
names = {sid: plain.short(name, plain.OPTION) for sid, name in zip(catalog["station_id"], catalog["name"])}  # as offered


def moment(ts: dt.datetime) -> str:
    """Date and time in the city's zone, always with the date (a range may end today)."""
    return ts.astimezone(ZoneInfo(city.timezone)).strftime("%d.%m.%Y %H:%M" if language == "de" else "%d %b %Y %H:%M")


def resolution_text(key: str) -> str:
    return t(f"daten.res_long.{key}", language)


def draw(sel: explore.Selection) -> None:
    """The comparison chart with notes on what it leaves out."""
    title = t("daten.chart_title", language, resolution=resolution_text(sel.chart_every or sel.resolution))
    fig = exports.comparison_chart(sel.chart, tz=city.timezone, language=language, title=title, kiosk=kiosk)
    st.plotly_chart(fig, config={"displaylogo": False, "displayModeBar": not kiosk})
    if kiosk:
        return
    if sel.chart_every:
        st.caption(t("daten.chart_thinned", language, used=resolution_text(sel.chart_every), resolution=resolution_text(sel.resolution)))
    shown = sel.chart.select("station_id", "quantity").n_unique() if sel.chart.height else 0
    if sel.series > shown:
        st.caption(t("daten.chart_cut", language, shown=shown, n=sel.series))


if kiosk:  # no controls on a public screen: the first theme's headline quantity, last 48 h

    @st.fragment(run_every=30)
    def glance() -> None:
        theme = DEFAULT_THEME if DEFAULT_THEME in catalog["theme"].to_list() else catalog["theme"].drop_nulls().first()
        quantity = headline(theme) or catalog.filter(pl.col("theme") == theme)["quantities"].first()[0]
        ids = catalog.filter((pl.col("theme") == theme) & pl.col("quantities").list.contains(quantity))["station_id"].head(
            explore.CHART_SERIES
        )
        sel = data.view(explore.selection, station_ids=tuple(ids), quantities=(quantity,), resolution="1h", preset="48h")
        st.caption(
            f"{t('daten.kiosk', language, quantity=t(f'quantity.{quantity}', language), n=len(ids))} · "
            f"{t('common.as_of', language, time=clock(sel.places['ts'].max(), city.timezone, language))}"
        )
        draw(sel)

    glance()
    st.stop()


def keep(key: str, options: list, fallback: list) -> list:
    """A multiselect's remembered choice minus options that are gone; the fallback when nothing of it
    is left (not after the user cleared it). Set before the widget, so no default= is needed."""
    before = st.session_state.get(key, fallback)
    kept = [v for v in before if v in options]
    st.session_state[key] = kept if kept or not before else [v for v in fallback if v in options]
    return st.session_state[key]


st.caption(t("daten.intro", language))
with st.container(border=True):
    st.markdown(f"**{t('daten.find', language)}**")
    left, middle, right = st.columns([2, 2, 1])
    themes = [th for th in catalog["theme"].unique(maintain_order=True).to_list() if th]
    chosen_themes = left.pills(
        t("daten.themes", language), themes, selection_mode="multi", format_func=lambda th: t(f"theme.{th}", language), key="daten_themes"
    )
    districts = sorted(d for d in catalog["district"].unique().to_list() if d)
    chosen_districts = middle.multiselect(
        t("daten.districts", language), districts, placeholder=t("daten.districts_all", language), key="daten_districts"
    )
    search = right.text_input(t("daten.search", language), key="daten_search").strip()
    found = catalog.filter(
        (pl.col("theme").is_in(chosen_themes) if chosen_themes else pl.lit(True))
        & (pl.col("district").is_in(chosen_districts) if chosen_districts else pl.lit(True))
        & (pl.col("name").str.contains(f"(?i){re.escape(search)}") if search else pl.lit(True))
    )
    # what is already chosen stays choosable when the filter changes, then what the filter finds
    remembered = [sid for sid in st.session_state.get("daten_stations", []) if sid in names]
    options = remembered + [sid for sid in found["station_id"] if sid not in remembered]
    start_with = catalog.filter(pl.col("theme") == DEFAULT_THEME) if DEFAULT_THEME in themes else found
    stations = keep("daten_stations", options, start_with["station_id"].head(3).to_list())
    st.multiselect(t("daten.stations", language, n=found.height), options, format_func=lambda sid: names[sid], key="daten_stations")
    offered = catalog.filter(pl.col("station_id").is_in(stations)).explode("quantities")["quantities"]
    available = [q for q in QUANTITIES if q in set(offered.to_list())]
    common = offered.value_counts(sort=True)["quantities"].head(1).to_list() if len(offered) else []
    quantities = keep("daten_quantities", available, [headline(DEFAULT_THEME)] if headline(DEFAULT_THEME) in available else common)
    st.multiselect(t("daten.quantities", language), available, format_func=lambda q: t(f"quantity.{q}", language), key="daten_quantities")

left, right = st.columns([3, 2])
presets = [*explore.PRESETS, "days"]
preset = (
    left.segmented_control(
        t("daten.range", language), presets, default="48h", format_func=lambda p: t(f"daten.preset.{p}", language), key="daten_preset"
    )
    or "48h"
)
first = last = None
if preset == "days":
    today = dt.datetime.now(ZoneInfo(city.timezone)).date()
    days = left.date_input(
        t("daten.days", language),
        value=(today - explore.PRESETS["7d"], today),
        max_value=today,
        format="DD.MM.YYYY" if language == "de" else "YYYY-MM-DD",
        key="daten_days",
    )
    first, last = (days[0], days[-1]) if len(days) else (today, today)
resolution = (
    right.segmented_control(
        t("daten.resolution", language),
        [r.key for r in explore.RESOLUTIONS],
        default="15m",
        format_func=lambda r: t(f"daten.res.{r}", language),
        key="daten_resolution",
    )
    or "15m"
)
st.caption(t("daten.limits", language, rows=number(explore.MAX_ROWS, 0, language)))

if not stations or not quantities:
    st.info(t("daten.pick", language), icon=":material/touch_app:")
    st.stop()
sel: explore.Selection = data.view(
    explore.selection,
    station_ids=tuple(stations),
    quantities=tuple(quantities),
    resolution=resolution,
    preset=None if preset == "days" else preset,
    first=first,
    last=last,
)
if sel.reason:
    n = number(sel.estimate, 0, language)
    st.info(
        t(
            f"daten.coarser.{sel.reason}",
            language,
            asked=resolution_text(sel.asked),
            used=resolution_text(sel.resolution),
            n=n,
            limit=number(explore.MAX_ROWS, 0, language),
        ),
        icon=":material/compress:",
    )
if not sel.frame.height:
    st.info(t("daten.empty", language), icon=":material/search_off:")
    st.stop()
st.caption(
    t(
        "daten.summary",
        language,
        rows=number(sel.frame.height, 0, language),
        series=sel.series,
        resolution=resolution_text(sel.resolution),
        start=moment(sel.start),
        end=moment(sel.end),
    )
)
draw(sel)

st.subheader(t("daten.table", language))
raw = sel.resolution == "raw"
columns = {
    "ts": "ts" if raw else "bucket",
    "name": "station",
    "quantity": "quantity",
    "unit": "unit",
    "value": "value",
    **({} if raw else {"min": "min", "max": "max", "n": "n"}),
}
table = sel.frame.head(TABLE_ROWS).with_columns(
    ts=local_time(sel.frame["ts"].head(TABLE_ROWS), city.timezone),
    quantity=pl.col("quantity").replace_strict({q: t(f"quantity.{q}", language) for q in quantities}, default=pl.col("quantity")),
)
table = table.with_columns(pl.col(pl.Float64).round(3), plain.column("name", plain.TABLE))  # display only: downloads keep it all
time_column = t(f"daten.col.{columns['ts']}", language)
st.dataframe(
    table.select([pl.col(c).alias(t(f"daten.col.{k}", language)) for c, k in columns.items()]),
    column_config={
        time_column: st.column_config.DatetimeColumn(format="DD.MM.YYYY HH:mm:ss" if language == "de" else "YYYY-MM-DD HH:mm:ss")
    },
    hide_index=True,
    width="stretch",
)
if sel.frame.height > TABLE_ROWS:
    st.caption(t("daten.table_head", language, shown=number(TABLE_ROWS, 0, language), rows=number(sel.frame.height, 0, language)))

st.subheader(t("daten.download", language))
credits = licences.credits(city, {sid.split(":", 1)[0] for sid in stations})
if access.staff_only("downloads", language):
    stem = download.file_stem(city.name, sel)
    frame, places = sel.frame, sel.places
    for column, kind in zip(st.columns(3), exports.FORMATS):
        # the file is made only when clicked (a callable), so an unclicked button costs nothing
        column.download_button(
            t(f"daten.{kind}", language),
            lambda kind=kind: exports.download(kind, frame, places, credits),
            file_name=f"{stem}.{kind}",
            mime=exports.FORMATS[kind],
            help=t(f"daten.{kind}_help", language),
            on_click="ignore",
            icon=":material/download:",
            key=f"daten_{kind}",
        )
    # the same files by URL (served by server.py beside the pages): for scripts, portals and other cities
    chosen = {"stations": stations, "quantities": quantities, "resolution": resolution, "first": first, "last": last}
    links = " · ".join(
        f"[{t(f'daten.{kind}', language)}]({download.url(**chosen, kind=kind, preset=None if preset == 'days' else preset)})"
        for kind in exports.FORMATS
    )
    st.caption(t("daten.by_url", language, links=links))
st.caption(t("daten.licences", language, credits=plain.markdown("; ".join(c.text() for c in credits))))

# ---- Workshop scenarios: staff only, never in kiosk mode ----
with st.expander(t("daten.scenario", language), icon=":material/science:"):
    if access.staff_only("scenario", language):
        scenario.controls(language)
