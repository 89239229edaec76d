"""Every page on a 375-px phone and on a desktop, in real Chromium: no sideways scrolling, a menu that folds.

Also: a reminder's link opens the right page after the login it asks for (``next=``), and the pages speak
the secretary's language (no command lines, no rule tags, no raw event codes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from interfaces.web.app import create_app
from interfaces.web.server import BackgroundServer
from tests.web.browser import LAUNCH_ARGS, PASSWORD, TODAY, demo_database, ensure_chromium
from tests.web.conftest import LI
from workflow.clock import FixedClock

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
PAGES = ["/", "/applicants", "/applicants/new", f"/applicants/{LI}", f"/applicants/{LI}/history",
         f"/applicants/{LI}/steps/activist_assessed", "/meetings", "/inbox", "/procedure", "/audit", "/organisations",
         "/organisations/2", "/organisations/2/policy", "/members/1", "/meetings/999", "/outbox?show=all", "/calendar",
         f"/meetings/{{meeting}}/items/new?case_id={LI}&purpose=admission", f"/withdrawals?case={LI}", "/ledger/summary",
         f"/applicants/{LI}/export", "/exchange/import"]
PROGRAMMERS_WORDS = re.compile(r"fazhan |--[a-z]|states/|\[(V|W|M|G|R26)\]|meeting_|step_refused|API")
# The audit page explains checkpoints to administrators with the command they run; it is checked for width only.
FOR_ADMINISTRATORS = {"/audit"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    clock = FixedClock.on(TODAY)
    url = demo_database(f"sqlite:///{tmp_path_factory.mktemp('phone') / 'fazhan.db'}", clock)
    with BackgroundServer(create_app(url, clock)) as running:
        yield running.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=ensure_chromium(), args=LAUNCH_ARGS)
        yield launched
        launched.close()


def _login(page: Page, username: str = "chenjing") -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def _overflow(page: Page) -> int:
    return int(page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))


def _meeting(page: Page) -> str:
    """Open a 党员大会 through its form: the page a secretary types into during the meeting."""
    page.goto("/meetings")
    page.select_option("select[name=organisation]", "计算机学院学生第一党支部")
    page.select_option("select[name=kind]", "branch_general_meeting")
    page.click("#open-meeting button[type=submit]")
    expect(page.locator("#done")).to_be_visible()
    return "/meetings" + page.url.split("?")[0].split("/meetings", 1)[1]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_page_fits_the_screen_without_sideways_scrolling(browser: Browser, server: str,
                                                               viewport: dict[str, int]) -> None:
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=viewport)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login")
    assert _overflow(page) <= 0, "/login"
    _login(page, "admin")
    expect(page.locator(".who-name")).to_be_visible()
    meeting = _meeting(page)
    # Every page the menu offers, including those other parts of the project add, and the pages above.
    menu = page.locator("#main-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    pages = [*dict.fromkeys([*menu, *(p.replace("{meeting}", meeting.rsplit("/", 1)[1]) for p in PAGES), meeting])]
    for path in pages:
        page.goto(path)
        assert _overflow(page) <= 0, f"{path} scrolls sideways by {_overflow(page)} px at {viewport['width']} px"
        text = page.locator("body").inner_text()
        if path not in FOR_ADMINISTRATORS:
            assert not PROGRAMMERS_WORDS.search(text), f"{path}: {PROGRAMMERS_WORDS.search(text)}"
    context.close()


def test_the_menu_folds_on_a_phone_and_every_link_is_reachable(browser: Browser, server: str) -> None:
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto("/login")
    _login(page)
    toggle = page.locator(".menu-toggle")
    expect(toggle).to_be_visible()
    expect(page.locator("#main-nav")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    for label in ("工作台", "申请人", "会议", "通知", "党组织和党员", "流程图", "审计"):
        link = page.locator("#main-nav a", has_text=label).first
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], label
    page.locator("#main-nav a", has_text="党组织和党员").click()
    expect(page.locator("h1")).to_have_text("党组织和党员")
    context.close()
    desktop = browser.new_context(base_url=server, locale="zh-CN", viewport=DESKTOP)  # type: ignore[arg-type]
    page = desktop.new_page()
    page.goto("/login")
    _login(page)
    expect(page.locator(".menu-toggle")).to_be_hidden()
    expect(page.locator("#main-nav a", has_text="审计")).to_be_visible()
    desktop.close()


def test_a_reminder_link_opens_its_page_after_login(browser: Browser, server: str) -> None:
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(f"/applicants/{LI}")
    assert "/login?next=" in page.url
    _login(page)
    expect(page.locator("h1")).to_contain_text("李明")
    assert page.url.endswith(f"/applicants/{LI}")
    # 李明's half-yearly assessment is past its date: it is marked overdue, not "possible now".
    expect(page.locator("#overdue")).to_contain_text("6. 培养教育考察")
    expect(page.locator("#overdue")).to_contain_text("已逾期")
    expect(page.locator("#possible")).not_to_contain_text("6. 培养教育考察")
    page.goto("/meetings/999")
    expect(page.locator("main")).to_contain_text("找不到会议（编号999）")
    context.close()
