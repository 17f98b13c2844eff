"""Explore: any stations, quantities and time range at a resolution the size allows, ready to download.

The resolution asked for is kept unless the range or the expected number of rows is too large
for it; then the next coarser one is used and the result says why (``Selection.reason``). Rows
are estimated from the latest values (series and their usual interval) before anything is
read, so a year of 500 stations never touches more than what is finally returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import polars as pl

from core import rollup
from core.config import CityConfig
from core.schema import QUANTITIES
from core.store import StoreReader
from core.views._time import now_or


@dataclass(frozen=True)
class Resolution:
    key: str  # "raw" or a store rollup ("15m", "1h", "1d")
    max_days: float | None  # longest range served at this resolution
    seconds: float | None  # bucket length (None: raw readings)


RESOLUTIONS: tuple[Resolution, ...] = (
    Resolution("raw", 2, None),
    Resolution("15m", 31, 900),
    Resolution("1h", 366, 3600),
    Resolution("1d", None, 86400),
)
BY_KEY = {r.key: r for r in RESOLUTIONS}
MAX_ROWS = 200_000  # per selection (table and downloads); beyond it the next coarser resolution
CHART_POINTS = 20_000  # drawn points; a larger selection is drawn at a coarser step (≈ 0.5 MB)
CHART_SERIES = 12
CHART_STEPS = {"15m": 900, "1h": 3600, "3h": 10800, "6h": 21600, "1d": 86400}  # a thinned chart's steps, finest first
DEFAULT_INTERVAL_S = 600.0  # raw-row estimate for a series whose interval is not known yet
PRESETS: dict[str, dt.timedelta] = {
    "24h": dt.timedelta(hours=24),
    "48h": dt.timedelta(hours=48),
    "7d": dt.timedelta(days=7),
    "30d": dt.timedelta(days=30),
    "365d": dt.timedelta(days=365),
}


@dataclass(frozen=True)
class Selection:
    """Exactly what the user chose, at the resolution served, plus what the chart draws."""

    frame: pl.DataFrame  # ts, station_id, name, quantity, unit, value, then (buckets) mean, min, max, n
    resolution: str
    asked: str
    reason: str | None  # why the resolution is coarser than asked: "span" or "rows"
    estimate: int  # rows the asked resolution would have had (for the message)
    start: dt.datetime
    end: dt.datetime
    chart: pl.DataFrame  # ts, station_id, name, quantity, value: at most CHART_SERIES series
    chart_every: str | None  # the chart's coarser step, when the selection has too many points
    series: int  # series in the selection (the chart may draw fewer)
    places: pl.DataFrame  # chosen stations with coordinates and their latest value per chosen quantity


def catalog(store: StoreReader, city: CityConfig) -> pl.DataFrame:
    """Every station with data: station_id, name, theme, district, quantities (sorted list)."""
    have = store.latest().group_by("station_id").agg(quantities=pl.col("quantity").unique().sort())
    return (
        have.join(store.stations().select("station_id", "name", "theme", "district"), on="station_id", how="left")
        .with_columns(name=pl.col("name").fill_null(pl.col("station_id")))
        .select("station_id", "name", "theme", "district", "quantities")
        .sort("theme", "name", "station_id", nulls_last=True)
    )


def window(
    tz: str, now: dt.datetime, *, preset: str | None = None, first: dt.date | None = None, last: dt.date | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC: the last ``preset`` up to now, or whole local days ``first``..``last``."""
    if preset is not None:
        if preset not in PRESETS:
            msg = f"preset must be one of {list(PRESETS)}, got {preset!r}"
            raise ValueError(msg)
        return now - PRESETS[preset], now
    if first is None or last is None or last < first:
        msg = "give a preset, or first and last days with first <= last"
        raise ValueError(msg)
    zone = ZoneInfo(tz)
    start = dt.datetime.combine(first, dt.time(), zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)  # zoneinfo gets 23/25-hour days right
    return start.astimezone(dt.UTC), min(end.astimezone(dt.UTC), now)


def estimate(series: pl.DataFrame, span_s: float, resolution: Resolution) -> int:
    """Rows of ``series`` (one row per series, with interval_s) over ``span_s`` at ``resolution``."""
    if resolution.seconds is not None:
        return int(series.height * (span_s // resolution.seconds + 1))
    per_series = span_s / series["interval_s"].fill_null(DEFAULT_INTERVAL_S).clip(lower_bound=1.0)
    return int(per_series.sum()) + series.height


def choose(asked: str, series: pl.DataFrame, span_s: float) -> tuple[Resolution, str | None, int]:
    """The finest resolution from ``asked`` on that fits the range and MAX_ROWS; why, and the estimate."""
    order = [r.key for r in RESOLUTIONS]
    reason, asked_rows = None, estimate(series, span_s, BY_KEY[asked])
    for resolution in RESOLUTIONS[order.index(asked) :]:
        if resolution.max_days is not None and span_s > resolution.max_days * 86400:
            reason = reason or "span"
        elif estimate(series, span_s, resolution) > MAX_ROWS and resolution is not RESOLUTIONS[-1]:
            reason = reason or "rows"
        else:
            return resolution, reason, asked_rows
    return RESOLUTIONS[-1], reason, asked_rows


def _read(store: StoreReader, resolution: Resolution, start, end, ids: list[str], quantities: list[str]) -> pl.DataFrame:
    """Raw readings, or buckets (``core.rollup.BUCKET_SCHEMA``) of the resolution."""
    if resolution.seconds is None:  # raw: bounded by the rules above (2 days, MAX_ROWS)
        return store.readings(start, end, ids, quantities)
    return store.rollup(resolution.key, start=start, end=end, station_ids=ids, quantities=quantities)


def _chart(frame: pl.DataFrame, names: pl.DataFrame, tz: str) -> tuple[pl.DataFrame, str | None]:
    """The first CHART_SERIES series, thinned to a coarser step when there are too many points.

    ``frame`` is what :func:`_read` gave. Thinning follows each quantity's aggregation (an
    hour of rain is its sum, of noise its energetic mean), as the store's own buckets do.
    """
    keep = frame.select("station_id", "quantity").unique(maintain_order=True).head(CHART_SERIES)
    drawn = frame.join(keep, on=["station_id", "quantity"], how="semi")
    raw = "bucket_start" not in drawn.columns
    times = drawn["ts" if raw else "bucket_start"]
    if drawn.height > CHART_POINTS:
        span_s = max((times.max() - times.min()).total_seconds(), 1.0)
        step = next(s for s, seconds in CHART_STEPS.items() if keep.height * (span_s // seconds + 1) <= CHART_POINTS or s == "1d")
        thinned = rollup.bucket(drawn, step, tz) if raw else rollup.coarsen(drawn, step, tz)
        return _named(thinned.rename({"bucket_start": "ts"}), names).select("ts", "station_id", "name", "quantity", "value"), step
    drawn = drawn if raw else drawn.rename({"bucket_start": "ts"})
    return _named(drawn, names).select("ts", "station_id", "name", "quantity", "value"), None


def _named(frame: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    return (
        frame.join(names, on="station_id", how="left")
        .with_columns(name=pl.col("name").fill_null(pl.col("station_id")))
        .sort("station_id", "quantity", "ts")
    )


def _places(store: StoreReader, ids: list[str], quantities: list[str]) -> pl.DataFrame:
    latest = store.latest().filter(pl.col("station_id").is_in(ids) & pl.col("quantity").is_in(quantities))
    stations = store.stations().filter(pl.col("station_id").is_in(ids)).select("station_id", "name", "theme", "district", "lat", "lon")
    return stations.join(latest.select("station_id", "quantity", "ts", "value", "stale"), on="station_id", how="left").sort(
        "station_id", "quantity"
    )


def selection(
    store: StoreReader,
    city: CityConfig,
    *,
    station_ids: tuple[str, ...],
    quantities: tuple[str, ...],
    resolution: str = "15m",
    preset: str | None = "48h",
    first: dt.date | None = None,
    last: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Selection:
    """The readings or buckets of ``station_ids`` × ``quantities`` in the window, see :class:`Selection`."""
    if resolution not in BY_KEY:
        msg = f"resolution must be one of {list(BY_KEY)}, got {resolution!r}"
        raise ValueError(msg)
    now = now_or(now)
    start, end = window(city.timezone, now, preset=preset, first=first, last=last)
    ids, qs = list(station_ids), list(quantities)
    series = (
        store.latest(now)
        .filter(pl.col("station_id").is_in(ids) & pl.col("quantity").is_in(qs))
        .select("station_id", "quantity", "interval_s")
    )
    served, reason, asked_rows = choose(resolution, series, max((end - start).total_seconds(), 0.0))
    # nothing stored for the choice: read an empty window, which still gives the right columns
    frame = _read(store, served, start if series.height else end, end, ids, qs)
    if frame.height > MAX_ROWS and served is not RESOLUTIONS[-1]:  # a burst the estimate missed
        served, reason = RESOLUTIONS[[r.key for r in RESOLUTIONS].index(served.key) + 1], reason or "rows"
        frame = _read(store, served, start, end, ids, qs)
    names = store.stations().select("station_id", "name")
    units = pl.col("quantity").replace_strict({k: q.unit for k, q in QUANTITIES.items()}, default="", return_dtype=pl.String)
    chart, chart_every = _chart(frame, names, city.timezone)
    table = frame if served.seconds is None else frame.rename({"bucket_start": "ts"})
    frame = (
        _named(table, names)
        .with_columns(unit=units)
        .select("ts", "station_id", "name", "quantity", "unit", "value", *([] if served.seconds is None else ["mean", "min", "max", "n"]))
    )
    return Selection(
        frame=frame,
        resolution=served.key,
        asked=resolution,
        reason=reason,
        estimate=asked_rows,
        start=start,
        end=end,
        chart=chart,
        chart_every=chart_every,
        series=frame.select("station_id", "quantity").n_unique() if frame.height else 0,
        places=_places(store, ids, qs),
    )
