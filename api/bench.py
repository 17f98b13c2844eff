"""Request latency of the API over HTTP: ``python -m api.bench [--stations 20] [--days 365] [--runs 7]``.

Fills a temporary store with ``stations`` temperature series at a 10-minute cadence for ``days``,
serves the API with uvicorn on 127.0.0.1 and times, made anew (cache dropped) and cached: a page of
100 Observations of one Datastream, and a year of its hourly values (``resolution=1h``, one page).
Prints median and maximum in ms; numbers for the closing note, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import socket
import statistics
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator

import numpy as np
import polars as pl
import uvicorn
from starlette.applications import Starlette

import api
from api.context import Context
from core.config import DEFAULT_CONFIG, load_config
from core.schema import Batch
from core.store import open_store
from data_sources import KINDS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """``app`` under uvicorn in a thread on a free port; its base URL while the block runs."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            msg = "the API server did not start"
            raise RuntimeError(msg)
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def fill(store, stations: int, days: int, end: dt.datetime) -> int:
    """``stations`` series of 10-minute temperatures up to ``end``, appended a month at a time."""
    ids = [f"demo:bench-{i:03d}" for i in range(stations)]
    rows = pl.DataFrame(
        {"station_id": ids, "source": "demo", "name": ids, "lat": 51.44, "lon": 7.78, "theme": "microclimate", "district": None}
    )
    start, total = end - dt.timedelta(days=days), 0
    while start < end:
        stop = min(start + dt.timedelta(days=31), end)
        ts = pl.datetime_range(start, stop, "10m", closed="left", time_zone="UTC", eager=True).cast(pl.Datetime("us", "UTC"))
        frame = pl.DataFrame({"ts": np.tile(ts.to_numpy(), stations), "station_id": np.repeat(ids, len(ts))}).with_columns(
            pl.col("ts").cast(pl.Datetime("us", "UTC")),
            quantity=pl.lit("temperature"),
            value=(pl.int_range(pl.len()) % 200 / 10.0).cast(pl.Float64),
            source=pl.lit("demo"),
        )
        total += store.append(Batch(readings=frame.select("ts", "station_id", "quantity", "value", "source"), stations=rows))
        start = stop
    return total


def timed(url: str, runs: int, before=None) -> list[float]:
    out = []
    for _ in range(runs):
        if before:
            before()
        began = time.perf_counter()
        with urllib.request.urlopen(url, timeout=300) as answer:
            answer.read()
        out.append((time.perf_counter() - began) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--stations", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    city = load_config(DEFAULT_CONFIG, kinds=KINDS)
    with tempfile.TemporaryDirectory() as directory:
        store = open_store(directory, tz=city.timezone)
        began = time.perf_counter()
        n = fill(store, args.stations, args.days, dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0))
        print(f"store: {n:,} readings ({args.stations} series, {args.days} days, 10-min) filled in {time.perf_counter() - began:.0f} s")
        ctx = Context(city, store)
        with serving(Starlette(routes=api.routes(ctx))) as url:
            stream = f"{url}/api/v1.1/Datastreams('demo:bench-000:temperature')/Observations"
            cases = {
                "page of 100 Observations": f"{stream}?$top=100",
                "newest 100 Observations": f"{stream}?$top=100&$orderby=phenomenonTime%20desc",
                "a year of hourly values": f"{stream}?resolution=1h&$top=10000",
            }
            for name, link in cases.items():
                with urllib.request.urlopen(link, timeout=300) as answer:
                    size = len(answer.read())
                fresh, warm = timed(link, args.runs, ctx.forget), timed(link, args.runs)
                print(
                    f"{name:28s} {size / 1024:8.0f} KiB  made anew: median {statistics.median(fresh):7.1f} ms, max {max(fresh):7.1f} ms"
                    f"  cached: median {statistics.median(warm):6.1f} ms"
                )


if __name__ == "__main__":
    main()
