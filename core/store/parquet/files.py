"""Files of the Parquet store: the manifest that publishes them, the writer lock, parquet I/O."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import polars as pl

MANIFEST = "manifest.json"
LOCK = "lock"
COMPACT_LOCK = "compact.lock"  # one compaction (or orphan sweep) at a time; appends never take it
FORMAT = 2  # 2: rollup partials also hold esum and inc (energetic means, register increases)
# Segment tables: many immutable files each, listed with their partition and ts range.
# A partition is a strftime of ts (readings) or bucket_start (rollups); every bucket falls
# into exactly one partition, so compaction never has to look across partitions.
PARTITION = {"readings": "%Y-%m-%d", "15m": "%Y-%m-%d", "1h": "%Y-%m", "1d": "%Y", "quarantine": "%Y-%m"}
TIME_COLUMN = {"readings": "ts", "15m": "bucket_start", "1h": "bucket_start", "1d": "bucket_start", "quarantine": "ts"}
ROWS = ("readings", "quarantine")  # segment tables of rows (the others hold rollup partials)
ROW_GROUP = 65_536
# Tables whose every segment is written in series order (station_id, quantity, ts): appends sort
# their batch, merges sort their output. The manifest says so per segment ("order": "series"),
# so segments of stores written before that are not taken for sorted.
SERIES_ORDERED = frozenset({"readings"})
KEPT_ASIDE = ("damaged", "reports")  # folders that hold no live data and are never orphans
GRACE_S = 30.0  # replaced files stay this long, so a reader holding the old manifest finishes
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def partition_key(table: str) -> pl.Expr:
    """The ``_part`` column: which partition of ``table`` a row belongs to."""
    return pl.col(TIME_COLUMN[table]).dt.strftime(PARTITION[table]).alias("_part")


def empty_manifest(tz: str) -> dict:
    return {
        "format": FORMAT,
        "version": 0,
        "tz": tz,
        "segments": {t: [] for t in PARTITION},
        "tables": {},
        "last_ts": {},
        "trash": [],
        "state": {},
    }


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def to_us(moment: dt.datetime) -> int:
    """Microseconds since the epoch of an aware datetime (how the manifest stores times)."""
    if moment.tzinfo is None:
        msg = f"expected a timezone-aware datetime, got {moment!r}"
        raise ValueError(msg)
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """``moment`` in UTC; naive datetimes are refused (which zone would they be in?)."""
    if moment is None:
        return None
    to_us(moment)
    return moment.astimezone(dt.UTC)


def from_us(micros: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=micros)


class Files:
    """One store directory: read the current manifest cheaply, write files, publish them."""

    def __init__(self, root: Path, *, durable: bool = False) -> None:
        # kill -9 needs no fsync (the page cache survives the process); durable=True also
        # survives a power cut, at a few ms per file on a busy disk.
        self.root, self.durable = root, durable
        self._held: BinaryIO | None = None  # the cached manifest's file, kept open
        self._manifest: dict | None = None
        self._guard = threading.Lock()  # one Store serves all sessions (threads) of an app

    @contextlib.contextmanager
    def _flock(self, name: str) -> Iterator[None]:
        """An exclusive flock on ``name`` (threads and processes alike: each call opens its own descriptor)."""
        fd = os.open(self.root / name, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def locked(self) -> contextlib.AbstractContextManager[None]:
        """Serialise writers."""
        return self._flock(LOCK)

    def compacting(self) -> contextlib.AbstractContextManager[None]:
        """Serialise compactions and orphan sweeps, but not appends: a merge writes its files
        beside the writers and takes :meth:`locked` only to publish. A sweep holds this too, so
        it never takes a merge's unpublished files for a crashed writer's."""
        return self._flock(COMPACT_LOCK)

    def manifest(self, default_tz: str) -> dict:
        """The published manifest (treat it as immutable); re-read only when it was replaced.

        The manifest is never changed in place, only replaced, so its inode number tells
        versions apart; we keep the cached one open so the number cannot be reused.
        """
        try:
            fh = open(self.root / MANIFEST, "rb")
        except FileNotFoundError:
            return empty_manifest(default_tz)
        with self._guard:
            if self._manifest is not None and os.fstat(fh.fileno()).st_ino == os.fstat(self._held.fileno()).st_ino:
                fh.close()
                return self._manifest
            manifest = json.loads(fh.read())
            for table in PARTITION:  # a table newer than the store (quarantine) starts empty
                manifest["segments"].setdefault(table, [])
            if self._held is not None:
                self._held.close()
            self._held, self._manifest = fh, manifest
            return manifest

    def version(self) -> int:
        try:
            ino = os.stat(self.root / MANIFEST).st_ino
        except FileNotFoundError:
            return 0
        with self._guard:
            if self._manifest is not None and ino == os.fstat(self._held.fileno()).st_ino:
                return int(self._manifest["version"])
        return int(self.manifest("UTC")["version"])

    def path(self, rel: str) -> Path:
        return self.root / rel

    def write(self, frame: pl.DataFrame, folder: str, version: int) -> str:
        """Write an immutable parquet file under a unique name; return its relative path.

        Nothing reads it until a manifest lists it; a crash before that leaves an orphan
        that :meth:`orphans` finds.
        """
        rel = f"{folder}/{version:09d}-{uuid.uuid4().hex[:10]}.parquet"
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        # Small row groups: their min/max statistics let a query skip most of a large file.
        frame.write_parquet(target, compression="zstd", compression_level=1, statistics=True, row_group_size=ROW_GROUP)
        if self.durable:
            _fsync_path(target)
        return rel

    def publish(self, manifest: dict) -> None:
        """Atomically replace the manifest: the one step that makes a commit visible."""
        tmp = self.root / f"{MANIFEST}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(manifest, separators=(",", ":")))  # dumps: the C encoder
            if self.durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, self.root / MANIFEST)
        if self.durable:
            _fsync_path(self.root, directory=True)

    def drop_trash(self, trash: list[dict], *, now: float | None = None) -> list[dict]:
        """Delete replaced files older than the grace period; return the entries kept."""
        now = time.time() if now is None else now
        kept = []
        for entry in trash:
            if now - entry["at"] < GRACE_S:
                kept.append(entry)
                continue
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.root / entry["file"])
        return kept

    def orphans(self, manifest: dict) -> list[Path]:
        """Files that no manifest lists: left by a writer that died before publishing.

        Only meaningful under the writer lock (otherwise a write in progress looks orphaned).
        """
        live = {s["file"] for segs in manifest["segments"].values() for s in segs}
        live |= set(manifest["tables"].values()) | {t["file"] for t in manifest["trash"]}
        found = []
        for path in self.root.rglob("*"):
            rel = path.relative_to(self.root).as_posix()
            if rel.split("/", 1)[0] in KEPT_ASIDE:
                continue  # damaged files set aside for a person, readers' damage reports
            if path.is_file() and (path.suffix == ".parquet" or path.name.endswith(".tmp")) and rel not in live:
                found.append(path)
        return found


class Commit:
    """New files for one atomic step; :meth:`publish` makes all of them visible at once."""

    def __init__(self, files: Files, base: dict, *, tz: str) -> None:
        self.files, self.base, self.tz = files, base, tz
        self.version = int(base["version"]) + 1
        self.added: dict[str, list[dict]] = {t: [] for t in PARTITION}
        self.removed: set[str] = set()
        self.tables: dict[str, str] = {}
        self.frames: dict[tuple[str, str], pl.DataFrame] = {}  # (table, derived) -> frame written
        self.last_ts: dict[str, int] = {}

    @property
    def empty(self) -> bool:
        return not (any(self.added.values()) or self.removed or self.tables)

    def segments(self, table: str, frame: pl.DataFrame, *, level: int = 0) -> None:
        """Write ``frame`` as one new segment per partition it touches.

        ``frame`` may bring its partition key as column ``_part`` (computed in the caller's
        query); Series operations below avoid a query per partition in the common case.
        """
        col = TIME_COLUMN[table]
        if "_part" not in frame.columns:
            frame = frame.with_columns(partition_key(table))
        keys = frame.get_column("_part")
        if keys.min() == keys.max():
            parts = {keys.min(): frame.drop("_part")} if frame.height else {}
        else:
            parts = {k: f for (k,), f in frame.partition_by("_part", as_dict=True, include_key=False).items()}
        for part, rows in parts.items():
            times = rows.get_column(col).dt.epoch("us")
            rel = self.files.write(rows, f"{table}/{part}", self.version)
            entry = {"file": rel, "part": part, "rows": rows.height, "min": times.min(), "max": times.max(), "level": level}
            if table in SERIES_ORDERED:  # its writers sort by (station_id, quantity, ts); readers may rely on it
                entry["order"] = "series"
            self.added[table].append(entry)

    def replace(self, table: str, old: list[dict], frame: pl.DataFrame, *, level: int) -> None:
        """Compaction: ``frame`` (one partition) takes the place of the ``old`` segments."""
        self.removed |= {s["file"] for s in old}
        self.segments(table, frame, level=level)

    def table(self, name: str, frame: pl.DataFrame) -> None:
        self.tables[name] = self.files.write(frame, f"tables/{name}", self.version)
        self.frames[name, ""] = frame

    def publish(self) -> dict:
        base, now = self.base, time.time()
        replaced = self.removed | {base["tables"][n] for n in self.tables if n in base["tables"]}
        trash = self.files.drop_trash([*base["trash"], *({"file": f, "at": now} for f in sorted(replaced))], now=now)
        last_ts = dict(base["last_ts"])
        for source, micros in self.last_ts.items():
            last_ts[source] = max(micros, last_ts.get(source, micros))
        manifest = {
            **base,
            "version": self.version,
            "tz": self.tz,
            "segments": {t: [s for s in segs if s["file"] not in self.removed] + self.added[t] for t, segs in base["segments"].items()},
            "tables": {**base["tables"], **self.tables},
            "last_ts": last_ts,
            "trash": trash,
        }
        self.files.publish(manifest)
        return manifest
