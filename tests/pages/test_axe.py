"""Every page of the navigation table through axe-core in headless Chromium: no serious or critical WCAG 2.1 A/AA violation.

Pages come from ``ui.navigation.PAGES``, so a page added later is audited without a line here.
Each is audited at 1920×1080 (the MendenLab screens, a desk), at phone width (390×844) and in
kiosk mode. One app and one browser serve all of them (an xdist group keeps them on one worker);
axe is injected into every document before the page's own scripts run. axe-core is pinned and
installed by ``.ci/run`` (``SHOWROOM_AXE`` names another ``axe.min.js``); without it the audit is
skipped, except under ``CI``.
"""

from __future__ import annotations

import shutil
import time

import pytest

from tests.pages.browser import CHROMIUM_ARGS, audit, axe, blocking, chromium, describe, running_app, settle
from ui.navigation import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("axe")]

VIEWS = {"desktop": (1920, 1080, ""), "phone": (390, 844, ""), "kiosk": (1920, 1080, "?kiosk=1")}


@pytest.fixture(scope="session")  # not "module": xdist may slot another module's test between these, which ends a module fixture
def browser_views(demo_store_dir, tmp_path_factory):
    """``(app url, {view: page})``: one app on a copy of the demo store, one Chromium, a tab per view."""
    from playwright.sync_api import sync_playwright

    executable, script = chromium(), axe()
    data = tmp_path_factory.mktemp("axe") / "store"
    shutil.copytree(demo_store_dir, data)
    start = time.monotonic()
    with running_app(data, SHOWROOM_INGEST="off") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        tabs = {}
        for name, (width, height, _) in VIEWS.items():
            tabs[name] = browser.new_page(viewport={"width": width, "height": height})
            tabs[name].add_init_script(path=str(script))
        try:
            yield url, tabs
        finally:
            browser.close()
            print(f"\naxe: {len(PAGES)} pages × {len(VIEWS)} views in {time.monotonic() - start:.1f} s (server start included)")


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("slug", [spec.slug for spec in PAGES])
def test_no_serious_or_critical_violation(browser_views, slug, view):
    url, tabs = browser_views
    page = tabs[view]
    start = time.monotonic()
    page.goto(f"{url}/{slug}{VIEWS[view][2]}")
    settle(page, quiet_s=0.5)
    assert page.locator('[data-testid="stException"]').count() == 0
    loaded = time.monotonic()
    found = audit(page)
    took = f"page {loaded - start:.1f} s, axe {time.monotonic() - loaded:.1f} s"
    print(f"\n{slug} {view}: {len(found)} violations, {len(blocking(found))} serious or critical ({took})")
    if found:
        print(describe(found))
    assert not blocking(found), f"{slug} ({view}):\n{describe(blocking(found))}"


def test_the_audit_sees_a_contrast_failure(browser_views):
    """The audit is not blind: a page with grey-on-grey text fails it."""
    _, tabs = browser_views
    page = tabs["desktop"]
    page.set_content(
        '<html lang="de"><head><title>Probe</title></head><body><main><h1>Probe</h1>'
        '<p style="color:#999;background:#aaa">schlecht lesbar</p></main></body></html>'
    )
    page.evaluate(axe().read_text(encoding="utf-8"))  # set_content makes no new document: no init script ran
    assert [v["id"] for v in blocking(audit(page))] == ["color-contrast"]
