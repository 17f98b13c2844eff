"""Shared plotly styling: titled axes with units, locale separators and dates, colour-blind-safe series, limit lines."""

from __future__ import annotations

import functools

import plotly.graph_objects as go
import polars as pl

from core.schema import QUANTITIES
from ui.i18n import t
from ui.style import TONES

# Okabe–Ito order for series (status colours stay in style.TONES; these are for lines)
SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
# The first and second limit of a quantity (CO₂ 1000/2000 ppm, "bald gießen"/"gießen") as lines and bars
BAND_COLOURS = {1: TONES["poor"][0], 2: TONES["bad"][0]}
# Plotly names months in English only: German ticks use numeric dates.
TICKS = {"de": ("%H:%M<br>%d.%m.", "%d.%m.<br>%Y"), "en": ("%H:%M<br>%b %d", "%b %d<br>%Y")}
HOVER = {"de": "%d.%m.%Y %H:%M", "en": "%b %d, %Y %H:%M"}


def axis_title(quantity: str, language: str) -> str:
    """ "Temperatur (°C)" — every value axis names its quantity and unit."""
    q = QUANTITIES.get(quantity)
    label = t(f"quantity.{quantity}", language) if q else quantity
    return f"{label} ({q.unit})" if q and q.unit else label


def style(fig: go.Figure, *, title: str, x_title: str, y_title: str, language: str, height: int = 420) -> go.Figure:
    """Common layout: title, axis titles, German decimal comma, legend below, no plotly logo clutter."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        xaxis_title=x_title,
        yaxis_title=y_title,
        separators=",." if language == "de" else ".,",
        height=height,
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        hovermode="x unified",
        colorway=list(SERIES),
    )
    return fig


@functools.lru_cache(maxsize=4)
def styled(language: str, compact: bool) -> dict:
    """The shared chart style (:func:`style`) as a layout dict, made once per language.

    Styling every figure anew costs ~20 ms a chart (plotly's update_layout); eight
    hydrographs share one style, so each is built from this data instead.
    """
    fig = style(go.Figure(), title="", x_title="", y_title="", language=language, height=135 if compact else 380)
    # without the theme template, which every new figure gets anyway (validating it again costs 7 ms)
    return {key: value for key, value in fig.layout.to_plotly_json().items() if key != "template"}


def merged_layout(base: dict, extra: dict) -> dict:
    """``base`` with ``extra`` laid over it, nested dicts merged (``base`` is left as it is)."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = merged_layout(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return out


def series_style(i: int) -> dict:
    """Colour and dash of the i-th series: never colour alone (dash patterns repeat slower)."""
    return {"color": SERIES[i % len(SERIES)], "dash": DASHES[(i // len(SERIES)) % len(DASHES)]}


def limit_lines(fig: go.Figure, edges: tuple[float, ...], labels: tuple[str, ...]) -> None:
    """A labelled dashed line at each limit, coloured as its band."""
    for i, (edge, label) in enumerate(zip(edges, labels), start=1):
        fig.add_hline(
            y=edge,
            line={"color": BAND_COLOURS.get(i, "#555555"), "width": 2, "dash": "dash"},
            annotation_text=label,
            annotation_position="top right",
            annotation={"bgcolor": "rgba(255,255,255,0.85)", "font": {"color": "#222222"}},
        )


def local_time(ts: pl.Series, tz: str) -> pl.Series:
    """UTC times as the city's wall-clock times (plotly has no time zones)."""
    return ts.dt.convert_time_zone(tz).dt.replace_time_zone(None)


def epoch_ms(ts: pl.Series, tz: str):
    """Wall-clock times as ms numbers for a date axis: plotly sends float arrays base64-packed,
    a third of the bytes of date strings."""
    return local_time(ts, tz).dt.epoch("ms").cast(pl.Float64).to_numpy()
