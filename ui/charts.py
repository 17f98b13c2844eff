"""Shared plotly styling: titled axes with units, locale separators, colour-blind-safe series colours."""

from __future__ import annotations

import plotly.graph_objects as go

from core.schema import QUANTITIES
from ui.i18n import t

# Okabe–Ito order for series (status colours stay in style.TONES; these are for lines)
SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


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


def series_style(i: int) -> dict:
    """Colour and dash of the i-th series: never colour alone (dash patterns repeat slower)."""
    return {"color": SERIES[i % len(SERIES)], "dash": DASHES[(i // len(SERIES)) % len(DASHES)]}
