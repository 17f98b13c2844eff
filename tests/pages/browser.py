"""Start the real app on a free port and drive it with headless Chromium (Playwright); audit pages with axe-core."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Where .ci/run installs the pinned axe-core (npm); SHOWROOM_AXE names another axe.min.js.
AXE_DEFAULT = Path.home() / ".cache" / "showroom" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
BLOCKING = ("serious", "critical")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("SHOWROOM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def chromium() -> str:
    """Path of the system Chromium; skip (or fail under CI) when there is none."""
    path = chromium_path()
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail("CI is set but no Chromium was found (install Debian's chromium or set SHOWROOM_CHROMIUM)")
    pytest.skip("no Chromium on PATH and SHOWROOM_CHROMIUM not set")


def axe_path() -> Path | None:
    path = Path(os.environ.get("SHOWROOM_AXE") or AXE_DEFAULT)
    return path if path.is_file() else None


def axe() -> Path:
    """Path of axe.min.js; skip (or fail under CI) when it is not installed (``.ci/run`` installs it)."""
    path = axe_path()
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(
            f"CI is set but axe-core was not found at {os.environ.get('SHOWROOM_AXE') or AXE_DEFAULT} (run .ci/run or set SHOWROOM_AXE)"
        )
    pytest.skip("axe-core not installed (npm install --prefix ~/.cache/showroom/axe axe-core, or set SHOWROOM_AXE)")


def audit(page, tags: tuple[str, ...] = WCAG_TAGS) -> list[dict]:
    """axe-core's violations of the rules tagged ``tags`` on the page as it is now.

    The page must carry axe already (``page.add_init_script(path=axe())`` before ``goto``).
    """
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " targets: v.nodes.map(n => n.target.join(' ')), html: v.nodes.map(n => n.html.slice(0, 160))})))",
        list(tags),
    )


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict], limit: int = 5) -> str:
    """One line per violation (rule, impact, help) and its first ``limit`` targets."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} [{v['impact']}] {v['help']} ({len(v['targets'])} nodes)")
        lines += [f"    {target}" for target in v["targets"][:limit]]
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit(script: str, environment: Mapping[str, str], *, stdout, failed: Callable[[subprocess.Popen], NoReturn]):
    """``streamlit run <script>`` headless on a free port of 127.0.0.1: the process and its URL once the port answers.

    ``failed(proc)`` is called (and must raise) when the process exits before that; the process
    is stopped on leaving. The browser tests, tests/test_server.py and scripts/load.py start the app this way.
    """
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(command, cwd=ROOT, env=dict(environment), stdout=stdout, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if proc.poll() is not None:
                failed(proc)
            time.sleep(0.2)
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def exited(proc: subprocess.Popen) -> NoReturn:
    pytest.fail(f"streamlit exited: {proc.stdout.read() if proc.stdout else '(output not kept)'}")


@contextlib.contextmanager
def running_app(data_dir: Path, *, script: str = "app.py", **env: str) -> Iterator[str]:
    """The app on a free port; ``script="server.py"`` serves it with the server's security headers."""
    environment = {**os.environ, "SHOWROOM_DATA_DIR": str(data_dir), **env}
    environment.pop("SHOWROOM_CONFIG", None) if "SHOWROOM_CONFIG" not in env else None
    with streamlit(script, environment, stdout=subprocess.PIPE, failed=exited) as (_, url):
        yield url


@contextlib.contextmanager
def browser_page(width: int = 1920, height: int = 1080):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors
        try:
            yield page
        finally:
            browser.close()


def settle(page, *, quiet_s: float = 0.3, timeout_s: float = 60.0) -> float | None:
    """Wait until the page has a title and Streamlit has run no script for ``quiet_s``.

    Kiosk CSS hides the status widget but leaves it in the page, so visibility is what counts.
    Returns the ``time.monotonic()`` at which the page went quiet (a timing is up to then, not
    up to the end of the wait), or None when it never did within ``timeout_s``.
    """
    page.wait_for_selector("h1", timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    quiet = None
    while time.monotonic() < deadline:
        busy = page.locator('[data-testid="stStatusWidget"]').is_visible() or page.locator('[data-testid="stSkeleton"]').count()
        if busy:
            quiet = None
        elif quiet is None:
            quiet = time.monotonic()
        elif time.monotonic() - quiet >= quiet_s:
            return quiet
        time.sleep(0.05)
