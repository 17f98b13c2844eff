"""The watering section's map, list, table and water-balance chart (register text is untrusted: always escaped)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl
import pydeck as pdk

from core.config import BaseMap
from ui import charts, mapview, plain
from ui.i18n import number, quantity_value, t
from ui.style import TONES, colour, icon

FONT = "'Source Sans Pro, Helvetica, Arial, sans-serif'"
ICONS = "'" + "".join(sorted({i for _, i in TONES.values()})) + "'"  # a quoted string for pydeck: the glyphs the map draws


def _rgba(hex_colour: str, alpha: int = 235) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)] + [alpha]


def mm(value: float | None, language: str) -> str:
    """A depth of water as the section says it: whole millimetres ("12 mm"; the model is no finer)."""
    return "–" if value is None else f"{number(value, 0, language)} mm"


def name(row: dict[str, Any], language: str) -> str:
    """ "Winterlinde, Unnaer Straße (MEN-0001)": the register's words, German name first where it has one."""
    species = (row.get("species_de") if language == "de" else None) or row.get("species_de") or row.get("species") or ""
    place = row.get("street") or row.get("district") or ""
    return f"{species}, {place} ({row['id']})" if place else f"{species} ({row['id']})"


def hint_word(row: dict[str, Any], language: str) -> str:
    return t(f"trees.hint.{row['hint']}", language)


def sensor_text(row: dict[str, Any], language: str) -> str:
    if row.get("sensor_value") is None:
        return t("trees.no_sensor", language)
    status = row.get("sensor_status_en" if language == "en" else "sensor_status_de") or ""
    return t("trees.sensor_line", language, value=quantity_value(row["sensor_value"], row["sensor_quantity"], language), status=status)


def deck(frame: pl.DataFrame, *, center: tuple[float, float], zoom: float, language: str, height: int, base: BaseMap | None) -> pdk.Deck:
    """Every tree as a dot in its hint's colour with the hint's icon on it (never colour alone); details in the tooltip."""
    rows = [
        {
            "lat": r["lat"],
            "lon": r["lon"],
            "color": _rgba(colour(r["tone"] or "unknown")),
            "icon": icon(r["tone"] or "unknown"),
            "tooltip": t(
                "trees.tooltip",
                language,
                name=plain.tooltip(name(r, language)),
                hint=hint_word(r, language),
                deficit=mm(r["deficit_mm"], language),
                sensor=sensor_text(r, language),
            ),
        }
        for r in frame.iter_rows(named=True)
    ]
    layers = [
        pdk.Layer(
            "ScatterplotLayer",
            id="trees",
            data=rows,
            get_position=["lon", "lat"],
            get_fill_color="color",
            get_radius=40,
            radius_min_pixels=7,
            radius_max_pixels=16,
            stroked=True,
            get_line_color=[30, 30, 30, 220],
            line_width_min_pixels=1,
            pickable=True,
        ),
        pdk.Layer(
            "TextLayer",
            id="tree-icons",
            data=rows,
            get_position=["lon", "lat"],
            get_text="icon",
            get_size=12,
            get_color=[20, 20, 20, 255],
            character_set=ICONS,
            font_family=FONT,
        ),
    ]
    state = mapview.view_state(frame, center=center, zoom=zoom, width_px=760, height_px=height - 110)
    return mapview.with_base(layers, state, base=base, height_px=height, tooltip={"text": "{tooltip}"})


def urgent_rows(frame: pl.DataFrame, language: str, n: int) -> list[dict]:
    """The ``n`` trees that need water most, as ``ui.cards.status_rows`` rows (only those to water now or soon)."""
    needy = frame.filter(pl.col("hint").is_in(["water", "soon"])).head(n)
    return [
        {
            "name": name(r, language),
            "sub": " · ".join(
                part
                for part in (
                    t("trees.deficit", language, value=mm(r["deficit_mm"], language)),
                    t("trees.litres", language, n=number(r["litres"], 0, language)) if r["hint"] == "water" else "",
                    sensor_text(r, language) if r.get("sensor") else "",
                )
                if part
            ),
            "tone": r["tone"],
            "label": hint_word(r, language),
            "value": mm(r["deficit_mm"], language),
        }
        for r in needy.iter_rows(named=True)
    ]


def table(frame: pl.DataFrame, language: str) -> pl.DataFrame:
    """Every tree for ``st.dataframe``: register fields shortened (plain text, never HTML), the model beside the sensor."""
    hints = {h: t(f"trees.hint.{h}", language) for h in ("water", "soon", "ok", "established", "unknown")}
    species = pl.coalesce("species_de", "species") if language == "de" else pl.coalesce("species", "species_de")
    status = "sensor_status_en" if language == "en" else "sensor_status_de"
    return frame.select(
        pl.col("id").alias(t("trees.col.id", language)),
        species.str.slice(0, plain.TABLE).alias(t("trees.col.tree", language)),
        pl.coalesce("street", "district").str.slice(0, plain.TABLE).alias(t("trees.col.street", language)),
        pl.col("planted").alias(t("trees.col.planted", language)),
        pl.col("hint").replace_strict(hints, default="").alias(t("trees.col.hint", language)),
        pl.col("deficit_mm").round(1).alias(t("trees.col.deficit", language)),
        pl.col("raw_mm").round(0).alias(t("trees.col.raw", language)),
        pl.col("litres").alias(t("trees.col.litres", language)),
        pl.col("sensor_value").round(1).alias(t("trees.col.sensor", language)),
        pl.col(status).alias(t("trees.col.sensor_status", language)),
    )


def balance(days: pl.DataFrame, path: pl.DataFrame, tree: dict[str, Any], *, language: str, height: int = 400) -> go.Figure:
    """Rain and Kc·ET₀ per day as bars, the tree pit's deficit as a line with its "gießen" mark."""
    x = days["date"].to_list()
    fig = go.Figure()
    fig.add_trace(
        go.Bar(x=x, y=days["precipitation"].fill_null(0.0).to_list(), name=t("trees.rain", language), marker_color=charts.SERIES[0])
    )
    fig.add_trace(
        go.Bar(
            x=x,
            y=(days["et0"] * tree["kc"]).to_list(),
            name=t("trees.et", language),
            marker={"color": charts.SERIES[1], "pattern": {"shape": "/"}},  # told apart by the pattern too
        )
    )
    mine = path.filter(pl.col("id") == tree["id"]).sort("date")
    fig.add_trace(
        go.Scatter(
            x=mine["date"].to_list(),
            y=mine["deficit_mm"].to_list(),
            mode="lines+markers",
            name=t("trees.deficit_line", language),
            line={"color": "#000000", "width": 3},
        )
    )
    charts.limit_lines(fig, (tree["raw_mm"],), (t("trees.raw_line", language),))
    charts.style(
        fig,
        title=plain.plotly(t("trees.chart_title", language, days=len(days), tree=name(tree, language)), plain.TITLE),
        x_title=t("trees.day", language),
        y_title=t("trees.mm", language),
        language=language,
        height=height,
    )
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickformat="%d.%m." if language == "de" else "%d %b")
    return fig
