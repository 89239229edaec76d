"""Accessibility: axe-core (from npm, ``npm ci --prefix tests/web``) inside real Chromium finds no serious or
critical violation on the main pages, at a phone's width and a desktop's; the menu and forms work by keyboard.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from interfaces.web.app import create_app
from interfaces.web.server import BackgroundServer
from tests.web.browser import LAUNCH_ARGS, PASSWORD, TODAY, demo_database, ensure_chromium
from tests.web.conftest import LI
from workflow.clock import FixedClock

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
MAIN_PAGES = ["/", "/applicants", "/applicants/new", f"/applicants/{LI}", f"/applicants/{LI}/history",
              f"/applicants/{LI}/steps/activist_assessed", "/meetings", "/inbox", "/procedure", "/organisations",
              "/organisations/2", "/organisations/2/policy", "/members/1", "/outbox", "/calendar", f"/withdrawals?case={LI}",
              f"/applicants/{LI}/export", "/exchange/import"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    clock = FixedClock.on(TODAY)
    url = demo_database(f"sqlite:///{tmp_path_factory.mktemp('a11y') / 'fazhan.db'}", clock)
    with BackgroundServer(create_app(url, clock)) as running:
        yield running.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not AXE.exists():  # as browser.py installs Chromium: from the package registry, pinned by the lock file
        if shutil.which("npm") is None:
            raise RuntimeError("缺少 axe-core 和 npm：请先 apt-get install -y npm，再运行 npm ci --prefix tests/web")
        subprocess.run(["npm", "ci", "--prefix", str(AXE.parents[2]), "--no-audit", "--no-fund"], check=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=ensure_chromium(), args=LAUNCH_ARGS)
        yield launched
        launched.close()


def _serious(page: Page) -> list[str]:
    """axe's serious and critical violations on the page, one line each (rule, first element, help)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {json.dumps(v['nodes'][0]['target'], ensure_ascii=False)}"
            for v in found if v["impact"] in {"serious", "critical"}]


@pytest.mark.parametrize("width", [375, 1280], ids=["phone", "desktop"])
def test_main_pages_have_no_serious_accessibility_violation(browser: Browser, server: str, width: int) -> None:
    # The app's CSP forbids inline scripts; the test lifts it only to inject axe.
    context = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": width, "height": 900},
                                  bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login")
    problems = {"/login": _serious(page)}
    page.fill("input[name=username]", "chenjing")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".who-name")).to_be_visible()
    for path in MAIN_PAGES:
        page.goto(path)
        problems[path] = _serious(page)
    page.goto("/meetings")  # the meeting page, typed into during the meeting
    page.select_option("select[name=kind]", "branch_general_meeting")
    page.click("#open-meeting button[type=submit]")
    expect(page.locator("#done")).to_be_visible()
    problems[page.url] = _serious(page)
    assert {path: found for path, found in problems.items() if found} == {}
    context.close()


def test_the_phone_menu_and_a_form_work_by_keyboard(browser: Browser, server: str) -> None:
    context = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.name")
    while focused != "username":
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.name")
    page.keyboard.type("chenjing")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator(".who-name")).to_be_visible()
    page.focus(".menu-toggle")
    page.keyboard.press("Enter")
    expect(page.locator("#main-nav")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "工作台"
    context.close()
