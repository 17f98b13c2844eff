"""What the Daten page hands out: the comparison chart, and the selection as CSV, Parquet and GeoJSON."""

from __future__ import annotations

import html
import io
import json
import math

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from core.schema import QUANTITIES
from ui import charts
from ui.charts_water import HOVER, TICKS, epoch_ms
from ui.i18n import t

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell as a formula


def comparison_chart(chart: pl.DataFrame, *, tz: str, language: str, title: str, kiosk: bool = False) -> go.Figure:
    """One line per station and quantity; one panel per quantity (each with its own unit).

    ``kiosk``: one tall panel with large type and the legend beside it, for a screen at 3 m.
    """
    quantities = chart["quantity"].unique(maintain_order=True).to_list()
    fig = make_subplots(rows=max(len(quantities), 1), cols=1, shared_xaxes=True, vertical_spacing=0.06)
    index = 0
    for row, quantity in enumerate(quantities, start=1):
        unit = charts.axis_title(quantity, language)
        digits = QUANTITIES[quantity].decimals if quantity in QUANTITIES else 1
        suffix = html.escape(QUANTITIES[quantity].unit if quantity in QUANTITIES else "")
        for (station_id,), series in chart.filter(pl.col("quantity") == quantity).group_by("station_id", maintain_order=True):
            # plotly renders a subset of HTML in names: escape feed text
            name = html.escape(series["name"][0] or station_id)
            style = charts.series_style(index)
            fig.add_trace(
                go.Scatter(x=epoch_ms(series["ts"], tz), y=series["value"].to_numpy(), mode="lines", name=name,
                             line={"color": style["color"], "dash": style["dash"], "width": 2},
                             legendgroup=name, hovertemplate=f"%{{y:.{digits}f}} {suffix}<extra>{name}</extra>"),
                row=row, col=1,
            )
            index += 1
        fig.update_yaxes(title_text=unit, row=row, col=1)
    lang = "en" if language == "en" else "de"
    panels = max(len(quantities), 1)
    height = 760 if kiosk else 200 + 260 * panels
    charts.style(fig, title=title, x_title="", y_title=fig.layout.yaxis.title.text or "", language=language, height=height)
    days = (chart["ts"].max() - chart["ts"].min()).total_seconds() / 86400 if chart.height else 0
    fig.update_xaxes(type="date", hoverformat=HOVER[lang], tickformat=TICKS[lang][0 if days <= 7 else 1])
    fig.update_xaxes(title_text=t("daten.time", language), row=panels, col=1)
    if kiosk:
        fig.update_layout(font={"size": 18}, legend={"orientation": "v", "x": 1.01, "y": 1, "yanchor": "top"}, margin={"r": 240})
    else:  # legend below the time axis title, whatever the height
        fig.update_layout(margin={"b": 140}, legend={"y": -110 / (height - 200), "yanchor": "top"})
    fig.update_layout(hovermode="closest")
    return fig


def _safe_names(frame: pl.DataFrame) -> pl.DataFrame:
    """Station names are feed text: one starting like a formula gets a leading apostrophe."""
    if "name" not in frame.columns:
        return frame
    risky = pl.col("name").str.starts_with(FORMULA_START[0])
    for start in FORMULA_START[1:]:
        risky = risky | pl.col("name").str.starts_with(start)
    return frame.with_columns(name=pl.when(risky).then(pl.lit("'") + pl.col("name")).otherwise(pl.col("name")))


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8 CSV, comma-separated, decimal point, times in UTC as ISO 8601 with Z."""
    return _safe_names(frame).write_csv(datetime_format="%Y-%m-%dT%H:%M:%S%.fZ").encode("utf-8")


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def geojson_bytes(places: pl.DataFrame) -> bytes:
    """The chosen stations as a FeatureCollection: Point [lon, lat] (null when unknown) and their
    latest value, unit and time (UTC) per chosen quantity as flat properties, e.g. ``temperature``,
    ``temperature_unit``, ``temperature_ts``.
    """
    features: dict[str, dict] = {}
    for row in places.iter_rows(named=True):  # one row per station and quantity: small
        feature = features.setdefault(row["station_id"], {
            "type": "Feature",
            "id": row["station_id"],
            "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]} if row["lat"] is not None and row["lon"] is not None else None,
            "properties": {"station_id": row["station_id"], "name": row["name"], "theme": row["theme"], "district": row["district"]},
        })
        quantity = row["quantity"]
        if quantity is not None:
            props = feature["properties"]
            props[quantity] = _number(row["value"])
            props[f"{quantity}_unit"] = QUANTITIES[quantity].unit if quantity in QUANTITIES else None
            props[f"{quantity}_ts"] = row["ts"].strftime("%Y-%m-%dT%H:%M:%SZ") if row["ts"] is not None else None
            props[f"{quantity}_stale"] = row["stale"]
    collection = {"type": "FeatureCollection", "features": list(features.values())}
    return json.dumps(collection, ensure_ascii=False, indent=1).encode("utf-8")
