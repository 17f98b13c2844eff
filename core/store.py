"""The embedded store: day-partitioned Parquet readings, materialized rollups, latest, health."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Iterable, TypeVar

import polars as pl

from core import rollup
from core.schema import LEVELS_SCHEMA, READINGS_SCHEMA, STATIONS_SCHEMA, Batch
from core.store_compact import compact, plan
from core.store_files import EVERY, TIME_COLUMN, Commit, Files, as_utc, from_us, partition_key, to_us
from core.store_merge import HEALTH_SCHEMA, ROW_KEY, TAIL_SCHEMA, classify, health_row, merge_tail, row_set, source_newest, tail_stats, tail_summary, upsert

T = TypeVar("T")
TABLES = {"stations": (STATIONS_SCHEMA, ["station_id"]), "levels": (LEVELS_SCHEMA, ["station_id", "quantity", "level"])}
SCHEMAS = {"readings": READINGS_SCHEMA, **{every: rollup.PARTIAL_SCHEMA for every in EVERY}}


def open_store(data_dir: str | Path, tz: str = "Europe/Berlin", *, durable: bool = False) -> Store:
    """Open (and create) the store in ``data_dir``; ``tz`` sets where day rollups start.

    Every commit is atomic against a killed process; ``durable`` also fsyncs each file so a
    commit survives a power cut (slower appends).

    >>> import tempfile
    >>> open_store(tempfile.mkdtemp()).readings().columns
    ['ts', 'station_id', 'quantity', 'value', 'source']
    """
    root = Path(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    store = Store(root, tz=tz, durable=durable)
    store._check_tz(store._manifest())
    return store


def _ids(values: str | Iterable[str] | None) -> list[str] | None:
    return None if values is None else [values] if isinstance(values, str) else list(values)


class Store:
    """One store directory shared by any number of reader processes and serialised writers.

    Every change is one commit: new immutable files, then an atomic manifest replace.
    """

    def __init__(self, root: Path, *, tz: str, durable: bool = False) -> None:
        self.root, self.tz = root, tz
        self._files = Files(root, durable=durable)
        self._frames: dict[tuple[str, str], object] = {}  # small tables and what derives from them, by file name

    # -- reading -----------------------------------------------------------------------
    def _manifest(self) -> dict:
        return self._files.manifest(self.tz)

    def _check_tz(self, manifest: dict) -> None:
        if manifest["tz"] != self.tz and any(manifest["segments"][every] for every in EVERY):
            msg = f"the store in {self.root} keeps day rollups in {manifest['tz']}; open it with tz={manifest['tz']!r}, not {self.tz!r}"
            raise ValueError(msg)

    def _read(self, action: Callable[[dict], T]) -> T:
        # Compaction may delete a file between our manifest read and the file read; the
        # manifest has changed by then, so one retry on the new one is enough.
        try:
            return action(self._manifest())
        except FileNotFoundError:
            return action(self._manifest())

    def _table(self, manifest: dict, name: str, schema: pl.Schema, derive: Callable[[pl.DataFrame], T] | None = None) -> T:
        """A small table (or ``derive`` of it), cached by file name: its files never change."""
        rel = manifest["tables"].get(name)
        key = (rel or name, derive.__name__ if derive else "")
        if key not in self._frames:
            live = set(manifest["tables"].values())
            self._frames = {k: v for k, v in self._frames.items() if k[0] in live}
            frame = pl.DataFrame(schema=schema) if rel is None else self._table(manifest, name, schema) if derive else pl.read_parquet(self._files.path(rel))
            self._frames[key] = derive(frame) if derive else frame
        return self._frames[key]

    def _scan(self, manifest: dict, table: str, start, end, station_ids, quantities) -> pl.LazyFrame:
        """Rows of a segment table in [start, end), reading only files whose range overlaps."""
        low = None if start is None else to_us(start)
        high = None if end is None else to_us(end)
        paths = [
            self._files.path(s["file"])
            for s in manifest["segments"][table]
            if (low is None or s["max"] >= low) and (high is None or s["min"] < high)
        ]
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

    def readings(self, start=None, end=None, station_ids=None, quantities=None) -> pl.DataFrame:
        """Stored readings in [start, end) (aware datetimes), sorted by station_id, quantity, ts."""
        start, end, ids, qs = as_utc(start), as_utc(end), _ids(station_ids), _ids(quantities)
        return self._read(lambda m: self._scan(m, "readings", start, end, ids, qs).sort(ROW_KEY).collect())

    def rollup(self, every: str, start=None, end=None, station_ids=None, quantities=None) -> pl.DataFrame:
        """Buckets of the readings in [start, end): equal to ``bucket(readings(...), every, tz)``.

        Whole buckets come from the materialized partials. When ``start`` or ``end`` cuts a
        bucket, that edge bucket (at most one at each end) is computed from its readings;
        windows aligned with ``core.rollup.floor`` read materialized buckets only.
        """
        if every not in EVERY:
            msg = f"every must be one of {EVERY}, got {every!r}"
            raise ValueError(msg)
        start, end, ids, qs = as_utc(start), as_utc(end), _ids(station_ids), _ids(quantities)
        if start is not None and end is not None and end <= start:
            return pl.DataFrame(schema=rollup.BUCKET_SCHEMA)
        inner_lo = start if start is None or rollup.floor(start, every, self.tz) == start else rollup.next_start(start, every, self.tz)
        inner_hi = None if end is None else rollup.floor(end, every, self.tz)
        if inner_lo is not None and inner_hi is not None and inner_lo >= inner_hi:
            return rollup.bucket(self.readings(start, end, ids, qs), every, self.tz)
        parts = [self._read(lambda m: rollup.finish(rollup.merge_partials(self._scan(m, every, inner_lo, inner_hi, ids, qs))).collect())]
        if start is not None and inner_lo != start:
            parts.append(rollup.bucket(self.readings(start, inner_lo, ids, qs), every, self.tz))
        if end is not None and inner_hi != end:
            parts.append(rollup.bucket(self.readings(inner_hi, end, ids, qs), every, self.tz))
        return parts[0] if len(parts) == 1 else pl.concat(parts).sort(*rollup.KEYS, "bucket_start")

    def latest(self, now: dt.datetime | None = None) -> pl.DataFrame:
        """Newest value per series with interval_s, age_s and stale, as ``core.rollup.latest``.

        Kept incrementally: the store holds the newest readings of every series (the tail),
        so this equals ``latest(readings(), now)`` whenever ``now`` is not before them.
        """
        now = dt.datetime.now(dt.timezone.utc) if now is None else as_utc(now)
        tail, summary = self._read(lambda m: (self._table(m, "latest", TAIL_SCHEMA), self._table(m, "latest", TAIL_SCHEMA, tail_summary)))
        if summary.is_empty() or summary["ts"].max() > now:
            return rollup.latest(tail, now)
        return summary.with_columns(*rollup.stale_expr(now))  # the usual case: only ages change

    def stations(self) -> pl.DataFrame:
        return self._read(lambda m: self._table(m, "stations", STATIONS_SCHEMA))

    def levels(self) -> pl.DataFrame:
        return self._read(lambda m: self._table(m, "levels", LEVELS_SCHEMA))

    def feed_health(self) -> pl.DataFrame:
        return self._read(lambda m: self._table(m, "health", HEALTH_SCHEMA))

    def last_ts(self, source: str) -> dt.datetime | None:
        micros = self._manifest()["last_ts"].get(source)
        return None if micros is None else from_us(micros)

    @property
    def version(self) -> int:
        """Data version: grows with every commit (a cache key; costs one stat call)."""
        return self._files.version()

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
            manifest = self._manifest()
            self._check_tz(manifest)
            tail = self._table(manifest, "latest", TAIL_SCHEMA)
            new, unsure = classify(batch.readings, tail, self._table(manifest, "latest", TAIL_SCHEMA, tail_stats))
            if not unsure.is_empty():
                new = pl.concat([new, unsure.join(self._stored(manifest, unsure), on=ROW_KEY, how="anti")])
            commit = Commit(self._files, manifest, tz=self.tz)
            if not new.is_empty():
                self._stage(commit, new, tail)
            for name, (schema, key) in TABLES.items():
                merged = upsert(self._table(manifest, name, schema), getattr(batch, name), key, self._table(manifest, name, schema, row_set))
                if merged is not None:
                    commit.table(name, merged)
            if commit.empty:
                return 0
            manifest = commit.publish()
            # Seed the cache with what we just wrote: the next append needs the tail again.
            self._frames.update({(commit.tables[name], derived): frame for (name, derived), frame in commit.frames.items()})
            if plan(manifest):
                compact(self._files, manifest, tz=self.tz)
        return new.height

    def _stage(self, commit: Commit, new: pl.DataFrame, tail: pl.DataFrame) -> None:
        """Write the new readings, their rollup partials and the new tail (one query for all)."""
        # No sorting here: readers sort what they read and compaction writes sorted files.
        queries = [
            new.lazy().with_columns(partition_key("readings")),
            *(rollup.partials_lazy(new, every, self.tz).with_columns(partition_key(every)) for every in EVERY),
            new_tail := merge_tail(tail, new),
            tail_stats(new_tail),
            source_newest(new),
        ]
        *segments, new_tail, stats, newest = pl.collect_all(queries)
        for table, frame in zip(("readings", *EVERY), segments):
            commit.segments(table, frame)
        commit.table("latest", new_tail)
        commit.frames["latest", "tail_stats"] = stats
        commit.last_ts = {source: micros for source, micros in newest.iter_rows() if source is not None}

    def record_health(
        self, source: str, *, ok: bool, rows: int, skipped: int, latency_s: float, error: str | None = None, at: dt.datetime | None = None
    ) -> None:
        """Record one poll attempt of ``source`` (see ``feed_health`` for the columns)."""
        at = dt.datetime.now(dt.timezone.utc) if at is None else as_utc(at)
        with self._files.locked():
            manifest = self._manifest()
            health = self._table(manifest, "health", HEALTH_SCHEMA)
            old = health.filter(pl.col("source") == source).to_dicts()
            row = health_row(old[0] if old else None, source, ok=ok, rows=rows, skipped=skipped, latency_s=latency_s, error=error, at=at)
            merged = upsert(health, pl.DataFrame([row], schema=HEALTH_SCHEMA), ["source"])
            if merged is not None:
                commit = Commit(self._files, manifest, tz=self.tz)
                commit.table("health", merged)
                commit.publish()

    def compact(self) -> None:
        """Merge every partition's segments into one file and delete leftovers of crashes."""
        with self._files.locked():
            compact(self._files, self._manifest(), tz=self.tz, full=True)
