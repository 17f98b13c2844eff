"""Workshop scenarios as a feed: the running script played on top of the simulated city, as "scenario:<id>"."""

from __future__ import annotations

import datetime as dt
import functools
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from core.config import parse_duration
from core.scenario import script as play
from core.scenario import state
from core.scenario.script import MODES, ScenarioError, Script, Target
from core.scenario.state import Run
from core.schema import QUANTITIES, Batch
from core.store import Store
from data_sources._kit import number
from data_sources.demo import column_readings, simulate, station_rows
from data_sources.demo.stations import ALL
from data_sources.errors import FeedFormatError

SCRIPTS_DIR = Path(__file__).resolve().parent / "demo" / "scenarios"
MIN_WALL_S = 10  # at most one reading per station every 10 s of wall time, however fast it plays
MAX_CATCH_UP = dt.timedelta(days=1)  # after a long ingest pause, play back at most the last day
STATIONS = {st.native_id: st for st in ALL}


def _fail(path: Path, where: str, expected: str, got: Any = None) -> ScenarioError:
    tail = "" if got is None else f", got {got!r}"
    return ScenarioError(f"{path.name}: {where}: expected {expected}{tail}")


def _texts(raw: dict, key: str, path: Path) -> tuple[str, str]:
    value = raw.get(key)
    if not (isinstance(value, dict) and all(isinstance(value.get(lang), str) and value[lang].strip() for lang in ("de", "en"))):
        raise _fail(path, key, '{ de = "…", en = "…" }', value)
    return value["de"], value["en"]


def _target(raw: Any, path: Path, where: str, hours: float) -> Target:
    if not isinstance(raw, dict):
        raise _fail(path, where, "a table")
    patterns = raw.get("stations")
    if not (isinstance(patterns, list) and patterns and all(isinstance(p, str) for p in patterns)):
        raise _fail(path, f"{where} stations", 'a list of demo station ids or patterns like "pegel-hoenne-*"', patterns)
    for pattern in patterns:
        if not play.matching((pattern,), list(STATIONS)):
            raise _fail(path, f"{where} stations", "patterns that match demo stations", pattern)
    if raw.get("quantity") not in QUANTITIES:
        raise _fail(path, f"{where} quantity", f"one of {', '.join(QUANTITIES)}", raw.get("quantity"))
    if raw.get("mode") not in MODES:
        raise _fail(path, f"{where} mode", " or ".join(MODES), raw.get("mode"))
    frames = raw.get("keyframes")
    ok = (
        isinstance(frames, list)
        and frames
        and all(isinstance(f, list) and len(f) == 2 and all(not isinstance(x, str) and number(x) is not None for x in f) for f in frames)
    )
    if not ok:
        raise _fail(path, f"{where} keyframes", "a list of [scenario hour, value] pairs", frames)
    keyframes = tuple((float(h), float(v)) for h, v in frames)
    times = [h for h, _ in keyframes]
    if times != sorted(times) or times[0] < 0 or times[-1] > hours:
        raise _fail(path, f"{where} keyframes", f"hours in order between 0 and the duration ({hours:g} h)", times)
    reference = raw.get("reference")
    if reference is not None and (raw["mode"] != "value" or reference not in STATIONS):
        raise _fail(path, f"{where} reference", 'a demo station id, with mode = "value"', reference)
    return Target(tuple(patterns), raw["quantity"], raw["mode"], keyframes, reference)


def load(path: Path) -> Script:
    """Read and check one scenario file; ``ScenarioError`` names the file, key and expectation."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path.name}: cannot be read as TOML ({exc})"
        raise ScenarioError(msg) from None
    title, about = _texts(raw, "title", path), _texts(raw, "about", path)
    try:
        hours = parse_duration(raw.get("duration", "")) / 3600
    except ValueError:
        raise _fail(path, "duration", "a duration like '8h' or '90m'", raw.get("duration")) from None
    base = raw.get("base", {})
    anchor = base.get("anchor") if isinstance(base, dict) else None
    if not (isinstance(anchor, dt.datetime) and anchor.tzinfo is not None):
        raise _fail(path, "[base] anchor", "a date-time with offset, e.g. 2025-07-22T06:00:00+02:00", anchor)
    seed, timezone = base.get("seed", 42), base.get("timezone", "Europe/Berlin")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise _fail(path, "[base] seed", "an integer", seed)
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(path, "[base] timezone", "an IANA time zone", timezone) from None
    targets = raw.get("targets")
    if not isinstance(targets, list) or not targets:
        raise _fail(path, "[[targets]]", "at least one [[targets]] table")
    checked = tuple(_target(t, path, f"[[targets]] #{i}", hours) for i, t in enumerate(targets, start=1))
    return Script(path.stem, title, about, hours, anchor.astimezone(dt.UTC), seed, str(timezone), checked)


@functools.lru_cache(maxsize=16)
def _load_cached(path: Path, mtime_ns: int) -> Script:  # mtime_ns only keys the cache: an edited file is read again
    return load(path)


def scripts() -> dict[str, Script]:
    """Every scenario file in ``SCRIPTS_DIR`` by name (file stem), re-read when a file changes."""
    return {p.stem: _load_cached(p, p.stat().st_mtime_ns) for p in sorted(SCRIPTS_DIR.glob("*.toml"))}


def script(name: str) -> Script:
    path = SCRIPTS_DIR / f"{name}.toml"
    if not name.replace("_", "").isalnum() or not path.is_file():
        msg = f"no scenario {name!r}; known: {', '.join(scripts())}"
        raise ScenarioError(msg)
    return _load_cached(path, path.stat().st_mtime_ns)


def twins(script: Script) -> tuple[str, ...]:
    """Demo native ids the scenario replaces: every station a target names."""
    return tuple(play.matching(tuple(p for t in script.targets for p in t.stations), list(STATIONS)))


def start(store: Store, name: str, *, speed: int, loop: bool = False, now: dt.datetime | None = None) -> Run:
    """Start the scenario ``name`` (see ``core.scenario.state.start``)."""
    chosen = script(name)
    return state.start(store, chosen, speed=speed, loop=loop, stations=twins(chosen), now=now)


@functools.lru_cache(maxsize=8)
def table(script: Script, *, speed: int) -> pl.DataFrame:
    """One pass of the scenario: native_id, quantity, s (scenario seconds), value — pure and cached."""
    ids = twins(script)
    needed = set(ids) | {t.reference for t in script.targets if t.reference}
    stations = tuple(st for st in ALL if st.native_id in needed)
    anchor = script.anchor.timestamp()
    duration = script.duration_h * 3600
    wire = simulate(
        script.anchor - dt.timedelta(seconds=1),
        script.anchor + dt.timedelta(seconds=duration),
        seed=script.seed,
        tz=script.timezone,
        stations=stations,
    )
    base = pl.DataFrame(
        {k: list(v) for k, v in wire.items()}, schema={"t": pl.Int64, "native_id": pl.String, "quantity": pl.String, "value": pl.Float64}
    )
    # faster than MIN_WALL_S per reading would flood the store: keep every n-th reporting instant
    step = {st.native_id: st.every_s * math.ceil(MIN_WALL_S * speed / st.every_s) for st in stations}
    keep = (pl.col("t") % pl.col("native_id").replace_strict(step, return_dtype=pl.Int64)) == 0
    # counters stamp an hour with its start: the hour that ended at the anchor lies before the scenario
    base = base.filter(keep & (pl.col("t") >= anchor)).select(
        "native_id", "quantity", s=(pl.col("t") - anchor).cast(pl.Float64), value="value"
    )
    return play.apply(script, base).filter(pl.col("native_id").is_in(ids)).sort("s", "native_id", "quantity")


def schedule(run: Run, one_pass: pl.DataFrame, start: dt.datetime, end: dt.datetime) -> pl.DataFrame:
    """Wall-clock times in (start, end] of ``one_pass`` of the scenario (native_id, quantity, s, value).

    Scenario time s of pass c lands at started_at + (c × duration + s) / speed; a loop repeats the
    pass (s in [0, duration)), a single run plays s in [0, duration] once.
    """
    lo, hi = max(run.elapsed(start), 0.0), run.elapsed(end)
    if run.loop:
        cycles = list(range(int(lo // run.duration_s), int(hi // run.duration_s) + 1))
        one_pass = one_pass.filter(pl.col("s") < run.duration_s)
    else:
        cycles = [0]
        one_pass = one_pass.filter(pl.col("s") <= run.duration_s)
    started_us = run.token
    played = one_pass.join(pl.DataFrame({"cycle": cycles}, schema={"cycle": pl.Int64}), how="cross")
    wall_us = started_us + ((pl.col("cycle") * run.duration_s + pl.col("s")) / run.speed * 1e6).round().cast(pl.Int64)
    lo_us, hi_us = round(start.timestamp() * 1e6), round(end.timestamp() * 1e6)
    return (
        played.with_columns(ts=wall_us)
        .filter((pl.col("ts") > lo_us) & (pl.col("ts") <= hi_us))
        .select(
            ts=pl.from_epoch("ts", time_unit="us").dt.replace_time_zone("UTC"), native_id="native_id", quantity="quantity", value="value"
        )
        .sort("ts", "native_id", "quantity")
    )


def parse(payload: Mapping[str, Any], *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Canonical rows from played columns (``ts`` epoch microseconds, native_id, quantity, value)."""
    readings = column_readings(payload, source=source, time_key="ts", time_unit="us", what="scenario")
    native = readings["station_id"].str.strip_prefix(f"{source}:").unique().sort().to_list()
    present = [STATIONS[i] for i in native if i in STATIONS]
    stations = pl.DataFrame(station_rows(source, present)) if present else None
    return Batch(readings=readings, stations=stations)


def fetch(source_cfg: Mapping[str, Any], session: Any = None, since: dt.datetime | None = None, *, now: dt.datetime | None = None) -> Batch:
    """What the running scenario played since ``since`` (nothing when none runs).

    The ingest runner passes the store's run state as ``run`` (``core.scenario.state.Run.to_state``).
    """
    run = Run.from_state(source_cfg["run"]) if source_cfg.get("run") else None
    if run is None:
        return Batch()
    now = dt.datetime.now(dt.UTC) if now is None else now
    try:
        played = table(script(run.name), speed=run.speed)
    except ScenarioError as exc:
        raise FeedFormatError(str(exc)) from None
    # from the start on (its first reading included), or on from the newest stored one
    start = run.started_at - dt.timedelta(microseconds=1) if since is None or since < run.started_at else since
    rows = schedule(run, played, max(start, now - MAX_CATCH_UP), now)
    wire = {"ts": rows["ts"].dt.epoch("us"), "native_id": rows["native_id"], "quantity": rows["quantity"], "value": rows["value"]}
    return parse(wire, source=source_cfg["key"], config=source_cfg)
