"""Generated sentences ("Die Luft ist gut."): which sentence and small print a tile calls for, with its numbers.

Each function takes a ``core.views.tiles.Tile`` and returns an i18n key and its parameters;
``TileSpec`` names the ones a theme uses. The UI's i18n table supplies the words, so the same
choice reads in German or English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core import flood
from core.schema import QUANTITIES

if TYPE_CHECKING:
    from core.views.tiles import Tile

Words = tuple[str, dict[str, Any]]


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


@dataclass(frozen=True)
class Count:
    """A plain number of things (cars, charge points), shown with the locale's digit grouping and no unit."""

    value: float | None


@dataclass(frozen=True)
class Phrase:
    """A part of a sentence the UI words itself: an i18n key with its own parameters (", einer ist außer Betrieb")."""

    key: str
    params: dict[str, Any]


NOTHING = Label("", "")  # a part of a sentence that has nothing to say

SUMMER_DAY, HOT_DAY = 25.0, 30.0  # DWD: Sommertag, heißer Tag (maximum °C)


def _quantity_label(quantity: str | None) -> Label:
    q = QUANTITIES.get(quantity or "")
    return Label(q.label_de, q.label_en) if q else Label(quantity or "", quantity or "")


def _status(tile: Tile) -> Label:
    return Label(tile.status_de, tile.status_en)


def heat(tile: Tile) -> Words:
    """Heat stress first, then the DWD day words (a hot day, a summer day), frost, else the mean."""
    hottest = tile.high if tile.high is not None else tile.value
    params = {
        "value": Measure(tile.value, "temperature"),
        "max": Measure(hottest, "temperature"),
        "max_place": tile.high_place or tile.station or "",
        "min": Measure(tile.low, "temperature"),
        "min_place": tile.low_place or tile.station or "",
        "felt": Measure(tile.felt, "temperature"),
    }
    if tile.severity and tile.severity >= 1:
        return "sentence.heat.stress", params
    if hottest >= HOT_DAY:
        return "sentence.heat.hot", params
    if hottest >= SUMMER_DAY:
        return "sentence.heat.summer", params
    if tile.value is not None and tile.value < 0:
        return "sentence.heat.cold", params
    return "sentence.heat.normal", params


def air(tile: Tile) -> Words:
    params = {"status": _status(tile), "pollutant": _quantity_label(tile.quantity), "place": tile.station or ""}
    return ("sentence.air.bad" if (tile.severity or 0) >= 2 else "sentence.air.good"), params


def counted(tile: Tile) -> Words:
    """ "In 3 von 40 Klassenräumen …": how many stations call for something (air, water)."""
    return f"sentence.{tile.key}.{'some' if tile.flagged else 'none'}", {"n": tile.flagged, "total": tile.stations}


def water(tile: Tile) -> Words:
    params = {"place": tile.station or "", "status": _status(tile), "trend": TextKey(f"common.trend_{tile.trend_word or 'flat'}")}
    return ("sentence.water.level" if (tile.severity or 0) >= 1 else "sentence.water.normal"), params


def projection(level: str, hours: float) -> Words:
    """ "Hochrechnung: Stufe 2 in etwa 3 Stunden, wenn der Anstieg anhält – keine Vorhersage" (``core.flood``)."""
    minutes = flood.rounded_minutes(hours)
    if minutes < 60:
        when = Phrase("pegel.in.minutes", {"n": Count(minutes)})
    elif minutes == 60:
        when = Phrase("pegel.in.hour", {})
    else:
        when = Phrase("pegel.in.hours_half" if minutes % 60 else "pegel.in.hours", {"n": Count(minutes // 60)})
    return "pegel.projection", {"level": TextKey(f"pegel.stage.{level}"), "time": when}


def water_detail(tile: Tile) -> Words:
    """The gauge that decides, and the soonest projection to a flood level when a gauge rises steadily toward one."""
    if tile.projection is None:
        return detail(tile)
    level, hours, name = tile.projection
    return "pegel.projection.tile", {"place": name, "projection": Phrase(*projection(level, hours))}


def parking(tile: Tile) -> Words:
    return "sentence.parking", {"value": Measure(tile.value, "parking_free")}


def detail(tile: Tile) -> Words:
    """The small print under a tile: how many stations, which one decides."""
    return f"tile.{tile.key}.detail", {"n": tile.stations, "place": tile.station or ""}


def heat_detail(tile: Tile) -> Words:
    return "tile.heat.detail", {"n": tile.stations, "place": tile.high_place or "", "value": Measure(tile.high, "temperature")}


def air_detail(tile: Tile) -> Words:
    return "tile.air.detail", {"n": tile.stations, "place": tile.station or "", "pollutant": _quantity_label(tile.quantity)}


# How a German sentence leads into a place: "An der Unnaer Straße", "Am Bahnhof", else the name
# as a heading ("Zählstelle 3: …"). Station names are feed text: what kind of station it is
# ("Lärmmessung Unnaer Straße") is left out, a remark in brackets does not decide, the last word does.
KIND_WORDS = ("Lärmmessung", "Lärmmessstelle", "Messstelle", "Verkehrszählung", "Zählstelle", "Zähler", "Ladepunkte", "Ladestation")
STREETS = ("straße", "strasse", "str.", "gasse", "allee", "chaussee", "promenade")
SQUARES = ("platz", "markt", "bahnhof", "weg", "ring", "wall", "damm", "park", "hof", "tor", "graben", "kamp")


def place(name: str | None) -> str:
    """The place a station stands at, for a sentence: its name without a leading word for the kind of station.

    >>> place("Lärmmessung Unnaer Straße"), place("Bahnhof"), place("Zählstelle")
    ('Unnaer Straße', 'Bahnhof', 'Zählstelle')
    """
    text = " ".join((name or "").split())
    first, _, rest = text.partition(" ")
    return rest if rest and first.lower() in {w.lower() for w in KIND_WORDS} else text


def place_kind(name: str | None) -> str:
    """ "street", "square" or "place": which German preposition a sentence puts before :func:`place` of ``name``.

    >>> place_kind("Unnaer Straße"), place_kind("Eisenberger Straße (Wohngebiet)"), place_kind("Bahnhof"), place_kind("Zähler 3")
    ('street', 'street', 'square', 'place')
    """
    words = place(name).split("(")[0].split()
    last = words[-1].lower() if words else ""
    if last.endswith(STREETS):
        return "street"
    return "square" if last.endswith(SQUARES) else "place"


def noise(tile: Tile) -> Words:
    """The loudest sound meter now, with its word on the noise scale; "ruhig" everywhere is said once for the city."""
    params = {"place": place(tile.station), "status": _status(tile), "value": Measure(tile.value, "noise")}
    if not tile.severity:
        return "sentence.noise.quiet", params
    return f"sentence.noise.{place_kind(tile.station)}", params


def traffic(tile: Tile) -> Words:
    """The busiest counter's cars per hour, and against this weekday's usual hour when that is known."""
    versus = Phrase("sentence.traffic.versus", {"comparison": _status(tile)}) if tile.usual is not None else NOTHING
    params = {"place": place(tile.station), "value": Count(tile.value), "versus": versus}
    return f"sentence.traffic.{place_kind(tile.station)}", params


def charging(tile: Tile) -> Words:
    """ "3 von 9 Ladepunkten sind frei, einer ist außer Betrieb": sums over all sites; out of service is never "belegt"."""
    free = int(tile.counts.get("charging_free", 0))
    broken = int(tile.counts.get("charging_out_of_service", 0))
    total = int(tile.of or 0)
    aside = NOTHING if not broken else Phrase(f"sentence.charging.aside.{'one' if broken == 1 else 'some'}", {"n": Count(broken)})
    params = {"free": Count(free), "total": Count(total), "aside": aside}
    if not total:
        return "sentence.charging.off", params
    return f"sentence.charging.{'none' if not free else 'one' if free == 1 else 'some'}", params
