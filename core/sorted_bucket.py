"""Buckets in one linear pass over readings in series order (station_id, quantity, ts), the store's order."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import polars as pl

from core import rollup
from core.schema import AGGREGATIONS, QUANTITIES

COLUMNS = pl.Schema({"ts": pl.Datetime("us", "UTC"), "station_id": pl.String, "quantity": pl.String, "value": pl.Float64})
KIND = {key: AGGREGATIONS.index(q.aggregation) for key, q in QUANTITIES.items()}  # unknown quantities: 0, the mean
MEAN, SUM, ENERGETIC, PEAK, COUNTER = (AGGREGATIONS.index(k) for k in ("mean", "sum", "energetic", "max", "counter"))
HOUR = 3_600_000_000  # µs
SIGNLESS = np.int64(0x7FFF_FFFF_FFFF_FFFF)
SAMPLE = 64  # rows looked at before the linear check is worth its pass
PIECE = 1_000_000  # rows below which one thread is quicker than two

# a row's bucket as a number (from ts, into a buffer it may use), and what turns the number into its start in µs
Key = tuple[Callable[[np.ndarray, np.ndarray], np.ndarray], int]


def looks_ordered(readings: pl.DataFrame) -> bool:
    """Whether a few evenly spread rows are in series order: a free guess before :func:`bucket_ordered` checks every row."""
    rows = np.unique(np.linspace(0, readings.height - 1, num=min(readings.height, SAMPLE)).astype(np.int64))
    keys = readings.select(*COLUMNS.names()[:3])[rows]
    return keys.equals(keys.sort("station_id", "quantity", "ts", maintain_order=True))


def bucket_ordered(readings: pl.DataFrame, every: str, tz: str = "Europe/Berlin") -> pl.DataFrame | None:
    """:func:`core.rollup.bucket` of readings in series order, or None when they are not.

    One pass marks where the series or the bucket changes; each run between marks is a bucket,
    aggregated by NumPy's ``reduceat`` (two threads, one per half of the series). Every row is
    checked on the way (series ascending, ts non-decreasing within a series), so a wrong guess
    costs the pass, never a wrong bucket. Also None for what the hash plan alone defines: nulls,
    NaN or infinite values, other column types, calendar buckets other than days or weeks. Rows
    with the same station, quantity and ts all count; their input order decides a register's
    steps, and ``last`` is the first of them.

    >>> import datetime as dt
    >>> ts = [dt.datetime(2026, 1, 1, 0, m, tzinfo=dt.timezone.utc) for m in (5, 20, 50)]
    >>> r = pl.DataFrame({"ts": ts, "station_id": "a", "quantity": "co2", "value": [1.0, 2.0, 3.0]})
    >>> bucket_ordered(r, "1h")["value"].to_list()
    [2.0]
    >>> bucket_ordered(r.reverse(), "1h") is None
    True
    """
    calendar = rollup.is_calendar(every)  # raises on a malformed size, as the hash plan does
    if calendar and every[-1] not in "dw":
        return None
    if readings.is_empty() or any(readings.schema.get(c) != t or readings[c].null_count() for c, t in COLUMNS.items()):
        return None
    station, quantity = readings["station_id"].rechunk(), readings["quantity"].rechunk()
    ts, value = readings["ts"].to_numpy().view(np.int64), readings["value"].to_numpy()
    threads = 2 if len(ts) >= 2 * PIECE else 1
    with ThreadPoolExecutor(threads) as pool:
        moved = np.empty(len(ts), dtype=bool)  # a new series starts here
        halves = [(i * len(ts) // threads, (i + 1) * len(ts) // threads) for i in range(threads)]
        firsts = np.concatenate(list(pool.map(partial(_moved, station, quantity, moved), halves)))
        names = pl.DataFrame({"station_id": station.gather(firsts), "quantity": quantity.gather(firsts)})
        if not _ascending(names["station_id"], names["quantity"]):
            return None
        kinds = names["quantity"].replace_strict(KIND, default=MEAN, return_dtype=pl.Int8).to_numpy()
        key = _key(ts[firsts].min(), ts[np.append(firsts[1:], len(ts)) - 1].max(), len(ts), every, tz)  # the span, if sorted
        parts = list(pool.map(partial(_runs, ts, value, moved, firsts, names, kinds, key), _pieces(firsts, len(ts), threads)))
    return None if any(part is None for part in parts) else pl.concat(parts, rechunk=False)


def _runs(ts, value, moved, firsts, names, kinds, key: Key, piece: tuple[int, int]) -> pl.DataFrame | None:
    """The buckets of the rows in ``piece`` (whole series): each a run of rows of one series and bucket.

    ``firsts``: where each series starts, ``names`` its station and quantity, ``kinds`` its aggregation.
    """
    a, b = piece
    ts, value, moved = ts[a:b], value[a:b], moved[a:b]
    first, stop = np.searchsorted(firsts, (a, b))
    scratch = np.empty(len(ts), dtype=np.int64)  # one buffer for the gaps, then the buckets: fresh pages cost as much as the sums
    gap = np.subtract(ts[1:], ts[:-1], out=scratch[1:])
    gap[firsts[first + 1 : stop] - a - 1] = 1  # a series may start before the one ahead of it ends
    least = gap.min(initial=1)
    if least < 0:  # ts going back within a series
        return None
    heads = np.flatnonzero(np.concatenate(([True], gap != 0))) if least == 0 else None  # rows not repeating the ts before
    number, scale = key
    bucket = number(ts, scratch)
    new = np.empty(len(ts), dtype=bool)
    new[0] = True
    np.not_equal(bucket[1:], bucket[:-1], out=new[1:])
    runs = np.flatnonzero(np.logical_or(new, moved, out=new))
    ends = np.append(runs[1:], len(ts))
    n = ends - runs
    starts = bucket[runs] * scale
    total, (low, high) = np.add.reduceat(value, runs), _extremes(value, runs, scratch)
    if not (np.isfinite(low).all() and np.isfinite(high).all()):  # NaN or inf: polars' rules, not NumPy's
        return None
    series = np.cumsum(moved[runs]) - 1 + first
    mean = total / n
    out = mean.copy()
    present = np.unique(kinds[first:stop])
    kind = kinds[series] if len(present) > 1 or present[0] != MEAN else None
    for chosen, taken in ((SUM, total), (PEAK, high)):
        if chosen in present:
            np.copyto(out, taken, where=kind == chosen)
    if ENERGETIC in present:
        rows, local = _rows(runs, n, energetic := kind == ENERGETIC)
        out[energetic] = 10 * np.log10(np.add.reduceat(np.exp(value[rows] * (np.log(10) / 10)), local) / n[energetic])
    if COUNTER in present:
        rows, local = _rows(runs, n, counter := kind == COUNTER)
        now, before = value[rows], value[rows - 1]  # a series' first row (maybe row -1 before it) is set to 0 below
        out[counter] = np.add.reduceat(np.where(moved[rows], 0.0, np.where(now >= before, now - before, now)), local)
    last = ends - 1
    if heads is not None:  # ``last``: the first of the rows sharing the bucket's latest ts
        last = heads[np.searchsorted(heads, last, side="right") - 1]
    numbers = {"bucket_start": starts, "n": n.astype(np.uint32), "value": out, "mean": mean, "min": low, "max": high}
    return names[series].hstack(pl.DataFrame(numbers | {"last": value[last]}, schema=dict(list(rollup.BUCKET_SCHEMA.items())[2:])))


def _extremes(value: np.ndarray, runs: np.ndarray, scratch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each run's min and max, found on integers: twice as fast as on floats, and the same.

    A float64's bits as an int64 sort as the float does once a negative one's bits but the sign
    are flipped (an involution; NaN lands beyond ±inf, where the caller's finiteness check sees it).
    """
    bits = value.view(np.int64)
    if value.min() >= 0:  # no negatives (nor NaN): the bits already sort
        low, high = np.minimum.reduceat(bits, runs), np.maximum.reduceat(bits, runs)
        return low.view(np.float64), high.view(np.float64)
    key = np.right_shift(bits, 63, out=scratch)
    key &= SIGNLESS
    key ^= bits
    low, high = np.minimum.reduceat(key, runs), np.maximum.reduceat(key, runs)
    return (low ^ (low >> 63) & SIGNLESS).view(np.float64), (high ^ (high >> 63) & SIGNLESS).view(np.float64)


def _moved(station: pl.Series, quantity: pl.Series, moved: np.ndarray, rows: tuple[int, int]) -> np.ndarray:
    """Marks in ``moved`` which of ``rows`` start a series (row 0, or another station or quantity than the row before)."""
    a, b = rows
    moved = moved[a:b]
    moved[:] = False
    lo = max(a, 1)
    if a == 0:
        moved[0] = True
    if b > lo:
        _mark(station, quantity, moved[lo - a :], lo, b)
    return np.flatnonzero(moved) + a


def _mark(station: pl.Series, quantity: pl.Series, moved: np.ndarray, lo: int, b: int) -> None:
    """Marks in ``moved`` which of rows lo…b-1 (lo ≥ 1) have another station or quantity than the row before.

    Strings are first compared by their Arrow views (length, prefix, place in the buffer):
    equal views are equal strings, and rows read from Parquet or gathered share them, so only
    rows whose views differ are compared as strings.
    """
    differs, scratch = np.zeros(b - lo, dtype=bool), np.empty(b - lo, dtype=bool)
    for column in (station, quantity):
        arrow = column.to_arrow(compat_level=pl.CompatLevel.newest())  # one chunk: no copy
        if str(arrow.type) != "string_view":  # no views to look at
            differs[:] = True
            break
        views = np.frombuffer(arrow.buffers()[1], dtype=np.uint64).reshape(-1, 2)[arrow.offset : arrow.offset + len(arrow)]
        for word in (0, 1):
            differs |= np.not_equal(views[lo:b, word], views[lo - 1 : b - 1, word], out=scratch)
    maybe = np.flatnonzero(differs) + lo
    if len(maybe) > (b - lo) // 8:  # views not shared: compare every row as strings
        this, before = (lambda c: c.slice(lo, b - lo)), (lambda c: c.slice(lo - 1, b - lo))
        moved[:] = ((this(station) != before(station)) | (this(quantity) != before(quantity))).to_numpy()
    else:
        this, before = pl.Series(maybe), pl.Series(maybe - 1)
        moved[maybe - lo] = (
            (station.gather(this) != station.gather(before)) | (quantity.gather(this) != quantity.gather(before))
        ).to_numpy()


def _ascending(station: pl.Series, quantity: pl.Series) -> bool:
    """Whether each series (its first row's keys) comes after the one before: none seen twice, none out of order."""
    s0, s1, q0, q1 = station.slice(0, len(station) - 1), station.slice(1), quantity.slice(0, len(quantity) - 1), quantity.slice(1)
    return bool(((s1 > s0) | ((s1 == s0) & (q1 > q0))).all())


def _pieces(firsts: np.ndarray, n: int, parts: int) -> list[tuple[int, int]]:
    """Rows cut at series starts into about equal ``parts``, one per thread."""
    at = np.searchsorted(firsts, np.arange(1, parts) * n // parts)
    cuts = np.unique(np.concatenate(([0], firsts[at[at < len(firsts)]], [n])))
    return list(zip(cuts[:-1].tolist(), cuts[1:].tolist()))


def _rows(runs: np.ndarray, n: np.ndarray, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of the ``chosen`` runs, and where each of these runs starts among them."""
    counts = n[chosen]
    local = np.concatenate(([0], np.cumsum(counts)[:-1]))
    return np.arange(local[-1] + counts[-1]) + np.repeat(runs[chosen] - local, counts), local


def _key(low: int, high: int, rows: int, every: str, tz: str) -> Key:
    """How to number the buckets of ``rows`` readings between ``low`` and ``high`` (µs)."""
    if not rollup.is_calendar(every):
        size = round(rollup._seconds(every) * 1_000_000)
        return (lambda t, out: np.floor_divide(t, size, out=out)), size  # UTC epoch multiples, as dt.truncate
    first = int(low) // HOUR
    hours = np.arange(first, int(high) // HOUR + 2, dtype=np.int64) * HOUR
    grid = _starts(hours, every, tz) if len(hours) <= rows else hours
    if len(hours) > rows or (grid > hours).any() or (np.diff(grid) < 0).any():  # sparse readings or an odd zone: row by row
        return (lambda t, out: _starts(t, every, tz)), 1

    def start(t: np.ndarray, out: np.ndarray) -> np.ndarray:
        # A day or week lasts 23 h or more, so at most one bucket starts within any hour: a row's
        # bucket is the one holding its hour's start, or the next one if that starts by the row.
        hour = np.floor_divide(t, HOUR, out=out)
        hour -= first
        this, following = grid[hour], grid[hour + 1]
        return np.where(t >= following, following, this)

    return start, 1


def _starts(ts: np.ndarray, every: str, tz: str) -> np.ndarray:
    frame = pl.DataFrame({"ts": pl.Series(ts).cast(COLUMNS["ts"])})
    return frame.select(rollup.bucket_start(every, tz)).to_series().to_numpy().view(np.int64)
