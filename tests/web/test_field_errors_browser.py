"""Errors beside their fields in real Chromium, at a phone's width and a desktop's (issue 16 item 7): the cursor
lands in the field to mend (even one folded inside 补录纸质记录), what was typed is still there, the page does
not scroll sideways, and axe-core finds no serious or critical violation with the errors shown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from interfaces.web.app import create_app
from interfaces.web.server import BackgroundServer
from tests.web.browser import LAUNCH_ARGS, PASSWORD, TODAY, demo_database, ensure_chromium
from tests.web.conftest import LI
from tests.web.test_accessibility import AXE, _serious
from workflow.clock import FixedClock


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    clock = FixedClock.on(TODAY)
    url = demo_database(f"sqlite:///{tmp_path_factory.mktemp('errors') / 'fazhan.db'}", clock)
    with BackgroundServer(create_app(url, clock)) as running:
        yield running.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert AXE.exists(), "npm ci --prefix tests/web"  # test_accessibility.py installs it when missing
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=ensure_chromium(), args=LAUNCH_ARGS)
        yield launched
        launched.close()


def _check(page: Page, field: str, message: str) -> None:
    control = page.locator(f"main form [name='{field}'][aria-invalid='true']")
    expect(control).to_be_focused()
    note = page.locator(f"#{control.get_attribute('aria-describedby')}")
    expect(note).to_be_visible()
    expect(note).to_contain_text(message)
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 0
    assert _serious(page) == []


@pytest.mark.parametrize("width", [375, 1280], ids=["phone", "desktop"])
def test_errors_beside_their_fields_on_a_phone_and_a_desktop(browser: Browser, server: str, width: int) -> None:
    context = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": width, "height": 800},
                                  bypass_csp=True)  # the app's CSP forbids inline scripts; lifted only to inject axe
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", "chenjing")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".who-name")).to_be_visible()

    page.goto(f"/applicants/{LI}/steps/activist_assessed")
    page.fill("input[name=on]", (TODAY - timedelta(days=60)).isoformat())
    page.fill("input[name=summary]", "表现良好，按期参加党课")
    page.click("#step-form button[type=submit]")
    _check(page, "backfill_reason", "请写明补录原因")
    expect(page.locator("input[name=summary]")).to_have_value("表现良好，按期参加党课")

    page.goto(f"/withdrawals?case={LI}")
    page.fill("textarea[name=reason]", "   ")  # passes the browser's own check, not the server's
    page.check("input[name=confirm]")
    page.click("form[action='/withdrawals'] button[type=submit]")
    _check(page, "reason", "退出原因")
    expect(page.locator("select[name=case]")).to_have_value(str(LI))
    context.close()
