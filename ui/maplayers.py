"""Map layers of the noise, traffic, charging and places themes, laid over the station map of ``ui.mapview``.

Each layer's points carry a plain-text tooltip (deck.gl's text mode, names through
``ui.plain.tooltip``) with every value of the station, its word and its age: sound meters and
charging sites coloured by their status, counters by today against the usual of this weekday,
places by whether they are open now (``core.views.places``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import polars as pl
import pydeck as pdk

from core.schema import QUANTITIES
from core.views import traffic
from ui import plain
from ui.i18n import TEXTS, age, quantity_value, t
from ui.style import TONES

THEMES = ("noise", "traffic", "charging", "poi")  # the themes drawn here rather than by ui.mapview
RADIUS_M = {"noise": 45, "traffic": 55, "charging": 50, "poi": 40}
STALE_RGBA = [150, 150, 150, 140]
OPEN_TONE = {True: "good", False: "unknown", None: None}
UNKNOWN_HOURS_RGBA = [255, 255, 255, 235]  # white with the dark outline: no colour claims anything


def rgba(tone: str) -> list[int]:
    colour = TONES.get(tone, TONES["unknown"])[0]
    return [int(colour[i : i + 2], 16) for i in (1, 3, 5)] + [235]


def _status(row: dict, language: str) -> str:
    tone = row.get("tone") or "unknown"
    label = row["status_en"] if language == "en" else row["status_de"]
    return f"{TONES.get(tone, TONES['unknown'])[1]} {label}"


def _age(row: dict, language: str) -> str:
    return age(row["age_s"], language) + (f" · {t('common.stale', language)}" if row["stale"] else "")


def _point(row: dict, theme: str, tooltip: str, colour: list[int]) -> dict:
    return {"lat": row["lat"], "lon": row["lon"], "theme": theme, "color": colour, "radius": RADIUS_M[theme], "tooltip": tooltip}


def sensor_rows(view: pl.DataFrame, now_frame: pl.DataFrame, theme: str, language: str) -> list[dict]:
    """Sound meters or charging sites: coloured by the status of ``core.views.today.station_view``, every value in the tooltip."""
    order = [key for key, q in QUANTITIES.items() if q.theme == theme]
    values = (
        now_frame.filter(pl.col("theme") == theme)
        .select("station_id", "quantity", "value")
        .with_columns(
            order=pl.col("quantity").replace_strict({q: i for i, q in enumerate(order)}, default=len(order), return_dtype=pl.Int32)
        )
        .sort("station_id", "order")
    )
    lines: dict[str, list[str]] = {}
    for sid, quantity, value, _ in values.iter_rows():
        lines.setdefault(sid, []).append(f"{t(f'quantity.{quantity}', language)}: {quantity_value(value, quantity, language)}")
    out = []
    for r in view.filter((pl.col("theme") == theme) & pl.col("lat").is_not_null() & pl.col("lon").is_not_null()).iter_rows(named=True):
        tooltip = t(
            "map.tooltip.values",
            language,
            name=plain.tooltip(r["name"] or r["station_id"]),
            values="\n".join(lines.get(r["station_id"], [])),
            status=_status(r, language),
            age=_age(r, language),
        )
        out.append(_point(r, theme, tooltip, STALE_RGBA if r["stale"] else rgba(r["tone"])))
    return out


def traffic_rows(counters: pl.DataFrame, *, tz: str, language: str) -> list[dict]:
    """Counters coloured by the latest cars per hour against the usual of its hour and weekday, every mode and V85 in the tooltip."""
    out = []
    for r in counters.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null()).iter_rows(named=True):
        values = [f"{t(f'quantity.{q}', language)}: {quantity_value(r[q], q, language)}" for q in traffic.QUANTITIES if r[q] is not None]
        if r["usual"] is not None and r["at"] is not None:
            weekday = r["at"].astimezone(ZoneInfo(tz)).isoweekday()
            values.append(
                t(
                    "map.tooltip.usual",
                    language,
                    weekday=t(f"weekdays.{weekday}", language),
                    value=quantity_value(r["usual"], "traffic_car", language),
                )
            )
        word = (r["comparison_en"] if language == "en" else r["comparison_de"]) or t("legend.unknown", language)
        tooltip = t(
            "map.tooltip.values",
            language,
            name=plain.tooltip(r["name"] or r["station_id"]),
            values="\n".join(values),
            status=f"{TONES.get(r['tone'], TONES['unknown'])[1]} {word}",
            age=_age(r, language),
        )
        out.append(_point(r, "traffic", tooltip, STALE_RGBA if r["stale"] else rgba(r["tone"])))
    return out


def category_label(category: str | None, language: str) -> str:
    """A place's category in words: known ones from the text table, others as the feed wrote them (shortened)."""
    if not category:
        return t("poi.category.none", language)
    key = f"poi.category.{category.strip().lower()}"
    return t(key, language) if key in TEXTS else plain.short(category, plain.OPTION)


def category_chip(category: str, language: str) -> str:
    """:func:`category_label` for a filter chip, whose label Streamlit reads as markdown: a feed's word is escaped."""
    known = f"poi.category.{category.strip().lower()}" in TEXTS
    return category_label(category, language) if known else plain.markdown(category_label(category, language))


def open_word(is_open: bool | None, language: str) -> str:
    """ "✔ geöffnet", "✖ geschlossen" or "Öffnungszeiten unbekannt" (never "closed" for hours nobody could read)."""
    if is_open is None:
        return t("map.hours_unknown", language)
    return f"✔ {t('map.open', language)}" if is_open else f"✖ {t('map.closed', language)}"


def poi_rows(pois: pl.DataFrame, language: str) -> list[dict]:
    out = []
    for r in pois.iter_rows(named=True):
        state = open_word(r["open"], language)
        if r["opening_hours"]:
            state += "\n" + t("map.tooltip.hours", language, hours=plain.tooltip(r["opening_hours"]))
        tooltip = t(
            "map.tooltip.place",
            language,
            name=plain.tooltip(r["name"] or r["station_id"]),
            category=plain.tooltip(category_label(r["category"], language)),
            state=state,
        )
        tone = OPEN_TONE[r["open"]]
        out.append(_point(r, "poi", tooltip, rgba(tone) if tone else UNKNOWN_HOURS_RGBA))
    return out


def layer(theme: str, rows: list[dict]) -> pdk.Layer:
    """A layer of points as ``ui.mapview`` draws its themes (the same tooltip field, outline and sizes)."""
    return pdk.Layer(
        "ScatterplotLayer",
        id=f"theme-{theme}",
        data=rows,
        get_position=["lon", "lat"],
        get_fill_color="color",
        get_radius="radius",
        radius_min_pixels=6,
        radius_max_pixels=22,
        stroked=True,
        get_line_color=[30, 30, 30, 220],
        line_width_min_pixels=1,
        pickable=True,
    )


def add(deck: pdk.Deck, layers: list[pdk.Layer]) -> pdk.Deck:
    """``deck`` (from ``ui.mapview.deck``) with ``layers`` drawn on top of its own; its tooltip reads their ``tooltip`` field."""
    deck.layers = [*deck.layers, *layers]
    return deck
