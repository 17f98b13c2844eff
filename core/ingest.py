"""The ingestion runner: polls every configured source at its interval and stores what it gets.

``python -m core.ingest --once`` polls each source once; ``--loop`` keeps polling. One failing
source never stops the others: its error is recorded in feed health and it backs off.
This module is the composition root of ingestion: the one module in ``core`` that imports
``data_sources`` (the import-rule test allows it here and nowhere else in core).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import threading
import time
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core import quality
from core.config import CityConfig, ConfigError, load_config, store_location
from core.scenario import state as scenario
from core.secrets import scrub, source_secrets
from core.store import Store, describe, open_store
from data_sources import KINDS, adapter
from data_sources.errors import FeedError
from data_sources.http import make_session

log = logging.getLogger("showroom.ingest")
MAX_BACKOFF_S = 3600.0
STORE_RETRY_S = 60.0  # a store that refuses writes is tried again this soon, whatever the feed's backoff
POOL = 4  # polls at a time
MAINTAIN_S = 300.0  # how often the runner repairs reported damage and removes crash debris
LEADER = "ingest"  # one poller per store, whichever process (see Store.leader)
SCENARIO_POLL_S = 10.0
WAKE_S = 10.0  # the loop looks for a newly started scenario at least this often
PUSH_DELAY_S = 0.5  # a pushed message is stored this soon (messages of a burst share one poll)


@dataclass(frozen=True)
class PollResult:
    source: str
    ok: bool
    rows: int
    skipped: int
    latency_s: float
    error: str | None = None
    started: dt.datetime | None = None  # when the poll began (its fetch saw everything that had arrived by then)
    recorded: bool = True  # False: the store could not take its feed-health row yet (kept for later)
    quarantined: int = 0  # readings the quality checks kept aside (core.quality), new to the store


class StoreFault(Exception):
    """The store refused a write (full or read-only disk, a damaged file): the source is fine."""


def _text(exc: BaseException, source_cfg: dict[str, Any]) -> str:
    """An error as one scrubbed line (before anything cuts it: no half secrets)."""
    return scrub(f"{type(exc).__name__}: {exc}", source_secrets(source_cfg)) or type(exc).__name__


def poll(
    source_cfg: dict[str, Any],
    store: Store,
    session: Any,
    *,
    timezone: str = "Europe/Berlin",
    center: tuple[float, float] | None = None,
    health: HealthLog | None = None,
) -> PollResult:
    """Fetch one source since its newest stored reading, store the batch, record feed health.

    Nothing here raises: a feed error, a bug in an adapter and a store that refuses the write
    all end as a failed result (and in feed health, once the store takes it again).
    """
    key = source_cfg["key"]
    started, began = dt.datetime.now(dt.UTC), time.monotonic()
    rows = skipped = quarantined = 0
    error = None
    try:
        # city facts an adapter may need (local days, swapped-coordinate checks); the source's own keys win
        city = {"timezone": timezone, "center": list(center) if center else None}
        batch = adapter(source_cfg["kind"]).fetch({**city, **source_cfg}, session, since=store.last_ts(key))
        skipped = batch.skipped
        checked = quality.screen(store, batch, series=source_cfg["kind"] != "scenario")
        try:
            rows = store.append(checked.batch)
            quarantined = store.quarantine(checked.quarantined) if checked.quarantined.height else 0
        except Exception as exc:  # isolation boundary: a full disk must not stop ingestion
            raise StoreFault(_text(exc, source_cfg)) from exc
    except StoreFault as exc:
        error = f"StoreFault: the store could not take the batch ({exc}); it is fetched again on the next poll"
    except FeedError as exc:
        error = _text(exc, source_cfg)
    except Exception as exc:  # noqa: BLE001 - isolation boundary: a bug in one adapter must not stop the others
        error = _text(exc, source_cfg)
        log.error("source %s failed unexpectedly: %s\n%s", key, error, scrub(traceback.format_exc(), source_secrets(source_cfg)))
    latency = time.monotonic() - began
    result = PollResult(key, error is None, rows, skipped, latency, error, started, quarantined=quarantined)
    if error is None:
        log.info("source %s: %d new rows, %d skipped, %d quarantined, %.2f s", key, rows, skipped, quarantined, latency)
    else:
        log.warning("source %s: %s", key, error)
    return replace(result, recorded=(HealthLog() if health is None else health).record(store, result))


class HealthLog:
    """Feed-health rows on their way into the store; those the store refuses wait for the next try.

    A store that cannot be written (a full or read-only disk) is exactly when feed health
    matters most: the rows are kept in order, with the time of each attempt, and written as
    soon as the store takes writes again.
    """

    def __init__(self) -> None:
        self._waiting: list[PollResult] = []
        self._lock = threading.Lock()

    def record(self, store: Store, result: PollResult) -> bool:
        with self._lock:
            self._waiting.append(result)
            return self._flush(store)

    def flush(self, store: Store) -> bool:
        with self._lock:
            return self._flush(store)

    def _flush(self, store: Store) -> bool:
        while self._waiting:
            r = self._waiting[0]
            try:
                store.record_health(
                    r.source,
                    ok=r.ok,
                    rows=r.rows,
                    skipped=r.skipped,
                    latency_s=r.latency_s,
                    error=r.error,
                    at=r.started,
                    quarantined=r.quarantined,
                )
            except Exception as exc:  # noqa: BLE001 - isolation boundary: keep the row for the next try
                log.warning("feed health of %s not stored yet (%d waiting): %s", r.source, len(self._waiting), type(exc).__name__)
                return False
            self._waiting.pop(0)
        return True

    def __len__(self) -> int:
        return len(self._waiting)


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
    """Poll every source once (at the same time, in the pool), in config order."""
    runner = Runner(config, store, session=session)
    with ThreadPoolExecutor(max_workers=POOL, thread_name_prefix="showroom-poll") as pool:
        results = list(pool.map(runner.poll, sources(config, store)))
    if any(result.rows for result in results):
        try:  # no compaction thread here: the due merges once, so a run from cron keeps the files few
            store.compact(full=False)
        except Exception as exc:  # noqa: BLE001 - the polls are stored; the next run merges
            log.warning("store compaction failed, the next run tries again: %s", scrub(f"{type(exc).__name__}: {exc}"))
    return results


class Runner:
    """Polls every source when it is due, a few at a time; nothing a source or the store does stops it.

    Each poll runs in a small thread pool, so one slow source (up to its fetch bound of 30 s)
    never delays another source's interval. A failing source backs off (doubling up to 1 h);
    a store that refuses writes is retried within a minute, since the feed is not at fault.
    """

    def __init__(self, config: CityConfig, store: Store, *, session: Any = None) -> None:
        self.config, self.store = config, store
        self.health = HealthLog()
        self._shared = session  # tests pass one; otherwise every pool thread gets its own
        self._appended = threading.Event()  # set after a poll stored rows: merges may be due
        self._local = threading.local()
        self.due: dict[str, float] = {}
        self.failures: dict[str, int] = {}
        self.running: dict[str, Future] = {}
        self.stored_through: dict[str, float] = {}  # epoch s: the start of the source's last stored poll
        self._wake = threading.Event()  # a poll finished: schedule its next round now
        self._maintained = float("-inf")
        self._pushed: dict[str, float] = {}  # source -> when its bridge last filed a message (monotonic)

    def push(self, key: str) -> None:
        """A bridge filed a message for ``key``: poll its inbox now (unless the source is backing off)."""
        now = time.monotonic()
        self._pushed[key] = now
        if not self.failures.get(key):
            self.due[key] = min(self.due.get(key, now), now + PUSH_DELAY_S)
            self._wake.set()

    def _session(self) -> Any:
        if self._shared is not None:
            return self._shared
        if not hasattr(self._local, "session"):
            self._local.session = make_session()
        return self._local.session

    def poll(self, src: dict[str, Any]) -> PollResult:
        """One poll of ``src`` (in a pool thread); its next round is scheduled from its start."""
        began = time.monotonic()
        # an inbox may forget an event only after a poll that began later has stored it (data_sources.inbox)
        cfg = {**src, "stored_through": self.stored_through.get(src["key"])}
        result = poll(cfg, self.store, self._session(), timezone=self.config.timezone, center=self.config.center, health=self.health)
        if result.ok and result.started is not None:
            self.stored_through[src["key"]] = result.started.timestamp()
        if result.rows:
            self._appended.set()  # the compaction thread looks for due merges
        self._schedule(src, result, began)
        self._wake.set()
        return result

    def _schedule(self, src: dict[str, Any], result: PollResult, began: float) -> None:
        key = src["key"]
        self.failures[key] = 0 if result.ok else self.failures.get(key, 0) + 1
        cap = STORE_RETRY_S if result.error and result.error.startswith("StoreFault") else MAX_BACKOFF_S
        wait = src["poll_s"] if result.ok else min(src["poll_s"] * 2 ** self.failures[key], cap)
        if result.ok and self._pushed.get(key, float("-inf")) >= began:
            wait = PUSH_DELAY_S  # a message was pushed while this poll ran: it may have come after the inbox was read
        self.due[key] = max(began + wait, time.monotonic())

    def step(self, pool: ThreadPoolExecutor) -> float:
        """Start the polls that are due; return how long to sleep before looking again."""
        self.health.flush(self.store)  # rows a refusing store kept waiting
        if time.monotonic() - self._maintained >= MAINTAIN_S:
            self._maintained = time.monotonic()
            self._maintain()
        polled = {src["key"]: src for src in sources(self.config, self.store)}  # the scenario source comes and goes
        self.running = {key: future for key, future in self.running.items() if not future.done()}
        now = time.monotonic()
        for key, src in polled.items():
            if key not in self.running and now >= self.due.get(key, 0.0):
                self.running[key] = pool.submit(self.poll, src)
        return max(0.05, min([*(self.due.get(key, 0.0) - time.monotonic() for key in polled if key not in self.running), WAKE_S]))

    def _maintain(self) -> None:
        """Repair damage readers reported and drop crash debris (``Store.maintain``), now and then."""
        try:
            done = self.store.maintain()
        except Exception as exc:  # noqa: BLE001 - isolation boundary: a store that refuses writes is retried later
            log.warning("store maintenance failed, trying again later: %s", scrub(f"{type(exc).__name__}: {exc}"))
            return
        if any(done.values()):
            log.info("store maintenance: %s", ", ".join(f"{k} {v}" for k, v in done.items()))

    def compact(self, stop: threading.Event) -> None:
        """After appends, the merges that are due (``Store.compact(full=False)``), in a thread of
        its own: an append commits only its batch, and a merge never holds up a poll or a page."""
        while not stop.is_set():
            if not self._appended.wait(0.5):
                continue
            self._appended.clear()
            try:
                self.store.compact(full=False)
            except Exception as exc:  # noqa: BLE001 - isolation boundary: the next append tries again
                log.warning("store compaction failed, trying again later: %s", scrub(f"{type(exc).__name__}: {exc}"))

    def run(self, stop: threading.Event) -> None:
        pool = ThreadPoolExecutor(max_workers=POOL, thread_name_prefix="showroom-poll")
        done = threading.Event()  # ends the compaction thread with this run
        threading.Thread(target=self.compact, args=(done,), name="showroom-compact", daemon=True).start()
        bridges = None
        try:
            bridges = _bridges(self.config, self.store, self.push)  # push sources: their brokers' subscriptions
            while not stop.is_set():
                try:
                    pause = self.step(pool)
                except Exception as exc:  # noqa: BLE001 - isolation boundary: e.g. an unreadable manifest
                    log.error("ingest step failed, trying again: %s", scrub(f"{type(exc).__name__}: {exc}"))
                    pause = STORE_RETRY_S / 6
                # a finished poll wakes the loop at once; ``stop`` is looked at twice a second
                if self._wake.wait(min(pause, 0.5)):
                    self._wake.clear()
        finally:
            done.set()
            if bridges is not None:
                bridges.stop()
            pool.shutdown(wait=False, cancel_futures=True)  # a poll in flight ends within its own bound


def _bridges(config: CityConfig, store: Store, push: Any) -> Any:
    """Start the MQTT bridges of the city's ``mqtt`` sources (None without any); they publish their health
    into the store's run state and wake the runner when they have filed a message."""
    if not any(src["kind"] == "mqtt" for src in config.sources):
        return None
    from core.views.feeds import push_state

    try:
        from data_sources.bridge import Bridges  # paho-mqtt only where a city has push sources

        return Bridges(config.sources, publish=lambda key, status: store.set_state(push_state(key), status), on_stored=push).start()
    except Exception as exc:  # noqa: BLE001 - isolation boundary: the polled sources go on; the inboxes are still read
        log.error("mqtt bridges not started: %s", scrub(f"{type(exc).__name__}: {exc}"))
        return None


def run_loop(config: CityConfig, store: Store, *, stop: threading.Event | None = None, session: Any = None) -> None:
    """Poll each source when it is due until ``stop`` is set (see :class:`Runner`)."""
    Runner(config, store, session=session).run(stop or threading.Event())


def background(config: CityConfig, location: str | Path, stop: threading.Event, retry_s: float | None = None) -> None:
    """Run the loop in this process whenever no other runner leads the store (the app's helper thread).

    A follower asks again every ``retry_s`` (default: the shortest poll interval, at most 60 s),
    so when the leader dies another process takes over within one poll interval. An unreadable
    or unwritable store is logged and tried again then too: the thread never ends before ``stop``.
    """
    retry_s = retry_s or min([60.0, *(src["poll_s"] for src in config.sources)])
    store: Store | None = None
    while not stop.is_set():
        try:
            store = store or open_store(location, tz=config.timezone)  # one handle: a database store holds connections
            with store.leader(LEADER) as mine:
                if mine:
                    log.info("ingest: this process polls %s", describe(location))
                    run_loop(config, store, stop=stop)
        except Exception as exc:  # noqa: BLE001 - isolation boundary: the app keeps serving what the store has
            store = None
            log.error("ingest cannot use the store at %s yet: %s", describe(location), scrub(f"{type(exc).__name__}: {exc}"))
        stop.wait(retry_s)


_started: dict[str, threading.Event] = {}
_starting = threading.Lock()


def start_background(config: CityConfig, location: str | Path) -> threading.Event:
    """Start :func:`background` in a daemon thread once per process and store; its stop event.

    The server starts it when it starts (``server.py``); the app asks again on a page view
    (``streamlit run app.py``) and gets the same thread. ``SHOWROOM_INGEST=off`` leaves polling
    to a separate ``python -m core.ingest --loop``.
    """
    with _starting:
        key = str(location)
        if key not in _started:
            _started[key] = stop = threading.Event()
            if os.environ.get("SHOWROOM_INGEST", "auto") != "off":
                threading.Thread(target=background, args=(config, location, stop), name="showroom-ingest", daemon=True).start()
        return _started[key]


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
        location = (
            args.data_dir if args.data_dir and "://" in args.data_dir else Path(args.data_dir) if args.data_dir else store_location(config)
        )
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = open_store(location, tz=config.timezone)
    with store.leader(LEADER) as mine:
        if not mine:
            print(f"error: another ingest runner is polling into {describe(location)}", file=sys.stderr)
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
