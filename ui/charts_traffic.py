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


def _layout(language: str, *, title: str, x_title: str, y_title: str, height: int, large: bool, **extra) -> dict:
    """The shared style (``ui.charts.styled``) with this chart's titles, as one layout dict (no update_* calls: they cost).

    The legend sits at the foot of the figure, under the x axis and its title; the kiosk's charts
    have larger type and no x-axis title (the legend takes its place).
    """
    layout = {
        "title": {"text": title},
        "xaxis": {"title": {"text": "" if large else x_title}},
        "yaxis": {"title": {"text": y_title}},
        "height": height,
        "legend": {"yref": "container", "y": 0, "yanchor": "bottom"},
        "margin": {"b": 80 if large else 100},
    }
    if large:  # kiosk: readable from a few metres
        layout.update(font={"size": 17}, title={"text": title, "font": {"size": 21}}, margin={"l": 70, "r": 20, "t": 50, "b": 80})
    return charts.merged_layout(charts.merged_layout(charts.styled(language, False), layout), extra)


def traffic_day(
    hourly: pl.DataFrame, *, name: str, quantity: str, weekday: int, language: str, height: int = 360, large: bool = False
) -> go.Figure:
    """Today's hourly rate of one counter as a line over the usual band of this weekday (10–90 %) and its median.

    ``hourly``: rows of ``TrafficView.hourly`` for one station and quantity.
    """
    one = hourly.sort("hour")
    hours = (pl.lit(CLOCK_DAY) + pl.duration(hours=one["hour"].cast(pl.Int64))).alias("x")
    x = one.select(hours)["x"].to_numpy()
    usual = t("verkehr.usual_line", language, weekday=t(f"weekdays.{weekday}", language))
    today = t("verkehr.today", language)
    traces = [
        go.Scatter(x=x, y=one["high"].to_numpy(), mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False),
        go.Scatter(
            x=x,
            y=one["low"].to_numpy(),
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=BAND,
            name=t("verkehr.band", language),
            hoverinfo="skip",
        ),
        go.Scatter(
            x=x,
            y=one["usual"].to_numpy(),
            mode="lines",
            line={"color": USUAL, "width": 2, "dash": "dash"},
            name=usual,
            hovertemplate=f"{plain.plotly(usual)}: %{{y:.0f}}<extra></extra>",
        ),
        go.Scatter(
            x=x,
            y=one["value"].to_numpy(),
            mode="lines+markers",
            line={"color": TODAY, "width": 3},
            marker={"size": 6},
            name=today,
            hovertemplate=f"{plain.plotly(today)}: %{{y:.0f}}<extra></extra>",
        ),
    ]
    layout = _layout(
        language,
        title=t("verkehr.day_title", language, name=plain.plotly(name, plain.TITLE), quantity=t(f"quantity.{quantity}", language)),
        x_title=t("verkehr.time_of_day", language),
        y_title=t("verkehr.rate_axis", language, quantity=t(f"quantity.{quantity}", language)),
        height=height,
        large=large,
        xaxis={"type": "date", "tickformat": "%H:%M", "hoverformat": "%H:%M", "range": [CLOCK_DAY, CLOCK_DAY + dt.timedelta(hours=23)]},
        yaxis={"rangemode": "tozero"},
    )
    return go.Figure(data=traces, layout=layout)


def modal_split(split: pl.DataFrame, names: dict[str, str], *, language: str, height: int | None = None, large: bool = False) -> go.Figure:
    """One bar per counter: the share of cars, lorries, bicycles and pedestrians counted today, labelled in percent."""
    order = [sid for sid in names if sid in set(split["station_id"].to_list())][::-1]  # plotly draws the first at the bottom
    # rows by position, not by name: two counters may share a (shortened) name, and a bar's row is no place for feed text
    categories = [f"#{i}" for i in range(len(order))]
    traces = []
    for quantity in MODES:
        colour, pattern, ink = MODE_LOOK[quantity]
        rows = {r["station_id"]: r for r in split.filter(pl.col("quantity") == quantity).iter_rows(named=True)}
        shares = [100 * rows[sid]["share"] if sid in rows else 0.0 for sid in order]
        label = t(f"quantity.{quantity}", language)
        traces.append(
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
    layout = _layout(
        language,
        title=t("verkehr.split_title", language),
        x_title=t("verkehr.share_axis", language),
        y_title="",
        height=height or 200 + 48 * max(len(order), 1),
        large=large,
        barmode="stack",
        hovermode="closest",
        legend={"traceorder": "normal"},  # cars first, as the bars read from the left (plotly reverses stacks)
        xaxis={"range": [0, 100], "ticksuffix": " %"},
        yaxis={"tickmode": "array", "tickvals": categories, "ticktext": [plain.plotly(names[sid], plain.LEGEND) for sid in order]},
    )
    return go.Figure(data=traces, layout=layout)


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
    levels = hourly.filter(pl.col("quantity") == "noise").sort("time")
    by_station = {key[0]: frame for key, frame in levels.partition_by("station_id", as_dict=True).items()}
    traces = [
        go.Scatter(
            x=by_station[sid]["time"].to_numpy(),
            y=by_station[sid]["value"].to_numpy(),
            mode="lines+markers",
            name=plain.plotly(names[sid], plain.LEGEND),
            line={**charts.series_style(i), "width": 2.5},
            marker={"size": 5},
            hovertemplate=f"{plain.hover(names[sid])}: %{{y:.0f}} dB(A)<extra></extra>",
        )
        for i, sid in enumerate(sid for sid in names if sid in by_station)
    ]
    # the guideline values as plain shapes and labels: plotly's add_hline costs ~20 ms a line
    shapes, labels = [], []
    for value, label, colour, dash in guide_lines(guide, language):
        line = {"xref": "x domain", "yref": "y"}
        shapes.append(
            {"type": "line", **line, "x0": 0, "x1": 1, "y0": value, "y1": value, "line": {"color": colour, "width": 2, "dash": dash}}
        )
        labels.append(
            {
                **line,
                "x": 0,
                "y": value,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "text": plain.plotly(label),
                "font": {"color": "#222222"},
                "bgcolor": "rgba(255,255,255,0.85)",
            }
        )
    values = levels["value"].drop_nulls().to_list()
    low = min([guide.night, guide.who_lnight, *values])
    high = max([guide.day, guide.who_lden, *values])
    first = levels["time"].min() if len(levels) else CLOCK_DAY
    legend = {"entrywidth": 0.5, "entrywidthmode": "fraction", "font": {"size": 15}} if large else {}  # two to a row on the kiosk
    layout = _layout(
        language,
        title=t("verkehr.noise_title", language),
        x_title=t("verkehr.time_of_day", language),
        y_title=charts.axis_title("noise", language),
        height=height,
        large=large,
        shapes=shapes,
        annotations=labels,
        legend=legend,
        xaxis={"type": "date", "tickformat": "%H:%M", "hoverformat": "%H:%M", "range": [first, first + dt.timedelta(hours=23)]},
        yaxis={"range": [low - 5, high + 5]},
    )
    return go.Figure(data=traces, layout=layout)
