"""Charts of the Energie page: kWh per m² and year against the VDI 3807 values, day kinds, one building's days against last year.

Building names come from the city config, not from a feed, but they are escaped for plotly all the
same (``ui.plain``). Markers differ by symbol as well as colour, and each limit carries its word.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from ui import charts, plain
from ui.i18n import number, t

MEASURED = "#0072B2"
LIMIT = "#D55E00"
TARGET = "#009E73"
LAST_YEAR = "#555555"
DAY_LOOK = {"school_day": ("#0072B2", ""), "holiday": ("#E69F00", "/"), "weekend": ("#999999", ".")}
CARRIER_LOOK = {"electricity": "#0072B2", "heat": "#D55E00"}
ROOM = 28  # characters of a building name on an axis
# The kiosk screen of this page: rows closer together, so that ten buildings fit one 1080-pixel screen.
KIOSK_CSS = (
    "<style>[data-testid='stMainBlockContainer']{padding-bottom:1rem!important}"
    "[data-testid='stMainBlockContainer'] [data-testid='stVerticalBlock']{gap:.45rem}"
    "[data-testid='stMainBlockContainer'] h1{padding:0 0 .2rem}[data-testid='stMainBlockContainer'] h3{padding:.3rem 0 .35rem}"
    ".scl-list{gap:.25rem;margin-bottom:.2rem}.scl-row{padding:.12rem .6rem}.scl-row .scl-num{font-size:1.3rem}</style>"
)


def _layout(language: str, *, title: str, height: int, large: bool, **extra) -> dict:
    layout = {"title": {"text": title}, "height": height, "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"}}
    if large:
        layout |= {"font": {"size": 17}, "title": {"text": title, "font": {"size": 21}}}
    return charts.merged_layout(charts.merged_layout(charts.styled(language, False), layout), extra)


def per_m2(table: pl.DataFrame, carrier: str, *, language: str, height: int = 420, large: bool = False) -> go.Figure:
    """Horizontal: each building with a VDI 3807 benchmark, its kWh/(m²·a) as a bar and its limit and target as markers.

    Buildings without a benchmark (an indoor pool) stay out: their value stands in the page's list.
    """
    prefix = "el" if carrier == "electricity" else "heat"
    rows = table.filter(pl.col(f"{prefix}_limit").is_not_null()).sort(f"{prefix}_per_m2a", nulls_last=True, descending=False)
    names = [plain.plotly(n, ROOM) for n in rows["name"].to_list()]
    values = rows[f"{prefix}_per_m2a"].to_list()
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=values,
        orientation="h",
        name=t("energie.measured", language),
        marker={"color": MEASURED},
        text=[number(v, 0, language) for v in values],
        textposition="outside",
        hovertemplate="%{y}: %{x:.0f} kWh/(m²·a)<extra></extra>",
    )
    for key, colour, symbol in (("limit", LIMIT, "line-ns-open"), ("target", TARGET, "diamond")):
        fig.add_scatter(
            y=names,
            x=rows[f"{prefix}_{key}"].to_list(),
            mode="markers",
            name=t(f"energie.{key}", language),
            marker={"color": colour, "symbol": symbol, "size": 16 if large else 13, "line": {"width": 3, "color": colour}},
            hovertemplate=f"%{{y}}: {t(f'energie.{key}', language)} %{{x:.0f}} kWh/(m²·a)<extra></extra>",
        )
    title = t("energie.per_m2_el" if carrier == "electricity" else "energie.per_m2_heat", language)
    layout = _layout(language, title=title, height=height, large=large, margin={"l": 10, "r": 30, "t": 50, "b": 70})
    layout = charts.merged_layout(layout, {"yaxis": {"tickmode": "linear", "automargin": True}, "hovermode": "closest"})
    return go.Figure(data=fig.data, layout=layout)


def day_kinds(table: pl.DataFrame, *, language: str, height: int = 420) -> go.Figure:
    """Grouped bars: each building's mean daily electricity on school days, holidays and weekends."""
    names = [plain.plotly(n, ROOM) for n in table["name"].to_list()]
    fig = go.Figure()
    for key, (colour, pattern) in DAY_LOOK.items():
        values = table[f"{key}_kwh"].to_list()
        fig.add_bar(
            x=names,
            y=values,
            name=t(f"energie.day.{key}", language),
            marker={"color": colour, "pattern": {"shape": pattern}},
            hovertemplate=f"%{{x}}: %{{y:.0f}} kWh ({t(f'energie.day.{key}', language)})<extra></extra>",
        )
    layout = _layout(language, title=t("energie.days", language), height=height, large=False, barmode="group")
    layout = charts.merged_layout(layout, {"yaxis": {"title": {"text": t("energie.days_axis", language)}}, "margin": {"b": 140}})
    return go.Figure(data=fig.data, layout=layout)


def daily(frame: pl.DataFrame, *, name: str, language: str, height: int = 380) -> go.Figure:
    """One building's kWh per day for electricity and heat, the same weekday a year earlier dashed beside each."""
    fig = go.Figure()
    for carrier, colour in CARRIER_LOOK.items():
        part = frame.filter(pl.col("carrier") == carrier).sort("date")
        if not len(part):
            continue
        label = t("energie.electricity" if carrier == "electricity" else "energie.heat_carrier", language)
        fig.add_scatter(x=part["date"].to_list(), y=part["kwh"].to_list(), mode="lines+markers", name=label, line={"color": colour})
        fig.add_scatter(
            x=part["date"].to_list(),
            y=part["kwh_last_year"].to_list(),
            mode="lines",
            name=f"{label}, {t('energie.last_year', language)}",
            line={"color": colour, "dash": "dash", "width": 1.5},
        )
    layout = _layout(language, title=t("energie.daily_title", language, name=plain.plotly(name, 60)), height=height, large=False)
    layout = charts.merged_layout(
        layout,
        {
            "yaxis": {"title": {"text": t("energie.kwh_axis", language)}, "rangemode": "tozero"},
            "xaxis": {"title": {"text": t("energie.date_axis", language)}},
            "margin": {"b": 110},
        },
    )
    return go.Figure(data=fig.data, layout=layout)
