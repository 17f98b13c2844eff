"""The embedded store backend: day-partitioned Parquet readings, materialized rollups, latest, health.

How it works and why (immutable files, one atomic manifest, the tail): docs/store.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import polars as pl

from core import quality, rollup
from core.schema import LEVELS_SCHEMA, READINGS_SCHEMA, STATIONS_SCHEMA, Batch, aggregating
from core.store import HEALTH_SCHEMA, PROBLEMS_SCHEMA, ROLLUPS, health_row, partials, windowed
from core.store.parquet import repair
from core.store.parquet.compact import compact, compact_beside, plan, upgrade
from core.store.parquet.files import FORMAT, GRACE_S, TIME_COLUMN, Commit, Files, as_utc, from_us, partition_key, to_us
from core.store.parquet.merge import (
    ROW_KEY,
    TAIL_SCHEMA,
    classify,
    counter_steps,
    merge_tail,
    row_set,
    source_newest,
    tail_stats,
    tail_summary,
    upsert,
)

log = logging.getLogger("showroom.store")
T = TypeVar("T")
FALLBACK_DAYS = dt.timedelta(days=2)  # latest() from readings while the tail awaits its rebuild
TABLES = {"stations": (STATIONS_SCHEMA, ["station_id"]), "levels": (LEVELS_SCHEMA, ["station_id", "quantity", "level"])}
SCHEMAS = {"readings": READINGS_SCHEMA, "quarantine": quality.QUARANTINE_SCHEMA, **dict.fromkeys(ROLLUPS, partials.PARTIAL_SCHEMA)}
# Up to this many stations (a school's rooms), a read pushes the station list into the Parquet
# scan; a longer list is applied after reading by quantity: pushed down it made a year of 1d
# buckets of 100 stations 5x slower (~180 ms pushed down, ~35 ms filtered after).
PUSHDOWN_MAX = 32
EMPTY = {"stations": STATIONS_SCHEMA, "levels": LEVELS_SCHEMA, "health": HEALTH_SCHEMA}


def open_store(location: str | Path, *, tz: str = "Europe/Berlin", durable: bool = False) -> ParquetStore:
    """Open (and create) the store in the directory ``location``; ``tz`` sets where day rollups start.

    Every commit is atomic against a killed process; ``durable`` also fsyncs each file so a
    commit survives a power cut (slower appends).
    """
    root = Path(str(location).removeprefix("file://"))
    root.mkdir(parents=True, exist_ok=True)
    store = ParquetStore(root, tz=tz, durable=durable)
    store._check_tz(store._manifest())
    if store._manifest().get("format", 1) < FORMAT:
        with store._files.compacting(), store._files.locked():
            upgrade(store._files, store._manifest(), tz=store.tz)
    return store


def in_series_order(readings: pl.LazyFrame, segments: list[dict]) -> pl.LazyFrame:
    """Readings of ``segments`` sorted by (station_id, quantity, ts): as read when one segment in series order holds them all.

    Filters keep a file's row order, so the rows of a single series-ordered segment need no sort
    (a compacted month read for a few stations, the explorer's usual ask); rows of several
    segments interleave and are sorted.
    """
    if len(segments) == 1 and segments[0].get("order") == "series":
        return readings
    return readings.sort(ROW_KEY)


def _conform(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    """A small table written before its schema grew (feed health's quarantine counts): the new columns empty."""
    missing = [pl.lit(None, dtype=dtype).alias(name) for name, dtype in schema.items() if name not in frame.columns]
    return frame.with_columns(missing).select(schema.names()) if missing else frame


def _ids(values: str | Iterable[str] | None) -> list[str] | None:
    return None if values is None else [values] if isinstance(values, str) else list(values)


class ParquetStore:
    """One store directory shared by any number of reader processes and serialised writers.

    Every change is one commit: new immutable files, then an atomic manifest replace.
    Implements ``core.store.Store``.
    """

    def __init__(self, root: Path, *, tz: str, durable: bool = False) -> None:
        self.root, self.tz = root, tz
        self._files = Files(root, durable=durable)
        self._frames: dict[tuple[str, str], object] = {}  # small tables and what derives from them, by file name
        self._damaged: dict[str, str] = {}  # files this process found unreadable (rel -> why): skipped until repaired

    # -- reading -----------------------------------------------------------------------
    def _manifest(self) -> dict:
        return self._files.manifest(self.tz)

    def _check_tz(self, manifest: dict) -> None:
        if manifest["tz"] != self.tz and any(manifest["segments"][every] for every in ROLLUPS):
            msg = f"the store in {self.root} keeps day rollups in {manifest['tz']}; open it with tz={manifest['tz']!r}, not {self.tz!r}"
            raise ValueError(msg)

    def _read(self, action: Callable[[dict], T], suspects: Callable[[dict], list[str]] | None = None) -> T:
        """``action`` on the current manifest. Compaction may delete a file between the manifest read
        and the file read (the manifest has changed by then: one retry); a damaged file among
        ``suspects`` is set aside for this process and reported, and the read tried without it."""
        for attempt in range(3):
            manifest = self._manifest()
            try:
                return action(manifest)
            except FileNotFoundError:
                if attempt:
                    raise
            except repair.READ_ERRORS:
                found = repair.unreadable(self._files, [rel for rel in suspects(manifest) if rel not in self._damaged]) if suspects else {}
                if not found:
                    raise
                self._mark(found)
        return action(self._manifest())

    def _mark(self, found: dict[str, str]) -> None:
        for rel, reason in found.items():
            log.warning("store %s: %s is damaged (%s); it is skipped and reported for repair", self.root, rel, reason)
            repair.report(self._files, rel, reason)
        self._damaged.update(found)

    def _table(self, manifest: dict, name: str, schema: pl.Schema, derive: Callable[[pl.DataFrame], T] | None = None) -> T:
        """A small table (or ``derive`` of it), cached by file name: its files never change."""
        rel = manifest["tables"].get(name)
        key = (rel or name, derive.__name__ if derive else "")
        if key not in self._frames:
            live = set(manifest["tables"].values())
            self._frames = {k: v for k, v in self._frames.items() if k[0] in live}
            if rel is None or rel in self._damaged:
                frame = pl.DataFrame(schema=schema)
            elif derive:
                frame = self._table(manifest, name, schema)
            else:
                try:
                    frame = _conform(pl.read_parquet(self._files.path(rel)), schema)
                except FileNotFoundError:
                    raise
                except repair.READ_ERRORS as exc:  # damaged: read as empty (the writer rebuilds or refills it)
                    self._mark({rel: f"{type(exc).__name__}: {str(exc)[:160]}"})
                    frame = pl.DataFrame(schema=schema)
            self._frames[key] = derive(frame) if derive else frame
        return self._frames[key]

    def _segments(self, manifest: dict, table: str, start, end) -> list[dict]:
        """The live, undamaged segments of ``table`` whose time range overlaps [start, end)."""
        low = None if start is None else to_us(start)
        high = None if end is None else to_us(end)
        return [
            s
            for s in manifest["segments"][table]
            if (low is None or s["max"] >= low) and (high is None or s["min"] < high) and s["file"] not in self._damaged
        ]

    def _scan(self, manifest: dict, table: str, start, end, station_ids, quantities) -> pl.LazyFrame:
        """Rows of a segment table in [start, end), reading only files whose range overlaps."""
        paths = [self._files.path(s["file"]) for s in self._segments(manifest, table, start, end)]
        if not paths:
            return pl.LazyFrame(schema=SCHEMAS[table])
        lf, col = pl.scan_parquet(paths), pl.col(TIME_COLUMN[table])
        if start is not None:
            lf = lf.filter(col >= pl.lit(start, dtype=pl.Datetime("us", "UTC")))
        if end is not None:
            lf = lf.filter(col < pl.lit(end, dtype=pl.Datetime("us", "UTC")))
        if station_ids is not None:
            lf = lf.filter(pl.col("station_id").is_in(station_ids))
        if quantities is not None:
            lf = lf.filter(pl.col("quantity").is_in(quantities))
        return lf

    def _select(
        self,
        table: str,
        start,
        end,
        ids: list[str] | None,
        qs: list[str] | None,
        plan: Callable[[pl.LazyFrame, list[dict]], pl.LazyFrame],
    ) -> pl.DataFrame:
        """``plan`` of a segment table's rows (and the segments read), with a long station list applied after reading (see PUSHDOWN_MAX)."""
        pushed = ids if ids is None or len(ids) <= PUSHDOWN_MAX else None
        suspects = lambda m: [s["file"] for s in self._segments(m, table, start, end)]  # noqa: E731
        read = lambda m: plan(self._scan(m, table, start, end, pushed, qs), self._segments(m, table, start, end)).collect()  # noqa: E731
        frame = self._read(read, suspects)
        return frame if pushed is ids else frame.filter(pl.col("station_id").is_in(ids))

    def readings(self, start=None, end=None, station_ids=None, quantities=None) -> pl.DataFrame:
        """Stored readings in [start, end) (aware datetimes), sorted by station_id, quantity, ts."""
        start, end, ids, qs = as_utc(start), as_utc(end), _ids(station_ids), _ids(quantities)
        return self._select("readings", start, end, ids, qs, in_series_order)

    def rollup(self, every: str, start=None, end=None, station_ids=None, quantities=None) -> pl.DataFrame:
        """Buckets of the readings in [start, end): equal to ``bucket(readings(...), every, tz)``.

        Whole buckets come from the materialized partials, cut edge buckets from their readings
        (``core.store.windowed``).
        """
        ids, qs = _ids(station_ids), _ids(quantities)

        def finished(lf: pl.LazyFrame, segments: list[dict]) -> pl.LazyFrame:
            # A merge's output (level >= 1) holds each bucket once; an append's may hold a bucket
            # twice (a register's correction beside its partial). Where every partition read is a
            # single merged segment, the group-by that merges partials has nothing to do.
            parts = [s["part"] for s in segments]
            unique = len(parts) == len(set(parts)) and all(s["level"] >= 1 for s in segments)
            merged = lf if unique else partials.merge_partials(lf)
            return partials.finish(merged)

        return windowed(
            every,
            as_utc(start),
            as_utc(end),
            self.tz,
            whole=lambda lo, hi: self._select(every, lo, hi, ids, qs, finished),
            raw=lambda lo, hi: self.readings(lo, hi, ids, qs),
        )

    def latest(self, now: dt.datetime | None = None) -> pl.DataFrame:
        """Newest value per series with interval_s, age_s and stale, as ``core.rollup.latest``.

        Kept incrementally: the store holds the newest readings of every series (the tail),
        so this equals ``latest(readings(), now)`` whenever ``now`` is not before them.
        """
        now = dt.datetime.now(dt.UTC) if now is None else as_utc(now)
        tail, summary = self._read(lambda m: (self._table(m, "latest", TAIL_SCHEMA), self._table(m, "latest", TAIL_SCHEMA, tail_summary)))
        if self._manifest()["tables"].get("latest") in self._damaged:
            # until the writer rebuilds it: the last two days' readings (a series silent for longer is missing)
            return rollup.latest(self.readings(now - FALLBACK_DAYS), now)
        if summary.is_empty() or summary["ts"].max() > now:
            return rollup.latest(tail, now)
        return summary.with_columns(*rollup.stale_expr(now))  # the usual case: only ages change

    def stations(self) -> pl.DataFrame:
        return self._read(lambda m: self._table(m, "stations", STATIONS_SCHEMA))

    def levels(self) -> pl.DataFrame:
        return self._read(lambda m: self._table(m, "levels", LEVELS_SCHEMA))

    def feed_health(self) -> pl.DataFrame:
        return self._read(lambda m: self._table(m, "health", HEALTH_SCHEMA))

    def quarantined(self, start=None, end=None, sources=None) -> pl.DataFrame:
        """Readings the quality checks kept aside (``core.quality.QUARANTINE_SCHEMA``) with reading time
        in [start, end), newest first."""
        start, end, wanted = as_utc(start), as_utc(end), _ids(sources)
        plan = lambda lf, _: (lf if wanted is None else lf.filter(pl.col("source").is_in(wanted))).sort("ts", descending=True)  # noqa: E731
        return self._select("quarantine", start, end, None, None, plan)

    def last_ts(self, source: str) -> dt.datetime | None:
        micros = self._manifest()["last_ts"].get(source)
        return None if micros is None else from_us(micros)

    def problems(self) -> pl.DataFrame:
        """Damaged files: repaired ones (``manifest["damaged"]``) and those awaiting repair (found here)."""
        manifest = self._manifest()
        rows = [{**entry, "repaired": True} for entry in manifest.get("damaged", [])]
        listed = {r["file"] for r in rows}
        rows += [
            {"file": rel, "table": None, "part": None, "at": None, "reason": why, "action": "skipped; awaiting repair", "repaired": False}
            for rel, why in self._damaged.items()
            if rel not in listed
        ]
        return pl.DataFrame(rows, schema=PROBLEMS_SCHEMA)

    def maintain(self) -> dict[str, int]:
        """Repair reported damage and delete what crashed writers left (orphans, expired trash).

        Cheap when there is nothing to do (a directory walk); the ingest runner calls it now and then.
        """
        with self._files.compacting(), self._files.locked():  # a merge's unpublished files are not orphans
            manifest = self._manifest()
            found, notes = repair.reported(self._files)
            found |= {rel: why for rel, why in self._damaged.items() if rel not in {e["file"] for e in manifest.get("damaged", [])}}
            repaired = len(found)
            if found:
                manifest = repair.repair(self._files, manifest, found, tz=self.tz, empty=EMPTY)
                self._damaged.clear()
            for note in notes:
                note.unlink(missing_ok=True)
            orphans = self._files.orphans(manifest)
            for path in orphans:
                path.unlink(missing_ok=True)
            if any(time.time() - entry["at"] >= GRACE_S for entry in manifest["trash"]):
                Commit(self._files, manifest, tz=self.tz).publish()  # publishing drops the expired trash
        return {"repaired": repaired, "orphans": len(orphans)}

    @property
    def version(self) -> int:
        """Data version: grows with every commit (a cache key; costs one stat call)."""
        return self._files.version()

    def state(self, key: str) -> dict | None:
        """Shared run state published with :meth:`set_state` (it lives in the manifest)."""
        return self._manifest().get("state", {}).get(key)

    def set_state(self, key: str, value: dict | None) -> None:
        """Publish run state for every process in one commit (a new version, so caches move on)."""
        with self._files.locked():
            manifest = self._manifest()
            state = {k: v for k, v in manifest.get("state", {}).items() if k != key}
            if value is not None:
                state[key] = value
            commit = Commit(self._files, {**manifest, "state": state}, tz=self.tz)
            commit.publish()

    @contextlib.contextmanager
    def leader(self, name: str) -> Iterator[bool]:
        """Hold ``<data dir>/<name>.lock`` if free (an flock: released when the process dies)."""
        with open(self.root / f"{name}.lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- writing -----------------------------------------------------------------------
    def _stored(self, manifest: dict, rows: pl.DataFrame) -> pl.DataFrame:
        """Keys of ``rows`` that the readings files already hold (reads only overlapping files)."""
        low, high = rows["ts"].min(), rows["ts"].max()
        ids = rows["station_id"].unique().to_list()
        found = self._scan(manifest, "readings", low, high + dt.timedelta(microseconds=1), ids, None)
        return found.select(ROW_KEY).join(rows.lazy().select(ROW_KEY), on=ROW_KEY, how="semi").collect()

    def append(self, batch: Batch) -> int:
        """Store a batch in one atomic commit; return the number of readings newly stored.

        Readings already stored (same station_id, quantity, ts) are ignored, as are repeats
        inside the batch (the first wins). Stations and levels are upserted (last wins).
        The tail, the last ts per source and the rollups of every touched bucket change in
        the same commit.
        """
        with self._files.locked():
            for attempt in range(3):
                manifest = self._manifest()
                self._check_tz(manifest)
                if any(rel in self._damaged for rel in manifest["tables"].values()):
                    self._repair_now(manifest)  # a damaged tail would make old rows look new
                    continue
                try:
                    return self._append(manifest, batch)
                except repair.Damaged:
                    self._repair_now(self._manifest())
                    continue
                except FileNotFoundError:
                    raise
                except repair.READ_ERRORS:
                    found = repair.unreadable(self._files, self._suspects(manifest, batch))
                    if not found or attempt == 2:
                        raise  # not damage (a full disk, say): the caller reports and retries
                    self._mark(found)
                    self._repair_now(self._manifest())
        return 0  # unreachable: the last attempt returns or raises

    def _repair_now(self, manifest: dict) -> None:
        """Repair what this process found damaged, under the writer lock the caller holds."""
        repair.repair(self._files, manifest, dict(self._damaged), tz=self.tz, empty=EMPTY)
        self._damaged.clear()

    def _suspects(self, manifest: dict, batch: Batch) -> list[str]:
        """The files an append of ``batch`` reads: the small tables and the readings segments of its time span."""
        rows = batch.readings
        span = (
            self._segments(manifest, "readings", rows["ts"].min(), rows["ts"].max() + dt.timedelta(microseconds=1)) if rows.height else []
        )
        return [*manifest["tables"].values(), *(s["file"] for s in span)]

    def _append(self, manifest: dict, batch: Batch) -> int:
        tail = self._table(manifest, "latest", TAIL_SCHEMA)
        if manifest["tables"].get("latest") in self._damaged:
            raise repair.Damaged  # found just now: without the tail, stored rows would look new
        new, unsure = classify(batch.readings, tail, self._table(manifest, "latest", TAIL_SCHEMA, tail_stats))
        if not unsure.is_empty():
            unsure = unsure.join(self._stored(manifest, unsure), on=ROW_KEY, how="anti")
            new = pl.concat([new, unsure])
        commit = Commit(self._files, manifest, tz=self.tz)
        if not new.is_empty():
            self._stage(commit, new, tail, self._neighbours(manifest, tail, unsure))
        for name, (schema, key) in TABLES.items():
            merged = upsert(self._table(manifest, name, schema), getattr(batch, name), key, self._table(manifest, name, schema, row_set))
            if merged is not None:
                commit.table(name, merged)
        if commit.empty:
            return 0
        manifest = commit.publish()
        # Seed the cache with what we just wrote: the next append needs the tail again.
        self._frames.update({(commit.tables[name], derived): frame for (name, derived), frame in commit.frames.items()})
        return new.height

    def _compact_due(self) -> None:
        """The merges that are due, beside appends (``compact_beside``); damage met there is set
        aside and repaired under the writer lock."""
        jobs = plan(self._manifest())
        if not jobs:
            return
        try:
            compact_beside(self._files, self._manifest, tz=self.tz)
        except FileNotFoundError:
            raise
        except repair.READ_ERRORS:
            found = repair.unreadable(self._files, [s["file"] for _, segs in jobs for s in segs])
            if not found:
                raise
            self._mark(found)
            with self._files.locked():
                self._repair_now(self._manifest())

    def _neighbours(self, manifest: dict, tail: pl.DataFrame, unsure: pl.DataFrame) -> pl.DataFrame:
        """Stored readings around new counter readings: the tail, plus from the files the series
        of counter rows older than the tail (a meter's backlog after an outage: rare, and it reads
        that series' history once)."""
        late = unsure.filter(pl.col("quantity").is_in(aggregating("counter")))
        if late.is_empty():
            return tail
        ids, qs = late["station_id"].unique().to_list(), late["quantity"].unique().to_list()
        series = self._scan(manifest, "readings", None, None, ids, qs).select(TAIL_SCHEMA.names()).collect()
        return pl.concat([tail, series])

    def _stage(self, commit: Commit, new: pl.DataFrame, tail: pl.DataFrame, neighbours: pl.DataFrame) -> None:
        """Write the new readings, their rollup partials and the new tail (one query for all)."""
        # A register's increase counts from the stored reading before it, so it is found here,
        # against the store, not in the batch alone; partials then just add the increases up.
        stepped, corrections = counter_steps(new, neighbours)
        queries = [
            new.lazy().sort(ROW_KEY).with_columns(partition_key("readings")),  # a segment in series order (files.SERIES_ORDERED)
            *(self._partials(stepped, corrections, every).with_columns(partition_key(every)) for every in ROLLUPS),
            new_tail := merge_tail(tail, new),
            tail_stats(new_tail),
            source_newest(new),
        ]
        *segments, new_tail, stats, newest = pl.collect_all(queries)
        for table, frame in zip(("readings", *ROLLUPS), segments):
            commit.segments(table, frame)
        commit.table("latest", new_tail)
        commit.frames["latest", "tail_stats"] = stats
        commit.last_ts = {source: micros for source, micros in newest.iter_rows() if source is not None}

    def _partials(self, stepped: pl.DataFrame, corrections: pl.DataFrame, every: str) -> pl.LazyFrame:
        made = partials.partials_lazy(stepped, every, self.tz)
        return pl.concat([made, partials.corrections_lazy(corrections, every, self.tz)]) if corrections.height else made

    def quarantine(self, rows: pl.DataFrame) -> int:
        """Keep readings the quality checks refused (``core.quality.QUARANTINE_SCHEMA``) in one commit;
        the number new to the store (the same reading refused again for the same reason is kept once)."""
        rows = rows.select(quality.QUARANTINE_SCHEMA.names()).cast(quality.QUARANTINE_SCHEMA).unique([*ROW_KEY, "reason"], keep="first")
        if rows.is_empty():
            return 0
        key = [*ROW_KEY, "reason"]
        with self._files.locked():
            manifest = self._manifest()
            low, high = rows["ts"].min(), rows["ts"].max() + dt.timedelta(microseconds=1)
            suspects = lambda m: [s["file"] for s in self._segments(m, "quarantine", low, high)]  # noqa: E731
            kept = self._read(lambda m: self._scan(m, "quarantine", low, high, None, None).select(key).collect(), suspects)
            new = rows.join(kept, on=key, how="anti")
            if new.is_empty():
                return 0
            commit = Commit(self._files, manifest, tz=self.tz)
            commit.segments("quarantine", new.with_columns(partition_key("quarantine")))
            commit.publish()
        return new.height

    def record_health(
        self,
        source: str,
        *,
        ok: bool,
        rows: int,
        skipped: int,
        latency_s: float,
        error: str | None = None,
        at: dt.datetime | None = None,
        quarantined: int = 0,
    ) -> None:
        """Record one poll attempt of ``source`` (see ``feed_health`` for the columns)."""
        at = dt.datetime.now(dt.UTC) if at is None else as_utc(at)
        with self._files.locked():
            manifest = self._manifest()
            health = self._table(manifest, "health", HEALTH_SCHEMA)
            old = health.filter(pl.col("source") == source).to_dicts()
            row = health_row(
                old[0] if old else None,
                source,
                ok=ok,
                rows=rows,
                skipped=skipped,
                latency_s=latency_s,
                error=error,
                at=at,
                quarantined=quarantined,
            )
            merged = upsert(health, pl.DataFrame([row], schema=HEALTH_SCHEMA), ["source"])
            if merged is not None:
                commit = Commit(self._files, manifest, tz=self.tz)
                commit.table("health", merged)
                commit.publish()

    def restore_health(self, frame: pl.DataFrame) -> None:
        """Put whole feed-health rows (``HEALTH_SCHEMA``) in place by source, in one commit.

        A migration's copy: ``record_health`` derives a row from one poll attempt, so it cannot
        set totals and times as another store has them. Sources not in ``frame`` keep their rows.
        """
        rows = frame.select(HEALTH_SCHEMA.names()).cast(dict(HEALTH_SCHEMA)).unique("source", keep="last", maintain_order=True)
        if rows.is_empty():
            return
        with self._files.locked():
            manifest = self._manifest()
            merged = upsert(self._table(manifest, "health", HEALTH_SCHEMA), rows, ["source"])
            if merged is not None:
                commit = Commit(self._files, manifest, tz=self.tz)
                commit.table("health", merged)
                commit.publish()

    def compact(self, full: bool = True) -> None:
        """Merge every partition's segments into one file and delete leftovers of crashes; with
        ``full=False`` only the merges that are due, beside appends and readers (the ingest
        runner's compaction thread: an append commits only its own batch)."""
        if not full:
            self._compact_due()
            return
        with self._files.compacting(), self._files.locked():
            compact(self._files, self._manifest(), tz=self.tz, full=True)
