"""Charts of the Verkehr & Lärm page: a counter's day against its usual band, the modal split, the day's noise levels.

Station names are feed text: shortened and escaped for plotly (``ui.plain``), the whole name in
the hover text. Lines differ by dash as well as colour, and every limit line carries its label.
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from core.config import NoiseGuide
from core.views.traffic import MODES
from ui import charts, plain
from ui.i18n import number, t

TODAY = "#0072B2"
USUAL = "#555555"
BAND = "rgba(85,85,85,0.18)"
# the modal split: Okabe–Ito colours, and a pattern each, so no mode is told by colour alone
MODE_LOOK = {  # colour, pattern, colour of the percent label on it
    "traffic_car": ("#0072B2", "", "#FFFFFF"),
    "traffic_heavy": ("#D55E00", "/", "#000000"),
    "traffic_bike": ("#009E73", ".", "#000000"),
    "traffic_pedestrian": ("#E69F00", "x", "#000000"),
}
LABEL_SHARE = 8  # % : a narrower segment has no room for its label (the hover and legend name it)
GUIDE_LINE = "#B35C00"
REFERENCE_LINE = "#555555"
CLOCK_DAY = dt.datetime(2000, 1, 1)  # the hour axis of a day chart: hours placed on one date
KIOSK_CHART = 430  # px: the three charts under the lists of the kiosk screen
# The kiosk screen of this page: rows and blocks closer together, so that one 1080-pixel screen holds it all
# (a page's own rules, as ui.style.PEGEL_KIOSK_CSS does for Pegel).
KIOSK_CSS = (
    "<style>[data-testid='stMainBlockContainer']{padding-bottom:1rem!important}"
    "[data-testid='stMainBlockContainer'] [data-testid='stVerticalBlock']{gap:.45rem}"
    "[data-testid='stMainBlockContainer'] h1{padding:0 0 .2rem}[data-testid='stMainBlockContainer'] h3{padding:.3rem 0 .35rem}"
    ".scl-list{gap:.3rem;margin-bottom:.2rem}.scl-row{padding:.2rem .6rem}.scl-row .scl-num{font-size:1.3rem}</style>"
)


def _large(fig: go.Figure, large: bool) -> None:
    """The legend at the foot of the figure, under the x axis and its title (never over them), and kiosk sizes."""
    fig.update_layout(legend={"yref": "container", "y": 0, "yanchor": "bottom"}, margin={"b": 100})
    if large:  # kiosk: readable from a few metres; the axis needs no title there, the legend takes its place
        fig.update_layout(font={"size": 17}, title_font={"size": 21}, margin={"l": 70, "r": 20, "t": 50, "b": 80})
        fig.update_xaxes(title_text="")


def traffic_day(
    hourly: pl.DataFrame, *, name: str, quantity: str, weekday: int, language: str, height: int = 360, large: bool = False
) -> go.Figure:
    """Today's hourly rate of one counter as a line over the usual band of this weekday (10–90 %) and its median.

    ``hourly``: rows of ``TrafficView.hourly`` for one station and quantity.
    """
    one = hourly.sort("hour")
    hours = [CLOCK_DAY + dt.timedelta(hours=int(h)) for h in one["hour"].to_list()]
    usual = t("verkehr.usual_line", language, weekday=t(f"weekdays.{weekday}", language))
    traces = [
        go.Scatter(x=hours, y=one["high"].to_numpy(), mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False),
        go.Scatter(
            x=hours,
            y=one["low"].to_numpy(),
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=BAND,
            name=t("verkehr.band", language),
            hoverinfo="skip",
        ),
        go.Scatter(
            x=hours,
            y=one["usual"].to_numpy(),
            mode="lines",
            line={"color": USUAL, "width": 2, "dash": "dash"},
            name=usual,
            hovertemplate=f"{plain.plotly(usual)}: %{{y:.0f}}<extra></extra>",
        ),
        go.Scatter(
            x=hours,
            y=one["value"].to_numpy(),
            mode="lines+markers",
            line={"color": TODAY, "width": 3},
            marker={"size": 6},
            name=t("verkehr.today", language),
            hovertemplate=f"{plain.plotly(t('verkehr.today', language))}: %{{y:.0f}}<extra></extra>",
        ),
    ]
    fig = go.Figure(traces)
    charts.style(
        fig,
        title=t("verkehr.day_title", language, name=plain.plotly(name, plain.TITLE), quantity=t(f"quantity.{quantity}", language)),
        x_title=t("verkehr.time_of_day", language),
        y_title=t("verkehr.rate_axis", language, quantity=t(f"quantity.{quantity}", language)),
        language=language,
        height=height,
    )
    fig.update_xaxes(tickformat="%H:%M", hoverformat="%H:%M", range=[CLOCK_DAY, CLOCK_DAY + dt.timedelta(hours=23)])
    fig.update_yaxes(rangemode="tozero")
    _large(fig, large)
    return fig


def modal_split(split: pl.DataFrame, names: dict[str, str], *, language: str, height: int | None = None, large: bool = False) -> go.Figure:
    """One bar per counter: the share of cars, lorries, bicycles and pedestrians counted today, labelled in percent."""
    order = [sid for sid in names if sid in set(split["station_id"].to_list())][::-1]  # plotly draws the first at the bottom
    # rows by position, not by name: two counters may share a (shortened) name, and a bar's row is no place for feed text
    categories = [f"#{i}" for i in range(len(order))]
    fig = go.Figure()
    for quantity in MODES:
        colour, pattern, ink = MODE_LOOK[quantity]
        rows = {r["station_id"]: r for r in split.filter(pl.col("quantity") == quantity).iter_rows(named=True)}
        shares = [100 * rows[sid]["share"] if sid in rows else 0.0 for sid in order]
        label = t(f"quantity.{quantity}", language)
        fig.add_trace(
            go.Bar(
                y=categories,
                x=shares,
                orientation="h",
                name=label,
                # the pattern over the colour, light enough for the label on it to stay readable
                marker={
                    "color": colour,
                    "pattern": {"shape": pattern, "fillmode": "overlay", "fgcolor": "rgba(0,0,0,0.3)", "solidity": 0.15},
                    "line": {"color": "#333333", "width": 1},
                },
                text=[f"{number(s, 0, language)} %" if s >= LABEL_SHARE else "" for s in shares],
                textposition="inside",
                textangle=0,
                insidetextanchor="middle",
                textfont={"color": ink},
                customdata=[[plain.hover(names[sid]), number(rows[sid]["count"] if sid in rows else 0, 0, language)] for sid in order],
                hovertemplate=f"%{{customdata[0]}}<br>{plain.plotly(label)}: %{{x:.0f}} % (%{{customdata[1]}})<extra></extra>",
            )
        )
    charts.style(
        fig,
        title=t("verkehr.split_title", language),
        x_title=t("verkehr.share_axis", language),
        y_title="",
        language=language,
        height=height or 150 + 48 * max(len(order), 1),
    )
    fig.update_layout(barmode="stack", hovermode="closest", legend={"traceorder": "normal"})
    fig.update_xaxes(range=[0, 100], ticksuffix=" %")
    fig.update_yaxes(tickmode="array", tickvals=categories, ticktext=[plain.plotly(names[sid], plain.LEGEND) for sid in order])
    _large(fig, large)
    return fig


def guide_lines(guide: NoiseGuide, language: str) -> list[tuple[float, str, str, str]]:
    """(level, label, colour, dash) of the guideline values; values shared by two of them get one line with both names."""
    lines: dict[float, list[tuple[str, str, str]]] = {}
    for value, key, colour, dash in (
        (guide.day, "verkehr.guide.day", GUIDE_LINE, "dash"),
        (guide.night, "verkehr.guide.night", GUIDE_LINE, "dashdot"),
        (guide.who_lden, "verkehr.guide.who_lden", REFERENCE_LINE, "dot"),
        (guide.who_lnight, "verkehr.guide.who_lnight", REFERENCE_LINE, "dot"),
    ):
        lines.setdefault(value, []).append((t(key, language, value=number(value, 0, language)), colour, dash))
    return [(value, " · ".join(label for label, _, _ in found), found[0][1], found[0][2]) for value, found in sorted(lines.items())]


def noise_day(
    hourly: pl.DataFrame, names: dict[str, str], guide: NoiseGuide, *, language: str, height: int = 380, large: bool = False
) -> go.Figure:
    """The last 24 hours' LAeq per sound meter (energetic hourly means) with the guideline values and the WHO reference drawn in."""
    fig = go.Figure()
    levels = hourly.filter(pl.col("quantity") == "noise")
    for i, sid in enumerate(sid for sid in names if sid in set(levels["station_id"].to_list())):
        one = levels.filter(pl.col("station_id") == sid).sort("time")
        fig.add_trace(
            go.Scatter(
                x=one["time"].to_numpy(),
                y=one["value"].to_numpy(),
                mode="lines+markers",
                name=plain.plotly(names[sid], plain.LEGEND),
                line={**charts.series_style(i), "width": 2.5},
                marker={"size": 5},
                hovertemplate=f"{plain.hover(names[sid])}: %{{y:.0f}} dB(A)<extra></extra>",
            )
        )
    for value, label, colour, dash in guide_lines(guide, language):
        fig.add_hline(
            y=value,
            line={"color": colour, "width": 2, "dash": dash},
            annotation_text=plain.plotly(label),
            annotation_position="top left",
            annotation={"bgcolor": "rgba(255,255,255,0.85)", "font": {"color": "#222222"}},
        )
    charts.style(
        fig,
        title=t("verkehr.noise_title", language),
        x_title=t("verkehr.time_of_day", language),
        y_title=charts.axis_title("noise", language),
        language=language,
        height=height,
    )
    first = levels["time"].min() if len(levels) else CLOCK_DAY
    fig.update_xaxes(tickformat="%H:%M", hoverformat="%H:%M", range=[first, first + dt.timedelta(hours=23)])
    low = min([guide.night, guide.who_lnight, *(levels["value"].drop_nulls().to_list() or [guide.night])])
    high = max([guide.day, guide.who_lden, *(levels["value"].drop_nulls().to_list() or [guide.day])])
    fig.update_yaxes(range=[low - 5, high + 5])
    _large(fig, large)
    if large:  # two sound meters a legend row: the plot keeps its height on the narrow kiosk column
        fig.update_layout(legend={"entrywidth": 0.5, "entrywidthmode": "fraction", "font": {"size": 15}})
    return fig
