"""Screenshots of running app pages in headless Chromium at 1920×1080 (for looking, not for tests).

python scripts/screenshot.py http://127.0.0.1:8501 heute karte?lang=en heute?kiosk=1 --out screenshots
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.pages.browser import CHROMIUM_ARGS, chromium_path, settle


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
            settle(page, quiet_s=1.5, timeout_s=30)
            name = path.replace("?", "_").replace("&", "_").replace("=", "-").replace("/", "_") or "root"
            page.screenshot(path=str(out / f"{name}.png"), full_page=args.full)
            print(f"{path}: {time.monotonic() - start:.1f} s -> {out / name}.png")
        browser.close()


if __name__ == "__main__":
    main()
