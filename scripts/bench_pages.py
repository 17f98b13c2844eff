"""Page-speed benchmark: a year of 10-min history for ~500 stations, every page timed.

    python scripts/bench_pages.py                 # builds /tmp/showroom-bench once, then measures
    python scripts/bench_pages.py --rebuild       # builds the store again
    python scripts/bench_pages.py --days 30       # a smaller store for a quick look
    python scripts/bench_pages.py --compare-days 0  # skip the one-day store

Per page it prints the warm server rerun (the page script run by Streamlit's AppTest in this
process, median of 5 after one warm-up run) and, in headless Chromium against a real server,
the time until a full load is idle (warm browser cache), until an in-app navigation (a click
in the sidebar) is idle, and the bytes the server sent over the websocket. The same pages on a
store holding one day of the same stations (``--compare-days``) are measured in the same run,
so "does the page grow with history" is a ratio from one machine state.
Targets (issue 13): navigation ≤ 1 s, full load ≤ 2 s, ≤ 1.3× one day, ≤ 2 MB per page;
warm rerun ≤ 200 ms (DESIGN.md).
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
from data_sources.demo import MODELS, physics  # noqa: E402
from data_sources.demo.stations import ALL  # noqa: E402

COPIES = 7  # 77 demo stations × 7 = 539 stations
GRID_S = 600
QUANTITIES = {  # the main quantities of these kinds in the bench store; other kinds keep all theirs
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
        if st.kind != "classroom" and st.kind not in MODELS:  # places report nothing
            continue
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
            else MODELS[st.kind](st, grid, times, seed + k)
        )
        for quantity in QUANTITIES.get(st.kind, values):
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


def idle(page, began: float, *, quiet_s: float = 0.4) -> float:
    """Seconds from ``began`` (``time.monotonic()``) until Streamlit last stopped running.

    ``settle``'s moment of quiet, not the end of its wait; charts that draw after the script
    are included by the extra frames deck.gl and plotly need being inside the quiet wait.
    """
    from tests.pages.browser import settle

    quiet = settle(page, quiet_s=quiet_s)
    return float("nan") if quiet is None else quiet - began


def browser(pages: list[str], directory: Path) -> dict[str, tuple[float, float, float, int]]:
    """Per page: (first visit, full load with a warm browser cache, sidebar navigation, bytes of the load).

    A kiosk or a staff browser keeps Streamlit's JavaScript (plotly and deck.gl are several MB)
    in its cache, so the warm figure is the one a returning viewer sees; the first visit pays
    for downloading the bundles once. Navigation is a click on the page's sidebar link from the
    page before it (the first page from the last), timed until the new page is idle.
    """
    from tests.pages.browser import browser_page, running_app, settle

    out = {}
    with running_app(directory, SHOWROOM_CONFIG=str(directory / "bench.toml"), SHOWROOM_INGEST="off") as url:
        with browser_page() as warm:  # the first visit after a server start fills the server caches
            for slug in pages:
                warm.goto(f"{url}/{slug}")
                settle(warm)
        with browser_page() as page:
            sent = [0]
            page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: sent.__setitem__(0, sent[0] + len(payload))))
            loads: dict[str, tuple[float, float, int]] = {}
            for slug in pages:
                began = time.monotonic()
                page.goto(f"{url}/{slug}")
                page.wait_for_selector("h1", timeout=60_000)
                first = idle(page, began)
                sent[0] = 0
                began = time.monotonic()
                page.reload()  # a full page load again, the JavaScript from the browser cache
                page.wait_for_selector("h1", timeout=60_000)
                loads[slug] = (first, idle(page, began), sent[0])
            navs: dict[str, float] = {}
            page.goto(f"{url}/{pages[-1]}")
            settle(page)
            for slug in pages:
                link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{slug}"]').first
                began = time.monotonic()
                link.click()
                page.wait_for_url(f"**/{slug}*", timeout=60_000)
                navs[slug] = idle(page, began)
            for slug in pages:
                first, load, size = loads[slug]
                out[slug] = (first, load, navs[slug], size)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="/tmp/showroom-bench")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--compare-days", type=int, default=1, help="also measure a store with this much history (0: don't)")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    stores = [(Path(args.dir), args.days)]
    if args.compare_days:
        stores.append((Path(f"{args.dir}-{args.compare_days}d"), args.compare_days))
    for directory, days in stores:
        if args.rebuild or not (directory / "bench.toml").exists():
            import shutil

            shutil.rmtree(directory, ignore_errors=True)
            print(f"building {days} days of 10-min history for {len(ALL) * COPIES} stations in {directory} …")
            build(directory, days)
    from ui import navigation

    pages = [spec.slug for spec in navigation.PAGES]
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    results = {}
    for directory, days in stores:
        os.environ.update(SHOWROOM_DATA_DIR=str(directory), SHOWROOM_CONFIG=str(directory / "bench.toml"), SHOWROOM_INGEST="off")
        reruns = server_reruns(pages)
        results[days] = (reruns, {} if args.no_browser else browser(pages, directory))
    nan = (float("nan"),) * 3 + (0,)
    long, short = results[args.days], results.get(args.compare_days)
    print(f"\n{args.days} days of history; in brackets: × the same page with {args.compare_days} day(s)" if short else "")
    print(
        f"{'page':<12} {'warm rerun':>16} {'first visit':>12} {'full load':>16} {'navigation':>16} {'sent':>9}"
        "   targets: rerun ≤ 200 ms, load ≤ 2 s, nav ≤ 1 s, ≤ 1.3×, ≤ 2 MB"
    )
    for slug in pages:
        rerun, (first, load, nav, sent) = long[0][slug], long[1].get(slug, nan)
        base = (short[0][slug], *short[1].get(slug, nan)[1:3]) if short else (float("nan"),) * 3
        times = (rerun, load, nav)
        ratios = [f"({value / of:.2f}×)" if short else "" for value, of in zip(times, base)]
        flags = [
            name for name, bad in (("rerun", rerun > 0.2), ("load", load > 2.0), ("nav", nav > 1.0), ("size", sent > 2_000_000)) if bad
        ]
        if short and max(load / base[1], nav / base[2]) > 1.3:
            flags.append("grows with history")
        print(
            f"{slug:<12} {rerun * 1000:>6.0f} ms {ratios[0]:>8} {first:>10.2f} s {load:>6.2f} s {ratios[1]:>8}"
            f" {nav:>6.2f} s {ratios[2]:>8} {sent / 1e6:>6.2f} MB   {'MISSED: ' + ', '.join(flags) if flags else 'ok'}"
        )
    print("first visit: a new browser downloads Streamlit's JavaScript once; full load: a reload with a warm browser cache")


if __name__ == "__main__":
    main()
