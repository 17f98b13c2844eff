"""``python -m core.bench --store …``: the embedded and a PostgreSQL store side by side, same data, same run.

Both stores are filled with the same city (temperature and humidity stations, school rooms'
CO2, river gauges; a reading every 10 min), then take the same polls and answer each page's
typical question. On a shared machine the load drifts, so the backends take turns within each
poll and each query round, and the ratios of one run are what to compare.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from operator import methodcaller
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import polars as pl
from polars.testing import assert_frame_equal

from core import rollup
from core.schema import READINGS_SCHEMA, Batch
from core.store import Store, describe, open_store
from core.store.postgresql import StoreUnavailable
from core.views._time import local_day_start

TZ = "Europe/Berlin"
NOW = dt.datetime(2026, 2, 12, 13, 0, tzinfo=dt.UTC)  # a Thursday, 14:00 local: the week and the day half gone
CADENCE = dt.timedelta(minutes=10)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# series i measures KINDS[i % 4] at station i // 4 of that kind (a climate station measures two quantities)
KINDS = pl.DataFrame(
    {
        "prefix": ["bench:clima", "bench:clima", "bench:room", "bench:gauge"],
        "quantity": ["temperature", "humidity", "co2", "water_level"],
        "low": [-5.0, 30.0, 400.0, 50.0],
        "span": [35.0, 60.0, 1600.0, 250.0],
    }
)
NAMES = {"file": "embedded", "postgresql": "PostgreSQL"}
SIZES = {"full": (1_000_000, 500, 2000), "small": (100_000, 200, 400)}  # prefilled readings, series, poll rows


def run(kind: str, *, small: bool = False, readings: int | None = None, series: int | None = None, polls: int = 30) -> dict:
    """The bench of ``--store kind``: the embedded store in a temp directory, for ``postgresql``
    beside a fresh schema of :func:`postgres`; prints the table and returns the numbers."""
    default_readings, default_series, poll = SIZES["small" if small else "full"]
    database = postgres() if kind == "postgresql" else contextlib.nullcontext()
    with tempfile.TemporaryDirectory(prefix="showroom-bench-") as tmp, database as url:
        locations = {"file": Path(tmp) / "store", **({"postgresql": url} if url else {})}
        size = {"readings": readings or default_readings, "series": series or default_series, "poll": poll, "polls": polls}
        try:
            results = compare(locations, **size, repeat=3 if small else 5)
        except StoreUnavailable as exc:
            raise SystemExit(str(exc)) from None
        report(results, locations)
    return {"stores": results}


def city(series: int, steps: int, *, first_step: int, start: dt.datetime) -> pl.DataFrame:
    """``steps`` readings of each of ``series`` series from step ``first_step`` on, in arrival order.

    Deterministic: values are a hash of the row number scaled into each quantity's plausible range.
    """
    index = pl.int_range(first_step * series, (first_step + steps) * series, dtype=pl.Int64, eager=True)
    kind = KINDS.select(pl.all().gather((index % series) % 4))
    fraction = (index.hash(7) % 10_001).cast(pl.Float64) / 10_000
    micros = CADENCE // dt.timedelta(microseconds=1)
    return pl.DataFrame(
        {
            "ts": (index // series * micros + (start - EPOCH) // dt.timedelta(microseconds=1)).cast(pl.Datetime("us", "UTC")),
            "station_id": kind["prefix"] + ((index % series) // 4).cast(pl.String).str.zfill(4),
            "quantity": kind["quantity"],
            "value": (kind["low"] + fraction * kind["span"]).round(2),
            "source": pl.repeat("bench", len(index), eager=True),
        }
    ).cast(READINGS_SCHEMA)


def stations(series: int, kind: str | None = None) -> list[str]:
    """Station ids of the city (of one kind prefix, e.g. ``bench:room``)."""
    ids = city(series, 1, first_step=0, start=NOW)["station_id"].unique(maintain_order=True)
    return ids.to_list() if kind is None else ids.filter(ids.str.starts_with(kind)).to_list()


def questions(series: int, now: dt.datetime) -> dict[str, Callable[[Store], object]]:
    """Each page's typical question of the store, as the page asks it (whole buckets from a start on)."""
    monday = local_day_start(now, TZ, days_back=now.astimezone(ZoneInfo(TZ)).weekday())
    clima, rooms, gauges, every = (
        stations(series, "bench:clima"),
        stations(series, "bench:room"),
        stations(series, "bench:gauge"),
        stations(series),
    )
    return {
        "Heute: latest + 1h of today": lambda s: (s.latest(now), s.rollup("1h", local_day_start(now, TZ))),
        "Stadtklima: 1h, 14 d, temperature": lambda s: s.rollup(
            "1h", rollup.floor(now - dt.timedelta(days=14), "1h"), None, clima, "temperature"
        ),
        "Schulen: 15m, this week, co2": lambda s: s.rollup("15m", monday, None, rooms, "co2"),
        "Pegel: 15m, 7 d, water level": lambda s: s.rollup(
            "15m", rollup.floor(now - dt.timedelta(days=7), "15m"), None, gauges, "water_level"
        ),
        "Daten: 1d, all stations, all days": lambda s: s.rollup("1d", None, None, every),
    }


def _same(a: object, b: object) -> None:
    """The backends answered alike (means up to summation order)."""
    for x, y in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,), strict=True):
        assert_frame_equal(x, y, check_exact=False, rel_tol=1e-9)


def in_turn(stores: dict[str, Store], action: Callable[[Store], object]) -> dict[str, tuple[float, object]]:
    """``action`` on every store in turn, so the load's drift meets each alike: (seconds, result) per store."""
    done = {}
    for name, store in stores.items():
        began = time.perf_counter()
        result = action(store)
        done[name] = (time.perf_counter() - began, result)
    return done


def compare(locations: dict[str, str | Path], *, readings: int, series: int, poll: int, polls: int, repeat: int) -> dict:
    """Fill every store at ``locations`` (name -> location) with the same ``readings``, time ``polls``
    appends of ``poll`` readings into each, then each page's question (median of ``repeat``);
    the stores' answers must agree."""
    per_poll, steps, per_day = max(1, poll // series), max(1, readings // series), int(dt.timedelta(days=1) / CADENCE)
    start = NOW - (steps + polls * per_poll) * CADENCE
    asked = questions(series, NOW)
    stores = {name: open_store(location, tz=TZ) for name, location in locations.items()}
    fill, appends = dict.fromkeys(stores, 0.0), {name: [] for name in stores}
    times: dict[str, dict[str, list[float]]] = {name: {q: [] for q in asked} for name in stores}
    try:
        for first in range(0, steps, per_day):  # a day per batch, as a backfill brings them
            batch = Batch(city(series, min(per_day, steps - first), first_step=first, start=start))
            for name, (took, _) in in_turn(stores, methodcaller("append", batch)).items():
                fill[name] += took
        # embedded: one file per day; PostgreSQL: fresh planner statistics
        for name, (took, _) in in_turn(stores, methodcaller("compact")).items():
            fill[name] += took
        for i in range(polls):
            batch = Batch(city(series, per_poll, first_step=steps + i * per_poll, start=start))
            for name, (took, _) in in_turn(stores, methodcaller("append", batch)).items():
                appends[name].append(took)
        for _ in range(repeat):
            for question, ask in asked.items():
                answers = in_turn(stores, ask)
                for name, (took, answer) in answers.items():
                    times[name][question].append(took)
                    _same(answer, next(iter(answers.values()))[1])
    finally:
        for store in stores.values():
            getattr(store, "close", lambda: None)()  # a database store holds connections
    return {
        "readings": steps * series,
        "series": series,
        "days": steps * CADENCE / dt.timedelta(days=1),
        "poll_rows": per_poll * series,
        "polls": polls,
        "backends": {
            name: {
                "fill_s": fill[name],
                "append_p50_ms": 1000 * statistics.median(appends[name]),
                "append_p95_ms": 1000 * sorted(appends[name])[round(0.95 * (polls - 1))],
                "append_max_ms": 1000 * max(appends[name]),
                **{question: 1000 * statistics.median(times[name][question]) for question in asked},
            }
            for name in stores
        },
    }


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A fresh schema for the bench on ``SHOWROOM_DATABASE_URL``'s server, or on a throwaway server
    (tests/pgserver.py) when the variable is unset; the schema, or the server, is gone afterwards."""
    url = os.environ.get("SHOWROOM_DATABASE_URL")
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    if url:
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "schema"]
        location = urlunsplit(parts._replace(query=urlencode([*query, ("schema", schema)])))
        with _session(location) as conn:  # opened first: an unreachable server ends the bench before it starts
            try:
                yield location
            finally:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")  # the store protocol has no "drop everything"
        return
    try:
        from tests.pgserver import Server  # a dev tool, like pandas and DuckDB for the other benches
    except ImportError as exc:
        msg = f"set SHOWROOM_DATABASE_URL or install the dev requirements to start a throwaway server ({exc})"
        raise SystemExit(msg) from None
    try:
        server = Server().start()
    except (RuntimeError, OSError) as exc:
        raise SystemExit(f"no PostgreSQL server could be started: {exc}") from None
    try:
        yield f"{server.url}?schema={schema}"
    finally:
        server.stop()


@contextlib.contextmanager
def _session(location: str) -> Iterator[Any]:
    import psycopg  # the database's own driver, as the PostgreSQL store itself uses

    from core.store.postgresql import parse_location

    try:
        conn = psycopg.connect(parse_location(location)[0], autocommit=True)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SystemExit(f"cannot connect to {describe(location)}: {reason}") from None
    with conn:
        yield conn


def report(results: dict, locations: dict[str, str | Path]) -> None:
    r, names = results, list(results["backends"])
    print(
        f"stores: {r['readings']:,} readings prefilled ({r['series']} series, {r['days']:.1f} days at 10 min), "
        f"{r['polls']} polls of {r['poll_rows']:,} readings; {', '.join(f'{NAMES.get(n, n)} {describe(locations[n])}' for n in names)}"
    )
    rows = [
        ("fill (s)", "fill_s"),
        ("append p50 (ms)", "append_p50_ms"),
        ("append p95 (ms)", "append_p95_ms"),
        ("append max (ms)", "append_max_ms"),
    ]
    rows += [(f"{q} (ms)", q) for q in r["backends"][names[0]] if ":" in q]
    header = f"{'':44}" + "".join(f"{NAMES.get(n, n):>12}" for n in names) + ("  ratio" if len(names) > 1 else "")
    print(header)
    for label, key in rows:
        values = [r["backends"][n][key] for n in names]
        ratio = f"  {values[1] / values[0]:.2f}x" if len(values) > 1 and values[0] else ""
        print(f"{label:44}" + "".join(f"{v:12.1f}" for v in values) + ratio)
    if len(names) > 1:
        print(f"ratio: {NAMES.get(names[1], names[1])} / {NAMES.get(names[0], names[0])} (above 1: the embedded store is faster)")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
