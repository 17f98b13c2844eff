"""Orte: points of interest for the map — category, opening hours, and whether a place is open now.

Points of interest are stations of theme ``poi`` (usually without readings). "Open now" is
``core.opening.is_open`` at the city's wall-clock time; hours it cannot read, or none at all,
are ``None`` ("unknown"), never "closed".
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl

from core.config import CityConfig
from core.opening import is_open
from core.store import StoreReader
from core.views._time import now_or

THEME = "poi"


def open_now(specs: pl.Series, at: dt.datetime) -> pl.Series:
    """``is_open`` of each opening-hours text at the local time ``at``: True, False or null (unknown).

    Each distinct text is read once (a city's places share a few dozen schedules at most).
    """
    answers = {spec: is_open(spec, at) for spec in specs.drop_nulls().unique().to_list()}
    return specs.replace_strict(answers, default=None, return_dtype=pl.Boolean).alias("open")


def pois(store: StoreReader, city: CityConfig, *, now: dt.datetime | None = None) -> pl.DataFrame:
    """Every located point of interest: station_id, name, category, district, lat, lon, opening_hours, open.

    Sorted by category (places without one last), then name.
    """
    local = now_or(now).astimezone(ZoneInfo(city.timezone))
    places = (
        store.stations()
        .filter((pl.col("theme") == THEME) & pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
        .select("station_id", "name", "category", "district", "lat", "lon", "opening_hours")
    )
    return places.with_columns(open_now(places["opening_hours"], local)).sort("category", "name", nulls_last=True)


def categories(frame: pl.DataFrame) -> list[str]:
    """The categories present, in the order of :func:`pois` (a place without one has none to filter by)."""
    return frame["category"].drop_nulls().unique(maintain_order=True).to_list()
