"""Two app servers and one ingest process on one PostgreSQL database, with the demo city, in Chromium.

Both servers show the same numbers and the same workshop scenario; only the ingest process
polls; when it dies, one of the servers takes over within one poll interval.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from core.store import open_store
from core.store.postgresql import parse_location
from tests.pages.browser import browser_page, chromium, exited, streamlit

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
POLL_S = 10


def city(folder: Path) -> Path:
    """The demo city polled every 10 s with two days of history (a quick backfill)."""
    text = (ROOT / "config" / "menden.toml").read_text(encoding="utf-8")
    text = text.replace('poll = "1m"', f'poll = "{POLL_S}s"', 1).replace("backfill_days = 14", "backfill_days = 2", 1)
    assert f'poll = "{POLL_S}s"' in text and "backfill_days = 2" in text
    (folder / "menden.toml").write_text(text, encoding="utf-8")
    (folder / "menden-outline.geojson").write_bytes((ROOT / "config" / "menden-outline.geojson").read_bytes())
    return folder / "menden.toml"


def leader_pid(url: str) -> int | None:
    """The process holding the ingest lock, from the application name of its session."""
    conninfo, _ = parse_location(url)
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'showroom-leader ingest %'"
        ).fetchall()
    assert len(rows) <= 1, rows
    return int(rows[0][0].rsplit(":", 1)[1]) if rows else None


def tiles(page, url: str) -> list[str]:
    page.goto(f"{url}/heute")
    page.locator(".scs-tile").nth(8).wait_for(timeout=90_000)
    return [re.sub(r"Stand: \S+", "", text) for text in page.locator(".scs-tile").all_inner_texts()]


def wait_for(check, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"{what} within {timeout_s:.0f} s")


def test_two_servers_and_one_ingest_share_one_database(pg_url, tmp_path):
    chromium()
    env = {**os.environ, "SHOWROOM_DATABASE_URL": pg_url, "SHOWROOM_CONFIG": str(city(tmp_path)), "SHOWROOM_DATA_DIR": str(tmp_path / "no")}
    logs = [(tmp_path / f"{name}.log").open("w+") for name in ("ingest", "a", "b")]
    ingest = subprocess.Popen([sys.executable, "-m", "core.ingest", "--loop"], cwd=ROOT, env=env, stdout=logs[0], stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: leader_pid(pg_url) == ingest.pid, 60, "the ingest process leads")
        store = open_store(pg_url)
        wait_for(lambda: store.feed_health().height, 120, "the first poll is stored")
        with (
            streamlit("server.py", env, stdout=logs[1], failed=exited) as (server_a, url_a),
            streamlit("server.py", env, stdout=logs[2], failed=exited) as (server_b, url_b),
            browser_page() as page,
        ):
            # the same numbers on both servers (a poll in between changes them: then once more)
            for _ in range(4):
                first, other, again = tiles(page, url_a), tiles(page, url_b), tiles(page, url_a)
                if first == again:
                    break
            assert first == again == other, (first, other)
            assert leader_pid(pg_url) == ingest.pid  # the servers asked and were refused
            # a scenario started on one server runs on the other
            page.goto(f"{url_a}/heute?scenario=hitzetag&speed=10")
            page.get_by_text("Szenario: Hitzetag").first.wait_for(timeout=60_000)
            page.goto(f"{url_b}/heute")
            page.get_by_text("Szenario: Hitzetag").first.wait_for(timeout=60_000)
            page.goto(f"{url_b}/heute?scenario=stop")
            page.locator(".scs-tile").first.wait_for(timeout=60_000)
            wait_for(lambda: store.state("scenario") is None, 30, "the scenario is stopped in the database")
            page.goto(f"{url_a}/heute")
            page.locator(".scs-tile").first.wait_for(timeout=60_000)
            assert not page.get_by_text("Szenario:").count()
            # the poller dies: a server takes over within one poll interval (plus its own first poll)
            before = store.feed_health()["last_attempt"].max()
            ingest.send_signal(signal.SIGKILL)
            ingest.wait(timeout=10)
            taken = wait_for(lambda: leader_pid(pg_url), POLL_S + 15, "a server leads after the ingest process was killed")
            assert taken in (server_a.pid, server_b.pid)
            wait_for(lambda: store.feed_health()["last_attempt"].max() > before, 2 * POLL_S + 15, "the new leader polls")
            assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            ingest.kill()
        ingest.wait()
        for log in logs:
            log.close()
