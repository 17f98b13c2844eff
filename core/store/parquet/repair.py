"""Damaged files of the Parquet store: found when a read fails, set aside, rebuilt from what else the store holds.

A reader that meets a file it cannot read skips it from then on and leaves a report (a small
JSON file in ``reports/``, written without the writer lock). The writer repairs under its lock
(``ParquetStore.maintain``, which the ingest runner calls, and ``append`` when the damage is in
its way): the file goes to ``damaged/`` (kept for a person to look at) and leaves the manifest;
a rollup partition is rebuilt exactly from finer data (15-min partials from the readings of
their day, hourly and daily ones from 15-min partials), the tail from the readings; readings
themselves cannot be rebuilt (their rollups stay), and stations, levels and feed health start
empty and fill again with the next poll. Every repair is listed in ``manifest["damaged"]``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import uuid
from pathlib import Path

import polars as pl

from core.rollup import bucket_start, increments
from core.schema import aggregating
from core.store.parquet.files import ROWS, Commit, Files, partition_key
from core.store.parquet.merge import TAIL_SCHEMA, merge_tail
from core.store.partials import merge_partials, partials_lazy


class Damaged(Exception):
    """A file the writer needs is damaged: repair first, then try again."""


REPORTS, ASIDE = "reports", "damaged"  # as files.KEPT_ASIDE
MAX_LISTED = 100  # repairs the manifest remembers (newest last)
# What reading a damaged Parquet file raises (a truncated footer, a broken page, a bad header).
READ_ERRORS = (pl.exceptions.PolarsError, OSError, ValueError)


def unreadable(files: Files, rels: list[str]) -> dict[str, str]:
    """Of ``rels``, the files that cannot be read whole, with why (a missing one is not damaged)."""
    found = {}
    for rel in rels:
        try:
            pl.read_parquet(files.path(rel))
        except FileNotFoundError:
            continue  # compacted away meanwhile
        except READ_ERRORS as exc:
            found[rel] = f"{type(exc).__name__}: {str(exc)[:160]}"
    return found


def report(files: Files, rel: str, reason: str) -> None:
    """Leave a note for the writer; best effort (a full disk may refuse it: the reader still skips the file)."""
    folder = files.path(REPORTS)
    with contextlib.suppress(OSError):
        folder.mkdir(exist_ok=True)
        tmp = folder / f".{uuid.uuid4().hex}.tmp"
        tmp.write_text(json.dumps({"file": rel, "reason": reason}), encoding="utf-8")
        os.replace(tmp, folder / f"{uuid.uuid4().hex}.json")


def reported(files: Files) -> tuple[dict[str, str], list[Path]]:
    """The damage readers reported (file -> reason) and the report files themselves."""
    found, notes = {}, sorted(files.path(REPORTS).glob("*.json")) if files.path(REPORTS).is_dir() else []
    for note in notes:
        try:
            entry = json.loads(note.read_text(encoding="utf-8"))
            found.setdefault(str(entry["file"]), str(entry["reason"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a half-written or foreign note: dropped with the others
    return found, notes


def _rebuilt_partials(files: Files, manifest: dict, table: str, part: str, tz: str) -> pl.DataFrame:
    """A rollup partition made anew: 15-min partials from readings, coarser ones from 15-min partials (exact)."""
    live = lambda t: [files.path(s["file"]) for s in manifest["segments"][t]]  # noqa: E731
    if table == "15m":
        day = [files.path(s["file"]) for s in manifest["segments"]["readings"] if s["part"] == part]
        readings = pl.scan_parquet(day).collect() if day else pl.DataFrame()
        if readings.is_empty():
            return readings
        # a register counts from the reading before, which may lie on an earlier day
        counters = aggregating("counter")
        earlier = pl.scan_parquet(live("readings")).filter(pl.col("quantity").is_in(counters) & (pl.col("ts") < readings["ts"].min()))
        before = earlier.collect() if counters and live("readings") else readings.clear()
        stepped = increments(pl.concat([before, readings])).collect().filter(pl.col("ts") >= readings["ts"].min())
        return partials_lazy(stepped, "15m", tz).collect()
    fine = live("15m")
    if not fine:
        return pl.DataFrame()
    coarse = (
        pl.scan_parquet(fine)
        .with_columns(bucket_start=bucket_start(table, tz, column="bucket_start"))
        .with_columns(partition_key(table))
        .filter(pl.col("_part") == part)
        .drop("_part")
    )
    return merge_partials(coarse).collect()


def _rebuilt_tail(files: Files, manifest: dict) -> pl.DataFrame:
    """The newest readings of every series again, one readings partition at a time (memory: a day)."""
    tail = pl.DataFrame(schema=TAIL_SCHEMA)
    parts = sorted({s["part"] for s in manifest["segments"]["readings"]})
    for part in parts:
        paths = [files.path(s["file"]) for s in manifest["segments"]["readings"] if s["part"] == part]
        day = pl.scan_parquet(paths).select(TAIL_SCHEMA.names()).collect()
        tail = merge_tail(tail, day).collect()
    return tail


def _locate(manifest: dict, rel: str) -> tuple[str, str, dict | None] | None:
    for table, segs in manifest["segments"].items():
        for seg in segs:
            if seg["file"] == rel:
                return "segment", table, seg
    for name, file in manifest["tables"].items():
        if file == rel:
            return "table", name, None
    return None


def repair(files: Files, manifest: dict, found: dict[str, str], *, tz: str, empty: dict[str, pl.Schema]) -> dict:
    """Set the ``found`` damaged files aside and rebuild what they held; the published manifest.

    Call under the writer lock. ``empty`` gives the schema of each small table.
    """
    located = {rel: where for rel in found if (where := _locate(manifest, rel)) is not None}
    gone = [rel for rel in found if rel not in located]  # replaced by a newer file meanwhile (a table's next version)
    if not located and not gone:
        return manifest
    # what the rebuilds may read: the store without any of the damaged files
    healthy = {**manifest, "segments": {t: [s for s in segs if s["file"] not in located] for t, segs in manifest["segments"].items()}}
    entries, at = [], dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    commit = Commit(files, manifest, tz=tz)
    for rel, (kind, name, seg) in located.items():
        _set_aside(files, rel)
        if kind == "segment" and name == "readings":
            commit.removed.add(rel)
            action = f"{seg['rows']} readings of {seg['part']} set aside; the rollups keep them"
        elif kind == "segment" and name in ROWS:
            commit.removed.add(rel)
            action = f"{seg['rows']} {name} rows of {seg['part']} set aside"
        elif kind == "segment":
            rebuilt = _rebuilt_partials(files, healthy, name, seg["part"], tz)
            same = [s for s in manifest["segments"][name] if s["part"] == seg["part"] and s["file"] not in commit.removed]
            if rebuilt.height:
                commit.replace(name, same, rebuilt, level=max(s["level"] for s in same) + 1)
            else:
                commit.removed.update(s["file"] for s in same)
            action = f"{name} rollups of {seg['part']} rebuilt ({rebuilt.height} buckets)"
        elif name == "latest":
            commit.table("latest", _rebuilt_tail(files, healthy))
            action = "newest readings per series rebuilt from the readings"
        else:
            commit.table(name, pl.DataFrame(schema=empty[name]))
            action = f"{name} started empty; the next poll of each source fills it again"
        entries.append({"file": rel, "table": name, "part": seg["part"] if seg else None, "at": at, "reason": found[rel], "action": action})
    for rel in gone:
        entries.append(
            {"file": rel, "table": None, "part": None, "at": at, "reason": found[rel], "action": "already replaced by a newer file"}
        )
    commit.base = {**manifest, "damaged": [*manifest.get("damaged", []), *entries][-MAX_LISTED:]}
    return commit.publish()


def _set_aside(files: Files, rel: str) -> None:
    target = files.path(ASIDE) / rel
    with contextlib.suppress(OSError):  # gone, or the disk refuses: the manifest change still stops every read of it
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(files.path(rel), target)
