"""A secretary imports a 台账 in a real headless Chromium: choose the file, read the preview, confirm (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from interfaces.web.app import create_app
from interfaces.web.server import BackgroundServer
from tests.ledger.sheets import person, workbook, xlsx
from tests.ledger.test_import import broken_histories
from tests.web.browser import LAUNCH_ARGS, PASSWORD, TODAY, demo_database, ensure_chromium
from workflow.clock import FixedClock


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    clock = FixedClock.on(TODAY)
    url = demo_database(f"sqlite:///{tmp_path_factory.mktemp('ledger-web') / 'fazhan.db'}", clock)
    with BackgroundServer(create_app(url, clock)) as running:
        yield running.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = ensure_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield launched
        launched.close()


def test_upload_preview_and_confirm(browser: Browser, server: str, tmp_path: Path) -> None:
    ledger = tmp_path / "支部台账.xlsx"
    rows = [*broken_histories()[:2], person("钱多", date(2001, 1, 1), 9, {"递交申请书时间": "2024.2.30"})]
    ledger.write_bytes(xlsx(workbook(rows, title="计算机学院学生第一党支部发展党员台账")))
    context = browser.new_context(base_url=server, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", "chenjing")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav >> text=台账")
    page.set_input_files("input[name=file]", str(ledger))
    page.click("text=检查并预览")
    rejected = page.locator("tr.ledger-rejected")
    expect(rejected).to_contain_text("台账第5行")
    expect(rejected).to_contain_text("「递交申请书时间」「2024.2.30」不是存在的日期。")
    expect(page.locator("tr.ledger-findings")).to_contain_text("第十三条")
    expect(page.locator("#ledger-summary")).to_contain_text("拒收1行")
    page.click("text=确认导入")
    expect(page.locator(".alert-bad")).to_contain_text("整个台账未导入")
    page.check("input[name=partial]")
    page.click("text=确认导入")
    expect(page.locator(".alert-good")).to_contain_text("已导入2人")
    page.goto("/applicants?name=王强")
    expect(page.locator("table")).to_contain_text("王强")
    context.close()
