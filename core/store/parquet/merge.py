"""Pure frame logic of the Parquet store: which rows are new, the per-series tail, upserts, register steps."""

from __future__ import annotations

import polars as pl

from core.rollup import INTERVAL_WINDOW, KEYS, latest, step
from core.schema import aggregating

ROW_KEY = [*KEYS, "ts"]
# The newest readings of each series: enough to know what is new without history, and
# exactly what core.rollup.latest looks at (the last INTERVAL_WINDOW gaps).
TAIL = INTERVAL_WINDOW + 1
TAIL_SCHEMA = pl.Schema({"station_id": pl.String, "quantity": pl.String, "ts": pl.Datetime("us", "UTC"), "value": pl.Float64})


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


def source_newest(new: pl.DataFrame) -> pl.LazyFrame:
    """Newest ts (µs since epoch) per source among ``new``."""
    return new.lazy().group_by("source").agg(pl.col("ts").max().dt.epoch("us"))


def counter_steps(new: pl.DataFrame, stored: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The register increase each new counter reading brings, against what the store already holds.

    ``new``: rows known to be new; ``stored``: stored readings (station_id, quantity, ts, value)
    that include, for every new counter reading, the stored reading before and after it (the
    tail, or the series from the files for rows older than the tail). Returns ``new`` with
    ``inc`` (``core.rollup.step`` from the reading before it; 0 for other quantities) and the
    corrections (station_id, quantity, ts, inc): a stored reading whose predecessor is now a new
    (late) reading changes its increase by ``inc`` (``core.store.partials.corrections_lazy``).
    Bucket sums of ``inc`` are thus the same as ``core.rollup.bucket`` of all stored readings.
    """
    counters = aggregating("counter")
    is_counter = pl.col("quantity").is_in(counters)
    none = pl.DataFrame(schema={"station_id": pl.String, "quantity": pl.String, "ts": pl.Datetime("us", "UTC"), "inc": pl.Float64})
    if new.is_empty() or not new.get_column("quantity").is_in(counters).any():  # the usual poll: a Series op, no query
        return new.with_columns(inc=pl.lit(0.0)), none
    fresh = new.filter(is_counter).select(*ROW_KEY, "value")
    old = stored.select(*ROW_KEY, "value").join(fresh.select(KEYS).unique(), on=KEYS, how="semi").unique(ROW_KEY)
    previous = pl.col("value").shift(1).over(KEYS)
    both = pl.concat([old.with_columns(_new=pl.lit(False)), fresh.with_columns(_new=pl.lit(True))]).sort(*KEYS, "ts")
    both = both.with_columns(inc=step(previous, pl.col("value")))
    before = old.sort(*KEYS, "ts").select(*ROW_KEY, before=step(previous, pl.col("value")))
    corrections = (
        both.filter(~pl.col("_new"))
        .join(before, on=ROW_KEY)
        .filter(pl.col("inc") != pl.col("before"))
        .select(*ROW_KEY, inc=pl.col("inc") - pl.col("before"))
    )
    stepped = new.join(both.filter(pl.col("_new")).select(*ROW_KEY, "inc"), on=ROW_KEY, how="left").with_columns(
        pl.col("inc").fill_null(0.0)
    )
    return stepped, corrections.select(none.columns).cast(none.schema)
