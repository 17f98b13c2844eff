"""Every page of the navigation table through axe-core in headless Chromium: no serious or critical WCAG 2.1 A/AA violation.

Pages come from ``ui.navigation.PAGES``, so a page added later is audited without a line here.
Each is audited at 1920×1080 (the MendenLab screens, a desk), at phone width (390×844) and in
kiosk mode. One test drives one app and one browser through all of them (pytest-xdist's
``xdist_group`` does not keep parametrized tests on one worker here, and two servers would halve
the machine), audits every page before it fails, and prints a line per page and view. axe is
injected into every document before the page's own scripts run. axe-core is pinned and installed
by ``.ci/run`` (``SHOWROOM_AXE`` names another ``axe.min.js``); without it the audit is skipped,
except under ``CI``.
"""

from __future__ import annotations

import time

import pytest

from tests.pages.browser import CHROMIUM_ARGS, audit, axe, blocking, browser_page, chromium, describe, running_app, settle
from ui.navigation import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWS = {"desktop": (1920, 1080, ""), "phone": (390, 844, ""), "kiosk": (1920, 1080, "?kiosk=1")}


def test_every_page_in_every_view_has_no_serious_or_critical_violation(demo_store, tmp_path):
    from playwright.sync_api import sync_playwright

    executable, script = chromium(), axe()
    data = tmp_path / "store"
    demo_store.copy(data)
    lines, failures = [], []
    start = time.monotonic()
    with running_app(data, SHOWROOM_INGEST="off") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for view, (width, height, query) in VIEWS.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                page.add_init_script(path=str(script))
                for spec in PAGES:
                    opened = time.monotonic()
                    page.goto(f"{url}/{spec.slug}{query}")
                    settle(page, quiet_s=0.5)
                    loaded = time.monotonic()
                    found = audit(page)
                    bad = blocking(found)
                    took = f"page {loaded - opened:.1f} s, axe {time.monotonic() - loaded:.1f} s"
                    lines.append(f"{spec.slug} {view}: {len(found)} violations, {len(bad)} serious or critical ({took})")
                    lines += [describe(found)] if found else []
                    if page.locator('[data-testid="stException"]').count():
                        failures.append(f"{spec.slug} ({view}): the page shows an exception")
                    if bad:
                        failures.append(f"{spec.slug} ({view}):\n{describe(bad)}")
                page.close()
        finally:
            browser.close()
    print(
        "\n"
        + "\n".join(lines)
        + f"\naxe: {len(PAGES)} pages × {len(VIEWS)} views in {time.monotonic() - start:.1f} s (server start included)"
    )
    assert not failures, "\n".join(failures)


def test_the_audit_sees_a_contrast_failure():
    """The audit is not blind: a page with grey-on-grey text fails it."""
    script = axe()
    with browser_page() as page:
        page.set_content(
            '<html lang="de"><head><title>Probe</title></head><body><main><h1>Probe</h1>'
            '<p style="color:#999;background:#aaa">schlecht lesbar</p></main></body></html>'
        )
        page.evaluate(script.read_text(encoding="utf-8"))
        assert [v["id"] for v in blocking(audit(page))] == ["color-contrast"]
