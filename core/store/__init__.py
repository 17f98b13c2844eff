"""The store interface: typed protocols every backend serves, the backend registry, ``open_store``.

Pages, views, ingest and the scenario overlay use only :class:`StoreReader` / :class:`Store`.
A backend is one module with ``open_store(location, *, tz, durable) -> Store`` plus one line in
:data:`BACKENDS`, keyed by the URL scheme of its location (a plain path is ``file``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import polars as pl

from core import rollup
from core.schema import Batch

ROLLUPS = ("15m", "1h", "1d")  # the materialized bucket sizes every backend keeps up to date

# location scheme -> backend module (``open_store(location, *, tz, durable) -> Store``)
BACKENDS: dict[str, str] = {
    "file": "core.store.parquet",
    "postgresql": "core.store.postgresql",
}
ALIASES = {"postgres": "postgresql"}  # libpq accepts both URL schemes

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
        "quarantined": pl.Int64,  # readings of the last poll kept aside by the quality checks (core.quality)
        "quarantined_total": pl.Int64,
    }
)


def health_row(
    old: dict | None,
    source: str,
    *,
    ok: bool,
    rows: int,
    skipped: int,
    latency_s: float,
    error: str | None,
    at: dt.datetime,
    quarantined: int = 0,
) -> dict:
    """The feed-health row of ``source`` after one poll attempt.

    ``rows`` is kept from the last successful poll; ``last_error`` keeps the newest failure's
    text after a recovery (``failures`` = 0 says the feed is healthy again).
    """
    old = {"rows": 0, "rows_total": 0, "skipped_total": 0, "failures": 0, "last_success": None, "last_error": None} | {
        k: v for k, v in (old or {}).items() if v is not None or k in ("last_success", "last_error")
    }
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
        "quarantined": int(quarantined),
        "quarantined_total": int(old.get("quarantined_total") or 0) + int(quarantined),
    }


# Damaged files a backend found and what it did about them (Quellen shows them).
PROBLEMS_SCHEMA = pl.Schema(
    {
        "file": pl.String,
        "table": pl.String,
        "part": pl.String,
        "at": pl.String,  # ISO time of the repair (null while awaiting it)
        "reason": pl.String,
        "action": pl.String,
        "repaired": pl.Boolean,
    }
)

Moment = dt.datetime | None
Ids = str | Iterable[str] | None


@runtime_checkable
class StoreReader(Protocol):
    """What pages and views read. Every frame method returns a polars frame in a fixed schema.

    Times are aware datetimes; windows are ``[start, end)``; ``station_ids`` / ``quantities``
    narrow a read (a string or a list). ``version`` grows with every commit (a cache key).
    """

    tz: str

    @property
    def version(self) -> int: ...

    def readings(self, start: Moment = None, end: Moment = None, station_ids: Ids = None, quantities: Ids = None) -> pl.DataFrame:
        """READINGS_SCHEMA rows, sorted by station_id, quantity, ts."""

    def rollup(self, every: str, start: Moment = None, end: Moment = None, station_ids: Ids = None, quantities: Ids = None) -> pl.DataFrame:
        """``core.rollup.BUCKET_SCHEMA`` buckets of one of :data:`ROLLUPS`, equal to ``bucket(readings(...))``."""

    def latest(self, now: Moment = None) -> pl.DataFrame:
        """Newest value per series with interval_s, age_s and stale (``core.rollup.latest``)."""

    def stations(self) -> pl.DataFrame:
        """STATIONS_SCHEMA, one row per station."""

    def levels(self) -> pl.DataFrame:
        """LEVELS_SCHEMA: characteristic levels of stations (flood levels, MNW/MHW …)."""

    def feed_health(self) -> pl.DataFrame:
        """:data:`HEALTH_SCHEMA`, one row per source that was ever polled."""

    def last_ts(self, source: str) -> dt.datetime | None:
        """The newest reading's time of ``source`` (where its next poll starts)."""

    def state(self, key: str) -> dict | None:
        """A small piece of shared run state (the running workshop scenario), or None."""

    def problems(self) -> pl.DataFrame:
        """:data:`PROBLEMS_SCHEMA`: damaged data the store found, repaired or set aside."""

    def quarantined(self, start: Moment = None, end: Moment = None, sources: Ids = None) -> pl.DataFrame:
        """``core.quality.QUARANTINE_SCHEMA``: readings the quality checks kept aside (by reading time), newest first."""


@runtime_checkable
class Store(StoreReader, Protocol):
    """The store the ingest runner writes; many processes may hold one on the same data."""

    def append(self, batch: Batch) -> int:
        """Store a batch atomically; the number of readings newly stored (repeats are ignored)."""

    def record_health(
        self,
        source: str,
        *,
        ok: bool,
        rows: int,
        skipped: int,
        latency_s: float,
        error: str | None = None,
        at: Moment = None,
        quarantined: int = 0,
    ) -> None:
        """Record one poll attempt of ``source``."""

    def restore_health(self, frame: pl.DataFrame) -> None:
        """Put whole :data:`HEALTH_SCHEMA` rows in place by source, in one commit (a migration's copy);
        sources not in ``frame`` keep theirs, an empty frame changes nothing."""

    def quarantine(self, rows: pl.DataFrame) -> int:
        """Keep readings the quality checks refused, with their reason; the number new to the store."""

    def compact(self, full: bool = True) -> None:
        """Tidy the physical layout (merge files, drop leftovers); never changes what is read.

        ``full=False`` does only what is due, beside appends and readers without blocking them:
        the ingest runner calls it after appends, which commit only their own batch."""

    def maintain(self) -> dict[str, int]:
        """Repair damage found by readers and drop what crashed writers left; counts of what it did."""

    def set_state(self, key: str, value: dict | None) -> None:
        """Publish (or with None remove) shared run state for every process."""

    def leader(self, name: str) -> contextlib.AbstractContextManager[bool]:
        """Try to become the one ``name`` process (the poller); yields False when another one is."""


def backend(location: str | Path) -> str:
    """The registry key of the backend a location names: its URL scheme, ``file`` for a path."""
    scheme = urlsplit(str(location)).scheme if "://" in str(location) else "file"
    scheme = ALIASES.get(scheme, scheme)
    if scheme not in BACKENDS:
        msg = f"no store backend for {scheme!r} locations (known: {', '.join(BACKENDS)})"
        raise ValueError(msg)
    return scheme


def windowed(
    every: str,
    start: dt.datetime | None,
    end: dt.datetime | None,
    tz: str,
    *,
    whole: Callable[[Moment, Moment], pl.DataFrame],
    raw: Callable[[Moment, Moment], pl.DataFrame],
) -> pl.DataFrame:
    """``Store.rollup`` from its two sources: ``whole(lo, hi)``, the materialized buckets starting in
    [lo, hi), and ``raw(lo, hi)``, the readings there (UTC bounds, None = open).

    Buckets wholly inside [start, end) come from ``whole``; an edge bucket that ``start`` or ``end``
    cuts (at most one at each end) is bucketed from its readings, so the result equals
    ``bucket(readings(start, end), every, tz)``; windows aligned with ``core.rollup.floor`` read
    materialized buckets only.
    """
    if every not in ROLLUPS:
        msg = f"every must be one of {ROLLUPS}, got {every!r}"
        raise ValueError(msg)
    if start is not None and end is not None and end <= start:
        return pl.DataFrame(schema=rollup.BUCKET_SCHEMA)
    lo, hi = rollup.inner(every, start, end, tz)
    if lo is not None and hi is not None and lo >= hi:
        return rollup.bucket(raw(start, end), every, tz)
    parts = [whole(lo, hi)]
    if start is not None and lo != start:
        parts.append(rollup.bucket(raw(start, lo), every, tz))
    if end is not None and hi != end:
        parts.append(rollup.bucket(raw(hi, end), every, tz))
    return parts[0] if len(parts) == 1 else pl.concat(parts).sort(*rollup.KEYS, "bucket_start")


def describe(location: str | Path) -> str:
    """``location`` fit for a log line or a page: a URL without its password and query.

    >>> describe("postgresql://showroom:s3cret@db:5432/showroom?schema=menden")
    'postgresql://showroom:***@db:5432/showroom'
    """
    text = str(location)
    if "://" not in text:
        return text
    parts = urlsplit(text)
    netloc = parts.netloc if parts.password is None else parts.netloc.replace(f":{parts.password}@", ":***@")
    return f"{parts.scheme}://{netloc}{parts.path}"


def open_store(location: str | Path, tz: str = "Europe/Berlin", *, durable: bool = False) -> Store:
    """Open (and create) the store at ``location``: a data directory, or a URL of a registered backend.

    ``tz`` sets where day rollups start; ``durable`` asks the backend to survive a power cut,
    not only a killed process (slower appends where that costs something).

    >>> import tempfile
    >>> open_store(tempfile.mkdtemp()).readings().columns
    ['ts', 'station_id', 'quantity', 'value', 'source']
    """
    module: Any = importlib.import_module(BACKENDS[backend(location)])
    return module.open_store(location, tz=tz, durable=durable)
