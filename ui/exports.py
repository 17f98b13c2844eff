"""What the Daten page hands out: the comparison chart, and the selection as CSV, Parquet and GeoJSON.

The files are made by :func:`download` for the page's buttons and for ``/api/download`` alike, so
both give the same bytes; every file carries each row's licence and attribution (its source's).
"""

from __future__ import annotations

import io
import json
import math

import plotly.graph_objects as go
import polars as pl

from core.schema import QUANTITIES
from data_sources.licences import Credit
from ui import charts, plain
from ui.charts import HOVER, TICKS, epoch_ms, merged_layout, styled
from ui.i18n import t

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell as a formula
FORMATS: dict[str, str] = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "geojson": "application/geo+json"}


def comparison_chart(chart: pl.DataFrame, *, tz: str, language: str, title: str, kiosk: bool = False) -> go.Figure:
    """One line per station and quantity; one panel per quantity (each with its own unit), one time axis.

    ``kiosk``: one tall panel with large type and the legend beside it, for a screen at 3 m.
    The panels are laid out as plain layout data on the shared style (``make_subplots`` and
    repeated ``update_layout`` calls cost more than the whole page otherwise).
    """
    present = set(chart["quantity"].to_list())
    quantities = [q for q in QUANTITIES if q in present] + sorted(present - set(QUANTITIES)) or [""]
    # a station keeps its colour in every panel and appears once in the legend
    colours = {sid: i for i, sid in enumerate(chart["station_id"].unique(maintain_order=True).to_list())}
    listed: set[str] = set()
    panels, gap = len(quantities), 0.06
    share = (1 - gap * (panels - 1)) / panels
    lang = "en" if language == "en" else "de"
    days = (chart["ts"].max() - chart["ts"].min()).total_seconds() / 86400 if chart.height else 0
    height = 760 if kiosk else 200 + 260 * panels
    layout: dict = {"title": {"text": title}, "height": height, "hovermode": "closest"}
    traces = []
    for row, quantity in enumerate(quantities):
        axis = "" if row == 0 else str(row + 1)
        top = 1 - row * (share + gap)
        layout[f"yaxis{axis}"] = {
            "domain": [max(top - share, 0), top],
            "anchor": f"x{axis}",
            "title": {"text": charts.axis_title(quantity, language) if quantity else ""},
        }
        layout[f"xaxis{axis}"] = {
            "anchor": f"y{axis}",
            "type": "date",
            "hoverformat": HOVER[lang],
            "tickformat": TICKS[lang][0 if days <= 7 else 1],
            "showticklabels": row == panels - 1,
            "title": {"text": t("daten.time", language) if row == panels - 1 else ""},
            **({"matches": "x"} if row else {}),
        }
        digits = QUANTITIES[quantity].decimals if quantity in QUANTITIES else 1
        suffix = plain.plotly(QUANTITIES[quantity].unit if quantity in QUANTITIES else "")
        for (station_id,), series in chart.filter(pl.col("quantity") == quantity).group_by("station_id", maintain_order=True):
            name = series["name"][0] or station_id  # feed text: plotly renders a subset of HTML in names
            style = charts.series_style(colours[station_id])
            traces.append(
                go.Scatter(
                    x=epoch_ms(series["ts"], tz),
                    y=series["value"].to_numpy(),
                    mode="lines",
                    name=plain.plotly(name, plain.LEGEND),
                    xaxis=f"x{axis}",
                    yaxis=f"y{axis}",
                    line={"color": style["color"], "dash": style["dash"], "width": 2},
                    legendgroup=station_id,
                    showlegend=station_id not in listed,
                    hovertemplate=f"%{{y:.{digits}f}} {suffix}<extra>{plain.hover(name)}</extra>",
                )
            )
            listed.add(station_id)
    if kiosk:
        layout.update(font={"size": 18}, legend={"orientation": "v", "x": 1.01, "y": 1, "yanchor": "top"}, margin={"r": 240})
    else:  # legend below the time axis title, whatever the height
        layout.update(margin={"b": 140}, legend={"y": -110 / (height - 200), "yanchor": "top"})
    return go.Figure(data=traces, layout=merged_layout(styled(language, False), layout))


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
        feature = features.setdefault(
            row["station_id"],
            {
                "type": "Feature",
                "id": row["station_id"],
                "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
                if row["lat"] is not None and row["lon"] is not None
                else None,
                "properties": {
                    "station_id": row["station_id"],
                    "name": row["name"],
                    "theme": row["theme"],
                    "district": row["district"],
                    **{k: row[k] for k in ("licence", "attribution") if k in row},
                },
            },
        )
        quantity = row["quantity"]
        if quantity is not None:
            props = feature["properties"]
            props[quantity] = _number(row["value"])
            props[f"{quantity}_unit"] = QUANTITIES[quantity].unit if quantity in QUANTITIES else None
            props[f"{quantity}_ts"] = row["ts"].strftime("%Y-%m-%dT%H:%M:%SZ") if row["ts"] is not None else None
            props[f"{quantity}_stale"] = row["stale"]
    collection = {"type": "FeatureCollection", "features": list(features.values())}
    return json.dumps(collection, ensure_ascii=False, indent=1).encode("utf-8")


def credited(frame: pl.DataFrame, credits: list[Credit]) -> pl.DataFrame:
    """``frame`` with ``licence`` (the licence's URI) and ``attribution`` of each row's source (station_id's prefix)."""
    uri = {c.source: c.licence.uri for c in credits}
    who = {c.source: c.attribution for c in credits}
    source = pl.col("station_id").str.split(":").list.first()
    return frame.with_columns(
        licence=source.replace_strict(uri, default=None, return_dtype=pl.String),
        attribution=source.replace_strict(who, default=None, return_dtype=pl.String),
    )


def download(kind: str, frame: pl.DataFrame, places: pl.DataFrame, credits: list[Credit]) -> bytes:
    """The file of a selection (``explore.Selection`` frame and places) in ``kind``, one of :data:`FORMATS`."""
    if kind == "csv":
        return csv_bytes(credited(frame, credits))
    if kind == "parquet":
        return parquet_bytes(credited(frame, credits))
    if kind == "geojson":
        return geojson_bytes(credited(places, credits))
    msg = f"format must be one of {', '.join(FORMATS)}, got {kind!r}"
    raise ValueError(msg)
