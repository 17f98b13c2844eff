"""All user-facing text in one table (German first, English second) and locale-aware formatting."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from core.schema import QUANTITIES

LANGUAGES = ("de", "en")

TEXTS: dict[str, tuple[str, str]] = {
    # app and navigation
    "app.title": ("Smart City Showroom", "Smart City Showroom"),
    "app.tagline": ("Wie geht es meiner Stadt heute?", "How is my city today?"),
    "nav.today": ("Heute", "Today"),
    "nav.map": ("Karte", "Map"),
    "sidebar.language": ("Sprache", "Language"),
    "sidebar.demo": ("Demo-Daten: simulierte Messwerte, keine echten Sensoren.", "Demo data: simulated readings, not real sensors."),
    "sidebar.demo_badge": ("Demo-Daten", "Demo data"),
    "sidebar.sources": ("{n} Datenquellen", "{n} data sources"),
    "common.as_of": ("Stand: {time}", "As of: {time}"),
    "common.stale": ("veraltet", "stale"),
    "common.stale_hint": ("Daten älter als erwartet", "Data older than expected"),
    "common.no_data": ("Noch keine Messwerte. Die Datenquellen werden gerade abgefragt …", "No readings yet. The data sources are being polled …"),
    "common.no_data_theme": ("Keine aktuellen Daten", "No current data"),
    "common.unavailable": ("Daten gerade nicht verfügbar: {error}", "Data currently unavailable: {error}"),
    "common.config_error": ("Die Stadt-Konfiguration ist fehlerhaft: {error}", "The city configuration is invalid: {error}"),
    "common.trend_up": ("steigend", "rising"),
    "common.trend_down": ("fallend", "falling"),
    "common.trend_flat": ("gleichbleibend", "steady"),
    "common.age_min": ("vor {n} min", "{n} min ago"),
    "common.age_h": ("vor {n} h", "{n} h ago"),
    "common.age_d": ("vor {n} Tagen", "{n} days ago"),
    # today page
    "today.title": ("Wie geht es {city} heute?", "How is {city} today?"),
    "tile.heat": ("Temperatur", "Temperature"),
    "tile.air": ("Luftqualität", "Air quality"),
    "tile.classrooms": ("Raumluft in Schulen", "Classroom air"),
    "tile.water": ("Pegel", "Water levels"),
    "tile.trees": ("Junge Bäume", "Young trees"),
    "tile.parking": ("Parken", "Parking"),
    "tile.heat.detail": ("Mittel aus {n} Stationen · am wärmsten: {place} ({value})", "Mean of {n} stations · warmest: {place} ({value})"),
    "tile.air.detail": ("{pollutant} an {place}", "{pollutant} at {place}"),
    "tile.classrooms.detail": ("Mittel aus {n} Klassenräumen", "Mean of {n} classrooms"),
    "tile.water.detail": ("{place}", "{place}"),
    "tile.trees.detail": ("{n} Bäume mit Sensor", "{n} trees with sensors"),
    "tile.parking.detail": ("freie Plätze in {n} Parkhäusern", "free spaces in {n} car parks"),
    # generated sentences
    "sentence.heat.cold": ("Frostig: {value} im Mittel, am kältesten {min_place} mit {min}.", "Frosty: {value} on average, coldest at {min_place} with {min}."),
    "sentence.heat.normal": ("Im Mittel {value}; am wärmsten ist es am {max_place} ({max}).", "On average {value}; warmest at {max_place} ({max})."),
    "sentence.heat.summer": ("Heute wird ein Sommertag: bis {max} am {max_place}.", "A summer day today: up to {max} at {max_place}."),
    "sentence.heat.hot": ("Heißer Tag: bis {max} am {max_place} – viel trinken, Schatten suchen.", "A hot day: up to {max} at {max_place} – drink plenty, stay in the shade."),
    "sentence.heat.stress": ("Hitzebelastung: gefühlt bis {felt} am {max_place}.", "Heat stress: feels like up to {felt} at {max_place}."),
    "sentence.air.good": ("Die Luft ist {status}.", "The air is {status}."),
    "sentence.air.bad": ("Die Luft ist {status}: {pollutant} an {place}.", "The air is {status}: {pollutant} at {place}."),
    "sentence.classrooms.none": ("In allen {total} Klassenräumen ist die Luft gut.", "The air is good in all {total} classrooms."),
    "sentence.classrooms.some": ("In {n} von {total} Klassenräumen sollte gelüftet werden.", "{n} of {total} classrooms should open their windows."),
    "sentence.water.normal": ("Die Hönne und ihre Bäche führen normales Wasser, {trend}.", "The Hönne and its brooks carry normal water, {trend}."),
    "sentence.water.level": ("{place}: {status} erreicht, {trend}.", "{place}: {status} reached, {trend}."),
    "sentence.trees.none": ("Die jungen Bäume haben genug Wasser.", "The young trees have enough water."),
    "sentence.trees.some": ("{n} von {total} jungen Bäumen sollten gegossen werden.", "{n} of {total} young trees should be watered."),
    "sentence.parking": ("{value} freie Parkplätze in der Innenstadt.", "{value} free parking spaces in town."),
    "sentence.no_data": ("Keine aktuellen Daten.", "No current data."),
    # map page
    "map.title": ("Karte", "Map"),
    "map.layers": ("Ebenen", "Layers"),
    "map.legend": ("Legende", "Legend"),
    "map.no_stations": ("Keine Stationen mit Standort.", "No stations with a location."),
    "map.tooltip": ("{name}\n{quantity}: {value}\n{status} · {age}", "{name}\n{quantity}: {value}\n{status} · {age}"),
    "map.count": ("{n} Stationen", "{n} stations"),
    "legend.good": ("gut", "good"),
    "legend.fair": ("befriedigend", "fair"),
    "legend.moderate": ("auffällig", "elevated"),
    "legend.poor": ("schlecht", "poor"),
    "legend.bad": ("sehr schlecht", "very poor"),
    "legend.unknown": ("keine Bewertung", "not rated"),
    "table.name": ("Station", "Station"),
    "table.theme": ("Thema", "Theme"),
    "table.value": ("Wert", "Value"),
    "table.status": ("Zustand", "Status"),
    "table.age": ("Alter", "Age"),
    # themes
    "theme.microclimate": ("Stadtklima", "Microclimate"),
    "theme.indoor_air": ("Raumluft", "Indoor air"),
    "theme.water": ("Wasser", "Water"),
    "theme.air_quality": ("Luftqualität", "Air quality"),
    "theme.parking": ("Parken", "Parking"),
    "theme.soil": ("Bäume & Boden", "Trees & soil"),
    "theme.energy": ("Energie", "Energy"),
    "theme.other": ("Sonstiges", "Other"),
}

for _q in QUANTITIES.values():  # quantity labels live with the vocabulary in core.schema
    TEXTS[f"quantity.{_q.key}"] = (_q.label_de, _q.label_en)


def t(key: str, lang: str = "de", **params: object) -> str:
    """The text of ``key`` in ``lang``, with ``{params}`` filled in."""
    de, en = TEXTS[key]
    text = en if lang == "en" else de
    return text.format(**params) if params else text


def number(value: float | None, decimals: int = 1, lang: str = "de") -> str:
    """1234.5 → "1.234,5" in German, "1,234.5" in English; "–" for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "de":
        text = text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return text


def quantity_value(value: float | None, quantity: str, lang: str = "de") -> str:
    """A value with its unit in the quantity's usual precision: "21,4 °C", "1.250 ppm"."""
    q = QUANTITIES.get(quantity)
    if q is None:
        return number(value, 1, lang)
    text = number(value, q.decimals, lang)
    if value is None or not q.unit:
        return text
    return f"{text} {q.unit}" if q.unit != "%" or lang == "en" else f"{text} %"


def clock(ts: dt.datetime | None, tz: str, lang: str = "de") -> str:
    """Local wall-clock time "14:05" (with the date when it is not today)."""
    if ts is None:
        return "–"
    local = ts.astimezone(ZoneInfo(tz))
    today = dt.datetime.now(ZoneInfo(tz)).date()
    if local.date() == today:
        return local.strftime("%H:%M")
    return local.strftime("%d.%m. %H:%M" if lang == "de" else "%d %b %H:%M")


def age(seconds: float | None, lang: str = "de") -> str:
    if seconds is None:
        return "–"
    if seconds < 3600:
        return t("common.age_min", lang, n=max(0, int(seconds // 60)))
    if seconds < 2 * 86400:
        return t("common.age_h", lang, n=int(seconds // 3600))
    return t("common.age_d", lang, n=int(seconds // 86400))
