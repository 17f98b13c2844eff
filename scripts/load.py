"""Load and soak: fresh visits with and without 20 kiosk screens, server memory over time, polls per source.

    python scripts/load.py                      # 3 fresh visits per page alone, then 3 minutes beside 20 kiosks
    python scripts/load.py --visits 1 --minutes 1
    python scripts/load.py --soak 30            # then keep the 20 kiosks for 30 minutes: RSS slope after warm-up

It starts the app itself as the README does (``streamlit run server.py``: demo city, a fresh data
dir, its own ingest thread, a free port on 127.0.0.1), waits until the demo has data and warms
the server caches with one visit per page. Then (a) fresh visits, each in a new browser context (no cookies, no browser cache), round the
pages, nobody else watching; (b) 20 kiosk sessions (``?kiosk=1&rotate=20``, a mix of start pages
and playlists; they switch page every 20 s and refresh their data every 30 s) and fresh visits
again meanwhile; (c) all along, the RSS and CPU time of the server process (and its children)
and of the browsers, and the feed health in the data dir (each new ``last_attempt`` is a poll);
(d) with ``--soak`` the kiosks stay on and the RSS slope is fitted after a warm-up.

A visit's time runs from ``goto`` until the page went quiet: ``settle()`` (tests/pages/browser.py)
returns once no script has run for 0.3 s, and those 0.3 s are not counted. Kiosk tabs render in
the same 2-core machine as the server, unlike real screens, so the browsers' CPU is printed beside
the server's. Targets: loaded p95 ≤ 1.5 × unloaded p95; RSS slope ≤ 1 MB/min after warm-up; the
number of polls independent of viewers (DESIGN.md).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Error as PlaywrightError  # noqa: E402

from core.config import DEFAULT_CONFIG, load_config  # noqa: E402
from core.store import open_store  # noqa: E402
from tests.pages.browser import CHROMIUM_ARGS, chromium_path, settle, streamlit  # noqa: E402

PAGES = ("heute", "karte", "stadtklima", "schulen", "pegel", "verkehr", "daten", "quellen")
KIOSKS = (  # start page and playlist of each kiosk, repeated up to the number of sessions
    "heute?kiosk=1&rotate=20",
    "karte?kiosk=1&rotate=20&pages=karte,pegel,heute",
    "pegel?kiosk=1&rotate=20&pages=pegel,stadtklima",
    "stadtklima?kiosk=1&rotate=20&pages=stadtklima,schulen",
    "schulen?kiosk=1&rotate=20&pages=schulen,heute,karte",
    "verkehr?kiosk=1&rotate=20&pages=verkehr,heute,pegel",
)
QUIET_S = 0.3
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Visit:
    page: str
    seconds: float
    errors: list[str] = field(default_factory=list)
    server_s: float = float("nan")  # from the browser's first websocket message to the server's "script finished"


@dataclass
class Sample:
    t: float  # seconds since the app started
    rss_mb: float  # server process and its children
    server_cpu_s: float
    browser_cpu_s: float  # every other process below this one: the Playwright driver and Chromium


# -- processes ---------------------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                tree.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    return tree


def tree_of(pid: int, children: dict[int, list[int]]) -> list[int]:
    out, todo = [], [pid]
    while todo:
        out.append(todo.pop())
        todo += children.get(out[-1], [])
    return out


def rss_mb(pids: list[int]) -> float:
    """Resident memory of ``pids`` (psutil when installed, else VmRSS in /proc/<pid>/status)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            if psutil is not None:
                total += psutil.Process(pid).memory_info().rss / 2**20
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
    return total


def cpu_s(pids: list[int]) -> float:
    """CPU seconds used by ``pids`` and by their children that have ended."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            # utime, stime, and cutime, cstime: the closed tabs' renderers, once their parent has reaped them
            total += sum(int(f) for f in fields[11:15])
    return total / TICK


class Sampler(threading.Thread):
    """Every ``every_s``: server RSS and CPU, browser CPU, and each source's last poll from feed health."""

    def __init__(self, server_pid: int, data_dir: Path, every_s: float) -> None:
        super().__init__(name="load-sampler", daemon=True)
        self.server_pid, self.data_dir, self.every_s = server_pid, data_dir, every_s
        self.began = time.monotonic()
        self.samples: list[Sample] = []
        self.polls: dict[str, set[str]] = {}  # source -> the last_attempt values seen (one per poll)
        self.poll_times: list[tuple[float, str, str]] = []  # (t, source, last_attempt) of every new poll
        self.halt = threading.Event()

    def now(self) -> float:
        return time.monotonic() - self.began

    def run(self) -> None:
        store = open_store(self.data_dir)
        me = os.getpid()
        while not self.halt.wait(self.every_s):
            children = _children()
            server = tree_of(self.server_pid, children)
            browsers = [p for p in tree_of(me, children) if p not in server and p != me]
            self.samples.append(Sample(self.now(), rss_mb(server), cpu_s(server), cpu_s(browsers)))
            for row in store.feed_health().iter_rows(named=True):
                seen = self.polls.setdefault(row["source"], set())
                stamp = str(row["last_attempt"])
                if stamp not in seen:
                    seen.add(stamp)
                    self.poll_times.append((self.now(), row["source"], stamp))


# -- the app and its browsers --------------------------------------------------------------
@contextlib.contextmanager
def running_app(data_dir: Path, log: Path, **env: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """The app as the README runs it (``streamlit run server.py``: demo city, ``env`` on top), with its pid and a log file.

    Output goes to a file: an unread pipe fills up in a long soak and then blocks the server.
    """
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("SHOWROOM_CONFIG", "SHOWROOM_INGEST")},
        "SHOWROOM_DATA_DIR": str(data_dir),
        **env,
    }

    def exited(_: subprocess.Popen) -> NoReturn:
        raise SystemExit(f"streamlit exited: {log.read_text(encoding='utf-8')[-2000:]}")

    with open(log, "w", encoding="utf-8") as out, streamlit("server.py", env, stdout=out, failed=exited) as running:
        yield running


def launch(playwright, *, idle: bool = False, work: Path | None = None):
    """Headless Chromium as the browser tests launch it; ``idle`` runs it only on otherwise idle CPU.

    The kiosk screens of a city lab are machines of their own; here their tabs (deck.gl maps in
    software WebGL) compete with the server and the measured visitor for the same cores. With
    ``idle`` the browser runs under SCHED_IDLE (``chrt --idle``; plain ``nice`` does not hold,
    Chromium sets its processes' niceness itself): the tabs still run their timers and ask the
    server for each refresh and page switch, but only on CPU nobody else wants, so they also
    ask less while the machine is busy (the kiosk traffic printed shows how much).
    """
    path = chromium_path()
    if not path:
        raise SystemExit("no Chromium: install Debian's chromium or set SHOWROOM_CHROMIUM")
    if idle:
        wrapper = (work or Path(tempfile.mkdtemp(prefix="showroom-load-"))) / "chromium-idle.sh"
        wrapper.write_text(f'#!/bin/sh\nexec chrt --idle 0 "{path}" "$@"\n', encoding="utf-8")
        wrapper.chmod(0o755)
        path = str(wrapper)
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)


def wait_for_data(browser, url: str, data_dir: Path, *, warm: bool = True, timeout_s: float = 300) -> None:
    """Wait until the demo has been polled once (the server starts ingesting; a page view would too).

    ``warm``: then visit every page once, so that measured visits find the server caches filled.
    """
    page = browser.new_page()
    page.goto(f"{url}/heute")
    store, deadline = open_store(data_dir), time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        health = store.feed_health()
        if len(health.filter(source="demo").drop_nulls("last_success")):
            break
        time.sleep(0.5)
    else:
        raise SystemExit(f"no demo data after {timeout_s:.0f} s")
    settle(page)
    for slug in PAGES if warm else ():  # fill the server caches once, as bench_pages.py does
        page.goto(f"{url}/{slug}")
        settle(page)
    page.close()


class ServerAnswer:
    """The server's share of a visit: from the page's first websocket message (its rerun request)
    to the first ``script_finished`` the server sends back.

    That is the session start, the page's script run and its deltas on the wire; what the browser
    does with them afterwards (React, plotly, deck.gl in software WebGL on this same machine) is
    not in it. Timed by the frames' arrival in Playwright, so it is an upper bound.
    """

    def __init__(self) -> None:
        self.sent: float | None = None
        self.finished: float | None = None

    def watch(self, ws) -> None:
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)

    def _sent(self, _payload) -> None:
        if self.sent is None:
            self.sent = time.perf_counter()

    def _received(self, payload) -> None:
        if self.finished is not None or self.sent is None or not isinstance(payload, bytes):
            return
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = ForwardMsg()
        with contextlib.suppress(Exception):  # a frame that is not a ForwardMsg is not the answer
            msg.ParseFromString(payload)
            if msg.WhichOneof("type") == "script_finished":
                self.finished = time.perf_counter()

    def seconds(self) -> float:
        return self.finished - self.sent if self.sent is not None and self.finished is not None else float("nan")


def fresh_visit(browser, url: str, slug: str, viewport=(1920, 1080)) -> Visit:
    """One newcomer: a new browser context (empty cache), the page, until it has settled."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        answer = ServerAnswer()
        page.on("websocket", answer.watch)
        began = time.perf_counter()
        try:
            page.goto(f"{url}/{slug}")
            settle(page, quiet_s=QUIET_S)
        except PlaywrightError as exc:  # a visit that times out is a finding with its time, not the end of the run
            errors.append(f"{slug} not settled: {str(exc).splitlines()[0]}")
            return Visit(slug, time.perf_counter() - began, errors, answer.seconds())
        seconds = time.perf_counter() - began - QUIET_S
        if page.locator('[data-testid="stException"]').count():
            errors.append(f"exception shown on {slug}")
        return Visit(slug, seconds, errors, answer.seconds())
    finally:
        context.close()


@dataclass
class Kiosk:
    page: object
    start: str
    errors: list[str] = field(default_factory=list)
    messages: int = 0  # websocket messages from the server: refreshes and page switches
    switches: int = 0


def open_kiosks(browser, url: str, count: int, *, starts=KIOSKS, viewport=(960, 540), stagger_s: float = 0.5) -> list[Kiosk]:
    """``count`` kiosk screens (start page and query of each from ``starts``, repeated), each its own session.

    They are started ``stagger_s`` apart and not waited for (see :func:`settle_kiosks`). The
    viewport is smaller than a real screen's: the server's work is the same, the tabs' drawing
    (which a real kiosk does on its own machine) is less.
    """
    kiosks = []
    for i in range(count):
        start = starts[i % len(starts)]
        page = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}).new_page()
        kiosk = Kiosk(page, start)
        page.on("pageerror", lambda exc, k=kiosk: k.errors.append(str(exc)))
        page.on("websocket", lambda ws, k=kiosk: ws.on("framereceived", lambda _: setattr(k, "messages", k.messages + 1)))
        page.on("framenavigated", lambda frame, k=kiosk: setattr(k, "switches", k.switches + (frame == k.page.main_frame)))
        try:
            page.goto(f"{url}/{start}", wait_until="commit")
        except PlaywrightError as exc:  # a starved machine: the kiosk is a finding and stays open for its next switch
            kiosk.errors.append(f"not opened: {str(exc).splitlines()[0]}")
        kiosks.append(kiosk)
        time.sleep(stagger_s)
    return kiosks


def settle_kiosks(kiosks: list[Kiosk], timeout_s: float = 120) -> None:
    """Wait until every kiosk shows a settled page, ``timeout_s`` for all of them together.

    A kiosk that has not settled by then is recorded as its problem (one starved of CPU may
    still be loading its JavaScript); the others are not kept waiting for it.
    """
    deadline = time.monotonic() + timeout_s
    for kiosk in kiosks:
        left = deadline - time.monotonic()
        try:
            if left <= 0:
                raise PlaywrightError("no time left")
            settle(kiosk.page, timeout_s=left)
        except PlaywrightError as exc:  # a kiosk that never settles is a finding, not a crash
            kiosk.errors.append(f"not settled within {timeout_s:.0f} s of opening: {str(exc).splitlines()[0]}")


def kiosk_problems(kiosks: list[Kiosk]) -> list[str]:
    out = []
    for i, kiosk in enumerate(kiosks):
        out += [f"kiosk {i} ({kiosk.start}): {e}" for e in kiosk.errors]
        with contextlib.suppress(PlaywrightError):  # a page busy switching may refuse the query once
            if kiosk.page.locator('[data-testid="stException"]').count():
                out.append(f"kiosk {i} ({kiosk.start}): exception shown at {kiosk.page.url}")
    return out


def visits_for(browser, url: str, *, count: int | None = None, until: float | None = None) -> list[Visit]:
    """Fresh visits round the pages: ``count`` per page, or as many as fit before ``until`` (monotonic)."""
    out: list[Visit] = []
    i = 0
    while (count is not None and i < count * len(PAGES)) or (until is not None and time.monotonic() < until):
        out.append(fresh_visit(browser, url, PAGES[i % len(PAGES)]))
        i += 1
    return out


# -- figures ---------------------------------------------------------------------------
def p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def answered(visits) -> list[float]:
    """The server answer times of the visits that got one (a visit that timed out may have none)."""
    return [v.server_s for v in visits if not math.isnan(v.server_s)]


def slope_mb_per_min(samples: list[Sample], start: float, end: float) -> float:
    import numpy as np

    window = [s for s in samples if start <= s.t <= end]
    if len(window) < 3:
        return float("nan")
    t = np.array([s.t for s in window]) / 60
    return float(np.polyfit(t, np.array([s.rss_mb for s in window]), 1)[0])


@dataclass
class Phase:
    name: str
    start: float
    end: float
    visits: list[Visit]


def cpu_share(samples: list[Sample], phase: Phase, attr: str) -> float:
    window = [s for s in samples if phase.start <= s.t <= phase.end]
    if len(window) < 2:
        return float("nan")
    return 100 * (getattr(window[-1], attr) - getattr(window[0], attr)) / (window[-1].t - window[0].t)


def report(phases: list[Phase], sampler: Sampler, kiosks: int, problems: list[str], soak: Phase | None, warmup_min: float) -> str:
    lines = [f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)", ""]
    lines.append(
        f"{'phase':<22} {'visits':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'errors':>6} {'server CPU':>11} {'browsers CPU':>13}"
    )
    for ph in phases + ([soak] if soak else []):
        seconds = [v.seconds for v in ph.visits]
        errors = sum(len(v.errors) for v in ph.visits)
        lines.append(
            f"{ph.name:<22} {len(seconds):>6} {p(seconds, 50):>7.2f} {p(seconds, 95):>7.2f} {max(seconds, default=float('nan')):>7.2f} "
            f"{errors:>6} {cpu_share(sampler.samples, ph, 'server_cpu_s'):>10.0f}% {cpu_share(sampler.samples, ph, 'browser_cpu_s'):>12.0f}%"
        )
    unloaded, loaded = phases[0], phases[-1]
    ratio = p([v.seconds for v in loaded.visits], 95) / p([v.seconds for v in unloaded.visits], 95)
    lines.append(f"p95 loaded / unloaded: {ratio:.2f}   target ≤ 1.5: {'ok' if ratio <= 1.5 else 'MISSED'}")
    lines.append("")
    lines.append(
        f"{'server answer':<22} {'visits':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7}   (first websocket message → script_finished)"
    )
    for ph in phases + ([soak] if soak else []):
        answers = answered(ph.visits)
        lines.append(
            f"{ph.name:<22} {len(answers):>6} {p(answers, 50):>7.2f} {p(answers, 95):>7.2f} {max(answers, default=float('nan')):>7.2f}"
        )
    ratio = p(answered(loaded.visits), 95) / p(answered(unloaded.visits), 95)
    lines.append(f"server answer p95 loaded / unloaded: {ratio:.2f}   target ≤ 1.5: {'ok' if ratio <= 1.5 else 'MISSED'}")
    lines.append("")
    lines.append(f"{'page':<12} " + " ".join(f"{ph.name.split()[0] + ' p50':>14} {'server':>7}" for ph in phases))
    for slug in PAGES:
        cells = [
            (
                p([v.seconds for v in ph.visits if v.page == slug], 50),
                p(answered(v for v in ph.visits if v.page == slug), 50),
            )
            for ph in phases
        ]
        lines.append(f"{slug:<12} " + " ".join(f"{c:>14.2f} {s:>7.2f}" for c, s in cells))
    lines.append("")
    rss = sampler.samples
    if rss:
        lines.append(
            f"server RSS: start {rss[0].rss_mb:.0f} MB, end {rss[-1].rss_mb:.0f} MB, peak {max(s.rss_mb for s in rss):.0f} MB; "
            f"slope during '{loaded.name}' {slope_mb_per_min(rss, loaded.start, loaded.end):+.2f} MB/min"
        )
    if soak:
        slope = slope_mb_per_min(rss, soak.start + warmup_min * 60, soak.end)
        at = [s.rss_mb for s in rss if s.t >= soak.start + warmup_min * 60]
        lines.append(
            f"soak {(soak.end - soak.start) / 60:.0f} min, {kiosks} kiosks: RSS {at[0] if at else float('nan'):.0f} → {rss[-1].rss_mb:.0f} MB "
            f"after {warmup_min:g} min warm-up, slope {slope:+.2f} MB/min   target ≤ 1: {'ok' if slope <= 1 else 'MISSED'}"
        )
    lines.append("")
    poll_s = {src["key"]: src["poll_s"] for src in load_config(DEFAULT_CONFIG).sources}
    for ph in phases + ([soak] if soak else []):
        minutes = (ph.end - ph.start) / 60
        counts: dict[str, int] = {}
        for t, source, _ in sampler.poll_times:
            if ph.start <= t < ph.end:
                counts[source] = counts.get(source, 0) + 1
        shown = ", ".join(
            f"{src} {n} ({n / minutes:.2f}/min, poll every {poll_s.get(src, float('nan')):.0f} s)" for src, n in sorted(counts.items())
        )
        lines.append(f"polls in '{ph.name}' ({minutes:.1f} min): {shown or 'none'}")
    lines.append(f"kiosk problems: {len(problems)}" + "".join(f"\n  {x}" for x in problems[:20]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=3, help="fresh visits per page without other viewers (default 3)")
    parser.add_argument("--minutes", type=float, default=3.0, help="minutes of fresh visits beside the kiosks (default 3)")
    parser.add_argument("--kiosks", type=int, default=20, help="concurrent kiosk sessions (default 20)")
    parser.add_argument("--soak", type=float, default=0.0, metavar="MINUTES", help="then keep the kiosks this long and fit the RSS slope")
    parser.add_argument(
        "--warmup", type=float, default=None, metavar="MINUTES", help="soak minutes left out of the fit (default: a third, at most 5)"
    )
    parser.add_argument("--sample", type=float, default=2.0, metavar="SECONDS", help="RSS and feed-health sampling interval (default 2)")
    parser.add_argument("--idle-kiosks", action="store_true", help="run the kiosk browser under SCHED_IDLE (see launch())")
    parser.add_argument("--dir", help="work directory (default: a new temporary one, deleted afterwards)")
    parser.add_argument("--json", help="also write every sample and visit to this file")
    args = parser.parse_args(argv)
    warmup = args.warmup if args.warmup is not None else min(5.0, args.soak / 3)
    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="showroom-load-"))
    data_dir = work / "data"
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; work dir {work}", flush=True)

    from playwright.sync_api import sync_playwright

    try:
        with running_app(data_dir, work / "app.log") as (proc, url), sync_playwright() as pw:
            sampler = Sampler(proc.pid, data_dir, args.sample)
            sampler.start()
            visitors, screens = launch(pw), launch(pw, idle=args.idle_kiosks, work=work)
            wait_for_data(visitors, url, data_dir)
            print(f"app at {url} has data after {sampler.now():.0f} s; {args.visits} fresh visits per page alone …", flush=True)
            began = sampler.now()
            phases = [Phase("unloaded", began, 0, visits_for(visitors, url, count=args.visits))]
            phases[0].end = sampler.now()
            print(f"opening {args.kiosks} kiosk sessions …", flush=True)
            kiosks = open_kiosks(screens, url, args.kiosks)
            settle_kiosks(kiosks)
            time.sleep(20)  # every kiosk past its first switch: the steady state of a wall of screens
            print(f"{args.minutes:g} minutes of fresh visits beside {args.kiosks} kiosks …", flush=True)
            began = sampler.now()
            loaded = visits_for(visitors, url, until=time.monotonic() + args.minutes * 60)
            phases.append(Phase(f"loaded ({args.kiosks} kiosks)", began, sampler.now(), loaded))
            soak = None
            if args.soak:
                print(f"soak: {args.kiosks} kiosks for {args.soak:g} minutes, a fresh visit each minute …", flush=True)
                began, visits = sampler.now(), []
                end = time.monotonic() + args.soak * 60
                while time.monotonic() < end:
                    visits.append(fresh_visit(visitors, url, PAGES[len(visits) % len(PAGES)]))
                    time.sleep(max(0.0, min(60.0, end - time.monotonic())))
                soak = Phase(f"soak ({args.kiosks} kiosks)", began, sampler.now(), visits)
            problems = kiosk_problems(kiosks)
            sampler.halt.set()
            sampler.join()
            print()
            print(report(phases, sampler, args.kiosks, problems, soak, warmup))
            print(f"kiosk traffic: {sum(k.messages for k in kiosks)} websocket messages, {sum(k.switches for k in kiosks)} page switches")
            if args.json:
                Path(args.json).write_text(
                    json.dumps(
                        {
                            "phases": [asdict(ph) for ph in [*phases, *([soak] if soak else [])]],
                            "samples": [asdict(s) for s in sampler.samples],
                            "polls": sampler.poll_times,
                        },
                        indent=1,
                    ),
                    encoding="utf-8",
                )
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
