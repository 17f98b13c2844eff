"""Hydrographs and gauge cards of the Pegel page: levels drawn as labelled lines, escaped HTML cards."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl

from ui import cards, charts, plain
from ui.charts import HOVER, TICKS, epoch_ms, merged_layout, styled
from ui.i18n import clock, number, quantity_value, t
from ui.style import TREND_ARROWS, colour

# How each level is drawn: tone (colour as in the status badges) and dash. Every line also
# carries its name as a label, so no level is told apart by colour alone.
LEVEL_LINES: dict[str, tuple[str, str]] = {
    "MNW": ("fair", "dot"),
    "MW": ("unknown", "dot"),
    "MHW": ("poor", "dashdot"),
    "info1": ("moderate", "dash"),
    "info2": ("poor", "dash"),
    "info3": ("bad", "dash"),
}
# Okabe–Ito yellow is too light for a thin line on white; a darker line of the same hue.
LINE_COLOURS = {"moderate": "#B39B00", "unknown": "#7F7F7F"}
LINE = "#0072B2"


def _padded(low: float, high: float) -> list[float]:
    pad = max((high - low) * 0.08, 2.0)
    return [low - pad, high + 2 * pad]  # room above the top line for its label


def hydrograph(
    mine: pl.DataFrame, marks: list[tuple[str, float]], gauge: dict[str, Any], *, every: str, tz: str, language: str, compact: bool = False
) -> go.Figure:
    """One gauge's water level over the window, with the levels in range drawn as lines.

    The y range covers the data, MW and the next warning level above the highest value, so
    a viewer sees how far the water is from it; levels beyond are named in the card instead.
    ``mine``: the gauge's buckets (ts, mean, min, max); ``marks``: its (level, cm) pairs.
    ``compact``: the kiosk's small multiple (the card above it carries name and units).
    """
    x = epoch_ms(mine["ts"], tz)
    traces = []
    if every != "15m" and len(mine):  # hourly means hide the peak: show the band of min and max
        traces.append(go.Scatter(x=x, y=mine["max"].to_numpy(), mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False))
        traces.append(
            go.Scatter(
                x=x,
                y=mine["min"].to_numpy(),
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor="rgba(0,114,178,0.18)",
                name=t("pegel.band", language),
                hoverinfo="skip",
            )
        )
    traces.append(
        go.Scatter(
            x=x,
            y=mine["mean"].to_numpy(),
            mode="lines",
            line={"color": LINE, "width": 3 if compact else 2.5},
            name=t("quantity.water_level", language),
            hovertemplate="%{y:.0f} cm<extra></extra>",
        )
    )
    values = [v for v in (mine["min"].min(), mine["max"].max(), gauge.get("value")) if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 100.0)
    warn_above = [value for level, value in marks if value > high and level in ("MHW", "info1", "info2", "info3")]
    if warn_above:
        high = min(warn_above)
    if gauge.get("passed_value") is not None:  # the level the water has passed is the line that matters most
        low = min(low, gauge["passed_value"])
    for level, value in marks:
        if level == "MW":
            low, high = min(low, value), max(high, value)
    # level lines as plain shapes and labels: plotly's add_hline costs ~20 ms a line
    shapes, labels = [], []
    for level, value in marks:
        if not low <= value <= high:
            continue
        tone, dash = LEVEL_LINES.get(level, ("unknown", "dot"))
        line_colour = LINE_COLOURS.get(tone, colour(tone))
        shapes.append(
            {
                "type": "line",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": value,
                "y1": value,
                "line": {"color": line_colour, "dash": dash, "width": 2},
            }
        )
        labels.append(
            {
                "xref": "x domain",
                "x": 0,
                "yref": "y",
                "y": value,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "text": f"{t(f'pegel.level.{level}', language)} · {quantity_value(value, 'water_level', language)}",
                "font": {"color": line_colour, "size": 15 if compact else 12},
                "bgcolor": "rgba(255,255,255,0.75)",
            }
        )
    lang = "en" if language == "en" else "de"
    # plotly renders a subset of HTML in titles: the gauge's name is feed text
    title, x_title, y_title = (
        plain.plotly(gauge["name"] or gauge["station_id"], plain.TITLE),
        t("pegel.time", language),
        charts.axis_title("water_level", language),
    )
    if compact:
        title, x_title, y_title = "", "", "cm"
    xaxis = {"type": "date", "tickformat": TICKS[lang][0 if every == "15m" else 1], "hoverformat": HOVER[lang], "title": {"text": x_title}}
    layout: dict[str, Any] = {
        "title": {"text": title},
        "shapes": shapes,
        "annotations": labels,
        "xaxis": xaxis,
        "yaxis": {"range": _padded(low, high), "title": {"text": y_title}},
        "showlegend": every != "15m" and not compact,
    }
    if compact:  # the caption names the window, so times of day suffice
        xaxis.update(tickformat="%H:%M", tickangle=0, nticks=5)
        layout.update(margin={"l": 50, "r": 10, "t": 16, "b": 8}, font={"size": 14})
    return go.Figure(data=traces, layout=merged_layout(styled(language, compact), layout))


def trend_text(gauge: dict[str, Any], language: str) -> str:
    if gauge.get("trend_word") is None:
        return t("pegel.trend_unknown", language)
    word = t(f"common.trend_{gauge['trend_word']}", language)
    rate = gauge["trend"]
    return t("pegel.trend", language, word=word, rate=("+" if rate > 0 else "") + number(rate, 1, language))


def margin_text(gauge: dict[str, Any], language: str) -> str:
    if gauge.get("next_level") is not None:
        level = t(f"pegel.level.{gauge['next_level']}", language)
        return t("pegel.margin", language, margin=quantity_value(gauge["margin"], "water_level", language), level=level)
    if gauge.get("passed") is not None:
        return t("pegel.above_all", language)
    return t("pegel.no_levels", language)


def state(gauge: dict[str, Any], language: str) -> tuple[str, str]:
    """(tone, word) of a gauge: its Informationsstufe where it has them, else MNW/MHW band."""
    if gauge.get("severity") is not None or gauge.get("band") is None:
        return gauge["tone"], gauge["status_en"] if language == "en" else gauge["status_de"]
    tone = {"low": "moderate", "normal": "good", "high": "poor"}[gauge["band"]]
    return tone, t(f"pegel.band.{gauge['band']}", language)


def card_html(gauge: dict[str, Any], *, language: str, tz: str, compact: bool = False) -> cards.Html:
    """A gauge as an escaped HTML card: name, value with trend arrow, status, trend and margin.

    ``compact`` (kiosk): the stale mark beside the badges, no district and no time (the page shows it once).
    """
    tone, word = state(gauge, language)
    badges = [cards.badge(tone, word)]
    if gauge.get("band") in ("low", "high") and gauge.get("severity") is not None:  # the MNW/MHW band beside the Informationsstufe
        badges.append(cards.tag("moderate", t(f"pegel.band.{gauge['band']}", language)))
    stale = cards.stale_badge(language) if gauge.get("stale") else cards.Html("")
    sentence = cards.block("scs-sentence", trend_text(gauge, language), margin_text(gauge, language))
    if compact:
        body = (stale, sentence)
    else:
        body = (sentence, cards.block("scs-foot", t("common.as_of", language, time=clock(gauge["ts"], tz, language)), tail=stale))
    district = f" · {plain.short(gauge['district'], plain.DISTRICT)}" if gauge.get("district") and not compact else ""
    return cards.card(
        cards.TILE,
        tone=tone,
        title=gauge["name"] or gauge["station_id"],
        place=district,
        value=quantity_value(gauge["value"], "water_level", language),
        arrow=TREND_ARROWS.get(f"common.trend_{gauge.get('trend_word')}", ""),
        badges=badges,
        body=body,
        variant="scs-gauge" if compact else "",
    )


def alert_text(gauge: dict[str, Any], language: str) -> str:
    return t(
        "pegel.alert",
        language,
        name=plain.short(gauge["name"] or gauge["station_id"], plain.SENTENCE),
        level=t(f"pegel.level.{gauge['passed']}", language),
        value=quantity_value(gauge["value"], "water_level", language),
        mark=quantity_value(gauge["passed_value"], "water_level", language),
        trend=trend_text(gauge, language),
    )


def banner_texts(alerts: pl.DataFrame, language: str) -> dict[str, list[str]]:
    """Alert lines grouped by weight: "alarm" (Informationsstufe 2 and 3), "warning" (1 and MHW); markdown-safe."""
    groups: dict[str, list[str]] = {"alarm": [], "warning": []}
    for gauge in alerts.iter_rows(named=True):
        groups["alarm" if gauge["passed_severity"] >= 2 else "warning"].append(plain.markdown(alert_text(gauge, language)))
    return groups


def per_gauge(series: pl.DataFrame, levels: pl.DataFrame) -> tuple[dict[str, pl.DataFrame], dict[str, list[tuple[str, float]]]]:
    """Buckets and levels split by gauge once (a filter per gauge and chart costs more than drawing)."""
    buckets = {key[0]: frame for key, frame in series.partition_by("station_id", as_dict=True).items()}
    marks: dict[str, list[tuple[str, float]]] = {}
    for station_id, level, value in levels.select("station_id", "level", "value").iter_rows():
        marks.setdefault(station_id, []).append((level, value))
    return buckets, marks
