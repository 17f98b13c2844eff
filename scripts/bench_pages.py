"""Page-speed benchmark: a year of 10-min history for ~500 stations, every page timed.

    python scripts/bench_pages.py                 # builds /tmp/showroom-bench once, then measures
    python scripts/bench_pages.py --rebuild       # builds the store again
    python scripts/bench_pages.py --days 30       # a smaller store for a quick look

Per page it prints the warm server rerun (the page script run by Streamlit's AppTest in this
process, median of 5 after one warm-up run) and, in headless Chromium against a real server,
the time until the page is complete and the bytes the server sent over the websocket.
Targets (DESIGN.md): complete ≤ 2 s, warm rerun ≤ 200 ms, ≤ 2 MB per page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.schema import Batch  # noqa: E402
from core.store import open_store  # noqa: E402
from data_sources.demo import physics  # noqa: E402
from data_sources.demo.stations import ALL  # noqa: E402

COPIES = 7  # 77 demo stations × 7 = 539 stations
GRID_S = 600
QUANTITIES = {  # the main quantities each kind of station keeps in the bench store
    "weather": ("temperature", "humidity"),
    "classroom": ("co2",),
    "gauge": ("water_level",),
    "soil": ("soil_moisture",),
    "air": ("pm10", "no2"),
    "parking": ("occupancy", "parking_free"),
}
CONFIG = """
[city]
name = "Menden (Sauerland)"
timezone = "Europe/Berlin"
center = [51.4436, 7.7783]
zoom = 12.0

[[sources]]
key = "bench"
kind = "csv_file"          # never polled: the bench app runs with SHOWROOM_INGEST=off
path = "unused.csv"
"""


def stations() -> list[tuple[str, object, int]]:
    return [(f"bench:{st.native_id}-{k}", st, k) for k in range(COPIES) for st in ALL]


def station_frame() -> pl.DataFrame:
    rows = []
    for station_id, st, k in stations():
        name = st.name.replace(" Raum", f" {k + 1} Raum") if st.kind == "classroom" else f"{st.name} {k + 1}"
        rows.append(
            {
                "station_id": station_id,
                "source": "bench",
                "name": name,
                "lat": st.lat + 0.004 * k,
                "lon": st.lon + 0.006 * k,
                "theme": st.theme,
                "district": st.district,
            }
        )
    return pl.DataFrame(rows)


def week(start: float, seed: int) -> pl.DataFrame:
    t = np.arange(int(start), int(start) + 7 * 86400, GRID_S, dtype=np.int64)
    lt = physics.local_time(t, "Europe/Berlin")
    parts = []
    for station_id, st, k in stations():
        grid, times = (
            (
                t[::6],
                {kk: v[::6] for kk, v in lt.items() if kk in ("hour", "weekday", "doy")}
                | {kk: lt[kk] for kk in ("first_date", "last_date")},
            )
            if st.kind == "soil"
            else (t, lt)
        )
        values = (
            physics.classroom(st, grid, times, seed + k, "Europe/Berlin")
            if st.kind == "classroom"
            else physics.MODELS[st.kind](st, grid, times, seed + k)
        )
        for quantity in QUANTITIES[st.kind]:
            parts.append(
                pl.DataFrame({"t": grid, "value": values[quantity]}).with_columns(station_id=pl.lit(station_id), quantity=pl.lit(quantity))
            )
    frame = pl.concat(parts)
    return frame.select(
        ts=pl.from_epoch("t", time_unit="s").dt.replace_time_zone("UTC").cast(pl.Datetime("us", "UTC")),
        station_id="station_id",
        quantity="quantity",
        value="value",
        source=pl.lit("bench"),
    )


def build(directory: Path, days: int) -> None:
    store = open_store(directory)
    end = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    start = (end - dt.timedelta(days=days)).timestamp()
    store.append(Batch(stations=station_frame()))
    total, began = 0, time.perf_counter()
    for i, week_start in enumerate(np.arange(start, end.timestamp(), 7 * 86400)):
        readings = week(float(week_start), 42).filter(pl.col("ts") <= end)
        total += store.append(Batch(readings=readings))
        print(f"\r  week {i + 1}: {total:,} readings stored ({time.perf_counter() - began:.0f} s)", end="", flush=True)
    store.compact()
    print(f"\n  store built: {total:,} readings, {len(station_frame())} stations")
    (directory / "bench.toml").write_text(CONFIG, encoding="utf-8")


def server_reruns(pages: list[str], runs: int = 5) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    out = {}
    for slug in pages:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        if slug != pages[0]:
            at.switch_page(f"pages/{slug}.py")
        at.run()  # warm-up: caches filled
        assert not at.exception, f"{slug}: {at.exception}"
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - began)
        out[slug] = statistics.median(times)
    return out


def browser(pages: list[str], directory: Path) -> dict[str, tuple[float, float, int]]:
    """Per page: (first visit in a new browser, visit with a warm browser cache, bytes sent).

    A kiosk or a staff browser keeps Streamlit's JavaScript (plotly and deck.gl are several MB)
    in its cache, so the warm figure is the one a returning viewer sees; the first visit pays
    for downloading the bundles once.
    """
    from tests.pages.browser import browser_page, running_app, settle

    out = {}
    with running_app(directory, SHOWROOM_CONFIG=str(directory / "bench.toml"), SHOWROOM_INGEST="off") as url:
        with browser_page() as warm:  # the first visit after a server start fills the server caches
            for slug in pages:
                warm.goto(f"{url}/{slug}")
                settle(warm)
        for slug in pages:
            with browser_page() as page:
                sent = [0]
                page.on(
                    "websocket", lambda ws, sent=sent: ws.on("framereceived", lambda payload: sent.__setitem__(0, sent[0] + len(payload)))
                )
                began = time.perf_counter()
                page.goto(f"{url}/{slug}")
                settle(page)
                first = time.perf_counter() - began
                sent[0] = 0
                began = time.perf_counter()
                page.reload()  # a full page load again, the JavaScript from the browser cache
                settle(page)
                out[slug] = (first, time.perf_counter() - began, sent[0])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="/tmp/showroom-bench")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    directory = Path(args.dir)
    if args.rebuild or not (directory / "bench.toml").exists():
        import shutil

        shutil.rmtree(directory, ignore_errors=True)
        print(f"building {args.days} days of 10-min history for {len(ALL) * COPIES} stations in {directory} …")
        build(directory, args.days)
    os.environ.update(SHOWROOM_DATA_DIR=str(directory), SHOWROOM_CONFIG=str(directory / "bench.toml"), SHOWROOM_INGEST="off")
    from ui import navigation

    pages = [spec.slug for spec in navigation.PAGES]
    reruns = server_reruns(pages)
    shown = {} if args.no_browser else browser(pages, directory)
    print(
        f"\n{'page':<12} {'warm rerun':>11} {'first visit':>12} {'complete':>10} {'sent':>10}   targets: rerun ≤ 200 ms, complete ≤ 2 s, ≤ 2 MB"
    )
    for slug in pages:
        first, complete, sent = shown.get(slug, (float("nan"), float("nan"), 0))
        flags = []
        if reruns[slug] > 0.2:
            flags.append("rerun")
        if complete > 2.0:
            flags.append("complete")
        if sent > 2_000_000:
            flags.append("size")
        print(
            f"{slug:<12} {reruns[slug] * 1000:>8.0f} ms {first:>10.2f} s {complete:>8.2f} s {sent / 1e6:>7.2f} MB   {'MISSED: ' + ', '.join(flags) if flags else 'ok'}"
        )
    print("first visit: a new browser downloads Streamlit's JavaScript once; complete: a reload with a warm browser cache")


if __name__ == "__main__":
    main()
