"""Rollups as polars lazy expressions: time buckets per station and quantity, and latest values."""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.schema import QUANTITIES, aggregating

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
        "value": pl.Float64,  # the bucket's value by the quantity's aggregation (see :func:`bucket`)
        "mean": pl.Float64,
        "min": pl.Float64,
        "max": pl.Float64,
        "last": pl.Float64,
    }
)


def is_kind(kind: str) -> pl.Expr:
    return pl.col("quantity").cast(pl.String).is_in(aggregating(kind))


def step(previous: pl.Expr, value: pl.Expr) -> pl.Expr:
    """A cumulative register's increase from ``previous`` to ``value``; a drop is a reset, counted from zero.

    No previous reading (the first of a series) is no increase.
    """
    return pl.when(previous.is_null()).then(0.0).when(value >= previous).then(value - previous).otherwise(value)


def bucket_value(*, mean: pl.Expr, total: pl.Expr, energetic: pl.Expr, increase: pl.Expr, peak: pl.Expr) -> pl.Expr:
    """A bucket's ``value``: the expression for its quantity's aggregation (core.schema.AGGREGATIONS)."""
    kind = pl.col("quantity").replace_strict({k: q.aggregation for k, q in QUANTITIES.items()}, default="mean", return_dtype=pl.String)
    return (
        pl.when(kind == "sum")
        .then(total)
        .when(kind == "max")
        .then(peak)
        .when(kind == "energetic")
        .then(energetic)
        .when(kind == "counter")
        .then(increase)
        .otherwise(mean)
    )


def energetic_mean(power_sum: pl.Expr, n: pl.Expr) -> pl.Expr:
    return 10 * (power_sum / n).log10()


def as_lazy(readings: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
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


def bucket_start(every: str, tz: str = "Europe/Berlin", *, column: str = "ts") -> pl.Expr:
    """Expression for the UTC start of the bucket that contains ``column`` (default ``ts``).

    Buckets shorter than a day are UTC epoch multiples; a day or longer starts at local
    midnight in ``tz``, so a DST day holds 23 or 25 hours.
    """
    ts = pl.col(column)
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


def inner(
    every: str, start: dt.datetime | None, end: dt.datetime | None, tz: str = "Europe/Berlin"
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The whole buckets of ``every`` inside [start, end): (first start, end of the last), None = open.

    What a store reads from its materialized buckets; [start, first) and [last, end) are the
    cut edge buckets it computes from readings (empty when the window is aligned, see :func:`floor`).
    """
    lo = start if start is None or floor(start, every, tz) == start else next_start(start, every, tz)
    hi = None if end is None else floor(end, every, tz)
    return lo, hi


def bucket(readings: pl.DataFrame | pl.LazyFrame, every: str, tz: str = "Europe/Berlin", *, ordered: bool | None = None) -> pl.DataFrame:
    """Aggregate readings into time buckets per station and quantity.

    Returns station_id, quantity, bucket_start (UTC), n, value, mean, min, max, last (the value
    with the latest ts in the bucket), sorted by those keys. ``value`` follows the quantity's
    aggregation: the mean; the sum (precipitation); the energetic mean 10·log10(mean(10^(L/10)))
    of sound levels; the maximum of peak levels; for a cumulative register the increase over the
    bucket's readings, each counted from the reading before it in ``readings`` (the series' first
    reading adds nothing; a drop is a meter reset, counted from zero). Rows repeating a station,
    quantity and ts all count, stepped through in input order; ``last`` is one of them.

    Readings in series order (station_id, quantity, ts), the store's order, are bucketed in one
    linear pass (:mod:`core.sorted_bucket`), others by hashing. ``ordered``: None looks at a few
    rows of a DataFrame for that order; True says it holds (a LazyFrame is then collected);
    False asks for the hash plan. Either way every row is checked on the linear pass, and
    readings out of order get the hash plan: a wrong guess costs time, never a wrong bucket.

    >>> import polars as pl, datetime as dt
    >>> ts = [dt.datetime(2026, 1, 1, 0, m, tzinfo=dt.timezone.utc) for m in (5, 20, 50)]
    >>> r = pl.DataFrame({"ts": ts, "station_id": "a", "quantity": "co2", "value": [1.0, 2.0, 3.0]})
    >>> bucket(r, "1h")["value"].to_list()
    [2.0]
    >>> bucket(r.head(2).with_columns(quantity=pl.lit("noise"), value=pl.Series([50.0, 60.0])), "1h")["value"].round(1).to_list()
    [57.4]
    """
    from core import sorted_bucket  # it builds on this module

    if ordered is not False and (ordered or isinstance(readings, pl.DataFrame)):
        frame = readings if isinstance(readings, pl.DataFrame) else readings.select("ts", *KEYS, "value").collect()
        fast = sorted_bucket.bucket_ordered(frame, every, tz) if ordered or sorted_bucket.looks_ordered(frame) else None
        if fast is not None:
            return fast
        readings = frame
    return bucket_lazy(readings, every, tz).collect()


def _present(lazy: pl.LazyFrame, *kinds: str) -> dict[str, bool]:
    """Which of the aggregation ``kinds`` occur in ``lazy`` (one cheap pass over the quantity column)."""
    wanted = {kind: aggregating(kind) for kind in kinds}
    asked = {kind: pl.col("quantity").is_in(keys).any() for kind, keys in wanted.items() if keys}
    found = lazy.select(**asked).collect().row(0, named=True) if asked else {}
    return {kind: bool(found.get(kind)) for kind in kinds}


def increments(readings: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """``readings`` with ``inc``: a counter reading's increase over the series' reading before it (0 elsewhere).

    Only counter rows are sorted (their increase needs the order); other rows pass through.
    Rows sharing a ts keep their input order, so their steps do not depend on the sort.
    """
    lazy = as_lazy(readings)
    counters = is_kind("counter")
    stepped = (
        lazy.filter(counters)
        .sort(*KEYS, "ts", maintain_order=True)
        .with_columns(inc=step(pl.col("value").shift(1).over(KEYS), pl.col("value")))
    )
    return pl.concat([lazy.filter(~counters).with_columns(inc=pl.lit(0.0)), stepped], how="vertical_relaxed")


def bucket_lazy(readings: pl.DataFrame | pl.LazyFrame, every: str, tz: str = "Europe/Berlin") -> pl.LazyFrame:
    """The lazy plan behind :func:`bucket`, for callers that compose further.

    Grouping and sorting on strings dominate at millions of rows, so the plan works on
    categorical codes (one hash per row and column) and sorts integers: the few distinct
    series are ranked by name once, and only the result is turned back into strings. Sound
    levels and registers cost extra only when the readings hold such quantities.
    """
    lazy = as_lazy(readings)
    present = _present(lazy, "energetic", "counter")
    value, ts, n = pl.col("value"), pl.col("ts"), pl.col("n")
    extra, none = {}, pl.lit(None, pl.Float64)
    if present["counter"]:
        lazy = increments(lazy)
        extra["inc"] = pl.col("inc").sum()
    if present["energetic"]:
        lazy = lazy.with_columns(_power=pl.when(is_kind("energetic")).then(10 ** (value / 10)))
        extra["esum"] = pl.col("_power").sum()
    grouped = (
        lazy.with_columns(pl.col(*KEYS).cast(pl.Categorical), bucket_start=bucket_start(every, tz))
        .group_by(*KEYS, "bucket_start")
        .agg(n=pl.len().cast(pl.UInt32), sum=value.sum(), min=value.min(), max=value.max(), last=value.max_by(ts), **extra)
    )
    names = [pl.col(k).cast(pl.String).alias(f"_{k}") for k in KEYS]
    series = grouped.select(*KEYS).unique().sort(names).with_row_index("_series")
    mean = pl.col("sum") / n
    return (
        grouped.join(series, on=list(KEYS))
        .sort("_series", "bucket_start")
        .with_columns(pl.col(*KEYS).cast(pl.String))
        .with_columns(
            value=bucket_value(
                mean=mean,
                total=pl.col("sum"),
                peak=pl.col("max"),
                energetic=energetic_mean(pl.col("esum"), n) if present["energetic"] else none,
                increase=pl.col("inc") if present["counter"] else none,
            ),
            mean=mean,
        )
        .select(BUCKET_SCHEMA.names())
    )


def coarsen(buckets: pl.DataFrame | pl.LazyFrame, every: str, tz: str = "Europe/Berlin") -> pl.DataFrame:
    """Finished buckets merged into coarser ones of ``every`` (a chart's thinner step), by aggregation.

    Exact for counts, sums, minima, maxima, registers and peaks; a mean (also an energetic one)
    is the count-weighted mean of the finer buckets, which equals the mean of their readings.
    """
    n, value = pl.col("n"), pl.col("value")
    return (
        as_lazy(buckets)
        .with_columns(_coarse=bucket_start(every, tz, column="bucket_start"))
        .group_by(*KEYS, "_coarse")
        .agg(
            n=n.sum().cast(pl.UInt32),
            sum=(pl.col("mean") * n).sum(),
            weighted=(value * n).sum(),
            total=value.sum(),
            power=(10 ** (value / 10) * n).sum(),
            peak=value.max(),
            min=pl.col("min").min(),
            max=pl.col("max").max(),
            last=pl.col("last").max_by("bucket_start"),
        )
        .rename({"_coarse": "bucket_start"})
        .with_columns(
            value=bucket_value(
                mean=pl.col("weighted") / n,
                total=pl.col("total"),
                energetic=energetic_mean(pl.col("power"), n),
                increase=pl.col("total"),
                peak=pl.col("peak"),
            ),
            mean=pl.col("sum") / n,
        )
        .select(BUCKET_SCHEMA.names())
        .sort(*KEYS, "bucket_start")
        .collect()
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
        as_lazy(readings)
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
