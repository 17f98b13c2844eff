"""Five kiosk screens and a newcomer at once, the short form of scripts/load.py: all settle, no errors."""

from __future__ import annotations

import importlib.util
import sys
import time

import pytest

from tests.pages.browser import ROOT, chromium

pytestmark = pytest.mark.browser


def load_script():
    spec = importlib.util.spec_from_file_location("showroom_load", ROOT / "scripts" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# Light pages (no plotly or deck.gl bundles) and a page switch every 5 s: the test is about
# concurrent sessions on one server, and stays within a minute on a 2-core machine.
KIOSKS = ("heute?kiosk=1&rotate=5&pages=heute,quellen", "quellen?kiosk=1&rotate=5&pages=quellen,heute")


def test_five_kiosks_and_a_fresh_visit_settle_without_errors(demo_copy, tmp_path):
    chromium()
    from playwright.sync_api import sync_playwright

    load = load_script()
    began = time.monotonic()
    with load.running_app(demo_copy, tmp_path / "app.log", SHOWROOM_INGEST="off") as (_, url), sync_playwright() as pw:
        screens, visitors = load.launch(pw), load.launch(pw)
        load.wait_for_data(visitors, url, demo_copy, warm=False)
        kiosks = load.open_kiosks(screens, url, 5, starts=KIOSKS, stagger_s=0.2)
        visit = load.fresh_visit(visitors, url, "heute")
        load.settle_kiosks(kiosks, timeout_s=40)
        screens.contexts[0].pages[0].wait_for_timeout(6000)  # long enough for every kiosk to switch page once
        problems = load.kiosk_problems(kiosks)
        live = [k.messages > 0 and k.switches > 1 for k in kiosks]
    print(f"\n5 kiosks + a fresh visit: Heute settled after {visit.seconds:.1f} s, {time.monotonic() - began:.0f} s in all")
    assert problems == []
    assert visit.errors == []
    assert 0 < visit.server_s < visit.seconds  # the server's answer is measured, and is a part of the visit
    assert live == [True] * 5  # every kiosk has its own live session and rotates
