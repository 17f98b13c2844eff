"""Pure frame logic of the store: which rows are new, the per-series tail, upserts, feed health."""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.rollup import INTERVAL_WINDOW, KEYS, latest

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


def tail_stats(tail: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
    """Per series: newest and oldest ts in the tail and how many readings it keeps."""
    ts = pl.col("ts")
    return tail.group_by(KEYS).agg(newest=ts.max(), oldest=ts.min(), kept=pl.len().cast(pl.UInt32))


def classify(rows: pl.DataFrame, tail: pl.DataFrame, stats: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split rows into (new, unsure) using only the tail.

    Repeats inside ``rows`` are dropped first (the first one wins). A row newer than its
    series' newest stored ts is new. A row inside the tail's time window is new unless the
    tail holds it (the tail is every reading from its oldest ts on, or the whole series when
    it keeps fewer than TAIL). Only older rows are unsure and must be checked in the files.
    """
    cols = rows.columns
    joined = rows.unique(ROW_KEY, keep="first", maintain_order=True).join(stats, on=KEYS, how="left")
    # Series operations: the usual poll (every row newer than its series) costs no more queries.
    newest, ts = joined.get_column("newest"), joined.get_column("ts")
    fresh = newest.is_null() | (ts > newest)
    if fresh.all():
        return joined.select(cols), joined.clear().select(cols)
    in_window = (joined.get_column("kept") < TAIL) | (ts >= joined.get_column("oldest"))
    window = joined.filter(~fresh & in_window).join(tail.select(ROW_KEY), on=ROW_KEY, how="anti")
    new = pl.concat([joined.filter(fresh).select(cols), window.select(cols)])
    return new, joined.filter(~fresh & ~in_window).select(cols)


def tail_summary(tail: pl.DataFrame) -> pl.DataFrame:
    """``core.rollup.latest`` of the tail without age and stale, which depend on ``now``."""
    if tail.is_empty():
        return tail
    return latest(tail, tail["ts"].max()).drop("age_s", "stale")


def merge_tail(tail: pl.DataFrame, new: pl.DataFrame) -> pl.LazyFrame:
    """The tail after storing ``new`` (rows known to be new): newest TAIL rows per series.

    O(series), never O(history). A sort by ts alone (integers) keeps each series in time
    order for ``tail``; sorting by the string keys as well would cost several times more.
    """
    both = pl.concat([tail.lazy(), new.lazy().select(TAIL_SCHEMA.names())]).sort("ts")
    return both.group_by(KEYS, maintain_order=True).tail(TAIL).select(TAIL_SCHEMA.names())


def row_set(frame: pl.DataFrame) -> frozenset:
    return frozenset(frame.iter_rows())


def upsert(old: pl.DataFrame, new: pl.DataFrame, key: list[str], known: frozenset | None = None) -> pl.DataFrame | None:
    """``old`` with the rows of ``new`` replacing equal keys (last wins); None when unchanged.

    ``known`` (the rows of ``old`` as tuples) answers the usual case, a feed repeating its
    stations unchanged on every poll, without a query.
    """
    if new.is_empty() or (known is not None and all(row in known for row in new.iter_rows())):
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


def source_newest(new: pl.DataFrame) -> pl.LazyFrame:
    """Newest ts (µs since epoch) per source among ``new``."""
    return new.lazy().group_by("source").agg(pl.col("ts").max().dt.epoch("us"))
