"""End to end in a real headless Chromium (Debian's package, driven by Playwright) against uvicorn.

A secretary logs in, registers an applicant, records steps, meets a refusal with its article and date and
records the 支部大会 on the meeting page (attendance, one item, its ballot); the committee's 组织员 records the committee steps and approves; the secretary of
another branch can neither see nor change the applicant, through the pages or the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from interfaces.web.app import create_app
from interfaces.web.server import BackgroundServer
from tests.web.browser import LAUNCH_ARGS, PASSWORD, TODAY, demo_database, ensure_chromium
from tests.web.conftest import LI, WANG
from workflow.clock import FixedClock

ON = TODAY.isoformat()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    clock = FixedClock.on(TODAY)
    url = demo_database(f"sqlite:///{tmp_path_factory.mktemp('web') / 'fazhan.db'}", clock)
    with BackgroundServer(create_app(url, clock)) as running:
        yield running.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = ensure_chromium()  # installs Debian's chromium and fonts-noto-cjk when missing
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield launched
        launched.close()


def _context(browser: Browser, server: str, username: str, **options: object) -> tuple[BrowserContext, Page]:
    context = browser.new_context(base_url=server, locale="zh-CN", **options)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".who-name")).to_be_visible()
    return context, page


def _record(page: Page, case_id: int, slug: str, fields: dict[str, str] | None = None, *,
            checks: tuple[str, ...] = ()) -> None:
    """Open a step's form from the applicant page's panel, fill it in and submit it."""
    page.goto(f"/applicants/{case_id}")
    page.click(f"#next a[href='/applicants/{case_id}/steps/{slug}']")
    page.fill("input[name=on]", ON)
    for name, value in (fields or {}).items():
        target = page.locator(f"[name='{name}']")
        if target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    for name in checks:
        page.check(f"[name='{name}']")
    page.click("#step-form button[type=submit]")
    expect(page.locator("#recorded")).to_be_visible()


def test_secretary_and_organiser_take_an_applicant_through_admission(browser: Browser, server: str,
                                                                     tmp_path: Path) -> None:
    context, page = _context(browser, server, "chenjing")
    # Register a new applicant and record the first two steps.
    page.click("text=登记申请人")
    page.fill("input[name=name]", "钱七")
    page.select_option("select[name=sex]", "女")
    page.fill("input[name=birth_date]", "2005-02-01")
    page.click("form.form button[type=submit]")
    expect(page.locator(".alert-good")).to_contain_text("已登记申请人「钱七」")
    new_case = int(re.search(r"/applicants/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    _record(page, new_case, "application_submitted", {"organisation_basis": "study_unit"})
    _record(page, new_case, "talk_held", {"talker": "陈静"})
    expect(page.locator("li.tl-done[data-step=talk_held]")).to_contain_text("2026年6月15日")
    expect(page.locator("#current-status")).to_have_text("入党申请人")

    # A refusal, with its article and the date from which the step is allowed.
    page.goto(f"/applicants/{LI}/steps/candidate_designated")
    page.check("[name=opinions_heard]")
    page.fill("[name=members]", "5")
    page.fill("[name=present]", "2")
    page.click("#step-form button[type=submit]")
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("不能办理：2条规定不允许")
    expect(refusal).to_contain_text("2026年6月25日起方可列为发展对象")
    expect(refusal).to_contain_text("《发展党员工作细则》（2026年修订）第十三条")
    expect(page.locator("[name=present]")).to_have_value("2")  # what was typed is kept

    # The way to the 支部大会, alternating with the committee's 组织员.
    organiser_context, organiser = _context(browser, server, "liuyang")
    _record(page, WANG, "political_review_passed", {"result": "qualified", "conclusion": "政审〔2026〕3号"})
    _record(organiser, WANG, "training_completed", {"days": "3"})
    _record(page, WANG, "committee_reviewed", {"members": "5", "present": "5"})
    _record(organiser, WANG, "pre_review_passed", checks=("written_notice",))
    _record(page, WANG, "application_form_filled")
    # The 支部大会 on the meeting page: attendance, one item for one applicant, its discussion and its ballot.
    page.goto("/meetings")
    page.select_option("#open-meeting select[name=organisation]", "计算机学院学生第一党支部")
    page.select_option("#open-meeting select[name=kind]", "branch_general_meeting")
    page.fill("#open-meeting input[name=held_on]", ON)
    page.click("#open-meeting button[type=submit]")
    expect(page.locator("#done")).to_contain_text("已开会")
    for name in ("陈静", "王芳", "赵强", "孙丽", "周伟", "吴敏", "郑浩"):
        page.check(f"#attendance input[value='{name}']")
    page.click("#attendance button[type=submit]")
    expect(page.locator("#present-count")).to_have_text("7")
    page.select_option("#add-item select[name=case_id]", str(WANG))
    page.select_option("#add-item select[name=purpose]", "admission")
    page.click("#add-item button[type=submit]")
    page.click("form.card button[type=submit]")
    item = page.locator("section.item").first
    item.locator("textarea[name=discussion]").fill("与会党员逐一发表意见，同意接收。")
    item.locator("form[action$='/discussion'] button").click()
    item = page.locator("section.item").first
    expect(item.locator("input[name=yes]")).to_be_visible()  # the ballot form opens once the discussion is in
    item.locator("input[name=yes]").fill("6")
    item.locator("input[name=no]").fill("1")
    item.locator("form[action$='/ballot'] button").click()
    expect(page.locator("section.item").first).to_contain_text("赞成共 6 票，须超过应到 8 名的半数（至少 5 票）")
    page.locator("section.item form.decide button[type=submit]").click()
    expect(page.locator("#done")).to_contain_text("已作出决定")
    expect(page.locator("section.item").first).to_contain_text("通过")
    _record(organiser, WANG, "higher_talk_held", {"talker": "刘洋", "talker_role": "organiser"})
    _record(organiser, WANG, "admission_approved", {"approver_level": "grassroots_committee",
                                                    "applicants_in_decision": "1"})
    expect(organiser.locator("#current-status")).to_have_text("预备党员")
    page.goto(f"/applicants/{WANG}")
    expect(page.locator("#current-status")).to_have_text("预备党员")
    page.goto("/")
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    organiser_context.close()
    context.close()


def test_another_branch_secretary_can_neither_see_nor_change_the_applicant(browser: Browser, server: str) -> None:
    context, page = _context(browser, server, "hejun")
    page.goto("/applicants")
    expect(page.locator("table")).not_to_contain_text("李明")
    expect(page.locator("table")).to_contain_text("赵一鸣")
    answer = page.goto(f"/applicants/{LI}")
    assert answer is not None and answer.status == 404
    expect(page.locator("h1")).to_have_text("找不到")
    assert page.goto(f"/applicants/{LI}/steps/activist_assessed").status == 404  # type: ignore[union-attr]
    token = page.locator("meta[name=csrf-token]").get_attribute("content") or ""
    assert page.request.get(f"/api/applicants/{LI}").status == 404
    changed = page.request.post(f"/api/applicants/{LI}/steps/activist_assessed",
                                data={"on": ON, "evidence": {"summary": "x"}}, headers={"X-CSRF-Token": token})
    assert changed.status == 404
    forged = page.request.post(f"/applicants/{LI}/steps/activist_assessed", form={"on": ON, "csrf_token": token})
    assert forged.status == 404
    context.close()


def test_phone_layout_and_the_date_preview(browser: Browser, server: str) -> None:
    context, page = _context(browser, server, "chenjing", viewport={"width": 390, "height": 844}, is_mobile=True)
    for path in ("/", "/applicants", f"/applicants/{LI}", f"/applicants/{LI}/steps/candidate_designated"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    preview = page.locator("#preview")
    expect(preview).to_contain_text("2026年6月25日起方可列为发展对象")
    page.fill("input[name=on]", "2026-05-02")
    page.dispatch_event("input[name=on]", "change")
    expect(preview).to_contain_text("按2026年5月2日")
    context.close()
