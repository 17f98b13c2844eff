"""Screenshots of running app pages in headless Chromium at 1920×1080 (for looking, not for tests).

    python scripts/screenshot.py http://127.0.0.1:8501 heute karte?lang=en heute?kiosk=1 --out screenshots
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("SHOWROOM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def wait_settled(page, timeout_s: float = 30.0) -> None:
    """Wait until Streamlit has rendered the page and is not running a script any more."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        # kiosk CSS hides the status widget but leaves it in the page: ask whether it is visible
        running = page.locator('[data-testid="stStatusWidget"]').is_visible() or page.locator('[data-testid="stSkeleton"]').count() > 0
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.5:
            return
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--full", action="store_true", help="full-page screenshot")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        for path in args.paths:
            start = time.monotonic()
            page.goto(f"{args.base}/{path}")
            wait_settled(page)
            name = path.replace("?", "_").replace("&", "_").replace("=", "-").replace("/", "_") or "root"
            page.screenshot(path=str(out / f"{name}.png"), full_page=args.full)
            print(f"{path}: {time.monotonic() - start:.1f} s -> {out / name}.png")
        browser.close()


if __name__ == "__main__":
    main()
