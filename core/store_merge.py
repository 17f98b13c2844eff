"""Pure frame logic of the store: which rows are new, the per-series tail, upserts, feed health."""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.rollup import INTERVAL_WINDOW, KEYS
from core.schema import READINGS_SCHEMA

ROW_KEY = [*KEYS, "ts"]
# The newest readings of each series: enough to know what is new without history, and
# exactly what core.rollup.latest looks at (the last INTERVAL_WINDOW gaps).
TAIL = INTERVAL_WINDOW + 1
TAIL_SCHEMA = pl.Schema({"station_id": pl.String, "quantity": pl.String, "ts": pl.Datetime("us", "UTC"), "value": pl.Float64})

HEALTH_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "last_attempt": pl.Datetime("us", "UTC"),
        "last_success": pl.Datetime("us", "UTC"),
        "last_error": pl.String,
        "rows": pl.Int64,
        "rows_total": pl.Int64,
        "skipped": pl.Int64,
        "skipped_total": pl.Int64,
        "latency_s": pl.Float64,
        "failures": pl.Int64,
    }
)


def classify(rows: pl.DataFrame, tail: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split rows (unique within themselves) into (new, unsure) using only the tail.

    A row newer than its series' newest stored ts is new. A row inside the tail's time window
    is new unless the tail holds it (the tail is every reading from its oldest ts on, or the
    whole series when it has fewer than TAIL rows). Only the remaining, older rows are
    unsure and must be checked against the readings files.
    """
    if tail.is_empty() or rows.is_empty():
        return rows, rows.clear()
    ts = pl.col("ts")
    stats = tail.group_by(KEYS).agg(newest=ts.max(), oldest=ts.min(), kept=pl.len())
    joined = rows.join(stats, on=KEYS, how="left")
    fresh = pl.col("newest").is_null() | (ts > pl.col("newest"))
    in_window = (pl.col("kept") < TAIL) | (ts >= pl.col("oldest"))
    cols = rows.columns
    window = joined.filter(~fresh & in_window).join(tail.select(ROW_KEY), on=ROW_KEY, how="anti")
    new = pl.concat([joined.filter(fresh).select(cols), window.select(cols)])
    return new, joined.filter(~fresh & ~in_window).select(cols)


def merge_tail(tail: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """The tail after storing ``new`` (rows known to be new): newest TAIL rows per series."""
    touched = new.select(KEYS).unique()
    rest = tail.join(touched, on=KEYS, how="anti")
    merged = (
        pl.concat([tail.join(touched, on=KEYS, how="semi"), new.select(TAIL_SCHEMA.names())])
        .sort(ROW_KEY)
        .group_by(KEYS, maintain_order=True)
        .tail(TAIL)
    )
    return pl.concat([rest, merged.select(TAIL_SCHEMA.names())]).sort(ROW_KEY)


def upsert(old: pl.DataFrame, new: pl.DataFrame, key: list[str]) -> pl.DataFrame | None:
    """``old`` with the rows of ``new`` replacing equal keys (last wins); None when unchanged."""
    if new.is_empty():
        return None
    merged = pl.concat([old, new]).unique(key, keep="last", maintain_order=True).sort(key)
    return None if merged.equals(old) else merged


def health_row(
    old: dict | None, source: str, *, ok: bool, rows: int, skipped: int, latency_s: float, error: str | None, at: dt.datetime
) -> dict:
    """The feed-health row of ``source`` after one poll attempt.

    ``rows`` is kept from the last successful poll; ``last_error`` keeps the newest failure's
    text after a recovery (``failures`` = 0 says the feed is healthy again).
    """
    old = old or {"rows": 0, "rows_total": 0, "skipped_total": 0, "failures": 0, "last_success": None, "last_error": None}
    return {
        "source": source,
        "last_attempt": at,
        "last_success": at if ok else old["last_success"],
        "last_error": old["last_error"] if ok else (error or "failed"),
        "rows": int(rows) if ok else old["rows"],
        "rows_total": old["rows_total"] + (int(rows) if ok else 0),
        "skipped": int(skipped),
        "skipped_total": old["skipped_total"] + int(skipped),
        "latency_s": float(latency_s),
        "failures": 0 if ok else old["failures"] + 1,
    }


def source_newest(new: pl.DataFrame) -> dict[str, int]:
    """Newest ts (µs since epoch) per source among ``new``."""
    per = new.group_by("source").agg(pl.col("ts").max().cast(pl.Int64))
    return {s: t for s, t in per.iter_rows() if s is not None}


def readings_frame(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(READINGS_SCHEMA.names())
