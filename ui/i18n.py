"""All user-facing text in one table (German first, English second) and locale-aware formatting."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import polars as pl

from core.schema import QUANTITIES
from ui import texts

LANGUAGES = ("de", "en")

TEXTS: dict[str, tuple[str, str]] = texts.merged()

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
    # a unit a citizen does not read ("1/h") may have words of its own in the table ("Autos/h")
    unit = t(f"unit.{quantity}", lang) if f"unit.{quantity}" in TEXTS else q.unit
    if value is None or not unit:
        return text
    return f"{text} {unit}" if unit != "%" or lang == "en" else f"{text} %"


def decimal(column: str, decimals: int, lang: str = "de") -> pl.Expr:
    """A table column as text with the locale's decimal mark (st.dataframe would show "13.8" in German too)."""
    text = pl.col(column).round(decimals).cast(pl.String)
    return text.str.replace(".", ",", literal=True) if lang == "de" else text


def day_label(day: dt.date, lang: str = "de") -> str:
    """ "30.11." in German, "30 Nov" in English (chart titles and captions)."""
    return day.strftime("%d.%m." if lang == "de" else "%d %b")


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
