"""Series helpers the views share: the change per hour over the last hour, and its word."""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.schema import QUANTITIES

TREND_WINDOW = dt.timedelta(hours=1)


def trend_word(trend: pl.Expr, quantity: pl.Expr) -> pl.Expr:
    """ "up", "down" or "flat" for a change per hour; null when the trend is unknown.

    A change of at most the quantity's ``steady_per_h`` (core.schema) is steady, so Heute,
    Pegel and every arrow call the same change the same word.
    """
    limit = quantity.replace_strict({k: q.steady_per_h for k, q in QUANTITIES.items()}, default=0.3, return_dtype=pl.Float64)
    return (
        pl.when(trend.is_null())
        .then(None)
        .when(trend > limit)
        .then(pl.lit("up"))
        .when(trend < -limit)
        .then(pl.lit("down"))
        .otherwise(pl.lit("flat"))
    )


def trends(rollup_15m: pl.DataFrame) -> pl.DataFrame:
    """Change per hour of each series over the last hour, from 15-min buckets, and its word (:func:`trend_word`).

    Returns station_id, quantity, trend, trend_word.
    """
    return (
        rollup_15m.sort("station_id", "quantity", "bucket_start")
        .group_by("station_id", "quantity")
        .agg(
            first=pl.col("value").first(),
            last=pl.col("last").last(),
            hours=(pl.col("bucket_start").last() - pl.col("bucket_start").first()).dt.total_seconds() / 3600,
        )
        .with_columns(trend=pl.when(pl.col("hours") > 0).then((pl.col("last") - pl.col("first")) / pl.col("hours")))
        .select("station_id", "quantity", "trend", trend_word=trend_word(pl.col("trend"), pl.col("quantity")))
    )
