"""Rollups as polars lazy expressions: time buckets per station and quantity, and latest values."""

from __future__ import annotations

import datetime as dt

import polars as pl

KEYS = ("station_id", "quantity")
STALE_FALLBACK_S = 2 * 3600.0  # when a series has no usual interval yet
STALE_FACTOR = 3.0
INTERVAL_WINDOW = 20  # readings used to estimate a series' usual reporting interval

BUCKET_SCHEMA = pl.Schema(
    {
        "station_id": pl.String,
        "quantity": pl.String,
        "bucket_start": pl.Datetime("us", "UTC"),
        "n": pl.UInt32,
        "mean": pl.Float64,
        "min": pl.Float64,
        "max": pl.Float64,
        "last": pl.Float64,
    }
)


def _lazy(readings: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    return readings.lazy() if isinstance(readings, pl.DataFrame) else readings


def is_calendar(every: str) -> bool:
    """True for buckets of a day or longer, which follow local midnight instead of UTC."""
    return _seconds(every) >= 86400


def _duration_kwargs(every: str) -> dict[str, int]:
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks", "s": "seconds"}
    number, unit = every[:-1], every[-1]
    if unit not in units or not number.isdigit() or int(number) <= 0:
        msg = f"bucket size must be like '15m', '1h' or '1d', got {every!r}"
        raise ValueError(msg)
    return {units[unit]: int(number)}


def _seconds(every: str) -> float:
    return dt.timedelta(**_duration_kwargs(every)).total_seconds()


def bucket_start(every: str, tz: str = "Europe/Berlin") -> pl.Expr:
    """Expression for the UTC start of the bucket that contains ``ts``.

    Buckets shorter than a day are UTC epoch multiples; a day or longer starts at local
    midnight in ``tz``, so a DST day holds 23 or 25 hours.
    """
    ts = pl.col("ts")
    if is_calendar(every):
        return ts.dt.convert_time_zone(tz).dt.truncate(every).dt.convert_time_zone("UTC")
    return ts.dt.truncate(every)


def floor(moment: dt.datetime, every: str, tz: str = "Europe/Berlin") -> dt.datetime:
    """UTC start of the bucket holding ``moment`` (aware): align a window to whole buckets.

    >>> floor(dt.datetime(2026, 3, 29, 12, 40, tzinfo=dt.timezone.utc), "1d")
    datetime.datetime(2026, 3, 28, 23, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
    """
    if moment.tzinfo is None:
        msg = "moment must be timezone-aware"
        raise ValueError(msg)
    frame = pl.DataFrame({"ts": [moment]}, schema={"ts": pl.Datetime("us", "UTC")})
    return frame.select(bucket_start(every, tz)).item()


def next_start(moment: dt.datetime, every: str, tz: str = "Europe/Berlin") -> dt.datetime:
    """UTC start of the bucket after the one holding ``moment``."""
    # 1.5 buckets on from the start lands inside the next bucket, even after a 23 h or 25 h day.
    return floor(floor(moment, every, tz) + 1.5 * dt.timedelta(seconds=_seconds(every)), every, tz)


def bucket(readings: pl.DataFrame | pl.LazyFrame, every: str, tz: str = "Europe/Berlin") -> pl.DataFrame:
    """Aggregate readings into time buckets per station and quantity.

    Returns station_id, quantity, bucket_start (UTC), n, mean, min, max, last (the value
    with the latest ts in the bucket), sorted by those keys.

    >>> import polars as pl, datetime as dt
    >>> ts = [dt.datetime(2026, 1, 1, 0, m, tzinfo=dt.timezone.utc) for m in (5, 20, 50)]
    >>> r = pl.DataFrame({"ts": ts, "station_id": "a", "quantity": "co2", "value": [1.0, 2.0, 3.0]})
    >>> bucket(r, "1h")["mean"].to_list()
    [2.0]
    """
    return bucket_lazy(readings, every, tz).collect()


def bucket_lazy(readings: pl.DataFrame | pl.LazyFrame, every: str, tz: str = "Europe/Berlin") -> pl.LazyFrame:
    """The lazy plan behind :func:`bucket`, for callers that compose further.

    Grouping and sorting on strings dominate at millions of rows, so the plan works on
    categorical codes (one hash per row and column) and sorts integers: the few distinct
    series are ranked by name once, and only the result is turned back into strings.
    """
    value, ts = pl.col("value"), pl.col("ts")
    grouped = (
        _lazy(readings)
        .with_columns(pl.col(*KEYS).cast(pl.Categorical), bucket_start=bucket_start(every, tz))
        .group_by(*KEYS, "bucket_start")
        .agg(n=pl.len().cast(pl.UInt32), mean=value.mean(), min=value.min(), max=value.max(), last=value.max_by(ts))
    )
    names = [pl.col(k).cast(pl.String).alias(f"_{k}") for k in KEYS]
    series = grouped.select(*KEYS).unique().sort(names).with_row_index("_series")
    return (
        grouped.join(series, on=list(KEYS))
        .sort("_series", "bucket_start")
        .with_columns(pl.col(*KEYS).cast(pl.String))
        .select(BUCKET_SCHEMA.names())
    )


PARTIAL_SCHEMA = pl.Schema(
    {
        "station_id": pl.String,
        "quantity": pl.String,
        "bucket_start": pl.Datetime("us", "UTC"),
        "n": pl.UInt32,
        "sum": pl.Float64,
        "min": pl.Float64,
        "max": pl.Float64,
        "last": pl.Float64,
        "last_ts": pl.Datetime("us", "UTC"),
    }
)


def partials_lazy(readings: pl.DataFrame | pl.LazyFrame, every: str, tz: str = "Europe/Berlin") -> pl.LazyFrame:
    """Partial aggregates per bucket (n, sum, min, max, last, last_ts) that merge exactly.

    The store keeps these instead of finished buckets: two partials of disjoint readings
    merge with :func:`merge_partials`, and :func:`finish` turns them into ``BUCKET_SCHEMA``.
    """
    value, ts = pl.col("value"), pl.col("ts")
    return (
        _lazy(readings)
        .with_columns(bucket_start=bucket_start(every, tz))
        .group_by(*KEYS, "bucket_start")
        .agg(
            n=pl.len().cast(pl.UInt32),
            sum=value.sum(),
            min=value.min(),
            max=value.max(),
            last=value.max_by(ts),
            last_ts=ts.max(),
        )
        .select(PARTIAL_SCHEMA.names())
    )


def merge_partials(partials: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Combine partials of the same bucket; exact when they come from disjoint readings."""
    return (
        _lazy(partials)
        .group_by(*KEYS, "bucket_start")
        .agg(
            n=pl.col("n").sum().cast(pl.UInt32),
            sum=pl.col("sum").sum(),
            min=pl.col("min").min(),
            max=pl.col("max").max(),
            last=pl.col("last").max_by("last_ts"),
            last_ts=pl.col("last_ts").max(),
        )
        .select(PARTIAL_SCHEMA.names())
    )


def finish(partials: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Finished buckets (``BUCKET_SCHEMA``, sorted) from merged partials."""
    return (
        _lazy(partials)
        .with_columns(mean=pl.col("sum") / pl.col("n"))
        .select(BUCKET_SCHEMA.names())
        .sort(*KEYS, "bucket_start")
    )


def stale_expr(now: dt.datetime) -> list[pl.Expr]:
    """age_s and stale from ts and interval_s (shared by :func:`latest` and the store)."""
    age = (pl.lit(now, dtype=pl.Datetime("us", "UTC")) - pl.col("ts")).dt.total_microseconds() / 1e6
    limit = pl.when(pl.col("interval_s") > 0).then(pl.col("interval_s") * STALE_FACTOR).otherwise(STALE_FALLBACK_S)
    return [age.alias("age_s"), (age > limit).alias("stale")]


def latest(readings: pl.DataFrame | pl.LazyFrame, now: dt.datetime) -> pl.DataFrame:
    """Newest value per station and quantity, with its age and a stale flag.

    A series is stale when its newest value is older than 3x its usual reporting interval
    (median gap of its last 20 readings), or older than 2 h when the interval is unknown.
    Returns station_id, quantity, ts, value, interval_s, age_s, stale.
    """
    if now.tzinfo is None:
        msg = "now must be timezone-aware"
        raise ValueError(msg)
    gap = pl.col("ts").diff().dt.total_microseconds() / 1e6
    return (
        _lazy(readings)
        .filter(pl.col("ts") <= now)
        .sort(*KEYS, "ts")
        .group_by(*KEYS)
        .agg(
            pl.col("ts").last(),
            pl.col("value").last(),
            interval_s=gap.tail(INTERVAL_WINDOW).median(),
        )
        .with_columns(*stale_expr(now))
        .sort(*KEYS)
        .collect()
    )
