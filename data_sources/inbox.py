"""Inbox directory of raw webhook events: atomic append by the receiver, at-least-once consumption by fetch."""

from __future__ import annotations

import itertools
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.config import parse_duration
from data_sources.errors import FeedFormatError

TMP, NEW, HANDED, KEPT, BAD = "tmp", "new", "handed", "kept", "bad"
DEFAULT_KEEP_S = 600.0
STALE_TMP_S = 3600.0  # a temp file this old belongs to a writer that died mid-event
_counter = itertools.count()


@dataclass(frozen=True)
class Event:
    """One raw event as the receiver got it."""

    name: str
    arrived: datetime
    body: bytes
    first: bool  # handed out for the first time (so broken content is counted only once)


def directory(source_cfg: Mapping[str, Any]) -> Path | None:
    """The source's inbox directory (``inbox`` relative to the config file), or None."""
    inbox = source_cfg.get("inbox")
    if not inbox:
        return None
    path = Path(str(inbox))
    return path if path.is_absolute() else Path(source_cfg.get("config_dir") or ".") / path


def keep_seconds(source_cfg: Mapping[str, Any]) -> float:
    """How long handed-out events are re-read: ``inbox_keep`` ("10m"), default 3 polls but at least 10 min."""
    keep = source_cfg.get("inbox_keep")
    if keep is None:
        return max(DEFAULT_KEEP_S, 3 * float(source_cfg.get("poll_s") or 0))
    if isinstance(keep, (int, float)) and not isinstance(keep, bool) and keep >= 0:
        return float(keep)
    try:
        return parse_duration(str(keep))
    except ValueError:
        msg = f"source {source_cfg.get('key')!r}: inbox_keep must be a duration like '10m', got {keep!r}"
        raise FeedFormatError(msg) from None


def append(inbox: Path, body: bytes) -> Path:
    """Store one event atomically and durably; returns its path in ``new/``.

    Temporary file, fsync, rename: a reader never sees half an event, and an event the
    receiver answered with 202 survives a crash.
    """
    tmp, new = inbox / TMP, inbox / NEW
    tmp.mkdir(parents=True, exist_ok=True)
    new.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():020d}-{os.getpid()}-{next(_counter):06d}-{secrets.token_hex(3)}.json"
    with open(tmp / name, "xb") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp / name, new / name)
    _fsync_dir(new)
    return new / name


def claim(inbox: Path, *, keep_s: float = DEFAULT_KEEP_S, now: float | None = None, stored_through: float | None = None) -> list[Event]:
    """Advance the inbox one round and return every event still owed to a fetch, oldest first.

    Layout (one file per event, named by arrival time so that names sort in arrival order)::

        <inbox>/tmp/      being written by the receiver (never read)
        <inbox>/new/      complete events, not yet handed to a fetch
        <inbox>/handed/   handed out once
        <inbox>/kept/     handed out at least twice; deleted once older than ``keep_s``
        <inbox>/bad/      not JSON at all: kept for the city admin to look at

    Why this shape: ``fetch`` returns a Batch and the ingestion runner stores it afterwards, so
    ``fetch`` never learns whether storing worked. Deleting on read would lose events whenever
    the process dies (or the disk is full) between reading and storing. Instead every event is
    handed out by at least two fetches and by every fetch within ``keep_s`` of its arrival;
    re-reading is harmless because the store de-duplicates on (station, quantity, ts).

    ``stored_through`` (epoch seconds, from the ingest runner) is when the source's last poll
    that the store accepted began: an event that arrived before it has been stored. An event
    is deleted only then (and once older than ``keep_s``), so a store that refuses writes for
    hours (a full disk) loses nothing the receiver acknowledged; without it nothing is deleted.
    """
    now = time.time() if now is None else now
    for stage in (NEW, HANDED, KEPT, BAD):
        (inbox / stage).mkdir(parents=True, exist_ok=True)
    for path in _files(inbox / KEPT):
        arrived = _arrival(path)
        if now - arrived > keep_s and stored_through is not None and arrived < stored_through:
            path.unlink(missing_ok=True)
    for path in _files(inbox / TMP):
        if now - _mtime(path) > STALE_TMP_S:
            path.unlink(missing_ok=True)
    _move_all(inbox / HANDED, inbox / KEPT)
    _move_all(inbox / NEW, inbox / HANDED)
    events = []
    for path in sorted(_files(inbox / HANDED) + _files(inbox / KEPT), key=lambda p: p.name):
        try:
            body = path.read_bytes()
        except FileNotFoundError:
            continue  # another consumer moved it on: it is theirs now
        arrived = datetime.fromtimestamp(_arrival(path), tz=UTC)
        events.append(Event(path.name, arrived, body, first=path.parent.name == HANDED))
    return events


def quarantine(inbox: Path, name: str) -> None:
    """Move an unreadable event to ``bad/`` so it is neither re-read nor silently deleted."""
    for stage in (HANDED, KEPT):
        source = inbox / stage / name
        if source.exists():
            (inbox / BAD).mkdir(parents=True, exist_ok=True)
            os.replace(source, inbox / BAD / name)
            return


def pending(inbox: Path) -> int:
    """Events not yet handed out (for feed health and tests)."""
    return len(_files(inbox / NEW))


def _files(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_file()]
    except FileNotFoundError:
        return []


def _move_all(source: Path, target: Path) -> None:
    for path in _files(source):
        try:
            os.replace(path, target / path.name)
        except FileNotFoundError:
            continue  # claimed by a concurrent fetch
    _fsync_dir(target)


def _arrival(path: Path) -> float:
    """Arrival time (epoch seconds) from the file name; files dropped in by hand use their mtime."""
    stamp = path.name.split("-", 1)[0]
    if stamp.isdigit() and len(stamp) == 20:
        return int(stamp) / 1e9
    return _mtime(path)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()  # gone meanwhile: treat as fresh, the next round sees it no more


def _fsync_dir(folder: Path) -> None:
    # A rename is durable only once the directory entry is on disk; not every OS allows this.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # e.g. file systems without directory fsync: the rename itself is still atomic
    finally:
        os.close(fd)
