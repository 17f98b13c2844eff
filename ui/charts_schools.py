"""Charts of the Raumluft Schulen page: today's CO₂ per room, and the lesson time above each limit.

School and room names are feed text: shortened and escaped for plotly (``ui.plain``), the whole
name in the hover text.
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from ui import charts, plain
from ui.i18n import number, quantity_value, t


def co2_day(curve: pl.DataFrame, *, school: str, edges: tuple[float, ...], language: str, height: int = 440) -> go.Figure:
    """Today's CO₂ per room with the UBA limits drawn in."""
    fig = go.Figure()
    for i, sid in enumerate(curve["station_id"].unique(maintain_order=True).to_list()):
        one = curve.filter(pl.col("station_id") == sid)
        room = one["room"][0]
        fig.add_trace(
            go.Scatter(
                x=one["time"].to_numpy(),
                y=one["value"].to_numpy(),
                mode="lines",
                name=plain.plotly(room, plain.LEGEND),
                line={**charts.series_style(i), "width": 2},
                hovertemplate=f"{plain.hover(room)}: %{{y:.0f}} ppm<extra></extra>",
            )
        )
    labels = tuple(
        t(f"schulen.band.{key}", language, value=quantity_value(edge, "co2", language)) for key, edge in zip(("moderate", "bad"), edges)
    )
    charts.limit_lines(fig, edges, labels)
    charts.style(
        fig,
        title=t("schulen.curve_title", language, school=plain.plotly(school, plain.TITLE)),
        x_title=t("schulen.time", language),
        y_title=charts.axis_title("co2", language),
        language=language,
        height=height,
    )
    # the school day, 6:00 to 18:00 (longer when there is later data): the night is flat outdoor air
    day = dt.datetime.combine(curve["time"].min().date(), dt.time(0)) if len(curve) else dt.datetime(2000, 1, 1)
    end = max(day + dt.timedelta(hours=18), curve["time"].max() or day)
    fig.update_xaxes(tickformat="%H:%M", hoverformat="%H:%M", range=[day + dt.timedelta(hours=6), end])
    return fig


def lesson_shares(
    rooms: pl.DataFrame, *, title: str, edges: tuple[float, ...], language: str, label: str = "room", y_title: str = "", large: bool = False
) -> go.Figure:
    """Two bars per room (or school: ``label``), share above each limit, labelled in percent; the worse one hatched.

    The bars' categories are the whole names (the hover says which); the axis shows them shortened.
    """
    fig = go.Figure()
    shown = rooms.filter(pl.col("buckets") > 0).reverse()  # plotly draws the first category at the bottom
    names = shown[label].to_list()
    categories = [plain.hover(name) for name in names]
    bars = (("share_moderate", edges[0], charts.BAND_COLOURS[1], ""), ("share_bad", edges[-1], charts.BAND_COLOURS[2], "/"))
    for column, edge, colour, pattern in bars:
        values = (shown[column] * 100).to_list()
        over = t("schulen.over", language, value=quantity_value(edge, "co2", language))
        fig.add_trace(
            go.Bar(
                y=categories,
                x=values,
                orientation="h",
                name=over,
                marker={"color": colour, "pattern": {"shape": pattern}, "line": {"color": "#333333", "width": 1}},
                text=[f"{number(v, 0, language)} %" for v in values],
                textposition="outside",
                cliponaxis=False,
                # the whole name (the axis shows it shortened); the text is the bar's own percent label
                hovertemplate=f"%{{y}}<br>{plain.plotly(over)}: %{{text}}<extra></extra>",
            )
        )
    charts.style(
        fig,
        title=title,
        x_title=t("schulen.share_axis", language),
        y_title=y_title or t("schulen.room", language),
        language=language,
        height=140 + 46 * max(len(shown), 1),
    )
    fig.update_layout(barmode="group", hovermode="closest")
    if large:  # kiosk: readable from a few metres
        fig.update_layout(font={"size": 20}, title_font={"size": 24}, height=160 + 60 * max(len(shown), 1))
    fig.update_xaxes(range=[0, 110], ticksuffix=" %")
    fig.update_yaxes(tickmode="array", tickvals=categories, ticktext=[plain.plotly(name, plain.LEGEND) for name in names])
    return fig
