"""Generated sentences ("Die Luft ist gut."): which sentence a tile calls for, with its numbers.

The core picks the sentence key and its parameters; the UI's i18n table supplies the words,
so the same choice reads in German or English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.schema import QUANTITIES
from core.today import Tile


@dataclass(frozen=True)
class Measure:
    """A number with its quantity, so the UI can format it with unit and decimal comma."""

    value: float | None
    quantity: str


@dataclass(frozen=True)
class Label:
    """A text the core already knows in both languages (status and quantity labels)."""

    de: str
    en: str


@dataclass(frozen=True)
class TextKey:
    """A word the UI looks up in its i18n table (e.g. "common.trend_up")."""

    key: str


def _quantity_label(quantity: str | None) -> Label:
    q = QUANTITIES.get(quantity or "")
    return Label(q.label_de, q.label_en) if q else Label(quantity or "", quantity or "")


def sentence(tile: Tile) -> tuple[str, dict[str, Any]]:
    """The sentence key and its parameters for a tile ("Die Luft ist gut.")."""
    if tile.value is None:
        return "sentence.no_data", {}
    place = tile.station or ""
    if tile.key == "heat":
        felt_max = tile.extra.get("felt_max")
        hottest = tile.extra.get("max", tile.value)
        params = {
            "value": Measure(tile.value, "temperature"),
            "max": Measure(hottest, "temperature"),
            "max_place": tile.extra.get("max_station", place),
            "min": Measure(tile.extra.get("min"), "temperature"),
            "min_place": tile.extra.get("min_station", place),
            "felt": Measure(felt_max, "temperature"),
        }
        if tile.severity and tile.severity >= 1:
            return "sentence.heat.stress", params
        if hottest >= 30:
            return "sentence.heat.hot", params
        if hottest >= 25:
            return "sentence.heat.summer", params
        if tile.value < 0:
            return "sentence.heat.cold", params
        return "sentence.heat.normal", params
    if tile.key == "air":
        params = {"status": Label(tile.status_de, tile.status_en), "pollutant": _quantity_label(tile.quantity), "place": place}
        return ("sentence.air.bad" if (tile.severity or 0) >= 2 else "sentence.air.good"), params
    if tile.key in ("classrooms", "trees"):
        params = {"n": tile.flagged, "total": tile.stations}
        return (f"sentence.{tile.key}.some" if tile.flagged else f"sentence.{tile.key}.none"), params
    if tile.key == "water":
        trend = TextKey(f"common.trend_{tile.trend_word or 'flat'}")
        params = {"place": place, "status": Label(tile.status_de, tile.status_en), "trend": trend}
        return ("sentence.water.level" if (tile.severity or 0) >= 1 else "sentence.water.normal"), params
    if tile.key == "parking":
        return "sentence.parking", {"value": Measure(tile.value, "parking_free")}
    return "sentence.no_data", {}
