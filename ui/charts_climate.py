"""Map, charts and ranked places of the Stadtklima page.

Charts are plotly styled by ``ui.charts``, their traces NumPy arrays (plotly validates them
several times faster than polars Series or lists); the temperature map is pydeck with
plain-text tooltips and the value written next to the points; the lists of the warmest and
coolest places are ``ui.cards`` rows. Station names are feed text: shortened and escaped for
plotly (``ui.plain``), the whole name in the hover text and tooltips.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pydeck as pdk

from core.config import BaseMap
from core.schema import QUANTITIES
from ui import cards, charts, mapview, plain
from ui.i18n import age, day_label, number, quantity_value, t
from ui.mapview import districts

# A diverging ramp from Okabe–Ito blue over grey to vermillion: the numbers on the map carry the value.
RAMP = ((0.0, (0, 114, 178)), (0.5, (170, 170, 170)), (1.0, (213, 94, 0)))
# pydeck reads a bare string prop as an accessor expression; a quoted one is passed as a plain string
# (pydeck strips the quote character everywhere in it, so the set must not contain it).
MAP_CHARACTERS = "'0123456789,.-−° '"
PLACE_CHARACTERS = "'" + "".join(chr(c) for c in range(32, 127) if chr(c) != "'") + "äöüÄÖÜß…'"
FONT = "'Source Sans Pro, Helvetica, Arial, sans-serif'"  # quoted: a plain string for pydeck (see MAP_CHARACTERS)
LABEL_ALL_UP_TO = 40  # more stations than this: only the ranked ones carry a number (the rest would pile up)


def spot_list(frame: pl.DataFrame, *, title: str, language: str) -> str:
    """Ranked places: name and district, temperature, felt temperature and heat-stress badge."""
    rows = [
        {
            "name": r["name"] or r["station_id"],
            "tone": r["tone"],
            "label": r["status_en" if language == "en" else "status_de"],
            "sub": f"{plain.short(r['district'], plain.DISTRICT)} · {t('stadtklima.felt', language, value=quantity_value(r['felt'], 'temperature', language))}",
            "value": quantity_value(r["temperature"], "temperature", language),
        }
        for r in frame.iter_rows(named=True)
    ]
    return cards.status_rows(rows, title=title)


def _ramp(share: float) -> list[int]:
    stops = [x for x, _ in RAMP]
    return [round(float(np.interp(share, stops, [c[i] for _, c in RAMP]))) for i in range(3)] + [235]


# Where a number sits relative to its point: above, below, right, left (pixel offset, text anchor).
LABEL_SPOTS = (([0, -26], "middle"), ([0, 26], "middle"), ([18, 0], "start"), ([-18, 0], "end"))


def _label_spots(placed: pl.DataFrame, near_deg: float = 0.004) -> dict[str, tuple[list[int], str]]:
    """A label position per station that differs from those of its close neighbours (~300 m)."""
    points = placed.select("station_id", "lat", "lon").sort("lat", descending=True).rows()
    spots: dict[str, tuple[list[int], str]] = {}
    for sid, lat, lon in points:  # a few dozen labelled stations at most: pairs are cheap
        taken = [
            spots[other]
            for other, lat2, lon2 in points
            if other in spots and abs(lat - lat2) < near_deg and abs(lon - lon2) < near_deg * 1.6
        ]
        spots[sid] = next((spot for spot in LABEL_SPOTS if spot not in taken), LABEL_SPOTS[0])
    return spots


def temperature_deck(
    stations: pl.DataFrame,
    *,
    center: tuple[float, float],
    zoom: float,
    language: str,
    labelled: frozenset = frozenset(),
    height: int = 500,
    base: BaseMap | None = None,
) -> pdk.Deck:
    """Stations coloured by temperature within today's range, the value next to each (with many: those ``labelled``)."""
    placed = stations.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    fresh = placed.filter(~pl.col("stale"))["temperature"]
    low, high = (fresh.min(), fresh.max()) if len(fresh) else (0.0, 1.0)
    span = max(high - low, 1.0)  # a city all at one temperature is not painted in extremes
    rows, spots = [], _label_spots(placed)
    for r in placed.iter_rows(named=True):
        tooltip = t(
            "stadtklima.tooltip",
            language,
            name=plain.tooltip(r["name"] or r["station_id"]),
            value=quantity_value(r["temperature"], "temperature", language),
            felt=t("stadtklima.felt", language, value=quantity_value(r["felt"], "temperature", language)),
            status=r["status_en" if language == "en" else "status_de"],
            age=age(r["age_s"], language) + (f" · {t('common.stale', language)}" if r["stale"] else ""),
        )
        shown = len(placed) <= LABEL_ALL_UP_TO or r["station_id"] in labelled
        rows.append(
            {
                "lat": r["lat"],
                "lon": r["lon"],
                "offset": spots[r["station_id"]][0],
                "anchor": spots[r["station_id"]][1],
                "tooltip": tooltip,
                "color": [150, 150, 150, 140] if r["stale"] else _ramp((r["temperature"] - low) / span),
                "text": number(r["temperature"], 1, language) + "°" if shown else "",
            }
        )
    layers = [
        pdk.Layer(
            "TextLayer",
            id="districts",
            data=districts(placed),
            get_position=["lon", "lat"],
            get_text="district",
            get_size=14,
            get_color=[90, 90, 90, 150],
            get_pixel_offset=[0, 46],
            character_set=PLACE_CHARACTERS,
            font_family=FONT,
            **mapview.HALO,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            id="temperature",
            data=rows,
            get_position=["lon", "lat"],
            get_fill_color="color",
            get_radius=120,
            radius_min_pixels=9,
            radius_max_pixels=26,
            stroked=True,
            get_line_color=[30, 30, 30, 220],
            line_width_min_pixels=1,
            pickable=True,
        ),
        pdk.Layer(
            "TextLayer",
            id="values",
            data=rows,
            get_position=["lon", "lat"],
            get_text="text",
            get_size=17,
            get_color=[20, 20, 20, 255],
            get_pixel_offset="offset",
            get_text_anchor="anchor",
            font_weight=700,
            # a white rim like the place names, not a background box: the box is a layer of its
            # own for the GPU (in a browser without one, 2 s more to a fresh Stadtklima)
            character_set=MAP_CHARACTERS,
            font_family=FONT,
            **mapview.HALO,
        ),
    ]
    state = mapview.view_state(placed, center=center, zoom=zoom, width_px=760, height_px=height - 110)
    return mapview.with_base(layers, state, base=base, height_px=height, tooltip={"text": "{tooltip}"})


def day_curves(curves: pl.DataFrame, *, place: str, language: str, height: int = 420) -> go.Figure:
    """Today bold, yesterday dashed, older days thin and grey, all over the local time of day."""
    fig = go.Figure()
    days = curves["day"].unique().sort(descending=True).to_list()
    for i, day in enumerate(days):
        part = curves.filter(pl.col("day") == day)
        today = bool(part["today"][0])
        name = f"{t('stadtklima.today', language)} ({day_label(day, language)})" if today else day_label(day, language)
        line = (
            {"color": charts.SERIES[0], "width": 4}
            if today
            else {"color": charts.SERIES[1], "width": 2, "dash": "dash"}
            if i == 1
            else {"color": "#999999", "width": 1.2, "dash": "dot"}
        )
        fig.add_trace(go.Scatter(x=part["clock"].to_numpy(), y=part["value"].to_numpy(), mode="lines", name=name, line=line))
    charts.style(
        fig,
        title=t("stadtklima.curves_title", language, place=plain.plotly(place, plain.TITLE)),
        x_title=t("stadtklima.time_of_day", language),
        y_title=charts.axis_title("temperature", language),
        language=language,
        height=height,
    )
    fig.update_xaxes(tickformat="%H:%M", hoverformat="%H:%M", range=[dt.datetime(2000, 1, 1), dt.datetime(2000, 1, 2)])
    return fig


def soil(curves: pl.DataFrame, quantity: str, *, edges: tuple[float, ...], days: int, language: str, height: int = 400) -> go.Figure:
    """Hourly soil values of the chosen trees with the city-wide "bald gießen" / "gießen" lines."""
    fig = go.Figure()
    part = curves.filter(pl.col("quantity") == quantity)
    digits, unit = (QUANTITIES[quantity].decimals, QUANTITIES[quantity].unit) if quantity in QUANTITIES else (1, "")
    for i, sid in enumerate(part["station_id"].unique(maintain_order=True).to_list()):
        one = part.filter(pl.col("station_id") == sid)
        name = one["name"][0] or sid
        fig.add_trace(
            go.Scatter(
                x=one["time"].to_numpy(),
                y=one["value"].to_numpy(),
                mode="lines",
                name=plain.plotly(name, plain.LEGEND),
                line={**charts.series_style(i), "width": 2.5},
                hovertemplate=f"{plain.hover(name)}: %{{y:.{digits}f}} {plain.plotly(unit)}<extra></extra>",
            )
        )
    charts.limit_lines(fig, edges, (t("stadtklima.band.drying", language), t("stadtklima.band.dry", language)))
    charts.style(
        fig,
        title=t("stadtklima.tree_title", language, days=days),
        x_title=t("stadtklima.tree_time", language),
        y_title=charts.axis_title(quantity, language),
        language=language,
        height=height,
    )
    # plotly's bundled locale is English: German dates as numbers, not "Nov 13"
    fig.update_xaxes(
        tickformat="%d.%m." if language == "de" else "%d %b", hoverformat="%d.%m. %H:%M" if language == "de" else "%d %b %H:%M"
    )
    return fig
