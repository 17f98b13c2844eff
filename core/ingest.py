"""The ingestion runner: polls every configured source at its interval and stores what it gets.

``python -m core.ingest --once`` polls each source once; ``--loop`` keeps polling. One failing
source never stops the others: its error is recorded in feed health and it backs off.
This module is the composition root of ingestion: the one module in ``core`` that imports
``data_sources`` (the import-rule test allows it here and nowhere else in core).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.config import CityConfig, ConfigError, load_config, store_location
from core.scenario import state as scenario
from core.store import Store, open_store
from data_sources import KINDS, adapter
from data_sources.errors import FeedError
from data_sources.http import make_session

log = logging.getLogger("showroom.ingest")
MAX_BACKOFF_S = 3600.0
LEADER = "ingest"  # one poller per store, whichever process (see Store.leader)
SCENARIO_POLL_S = 10.0
WAKE_S = 10.0  # the loop looks for a newly started scenario at least this often


@dataclass(frozen=True)
class PollResult:
    source: str
    ok: bool
    rows: int
    skipped: int
    latency_s: float
    error: str | None = None


def _scrub(text: str, source_cfg: dict[str, Any]) -> str:
    """Remove the source's secret from an error text, should a library have echoed it."""
    name = source_cfg.get("api_key_env")
    secret = os.environ.get(name) if name else None
    return text.replace(secret, "***") if secret else text


def poll(
    source_cfg: dict[str, Any], store: Store, session: Any, *, timezone: str = "Europe/Berlin", center: tuple[float, float] | None = None
) -> PollResult:
    """Fetch one source since its newest stored reading, store the batch, record feed health."""
    key = source_cfg["key"]
    started = time.monotonic()
    try:
        # city facts an adapter may need (local days, swapped-coordinate checks); the source's own keys win
        city = {"timezone": timezone, "center": list(center) if center else None}
        batch = adapter(source_cfg["kind"]).fetch({**city, **source_cfg}, session, since=store.last_ts(key))
        rows = store.append(batch)
    except FeedError as exc:
        error = _scrub(f"{type(exc).__name__}: {exc}", source_cfg)
    except Exception as exc:  # isolation boundary: a bug in one adapter must not stop the others
        log.exception("source %s failed unexpectedly", key)
        error = _scrub(f"{type(exc).__name__}: {exc}", source_cfg)
    else:
        latency = time.monotonic() - started
        store.record_health(key, ok=True, rows=rows, skipped=batch.skipped, latency_s=latency)
        log.info("source %s: %d new rows, %d skipped, %.2f s", key, rows, batch.skipped, latency)
        return PollResult(key, True, rows, batch.skipped, latency)
    latency = time.monotonic() - started
    store.record_health(key, ok=False, rows=0, skipped=0, latency_s=latency, error=error)
    log.warning("source %s: %s", key, error)
    return PollResult(key, False, 0, 0, latency, error)


def sources(config: CityConfig, store: Store) -> tuple[dict[str, Any], ...]:
    """The city's sources, plus the implicit workshop-scenario source while one is started.

    Only a city with the demo source plays scenarios; the scenario's readings go to their own
    source key, so they never mix with the demo's (see ``core.scenario``). The run state is
    read here and handed to the feed, so the feed itself does no I/O.
    """
    demo = next((src for src in config.sources if src["kind"] == "demo"), None)
    taken = any(src["key"] == scenario.SOURCE for src in config.sources)
    run = None if demo is None or taken else scenario.read(store)
    if run is None:
        return config.sources
    implicit = {
        "key": scenario.SOURCE,
        "kind": "scenario",
        "poll": "10s",
        "poll_s": SCENARIO_POLL_S,
        "config_dir": demo["config_dir"],
        "run": run.to_state(),
    }
    return (*config.sources, implicit)


def run_once(config: CityConfig, store: Store, session: Any = None) -> list[PollResult]:
    session = session or make_session()
    return [poll(src, store, session, timezone=config.timezone, center=config.center) for src in sources(config, store)]


def run_loop(config: CityConfig, store: Store, *, stop: threading.Event | None = None, session: Any = None) -> None:
    """Poll each source when it is due; a failing source waits longer each time (up to 1 h)."""
    stop = stop or threading.Event()
    session = session or make_session()
    due: dict[str, float] = {}
    failures: dict[str, int] = {}
    while not stop.is_set():
        now = time.monotonic()
        polled = sources(config, store)  # the scenario source comes and goes
        for src in polled:
            key = src["key"]
            if now < due.get(key, 0.0) or stop.is_set():
                continue
            result = poll(src, store, session, timezone=config.timezone, center=config.center)
            failures[key] = 0 if result.ok else failures.get(key, 0) + 1
            wait = src["poll_s"] if result.ok else min(src["poll_s"] * 2 ** failures[key], MAX_BACKOFF_S)
            due[key] = time.monotonic() + wait
        next_due = min(due.get(src["key"], 0.0) for src in polled)
        stop.wait(max(0.5, min(next_due - time.monotonic(), WAKE_S)))


def background(config: CityConfig, location: str | Path, stop: threading.Event, retry_s: float = 60.0) -> None:
    """Run the loop in this process whenever no other runner leads the store (app helper thread)."""
    store = open_store(location, tz=config.timezone)
    while not stop.is_set():
        with store.leader(LEADER) as mine:
            if mine:
                run_loop(config, store, stop=stop)
        stop.wait(retry_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.ingest", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="poll every source once and exit")
    mode.add_argument("--loop", action="store_true", help="keep polling each source at its interval")
    parser.add_argument("--config", help="city TOML (default: $SHOWROOM_CONFIG or the bundled Menden demo)")
    parser.add_argument("--data-dir", help="store directory (default: $SHOWROOM_DATABASE_URL, else $SHOWROOM_DATA_DIR or ./data)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        config = load_config(args.config, kinds=KINDS)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    location = Path(args.data_dir) if args.data_dir else store_location()
    store = open_store(location, tz=config.timezone)
    with store.leader(LEADER) as mine:
        if not mine:
            print(f"error: another ingest runner is polling into {location}", file=sys.stderr)
            return 1
        if args.once:
            results = run_once(config, store)
            return 0 if all(r.ok for r in results) else 1
        try:
            run_loop(config, store)
        except KeyboardInterrupt:
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
