"""Data quality before storage: readings that lie are quarantined with their reason, never silently dropped.

Beside the plausible range (``Batch`` drops what no sensor can measure), each quantity declares
tests in the style of IOOS QARTOD (``core.schema.Quantity``): **rate of change** against the
previous reading, **spike** against the median of the five readings before, **flat line** (the
same value for hours: a stuck sensor). For every reading: **future** (more than 5 minutes ahead
of the clock) and **too old** (before the retention window). A quarantined reading is kept by
the store with its reason and counted in feed health, and stays out of rollups and pages.

The series tests compare with the readings stored before the batch (``history``), and each
flagged reading is taken out before the next is judged, so one spike does not make the good
reading after it look like a jump. The tests are tuned to refuse what no real change does:
a flood's rise, a class entering a room, a sunny morning all pass (tests/core/test_quality.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from core.rollup import KEYS
from core.schema import QUANTITIES, READINGS_SCHEMA, Batch
from core.store import StoreReader

FUTURE = dt.timedelta(minutes=5)
RETENTION = dt.timedelta(days=800)  # two years and a bit: a year-on-year comparison still has its year before
SPIKE_WINDOW, SPIKE_MIN = 5, 3  # the median of the 5 readings before (at least 3)
RATE_SPAN = dt.timedelta(minutes=15)  # a rate is taken over at least this long
FLAT_MIN = 6  # a flat line needs at least this many equal readings as well as its hours
ROUNDS = 8  # judging rounds per batch (a poll brings one new reading per series: one round)
REASONS = ("future", "too_old", "rate", "spike", "flat")
QUARANTINE_SCHEMA = pl.Schema({**READINGS_SCHEMA, "reason": pl.String})
ROW_KEY = [*KEYS, "ts"]


@dataclass(frozen=True)
class Checked:
    """What may be stored, and what is quarantined (``QUARANTINE_SCHEMA``: the reading and why)."""

    batch: Batch
    quarantined: pl.DataFrame


def tested() -> list[str]:
    """Quantities with at least one series test."""
    return [k for k, q in QUANTITIES.items() if q.max_rate_per_h or q.spike or q.flat_hours]


def lookbacks(quantities: list[str]) -> dict[dt.timedelta, list[str]]:
    """How much stored history the series tests of each quantity need before a batch (its flat
    line, else a few readings' worth), grouped so that one read serves quantities alike."""
    groups: dict[dt.timedelta, list[str]] = {}
    for key in quantities:
        q = QUANTITIES.get(key)
        if q and (q.max_rate_per_h or q.spike or q.flat_hours):
            groups.setdefault(dt.timedelta(hours=max(q.flat_hours or 0.0, 6.0)) * 1.5, []).append(key)
    return groups


def _limits(field: str) -> pl.Expr:
    return pl.col("quantity").replace_strict({k: getattr(q, field) for k, q in QUANTITIES.items()}, default=None, return_dtype=pl.Float64)


def _flags() -> pl.Expr:
    """On rows sorted by series and time (``_out``: quarantined already): the first series test a row fails, or null.

    The rate compares with the previous reading that was kept, over at least ``RATE_SPAN`` (sensor
    noise between readings a minute apart is no rate). The spike compares with the median of the
    five readings before, quarantined ones included: one spike cannot move a median, but a real
    step to a new level (a gauge moved, a heating switched on) does after three readings, so a
    step costs three readings, never the sensor's future.
    """
    value, ts, out = pl.col("value"), pl.col("ts"), pl.col("_out")
    previous = pl.when(~out).then(value).shift(1).forward_fill().over(KEYS)
    before = pl.when(~out).then(ts).shift(1).forward_fill().over(KEYS)
    hours = ((ts - before).dt.total_microseconds() / 3.6e9).clip(lower_bound=RATE_SPAN.total_seconds() / 3600)
    median = value.shift(1).rolling_median(SPIKE_WINDOW, min_samples=SPIKE_MIN).over(KEYS)
    run = (value != value.shift(1)).fill_null(True).cum_sum().over(KEYS)  # a new run at every change of value
    run_start, run_length = ts.min().over([*KEYS, run]), value.cum_count().over([*KEYS, run])
    flat_hours = (ts - run_start).dt.total_microseconds() / 3.6e9
    return (
        pl.when(_limits("max_rate_per_h").is_not_null() & ((value - previous).abs() / hours > _limits("max_rate_per_h")))
        .then(pl.lit("rate"))
        .when(_limits("spike").is_not_null() & ((value - median).abs() > _limits("spike")))
        .then(pl.lit("spike"))
        .when(_limits("flat_hours").is_not_null() & (flat_hours >= _limits("flat_hours")) & (run_length >= FLAT_MIN))
        .then(pl.lit("flat"))
    )


def check(
    batch: Batch,
    history: pl.DataFrame,
    *,
    now: dt.datetime,
    aside: pl.DataFrame | None = None,
    retention: dt.timedelta = RETENTION,
    series: bool = True,
) -> Checked:
    """Split ``batch`` into what may be stored and what is quarantined.

    ``history``: stored readings (ts, station_id, quantity, value) of the batch's series before
    and around it, as long as :func:`lookbacks` says; ``aside``: the readings of that time that
    were quarantined before, with their reason (the spike test's window sees them, and a
    reading the feed sends again is quarantined again). ``series=False`` runs the time
    tests only (a workshop scenario plays hours in minutes: its rates are not real).
    """
    rows = batch.readings
    if rows.is_empty():
        return Checked(batch, pl.DataFrame(schema=QUARANTINE_SCHEMA))
    timed = rows.with_columns(
        reason=pl.when(pl.col("ts") > now + FUTURE).then(pl.lit("future")).when(pl.col("ts") < now - retention).then(pl.lit("too_old"))
    )
    out = [timed.filter(pl.col("reason").is_not_null())]
    keep = timed.filter(pl.col("reason").is_null()).drop("reason")
    if aside is not None and "reason" in aside.columns and aside.height:
        # a reading quarantined before stays quarantined when the feed sends it again (kept once by the store)
        known = aside.select(*ROW_KEY, "reason").unique(ROW_KEY, keep="first")
        out.append(keep.join(known, on=ROW_KEY, how="inner"))
        keep = keep.join(known, on=ROW_KEY, how="anti")
    if series and keep.height:
        keep, flagged = _series_tests(keep, history, aside)
        out.append(flagged)
    quarantined = pl.concat(out).select(QUARANTINE_SCHEMA.names()).cast(QUARANTINE_SCHEMA)
    if quarantined.is_empty():
        return Checked(batch, quarantined)
    clean = Batch(readings=keep, stations=batch.stations, levels=batch.levels, skipped=batch.skipped)
    return Checked(clean, quarantined)


def _series_tests(rows: pl.DataFrame, history: pl.DataFrame, aside: pl.DataFrame | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    judged = rows.filter(pl.col("quantity").is_in(tested()))
    if judged.is_empty():
        return rows, pl.DataFrame(schema=QUARANTINE_SCHEMA)
    series = judged.select(KEYS).unique()
    stored = history.select([*ROW_KEY, "value"]).join(series, on=KEYS, how="semi")
    earlier = (aside if aside is not None else stored.clear()).select([*ROW_KEY, "value"]).join(series, on=KEYS, how="semi")
    earlier = earlier.unique(ROW_KEY).join(stored.select(ROW_KEY), on=ROW_KEY, how="anti")
    new = judged.select([*ROW_KEY, "value"]).unique(ROW_KEY, keep="first")
    new = new.join(stored.select(ROW_KEY), on=ROW_KEY, how="anti").join(earlier.select(ROW_KEY), on=ROW_KEY, how="anti")
    frame = pl.concat(
        [
            stored.with_columns(_new=pl.lit(False), _out=pl.lit(False)),
            earlier.with_columns(_new=pl.lit(False), _out=pl.lit(True)),
            new.with_columns(_new=pl.lit(True), _out=pl.lit(False)),
        ]
    ).sort(*KEYS, "ts")
    found = []
    for round_ in range(ROUNDS):
        marked = frame.with_columns(reason=_flags()).filter(pl.col("_new") & ~pl.col("_out") & pl.col("reason").is_not_null())
        if marked.is_empty():
            break
        # The earliest flag of each series is certain; the ones after it may only echo it (the good
        # reading after a spike looks like a jump back): judge those again without it. A flat line's
        # rows are all flagged for themselves, and after ROUNDS rounds the rest is taken as it stands.
        first = marked.filter((pl.col("ts") == pl.col("ts").min().over(KEYS)) | (pl.col("reason") == "flat") | pl.lit(round_ == ROUNDS - 1))
        found.append(first.select(*ROW_KEY, "reason"))
        hit = first.select(ROW_KEY).with_columns(_hit=pl.lit(True))
        frame = (
            frame.join(hit, on=ROW_KEY, how="left", maintain_order="left")
            .with_columns(_out=pl.col("_out") | pl.col("_hit").fill_null(False))
            .drop("_hit")
        )
    if not found:
        return rows, pl.DataFrame(schema=QUARANTINE_SCHEMA)
    flagged = pl.concat(found)
    return rows.join(flagged.select(ROW_KEY), on=ROW_KEY, how="anti"), rows.join(flagged, on=ROW_KEY, how="inner")


def screen(store: StoreReader, batch: Batch, *, now: dt.datetime | None = None, series: bool = True) -> Checked:
    """:func:`check` of a batch against what ``store`` holds before it (one read per lookback)."""
    now = dt.datetime.now(dt.UTC) if now is None else now
    rows = batch.readings
    if rows.is_empty():
        return check(batch, rows, now=now, series=series)
    groups = lookbacks(rows["quantity"].unique().to_list()) if series else {}
    history, end, first = [], rows["ts"].max() + dt.timedelta(microseconds=1), rows["ts"].min()
    for back, quantities in groups.items():
        mine = rows.filter(pl.col("quantity").is_in(quantities))
        start, ids = mine["ts"].min() - back, mine["station_id"].unique().to_list()
        history.append(store.readings(start, end, ids, quantities).select([*ROW_KEY, "value"]))
        first = min(first, start)
    # what was quarantined before: the spike test's window sees it, and it stays quarantined when sent again
    sources = rows["source"].unique().drop_nulls().to_list()
    aside = store.quarantined(first, end, sources).select([*ROW_KEY, "value", "reason"])
    return check(batch, pl.concat(history) if history else aside.drop("reason").clear(), now=now, aside=aside, series=series)
