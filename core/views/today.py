""" "Wie geht es meiner Stadt heute?": every series rated now, the Heute tiles, the map's one value per station.

Reads only latest values and two small rollup windows (the last hour for trends, the last
14 days' hours for "usual"), never the raw history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from core import flood
from core.config import CityConfig
from core.schema import THEME_TABLE
from core.status import STATUS_COLUMNS, felt, status
from core.store import StoreReader
from core.views import traffic, water
from core.views._series import TREND_WINDOW, trends
from core.views._time import now_or
from core.views.tiles import Tile, tiles


def rate(
    latest: pl.DataFrame, stations: pl.DataFrame, *, thresholds: Mapping[str, Any] | None = None, levels: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Latest value per station and quantity joined with station data and status.

    A temperature is rated as the station's felt temperature (``core.status.felt``) under the
    key ``felt_temperature``, exactly as the Stadtklima page rates it; ``felt`` holds that value.
    """
    frame = (
        latest.join(stations.select("station_id", "name", "theme", "district", "lat", "lon"), on="station_id", how="left")
        .join(felt(latest).drop("humidity"), on="station_id", how="left")
        .with_columns(felt=pl.when(pl.col("quantity") == "temperature").then(pl.col("felt")))
    )
    is_heat = pl.col("felt").is_not_null()
    asked = frame.with_columns(
        quantity=pl.when(is_heat).then(pl.lit("felt_temperature")).otherwise(pl.col("quantity")),
        value=pl.when(is_heat).then(pl.col("felt")).otherwise(pl.col("value")),
    )
    rated = status(asked, thresholds=thresholds, levels=levels)
    return rated.with_columns(quantity=frame["quantity"], value=frame["value"])


def current(store: StoreReader, city: CityConfig, *, now: dt.datetime | None = None) -> pl.DataFrame:
    """Latest value, station data and status of every series (what tiles and maps show), see :func:`rate`."""
    return rate(store.latest(now_or(now)), store.stations(), thresholds=city.thresholds, levels=store.levels())


USUAL_DAYS = 14


def usual(rollup_1h: pl.DataFrame, now: dt.datetime, tz: str) -> pl.DataFrame:
    """Per series, the median of its hourly values at this local hour on the last 14 days.

    "Today vs. usual": the current value is compared with what this hour normally brings.
    Today's own hours are left out. Returns station_id, quantity, usual.
    """
    local_now = now.astimezone(ZoneInfo(tz))
    local = pl.col("bucket_start").dt.convert_time_zone(tz)
    return (
        rollup_1h.filter(
            (local.dt.hour() == local_now.hour)
            & (local.dt.date() < local_now.date())
            & (local.dt.date() >= local_now.date() - dt.timedelta(days=USUAL_DAYS))
        )
        .group_by("station_id", "quantity")
        .agg(usual=pl.col("value").median())
    )


@dataclass(frozen=True)
class TodayView:
    """What the Heute page shows: one tile per theme, and when the newest reading came."""

    tiles: list[Tile]
    as_of: dt.datetime | None


def overview(store: StoreReader, city: CityConfig, *, now: dt.datetime | None = None) -> TodayView:
    """The Heute tiles: rated values now, the last hour's trend, and what this hour usually brings.

    The usual of a traffic count is that of its hour on the same weekday (``core.views.traffic.usual_of``).
    """
    now = now_or(now)
    hour = now.replace(minute=0, second=0, microsecond=0)
    quarter = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    recent = store.rollup("15m", start=quarter - max(TREND_WINDOW, flood.WINDOW))  # the flood projection fits 90 minutes
    history = store.rollup("1h", start=hour - dt.timedelta(days=USUAL_DAYS + 1), end=hour)
    frame = current(store, city, now=now)
    usual_now = usual(history, now, city.timezone)
    counters = frame.filter(pl.col("theme") == traffic.THEME).select("station_id", "quantity", "ts") if len(frame) else frame
    if len(counters):  # traffic keeps a weekly rhythm: its usual is that of the same hour and weekday
        weekly = traffic.usual_now(store, city, counters, now)
        usual_now = pl.concat([usual_now.filter(~pl.col("quantity").is_in(traffic.QUANTITIES)), weekly])
    for extra in (trends(recent.filter(pl.col("bucket_start") >= quarter - TREND_WINDOW)), usual_now):
        if len(extra):
            frame = frame.join(extra, on=["station_id", "quantity"], how="left")
    shown = [_projected(t, frame, recent, city, store, now) if t.key == "water" else t for t in tiles(frame, thresholds=city.thresholds)]
    if city.buildings:
        shown.append(_buildings(store, city, now))
    return TodayView(tiles=shown, as_of=frame["ts"].max() if len(frame) else None)


def _projected(tile: Tile, frame: pl.DataFrame, recent: pl.DataFrame, city: CityConfig, store: StoreReader, now: dt.datetime) -> Tile:
    """The water tile with the soonest ``core.flood`` projection of any gauge (None while no gauge rises steadily)."""
    if not len(frame):
        return tile
    gauges = frame.filter((pl.col("theme") == "water") & (pl.col("quantity") == flood.QUANTITY))
    levels = water.gauge_levels(city.thresholds, store.levels(), gauges["station_id"].to_list())
    found = flood.projections(recent, gauges, levels, now=now).join(gauges.select("station_id", "name"), on="station_id")
    if not len(found):
        return tile
    soonest = found.sort("projection_hours").row(0, named=True)
    return replace(tile, projection=(soonest["projection_level"], soonest["projection_hours"], soonest["name"] or soonest["station_id"]))


def station_view(now_frame: pl.DataFrame) -> pl.DataFrame:
    """One row per station for the map: its worst-rated value, else its headline quantity.

    Columns: station_id, name, theme, district, lat, lon, quantity, value, ts, age_s, stale,
    severity, status, status_de, status_en, tone.
    """
    if not len(now_frame):
        return now_frame
    headlines = {key: theme.headline for key, theme in THEME_TABLE.items() if theme.headline}
    headline = pl.col("quantity") == pl.col("theme").replace_strict(headlines, default=None, return_dtype=pl.String)
    # the worst rating decides; among equally rated values (a room's CO₂ and its temperature
    # both fine) the theme's headline quantity is the one shown
    ranked = now_frame.with_columns(
        rank=pl.when(pl.col("severity").is_not_null()).then(pl.col("severity").cast(pl.Int32) * 2 + 10).otherwise(0)
        + headline.fill_null(False).cast(pl.Int32)
    )
    pick = ranked.sort(["rank", "ts"], descending=True).unique("station_id", keep="first", maintain_order=True)
    place = ("station_id", "name", "theme", "district", "lat", "lon")
    return pick.select(*place, "quantity", "value", "ts", "age_s", "stale", *STATUS_COLUMNS).sort("theme", "name")


def _buildings(store: StoreReader, city: CityConfig, now: dt.datetime) -> Tile:
    """The energy tile: the city's buildings' electricity today so far against the same hours last year.

    Buildings of the config only (``[[buildings]]``); flagged are those with a high night baseload.
    """
    from core.views import energy  # the energy view reads rollups the tiles do not need otherwise

    view = energy.overview(store, city, now=now)
    tile = Tile("energy", quantity="electricity_meter")
    if view.as_of is None:
        return tile
    total = view.total
    usual = total.get("el_usual")
    change = None if not usual else total["el_today"] / usual - 1
    if change is None:
        words = ("unknown", "kein Vergleich", "no comparison", "unknown")
    elif abs(change) <= 0.05:
        words = ("usual", "wie im Vorjahr", "as last year", "fair")
    elif change < 0:
        words = ("less", "weniger als im Vorjahr", "less than last year", "good")
    else:
        words = ("more", "mehr als im Vorjahr", "more than last year", "poor")
    return replace(
        tile,
        quantity="electricity_meter",
        value=total["el_today"],
        usual=usual,
        severity=None,
        status=words[0],
        status_de=words[1],
        status_en=words[2],
        tone=words[3],
        station=None,
        trend=None,
        trend_word=None,
        as_of=view.as_of,
        stale=False,
        stations=total["buildings"],
        flagged=total["flagged"],
    )
