"""Time to the next flood level: a guarded straight-line projection of a steadily rising gauge.

Official flood forecasts come from hydrological models (Hochwasserportal.NRW, "Meine Pegel");
this is not one. It answers a narrower question a citizen asks in front of the screen: "if the
water keeps rising like this, when does it reach the next Informationsstufe?", and it answers
only while the question is fair:

- the gauge is fresh and has at least :data:`MIN_POINTS` 15-minute values in the last
  :data:`WINDOW`, spanning at least :data:`MIN_SPAN`;
- a least-squares line through them rises faster than :data:`MIN_RATE` cm/h (the "steigend"
  limit of ``water_level`` in ``core.schema``);
- the water still rises now: the slope of the newest :data:`RECENT_POINTS` values is above the
  same limit, and the newest value is not more than :data:`STEP_TOLERANCE` below the one before
  (a wave that has just turned is not projected on, however steep its rise was);
- the scatter around the line is small against the rise: the residual standard deviation is
  at most :data:`NOISE_SHARE` of the rise the line makes over the window (a noisy sensor, a
  weir that switches, waves on a brook are not a trend);
- the next Informationsstufe above the current value is reached within :data:`HORIZON` at the
  current rate: (level − current value) / rate, where the rate is the slope of the newest
  :data:`RECENT_POINTS` values (a flood wave rises ever faster at first: the 90-minute line
  decides whether the rise is steady, the newest 45 minutes how fast it is now).

Falling, steady, noisy, stale or too short series give no projection at all, never a guess.
Everything is one polars aggregation over all gauges (no loop per gauge).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.schema import QUANTITIES

QUANTITY = "water_level"
STAGES = ("info1", "info2", "info3")  # the NRW Informationsstufen a projection may name
WINDOW = dt.timedelta(minutes=90)  # the fit: the last 1.5 h of 15-minute values
MIN_POINTS = 5
MIN_SPAN = dt.timedelta(minutes=60)
RECENT_POINTS = 3  # the newest 45 minutes must still rise
MIN_RATE = QUANTITIES[QUANTITY].steady_per_h  # cm/h: below this the trend reads "gleichbleibend"
NOISE_SHARE = 0.2
HORIZON = dt.timedelta(hours=6)
MAX_GAP = dt.timedelta(minutes=30)  # the newest value may be at most this old
STEP_TOLERANCE = 1.0  # cm a gauge's newest value may dip below the one before (its resolution) and still rise
BUCKET_S = 900  # the 15-minute rollup the fit reads

PROJECTION_SCHEMA = pl.Schema(
    {
        "station_id": pl.String,
        "projection_level": pl.String,  # info1 … info3
        "projection_mark": pl.Float64,  # the level in cm
        "projection_rate": pl.Float64,  # rise over the newest 45 minutes, cm/h
        "projection_hours": pl.Float64,  # hours until the level at that rate
    }
)


def fit(buckets: pl.DataFrame, now: dt.datetime) -> pl.DataFrame:
    """The straight line through each gauge's 15-minute values of the last :data:`WINDOW`.

    ``buckets``: ``core.rollup.BUCKET_SCHEMA`` rows (``value`` is the bucket mean). Returns
    station_id, n, span_h, rate (cm/h), recent_rate (cm/h, newest :data:`RECENT_POINTS`),
    noise (residual standard deviation, cm), newest (bucket start of the newest value), step
    (newest value minus the one before, cm).
    """
    # A bucket's mean stands for the middle of its readings: a bucket of one reading (a gauge that
    # reports every 15 minutes) for that reading, which we place at the bucket start (any offset is
    # the same for every bucket and leaves the slope alone); a bucket of many for the middle of the
    # part of it that has passed (the newest is still filling).
    seconds = (pl.col("bucket_start") - pl.lit(now)).dt.total_seconds()
    half = pl.min_horizontal(pl.lit(BUCKET_S / 2), -seconds / 2)
    at_h = (seconds + pl.when(pl.col("n") > 1).then(half).otherwise(0.0)) / 3600
    rows = (
        buckets.lazy()
        .filter((pl.col("quantity") == QUANTITY) & (pl.col("bucket_start") > now - WINDOW) & pl.col("value").is_finite())
        .sort("station_id", "bucket_start")
        .with_columns(at_h=at_h, y=pl.col("value"))
        .with_columns(x=pl.col("at_h") - pl.col("at_h").min().over("station_id"))
    )
    slope = pl.cov("x", "y") / pl.col("x").var()
    tail_x, tail_y = pl.col("x").tail(RECENT_POINTS), pl.col("y").tail(RECENT_POINTS)
    recent = pl.cov(tail_x, tail_y) / tail_x.var()
    n = pl.len()
    # residual variance of the least-squares line: (var(y) − slope·cov(x, y)) · (n − 1)/(n − 2)
    residual = (pl.col("y").var() - slope * pl.cov("x", "y")) * (n - 1) / (n - 2)
    return (
        rows.group_by("station_id")
        .agg(
            n=n.cast(pl.UInt32),
            span_h=pl.col("x").max(),
            rate=slope,
            recent_rate=recent,
            noise=residual.clip(lower_bound=0.0).sqrt(),
            newest=pl.col("bucket_start").max(),
            step=pl.col("y").tail(2).diff().last(),
        )
        .collect()
    )


def steady_rise(fitted: pl.DataFrame, now: dt.datetime) -> pl.DataFrame:
    """The fitted gauges whose rise counts as steady (every rule of the module docstring but the horizon)."""
    return fitted.filter(
        (pl.col("n") >= MIN_POINTS)
        & (pl.col("span_h") >= MIN_SPAN.total_seconds() / 3600)
        & (pl.col("newest") >= now - MAX_GAP)
        & (pl.col("rate") > MIN_RATE)
        & (pl.col("recent_rate") > MIN_RATE)
        & (pl.col("step") >= -STEP_TOLERANCE)
        & (pl.col("noise") <= NOISE_SHARE * pl.col("rate") * pl.col("span_h"))
    )


def projections(buckets: pl.DataFrame, gauges: pl.DataFrame, levels: pl.DataFrame, *, now: dt.datetime) -> pl.DataFrame:
    """Per steadily rising gauge, the next Informationsstufe and the hours until it at the current rate.

    ``gauges``: station_id, value (the current level, cm) and stale, one row per gauge (what the
    cards show, so that margin ÷ rate is the number on screen); ``levels``: station_id, level,
    value (cm), as ``core.views.water.gauge_levels``. Gauges without a projection are absent.
    Returns :data:`PROJECTION_SCHEMA`.
    """
    if not len(buckets) or not len(gauges):
        return pl.DataFrame(schema=PROJECTION_SCHEMA)
    rising = steady_rise(fit(buckets, now), now)
    current = gauges.filter(~pl.col("stale").fill_null(True)).select("station_id", current=pl.col("value"))
    stages = levels.filter(pl.col("level").is_in(list(STAGES))).select("station_id", "level", mark=pl.col("value"))
    ahead = (
        rising.join(current, on="station_id")
        .join(stages, on="station_id")
        .filter(pl.col("mark") > pl.col("current"))
        .sort("station_id", "mark")
        .group_by("station_id", maintain_order=True)
        .first()
        .with_columns(hours=(pl.col("mark") - pl.col("current")) / pl.col("recent_rate"))
        .filter(pl.col("hours") <= HORIZON.total_seconds() / 3600)
    )
    return ahead.select(
        "station_id",
        projection_level="level",
        projection_mark="mark",
        projection_rate="recent_rate",
        projection_hours="hours",
    ).cast(dict(PROJECTION_SCHEMA))


def rounded_minutes(hours: float) -> int:
    """The projected time as a screen says it: 10-minute steps below an hour, half hours above.

    A straight line does not know the next quarter hour; the words say "etwa".

    >>> rounded_minutes(0.3), rounded_minutes(2.8), rounded_minutes(0.01)
    (20, 180, 10)
    """
    minutes = hours * 60
    if minutes < 60:
        return max(10, int(round(minutes / 10) * 10))
    return int(round(minutes / 30) * 30)
