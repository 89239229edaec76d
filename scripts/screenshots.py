"""Screenshots for the README, taken from the running app in Debian's headless Chromium.

    .venv/bin/python scripts/screenshots.py        # writes docs/screenshots/*.png

The app runs on a temporary SQLite database with the demo data, "today" fixed at tests.web.browser.TODAY.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from interfaces.web.app import create_app  # noqa: E402
from interfaces.web.server import BackgroundServer  # noqa: E402
from tests.web.browser import LAUNCH_ARGS, PASSWORD, TODAY, demo_database, ensure_chromium  # noqa: E402
from workflow.clock import FixedClock  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
VIEWPORTS = {"": {"width": 1280, "height": 860}, "-phone": {"width": 390, "height": 844}}
APPLICANT = 3  # 王浩然: a 发展对象 with most of the first three stages done
PAGES = {"organisations": "/organisations", "roster": "/organisations/2", "member": "/members/1",
         "outbox": "/outbox?show=all", "withdrawals": "/withdrawals?case=2"}


def _login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _meeting(page: Page, base: str) -> str:
    """A 党员大会 opened on the meeting page, everyone present: the page a secretary types into."""
    page.goto(f"{base}/meetings")
    page.select_option("select[name=organisation]", "计算机学院学生第一党支部")
    page.select_option("select[name=kind]", "branch_general_meeting")
    page.click("#open-meeting button[type=submit]")
    path = page.url.removeprefix(base).split("?")[0]
    for box in page.locator("#attendance input[type=checkbox]").all()[:7]:
        box.check()
    page.click("#attendance button[type=submit]")
    return path


def main() -> None:
    chromium = ensure_chromium()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        clock = FixedClock.on(TODAY)
        url = demo_database(f"sqlite:///{folder}/fazhan.db", clock)
        with BackgroundServer(create_app(url, clock)) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
            for suffix, viewport in VIEWPORTS.items():
                phone = bool(suffix)
                context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=phone,
                                              device_scale_factor=2 if phone else 1)
                page = context.new_page()
                _login(page, server.url, "chenjing")
                page.screenshot(path=OUT / f"dashboard{suffix}.png", full_page=True)
                page.goto(f"{server.url}/applicants/{APPLICANT}")
                page.screenshot(path=OUT / f"applicant{suffix}.png", full_page=True)
                for name, path in PAGES.items():
                    page.goto(f"{server.url}{path}")
                    page.screenshot(path=OUT / f"{name}{suffix}.png", full_page=True)
                page.goto(f"{server.url}{_meeting(page, server.url)}")
                page.screenshot(path=OUT / f"meeting{suffix}.png", full_page=True)
                if phone:  # the folded menu, opened
                    page.goto(f"{server.url}/")
                    page.click(".menu-toggle")
                    page.screenshot(path=OUT / "menu-phone.png")
                context.close()
            browser.close()
    for png in sorted(OUT.glob("*.png")):
        print(f"{png.relative_to(ROOT)}  {png.stat().st_size // 1024} KB")  # noqa: T201


if __name__ == "__main__":
    main()
