"""Workshop scenarios: the shared run state, keyframe scripts over scenario time, and the read overlay."""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl

from core import rollup

SOURCE = "scenario"  # scenario readings are stored as "scenario:<demo native id>", never under a real source
STATE_FILE = "scenario.json"
SPEEDS = (1, 10, 60)
MODES = ("offset", "value")
UTC = dt.timezone.utc


class ScenarioError(ValueError):
    """A scenario script or request cannot be used; the message names what to fix."""


@dataclass(frozen=True)
class Target:
    """Keyframes (scenario hour, value) of one quantity at the demo stations matching ``stations``.

    ``offset`` adds to the simulated value, ``value`` replaces it. With a ``reference`` station a
    value is the reference's, and every other station keeps its simulated difference to it.
    """

    stations: tuple[str, ...]  # glob patterns of demo native ids, e.g. "pegel-hoenne-*"
    quantity: str
    mode: str
    keyframes: tuple[tuple[float, float], ...]
    reference: str | None = None


@dataclass(frozen=True)
class Script:
    """One scenario: which simulated moment it starts from, how long it lasts, what it changes."""

    key: str
    title: tuple[str, str]  # (German, English), as the i18n table
    about: tuple[str, str]
    duration_h: float
    anchor: dt.datetime  # the simulated instant that scenario time 0 plays on top of
    seed: int
    timezone: str
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Run:
    """A started scenario as the state file records it (shared by app and ingest processes)."""

    name: str
    speed: int
    started_at: dt.datetime
    loop: bool
    duration_s: float  # scenario seconds of one pass
    stations: tuple[str, ...]  # demo native ids whose readings the scenario replaces

    def elapsed(self, now: dt.datetime) -> float:
        """Scenario seconds since the start: wall seconds × speed."""
        return max(0.0, (now - self.started_at).total_seconds()) * self.speed

    def progress(self, now: dt.datetime) -> float:
        """Share of the current pass that has played, 0–1."""
        elapsed = self.elapsed(now)
        return (elapsed % self.duration_s if self.loop else min(elapsed, self.duration_s)) / self.duration_s

    @property
    def token(self) -> int:  # unique per start: the start instant in microseconds
        return round(self.started_at.timestamp() * 1e6)


def start(data_dir: str | Path, script: Script, *, speed: int, loop: bool = False, stations: tuple[str, ...], now: dt.datetime | None = None) -> Run:
    """Start ``script`` now (replacing any running scenario); written atomically for every process."""
    if speed not in SPEEDS:
        msg = f"speed must be one of {', '.join(map(str, SPEEDS))}, got {speed!r}"
        raise ScenarioError(msg)
    now = dt.datetime.now(UTC) if now is None else now.astimezone(UTC)
    run = Run(script.key, speed, now, bool(loop), script.duration_h * 3600.0, tuple(stations))
    state = {**asdict(run), "started_at": run.started_at.isoformat()}
    directory = Path(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=directory, prefix=".scenario-", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(state, out)
    os.replace(temp, directory / STATE_FILE)  # a reader sees the old state or the new one, never half a file
    return run


def stop(data_dir: str | Path) -> None:
    (Path(data_dir) / STATE_FILE).unlink(missing_ok=True)


def read(data_dir: str | Path) -> Run | None:
    """The started scenario (also one that has ended), or None."""
    try:
        state: dict[str, Any] = json.loads((Path(data_dir) / STATE_FILE).read_text(encoding="utf-8"))
        started = dt.datetime.fromisoformat(state["started_at"]).astimezone(UTC)
        return Run(str(state["name"]), int(state["speed"]), started, bool(state["loop"]), float(state["duration_s"]), tuple(state["stations"]))
    except (OSError, ValueError, KeyError, TypeError):  # none, or from another version, or edited by hand
        return None


def active(data_dir: str | Path, now: dt.datetime | None = None) -> Run | None:
    """The running scenario: started, not stopped, and not past its end unless it loops."""
    run = read(data_dir)
    if run is None or (not run.loop and run.elapsed(now or dt.datetime.now(UTC)) > run.duration_s):
        return None
    return run


def version(store_version: int, run: Run | None) -> int:
    """The store's version as a cache key, moved elsewhere while a scenario runs (0, empty, stays 0)."""
    if run is None or store_version == 0:
        return store_version
    return (hash((store_version, run.token)) & ((1 << 62) - 1)) | (1 << 62)  # never one of the store's small counters


# -- script evaluation ------------------------------------------------------------------------
def matching(patterns: tuple[str, ...], ids: list[str]) -> list[str]:
    return [i for i in ids if any(fnmatch.fnmatchcase(i, p) for p in patterns)]


def ramp(keyframes: tuple[tuple[float, float], ...], hours: pl.Expr) -> pl.Expr:
    """Linear interpolation between keyframes; the first value holds before, the last after."""
    expr = pl.lit(float(keyframes[0][1]))
    for (ta, va), (tb, vb) in zip(keyframes, keyframes[1:]):
        segment = pl.lit(float(vb)) if tb == ta else va + (vb - va) * (hours - ta) / (tb - ta)
        expr = pl.when(hours >= ta).then(segment).otherwise(expr)
    return pl.when(hours >= keyframes[-1][0]).then(pl.lit(float(keyframes[-1][1]))).otherwise(expr)


def apply(script: Script, base: pl.DataFrame) -> pl.DataFrame:
    """The script's values from simulated ones (native_id, quantity, s in scenario seconds, value).

    Targets apply in file order. A ``value`` target also creates its quantity at stations that do
    not simulate it (ozone at the air stations on a hot day), on the station's reporting grid.
    """
    ids = sorted(base["native_id"].unique().to_list())
    frame = base.with_columns(simulated=pl.col("value"))
    hours = pl.col("s") / 3600.0
    for target in script.targets:
        who = matching(target.stations, ids)
        hit = pl.col("native_id").is_in(who) & (pl.col("quantity") == target.quantity)
        level = ramp(target.keyframes, hours)
        if target.mode == "value":
            have = frame.filter(hit).select("native_id").unique()
            grid = frame.filter(pl.col("native_id").is_in(who)).select("native_id", "s").unique().join(have, on="native_id", how="anti")
            frame = pl.concat([frame, grid.select("native_id", quantity=pl.lit(target.quantity), s="s", value=pl.lit(None, pl.Float64), simulated=pl.lit(None, pl.Float64))])
        if target.mode == "offset":
            new = pl.col("value") + level
        elif target.reference:
            ref = base.filter((pl.col("native_id") == target.reference) & (pl.col("quantity") == target.quantity)).select("s", reference="value")
            frame = frame.join(ref, on="s", how="left")
            new = level + (pl.col("simulated") - pl.col("reference")).fill_null(0.0)
        else:
            new = level
        frame = frame.with_columns(value=pl.when(hit).then(new).otherwise("value")).drop("reference", strict=False)
    return frame.filter(pl.col("value").is_not_null()).select("native_id", "quantity", "s", value=pl.col("value").round(2))


# -- the read overlay ----------------------------------------------------------------------------
PLAYED = pl.col("station_id").str.starts_with(f"{SOURCE}:")


class Overlay:
    """The store as the pages read it (read-only, the ``Store`` read API): scenario stations in place of demo twins.

    While ``run`` plays, a twin's demo rows from ``started_at`` on give way to the scenario's rows,
    renamed to the demo id (``source`` stays "scenario"), so thresholds keyed on demo ids apply. A
    bucket the scenario touches holds scenario readings alone, so a day's min and max are the
    scenario's. Without a run, scenario rows are hidden: the city is the demo again.
    """

    def __init__(self, store: Any, run: Run | None, *, demo: str) -> None:
        self._store, self._run, self.tz = store, run, store.tz
        self._rename = {f"{SOURCE}:{i}": f"{demo}:{i}" for i in (run.stations if run else ())}
        self._twin = pl.col("station_id").is_in(list(self._rename.values()))
        self._since = run.started_at if run else None

    @property
    def version(self) -> int:
        return version(self._store.version, self._run)

    def last_ts(self, source: str) -> dt.datetime | None:
        return self._store.last_ts(source)

    def feed_health(self) -> pl.DataFrame:
        return self._store.feed_health()

    def stations(self) -> pl.DataFrame:
        return self._store.stations().filter(pl.col("source") != SOURCE)

    def levels(self) -> pl.DataFrame:
        return self._store.levels().filter(~PLAYED)

    def _renamed(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(station_id=pl.col("station_id").replace_strict(self._rename))

    def _ask(self, station_ids: Any) -> tuple[list[str] | None, list[str]]:
        """What to ask the store for: the ids as given, and the scenario ids of the twins among them."""
        ids = [station_ids] if isinstance(station_ids, str) else None if station_ids is None else list(station_ids)
        twins = [sid for sid, demo_id in self._rename.items() if ids is None or demo_id in ids]
        return ids, twins

    def _from(self, start: dt.datetime | None) -> dt.datetime:
        return self._since if start is None else max(start, self._since)

    def readings(self, start=None, end=None, station_ids=None, quantities=None) -> pl.DataFrame:
        ids, twins = self._ask(station_ids)
        frame = self._store.readings(start, end, ids, quantities).filter(~PLAYED)
        if not self._rename:
            return frame
        frame = frame.filter(~(self._twin & (pl.col("ts") >= self._since)))
        played = self._renamed(self._store.readings(self._from(start), end, twins, quantities)) if twins else frame.clear()
        return pl.concat([frame, played]).sort("station_id", "quantity", "ts")

    def rollup(self, every: str, start=None, end=None, station_ids=None, quantities=None) -> pl.DataFrame:
        ids, twins = self._ask(station_ids)
        frame = self._store.rollup(every, start, end, ids, quantities).filter(~PLAYED)
        if not self._rename:
            return frame
        first = pl.DataFrame({"ts": [self._since]}, schema={"ts": pl.Datetime("us", "UTC")}).select(rollup.bucket_start(every, self.tz)).item()
        frame = frame.filter(~(self._twin & (pl.col("bucket_start") >= first)))
        played = self._renamed(self._store.rollup(every, self._from(start), end, twins, quantities)) if twins else frame.clear()
        return pl.concat([frame, played]).sort(*rollup.KEYS, "bucket_start")

    def latest(self, now: dt.datetime | None = None) -> pl.DataFrame:
        frame = self._store.latest(now)
        if not self._rename:
            return frame.filter(~PLAYED)
        played = self._renamed(frame.filter(pl.col("station_id").is_in(list(self._rename)) & (pl.col("ts") >= self._since)))
        # a twin shows its demo values until the scenario's first reading has arrived
        shown = frame.filter(~PLAYED & ~pl.col("station_id").is_in(played["station_id"].unique().to_list()))
        return pl.concat([shown, played]).sort(*rollup.KEYS)


def overlay(store: Any, run: Run | None, *, demo: str | None) -> Any:
    """What pages read: ``store`` itself when no scenario ever played into it, else an ``Overlay``."""
    if demo is None or (run is None and not store.stations()["source"].eq(SOURCE).any()):
        return store
    return Overlay(store, run, demo=demo)
