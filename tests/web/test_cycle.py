"""Done when (issue 16): a new 党支部 is set up and runs a full cycle in the browser, without the CLI.

In real Chromium against uvicorn: the administrator registers the branch and a 支部书记 login for it; that
secretary logs in, puts the branch's seven members on the roster, registers an applicant, and records every
branch step from the applicant page's 下一步 panel; the committee's 组织员 records the committee's steps; the 接收预备党员 vote is held on the meeting page
(attendance, discussion, ballot, decision). Waiting periods (a year as 积极分子, a year of 预备期) pass by
moving the app's clock, as ``FAZHAN_TODAY`` does for a running server, to the date the panel says a step
becomes possible. The cycle ends with 转正 and the archive.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from interfaces.web.app import create_app
from interfaces.web.server import BackgroundServer
from states.procedure import MAIN_LINE, SPECS
from states.steps import Role, Status, Step
from tests.web.browser import LAUNCH_ARGS, PASSWORD, demo_database, ensure_chromium
from workflow.clock import FixedClock

START = date(2024, 3, 4)
BRANCH = "化学学院党支部"
MEMBERS = [("周书记", "secretary"), ("吴组织", "organisation_member"), ("郑委员", "committee_member"),
           ("钱一", ""), ("孙二", ""), ("李三", ""), ("冯四", "")]
NUMBERS = {"members": "3", "present": "3", "applicants_in_decision": "1", "days": "3", "hours": "24",
           "entitled": "7", "yes": "7", "no": "0", "abstain": "0", "invalid": "0", "applicants_on_ballot": "1"}
TEXTS = {"talker": "周书记", "liaisons": "钱一,孙二", "sponsors": "钱一,孙二", "group": "第一党小组",
         "summary": "表现良好。", "conclusion": "政审合格（化政审〔2025〕1号）", "result": "合格"}
MEETINGS = {"admission_resolved": "admission", "confirmation_resolved": "confirmation"}
ALWAYS = {"days"}  # 培训天数 or 学时: one of the two, so neither is marked required
COMMITTEE = {Role.HIGHER_COMMITTEE, Role.HIGHER_ORGANISATION_DEPARTMENT}
SECRETARY, SECRETARY_PASSWORD = "zhoushuji", "Huaxue-2024-zb"
EARLIEST = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日起可办理")


@pytest.fixture(scope="module")
def clock() -> FixedClock:
    return FixedClock.on(START)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, clock: FixedClock) -> Iterator[str]:
    url = demo_database(f"sqlite:///{tmp_path_factory.mktemp('cycle') / 'fazhan.db'}", clock)
    with BackgroundServer(create_app(url, clock)) as running:
        yield running.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=ensure_chromium(), args=LAUNCH_ARGS)
        yield launched
        launched.close()


def _login(browser: Browser, server: str, username: str, password: str = PASSWORD) -> Page:
    context = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator(".who-name")).to_be_visible()
    return page


def _set_up_branch(admin: Page) -> None:
    """The administrator's part: the branch under the 党委, and a 支部书记 login whose scope is that branch."""
    admin.goto("/organisations")
    admin.fill("#org-name", BRANCH)
    admin.select_option("#org-kind", "branch")
    admin.select_option("#org-parent", "某大学党委")
    admin.click("#add-organisation button[type=submit]")
    expect(admin.locator("#done")).to_have_text("已登记党组织。")
    admin.goto("/admin/users")
    form = admin.locator("form[action='/admin/users']")
    form.locator("input[name=username]").fill(SECRETARY)
    form.locator("select[name=role]").select_option("支部书记")
    form.locator("input[name=organisation]").fill(BRANCH)
    form.locator("input[name=display_name]").fill("周书记")
    form.locator("input[name=password]").fill(SECRETARY_PASSWORD)
    form.locator("button[type=submit]").click()
    expect(admin.locator("main")).to_contain_text(f"已添加用户「{SECRETARY}」")


def _put_members_on_roster(secretary: Page, on: date) -> None:
    """The secretary's first job: the branch's members, who decide 应到 and who may vote."""
    secretary.goto("/organisations")
    secretary.click(f"a:has-text('{BRANCH}')")
    branch_page = secretary.url.split("?")[0]
    for name, post in MEMBERS:
        secretary.goto(branch_page)
        secretary.fill("#member-name", name)
        secretary.select_option("#member-standing", "full")
        secretary.fill("#member-since", (on - timedelta(days=3000)).isoformat())
        secretary.select_option("#member-post", post)
        secretary.click("#add-member button[type=submit]")
        expect(secretary.locator("#done")).to_have_text("已登记党员。")
    secretary.goto(branch_page)
    expect(secretary.locator("#members tbody tr")).to_have_count(7)


def _fill_and_submit(page: Page, today: date) -> None:
    """Fill a step form the way a secretary would: every field, with the day's date and plausible values."""
    form = page.locator("#step-form")
    page.fill("input[name=on]", today.isoformat())
    for field in form.locator("input:not([type=hidden]), select").all():
        name = (field.get_attribute("name") or "").split(".")[-1]
        kind = field.get_attribute("type") or field.evaluate("e => e.tagName.toLowerCase()")
        if name in {"on", "override_reason", "authoriser", "backfill_reason", "expected_version"}:
            continue
        if kind == "checkbox":
            field.check()
        elif kind == "select":
            if not field.input_value():
                options = [o for o in field.locator("option").all() if o.get_attribute("value")]
                field.select_option(options[0].get_attribute("value"))
        elif kind == "date":
            continue  # the optional dates (leaving the unit, received on) stay empty, as on paper
        elif field.input_value() or (name not in ALWAYS
                                     and not field.evaluate("e => !!e.closest('label')?.querySelector('.req')")):
            continue  # optional fields stay empty: filling them in claims facts (an extension, a special case)
        elif kind == "number":
            field.fill(NUMBERS.get(name, "1"))
        else:
            field.fill(TEXTS.get(name, "见附件"))
    page.click("#step-form button[type=submit]")


def _record_due_assessments(page: Page, case_url: str, today: date) -> None:
    """The half-yearly (积极分子) and quarterly (预备党员) assessments, recorded when they fall due."""
    page.goto(case_url)
    due = [slug for slug in page.locator("#overdue li, #possible li").evaluate_all(
        "items => items.filter(i => i.querySelector('.badge')).map(i => i.dataset.step)")
        if SPECS[Step(slug)].repeatable]
    for slug in due:
        page.goto(f"{case_url}/steps/{slug}")
        _fill_and_submit(page, today)
        expect(page.locator("#recorded")).to_be_visible()


def _wait_until(page: Page, case_url: str, clock: FixedClock, day: date) -> None:
    """Time passes in steps of a month or so, and the secretary keeps up with the periodic assessments."""
    while clock.today() < day:
        clock.current = FixedClock.on(min(day, clock.today() + timedelta(days=30))).current
        _record_due_assessments(page, case_url, clock.today())


def _submit(page: Page, selector: str) -> None:
    """Click a button that posts its form, and wait for the page it leads to (never act on the old page)."""
    with page.expect_navigation():
        page.click(selector)


def _hold_general_meeting(page: Page, case_url: str, today: date, purpose: str) -> None:
    """A 党员大会 on the meeting page: the roster gives 应到 7, all attend, one item, discussion, ballot, decision."""
    page.goto("/meetings")
    page.select_option("select[name=organisation]", BRANCH)
    page.select_option("select[name=kind]", "branch_general_meeting")
    page.fill("input[name=held_on]", today.isoformat())
    _submit(page, "#open-meeting button[type=submit]")
    expect(page.locator("#attendance")).to_contain_text("应到会有表决权党员 7 名")
    for name, _ in MEMBERS:
        page.check(f"#attendance input[value='{name}']")
    _submit(page, "#attendance button[type=submit]")
    case_id = case_url.rsplit("/", 1)[1]
    page.select_option("#add-item select[name=case_id]", case_id)
    page.select_option("#add-item select[name=purpose]", purpose)
    _submit(page, "#add-item button[type=submit]")
    # the item's confirmation form: what was done before the meeting is ticked
    boxes = page.locator("main form.form input[type=checkbox]")
    if purpose == "confirmation":
        expect(boxes).to_have_count(3)
    for box in boxes.all():
        box.check()  # 党小组意见, 征求意见, 支委会审查: done before the meeting
    _submit(page, "button:has-text('列入议题')")
    page.fill("textarea[name=discussion]", "与会党员逐一发表意见，认为该同志具备党员条件。")
    _submit(page, "button:has-text('保存讨论情况')")
    page.fill("input[name=yes]", "7")
    _submit(page, "button:has-text('保存计票结果')")
    _submit(page, "button:has-text('作出决定')")
    expect(page.locator("#done")).to_have_text("已作出决定。")
    _submit(page, "button:has-text('结束会议')")


def test_a_new_branch_runs_a_full_cycle_to_full_membership_in_the_browser(browser: Browser, server: str,
                                                                          clock: FixedClock) -> None:
    admin, organiser = _login(browser, server, "admin"), _login(browser, server, "liuyang")
    _set_up_branch(admin)
    admin.context.close()
    secretary = _login(browser, server, SECRETARY, SECRETARY_PASSWORD)
    _put_members_on_roster(secretary, clock.today())
    secretary.goto("/applicants/new")
    secretary.fill("input[name=name]", "林新")
    secretary.select_option("select[name=sex]", "女")
    secretary.fill("input[name=birth_date]", "2004-05-06")
    secretary.select_option("select[name=organisation]", BRANCH)
    secretary.click("form[action='/applicants/new'] button[type=submit]")
    expect(secretary.locator("h1")).to_contain_text("林新")
    case_url = secretary.url.split("?")[0].removeprefix(server)
    for spec in (SPECS[step] if not hasattr(step, "step") else step for step in MAIN_LINE):
        page = organiser if spec.actor in COMMITTEE else secretary
        for _ in range(4):
            page.goto(case_url)
            slug = spec.step.value
            ready = page.locator(f"#possible li[data-step='{slug}'], #overdue li[data-step='{slug}']")
            if ready.count():
                break
            blocked = page.locator(f"#blocked li[data-step='{slug}'], details.more li[data-step='{slug}']")
            if not blocked.count():
                break  # not a next step in this rule set (an optional step): the engine decides
            found = EARLIEST.search(blocked.first.inner_text())
            assert found, f"{spec.label}: {blocked.first.inner_text()}"
            _wait_until(secretary, case_url, clock, date(*map(int, found.groups())))
        else:
            pytest.fail(f"{spec.label} never became possible")
        if not ready.count():
            continue
        if slug in MEETINGS:
            _hold_general_meeting(secretary, case_url, clock.today(), MEETINGS[slug])
        else:
            page.goto(f"{case_url}/steps/{slug}")
            _fill_and_submit(page, clock.today())
            expect(page.locator("#recorded")).to_be_visible()
    secretary.goto(case_url)
    expect(secretary.locator("#current-status")).to_have_text(Status.FULL_MEMBER.label)
    assert clock.today() >= START.replace(year=START.year + 2)  # a year as 积极分子, a year of 预备期
    secretary.goto(f"{case_url}/history")
    expect(secretary.locator("main")).to_contain_text("议题表决通过")
