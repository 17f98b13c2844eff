"""Copy a store to another location through the ``Store`` protocol, then prove the copy.

Readings travel in windows of whole local days (at most :data:`WINDOW_DAYS` and, unless one day
alone is bigger, :data:`WINDOW_ROWS` readings), so memory holds one window whatever the history.
Each window is one ``target.append(Batch(...))``: the store's dedup makes a second run copy
nothing and lets an interrupted one resume. Then every table is compared: the readings per local
day by count and a checksum, the small tables row by row. ``python -m core.store migrate``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from core import rollup
from core.quality import ROW_KEY
from core.scenario.state import KEY as SCENARIO_KEY
from core.schema import Batch
from core.store import Store, StoreReader, backend, describe, open_store
from core.store.postgresql import StoreUnavailable

WINDOW_DAYS = 7
WINDOW_ROWS = 1_000_000  # ~60 MB a copy of a window (the source's, the batch, the target's for the check)
STATE_KEYS = (SCENARIO_KEY,)  # the protocol lists no keys: the run state worth keeping is named here
HASHED = ["station_id", "quantity", "ts", "value", "source"]
SHOWN = 3  # differing days named in the verdict; the rest are counted
# small table -> (its key, how a store reads it, how a target takes it; None: with the first batch)
TABLES: dict[str, tuple[list[str], Callable[[StoreReader], pl.DataFrame], Callable[[Store, pl.DataFrame], object] | None]] = {
    "stations": (["station_id"], lambda s: s.stations(), None),
    "levels": (["station_id", "quantity", "level"], lambda s: s.levels(), None),
    "quarantined readings": ([*ROW_KEY, "reason"], lambda s: s.quarantined(), lambda t, rows: t.quarantine(rows)),
    "feed-health rows": (["source"], lambda s: s.feed_health(), lambda t, rows: t.restore_health(rows)),  # not in the protocol yet
}
STORE_ERRORS = (ValueError, OSError, pl.exceptions.PolarsError, StoreUnavailable)  # what opening or reading a store raises


def _windows(n: int) -> str:
    return f"{n} window" if n == 1 else f"{n} windows"


class MigrationError(Exception):
    """The migration cannot start or go on; the message is one sentence for the command line."""


@dataclass
class Report:
    """What a migration copied and found; no ``differences`` means the copy is verified."""

    readings: int = 0  # source readings read
    new: int = 0  # of them newly stored by the target
    windows: int = 0
    tables: dict[str, int] = field(default_factory=dict)  # source rows per small table
    differences: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self, *, check: bool = False) -> str:
        small = ", ".join(f"{n:,} {name}" for name, n in self.tables.items())
        if check:
            return f"compared {self.readings:,} readings in {_windows(self.windows)} and {small} in {self.seconds:.1f} s"
        already = self.readings - self.new
        return (
            f"copied {self.readings:,} readings in {_windows(self.windows)} ({self.new:,} new, {already:,} already there) "
            f"and {small}; verified in {self.seconds:.1f} s"
        )

    def verdict(self) -> str:
        return f"the copy differs from the source: {'; '.join(self.differences)}."


def windows(store: StoreReader, *, rows: int | None = None, days: int | None = None) -> list[tuple[dt.datetime, dt.datetime]]:
    """Back-to-back ``[start, end)`` spans of whole local days covering every stored reading.

    At most ``days`` days each and, unless one day alone holds more, ``rows`` readings (default
    :data:`WINDOW_DAYS`, :data:`WINDOW_ROWS`). The day rollup says how many readings each day
    holds without reading them; the loop runs once per day, not per reading.
    """
    rows, days = WINDOW_ROWS if rows is None else rows, WINDOW_DAYS if days is None else days
    per_day = store.rollup("1d").group_by("bucket_start").agg(pl.col("n").cast(pl.Int64).sum()).sort("bucket_start")
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    first, count, taken = None, 0, 0
    for start, n in per_day.iter_rows():
        if first is not None and (count + n > rows or taken >= days):
            spans.append((first, start))
            first, count, taken = None, 0, 0
        first = start if first is None else first
        count, taken = count + n, taken + 1
    if first is not None:
        spans.append((first, rollup.next_start(per_day["bucket_start"][-1], "1d", store.tz)))
    return spans


def digest(readings: pl.DataFrame, tz: str) -> pl.DataFrame:
    """Per local day: the readings' count and the sum of a hash of each whole row.

    Equal for equal rows in any order from any backend (polars' row hash is stable within one
    version, and both sides are hashed in this process); 40-bit hashes keep a day's sum of up
    to 16 M readings inside 64 bits.
    """
    hashes = readings.select(HASHED).hash_rows(seed=12) // (1 << 24)
    days = readings["ts"].dt.convert_time_zone(tz).dt.date()
    return pl.DataFrame({"day": days, "hash": hashes}).group_by("day").agg(n=pl.len(), hash=pl.col("hash").sum()).sort("day")


def differing_days(source: pl.DataFrame, target: pl.DataFrame) -> list[str]:
    """The days whose count or checksum differ between two :func:`digest` frames, in words."""
    both = source.join(target, on="day", how="full", suffix="_copy", coalesce=True)
    bad = both.filter(pl.col("n").ne_missing(pl.col("n_copy")) | pl.col("hash").ne_missing(pl.col("hash_copy")))
    bad = bad.sort("day").with_columns(pl.col("n", "n_copy").fill_null(0))
    return [
        f"readings of {day} ({n:,} in the source, {copy:,} in the copy)" for day, n, copy in bad.select("day", "n", "n_copy").iter_rows()
    ]


def same_rows(source: pl.DataFrame, target: pl.DataFrame, key: list[str]) -> bool:
    """Whether ``target`` holds every row of ``source`` as it is (rows of other keys do not count:
    a target in use may know more sources or stations)."""
    held = target.join(source.select(key), on=key, how="semi")
    return held.height == source.height and held.sort(key).equals(source.sort(key))


def migrate(source: StoreReader, target: Store, *, check: bool = False, progress: Callable[[str], None] | None = None) -> Report:
    """Copy ``source`` into ``target`` (``check``: copy nothing) and compare them; see the module docstring.

    Stations and levels go first, so the copy names what it holds from the first window on.
    Feed health needs ``target.restore_health`` (``record_health`` cannot set a row as it was).
    """
    began, report, skipped = time.perf_counter(), Report(), 0
    if not check and not callable(getattr(target, "restore_health", None)):
        msg = f"the {type(target).__name__} store cannot take feed health as it is (it has no restore_health)"
        raise MigrationError(msg)
    small = {name: read(source) for name, (_, read, _) in TABLES.items()}
    report.tables = {name: frame.height for name, frame in small.items()}
    if not check:
        target.append(Batch(stations=small["stations"], levels=small["levels"]))
    wrong_days: list[str] = []
    for lo, hi in windows(source):
        rows, new = source.readings(lo, hi), 0
        if not check:
            batch = Batch(rows)
            skipped += batch.skipped
            new = target.append(batch)
            del batch
        report.readings, report.new, report.windows = report.readings + rows.height, report.new + new, report.windows + 1
        wrong_days += differing_days(digest(rows, source.tz), digest(target.readings(lo, hi), source.tz))
        if progress:
            progress(f"{_days(lo, hi, source.tz)}: {rows.height:,} readings" + ("" if check else f", {new:,} new"))
        del rows
    for name, (key, read, write) in TABLES.items():
        held = read(target)
        if write and not check and not same_rows(small[name], held, key):
            write(target, small[name])
            held = read(target)
        if not same_rows(small[name], held, key):
            report.differences.append(name)
    for key in STATE_KEYS:
        value = source.state(key)
        if value is not None and not check and target.state(key) != value:
            target.set_state(key, value)
        if value is not None and target.state(key) != value:
            report.differences.append(f"the run state {key!r}")
    report.differences[:0] = wrong_days[:SHOWN] + ([f"{len(wrong_days) - SHOWN} more days"] if len(wrong_days) > SHOWN else [])
    if skipped:  # stored under an older vocabulary; Batch refuses them now, so the day checks fail too
        report.differences.insert(
            0, f"{skipped:,} source readings are implausible under today's core.schema.QUANTITIES and were not copied"
        )
    damaged = source.problems().filter(~pl.col("repaired")).height
    if damaged:
        report.differences.append(f"{damaged} damaged source files were skipped (the source's maintain() repairs them; then run again)")
    report.seconds = time.perf_counter() - began
    return report


def _open(location: str | Path, tz: str, *, existing: bool) -> Store:
    if existing and backend(location) == "file" and not Path(str(location).removeprefix("file://")).is_dir():
        msg = f"{location} is not a store directory"
        raise MigrationError(msg)
    store = open_store(location, tz=tz)
    if existing and store.version == 0:
        _close(store)
        msg = f"{describe(location)} holds no store (nothing was ever stored there)"
        raise MigrationError(msg)
    return store


def _days(start: dt.datetime, end: dt.datetime, tz: str) -> str:
    """A window as the local days it holds: ``2026-03-27 .. 2026-04-02``."""
    zone = ZoneInfo(tz)
    return f"{start.astimezone(zone):%Y-%m-%d} .. {end.astimezone(zone) - dt.timedelta(days=1):%Y-%m-%d}"


def _same(a: str | Path, b: str | Path) -> bool:
    if backend(a) == backend(b) == "file":
        return Path(str(a).removeprefix("file://")).resolve() == Path(str(b).removeprefix("file://")).resolve()
    return str(a) == str(b)


def _close(store: StoreReader) -> None:
    close = getattr(store, "close", None)  # a database store holds connections; the embedded one none
    if callable(close):
        close()


def run(source: str | Path, target: str | Path, *, tz: str, check: bool = False, progress: Callable[[str], None] | None = None) -> Report:
    """Open both locations and :func:`migrate`; the one place store errors become :class:`MigrationError`."""
    opened: list[StoreReader] = []
    try:
        if _same(source, target):
            msg = f"source and target are the same store ({describe(source)})"
            raise MigrationError(msg)
        opened.append(_open(source, tz, existing=True))
        opened.append(_open(target, tz, existing=check))  # a check never creates a store
        return migrate(opened[0], opened[1], check=check, progress=progress)
    except STORE_ERRORS as exc:
        msg = f"{type(exc).__name__}: {exc}" if isinstance(exc, pl.exceptions.PolarsError) else str(exc)
        raise MigrationError(msg) from exc
    finally:
        for store in opened:
            _close(store)
