"""Compaction of the store's segments: size-tiered inside each partition, never across them."""

from __future__ import annotations

import contextlib
import os
from collections import defaultdict
from collections.abc import Callable

import polars as pl

from core.rollup import KEYS
from core.store import ROLLUPS
from core.store.parquet.files import FORMAT, ROWS, Commit, Files
from core.store.parquet.merge import ROW_KEY
from core.store.partials import merge_partials, partials_lazy

# A partition with this many segments of one level merges them into one of the next level:
# each reading is rewritten about log_FANOUT(partition rows / poll rows) times, and a reader
# of the busiest partition opens at most (FANOUT - 1) files per level.
FANOUT = 8
# Partitions that no longer receive the regular polls (only late rows) merge fully from this count.
COLD_FANOUT = 4


def plan(manifest: dict, *, full: bool = False) -> list[tuple[str, list[dict]]]:
    """Groups of segments to merge: (table, segments of one partition)."""
    jobs = []
    for table, segs in manifest["segments"].items():
        parts: dict[str, list[dict]] = defaultdict(list)
        for seg in segs:
            parts[seg["part"]].append(seg)
        newest = max(parts, default=None)
        for part, group in sorted(parts.items()):
            if len(group) < 2:
                continue
            if full or (part != newest and len(group) >= COLD_FANOUT):
                jobs.append((table, group))
                continue
            levels: dict[int, list[dict]] = defaultdict(list)
            for seg in group:
                levels[seg["level"]].append(seg)
            jobs.extend((table, same) for same in levels.values() if len(same) >= FANOUT)
    return jobs


def merged(files: Files, table: str, segs: list[dict]) -> pl.DataFrame:
    """One frame holding the segments' data: readings concatenated, rollup partials merged."""
    lf = pl.scan_parquet([files.path(s["file"]) for s in segs])
    if table in ROWS:
        # Rows are unique across segments (append deduplicates), so a sort is all it takes.
        # Station first: dedup lookups and the explorer ask for a few stations over time.
        return lf.sort(ROW_KEY).collect()
    # Time first: pages ask for all stations over the last hours or days.
    return merge_partials(lf).sort("bucket_start", *KEYS).collect()


def compact(files: Files, manifest: dict, *, tz: str, full: bool = False) -> dict:
    """Run the merges that are due (all of them when ``full``); return the published manifest.

    Call under the writer lock. Readers keep reading the old files, which stay in the trash
    for the grace period; a full run also deletes orphans of crashed writers.
    """
    if full:  # before this run writes files of its own, which the manifest does not list yet
        for path in files.orphans(manifest):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
    commit = Commit(files, manifest, tz=tz)
    for table, segs in plan(manifest, full=full):
        commit.replace(table, segs, merged(files, table, segs), level=max(s["level"] for s in segs) + 1)
    if commit.empty and not (full and manifest["trash"]):
        return manifest
    return commit.publish()


def compact_beside(files: Files, manifest: Callable[[], dict], *, tz: str) -> dict | None:
    """The merges that are due, done beside appends and readers; the published manifest, or None.

    The merged files are written holding only the compaction lock; the writer lock is taken
    for the publish alone (a manifest replace), on top of whatever was appended meanwhile:
    appends only add segments, so the merged ones are all still there unless a repair set one
    aside, and then this run's files are dropped and nothing changes.
    """
    with files.compacting():
        base = manifest()
        jobs = plan(base)
        if not jobs:
            return None
        staged = Commit(files, base, tz=tz)
        for table, segs in jobs:
            staged.replace(table, segs, merged(files, table, segs), level=max(s["level"] for s in segs) + 1)
        with files.locked():
            current = manifest()
            live = {s["file"] for segs in current["segments"].values() for s in segs}
            if not staged.removed <= live:
                for segs in staged.added.values():
                    for seg in segs:
                        files.path(seg["file"]).unlink(missing_ok=True)
                return None
            commit = Commit(files, current, tz=tz)
            commit.removed, commit.added = staged.removed, staged.added
            return commit.publish()


def upgrade(files: Files, manifest: dict, *, tz: str) -> dict:
    """Bring a store written by an older format up to ``FORMAT`` (call under the writer lock).

    Format 1 rollup partials lack ``esum`` and ``inc``: they are rebuilt from the readings, one
    readings partition (a day) at a time, so memory stays at a day's readings. Format 1 knew
    no meter registers, so a day's readings are all an increase needs.
    """
    if manifest.get("format", 1) >= FORMAT:
        return manifest
    commit = Commit(files, {**manifest, "format": FORMAT}, tz=tz)
    for table in ROLLUPS:
        commit.removed |= {s["file"] for s in manifest["segments"][table]}
    days: dict[str, list[dict]] = defaultdict(list)
    for seg in manifest["segments"]["readings"]:
        days[seg["part"]].append(seg)
    for segs in days.values():
        readings = pl.read_parquet([files.path(s["file"]) for s in segs])
        for table in ROLLUPS:
            commit.segments(table, partials_lazy(readings, table, tz).collect())
    published = commit.publish()
    return compact(files, published, tz=tz, full=True)
