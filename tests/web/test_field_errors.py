"""Errors tied to their field (issue 16 item 7), by one mechanism for every form (interfaces/web/field_errors.py).

Each refused form below shows its message beside the field it names, the field says ``aria-invalid="true"``
and points at the message with ``aria-describedby``, the cursor starts there (``autofocus``), the summary at
the top links to it, and what was typed is still in the form — but never a password.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from interfaces.web import field_errors
from tests.web.conftest import LI, ZHANG, Client

# (user, address posted to, what was typed, the field the message belongs to, part of the message, a kept value)
CASES = {
    "step": ("chenjing", f"/applicants/{LI}/steps/activist_assessed", {"on": "", "summary": "表现良好"},
             "on", "请填写办理日期", "表现良好"),
    "applicant": ("chenjing", "/applicants/new", {"name": "林新", "sex": "女", "birth_date": "2004-02-30",
                                                  "organisation": "计算机学院学生第一党支部", "unit": "化学1班"},
                  "birth_date", "出生日期", "化学1班"),
    "member": ("chenjing", "/organisations/{org}/members", {"name": "新党员", "standing": "full",
                                                           "since": "2040-01-01", "post": ""},
               "since", "起始日期不能晚于今天", "新党员"),
    "organisation": ("admin", "/organisations", {"name": "", "kind": "branch", "parent": ""}, "name",
                     "请填写党组织名称", None),
    "meeting": ("chenjing", "/meetings", {"organisation": "计算机学院学生第一党支部",
                                          "kind": "branch_general_meeting", "held_on": "", "title": "第三季度党员大会"},
                "held_on", "请填写会议日期", "第三季度党员大会"),
    "standing": ("chenjing", "/members/1/standing", {"standing": "full", "since": "", "basis": "转正决议"},
                 "since", "请填写变更日期", "转正决议"),
    "password": ("chenjing", "/account/password", {"current": "fazhan-demo", "new": "short1", "again": "short1"},
                 "new", "密码至少", None),
    "user": ("admin", "/admin/users", {"username": "zhou", "role": "支部书记", "organisation": "化学学院党支部",
                                       "password": "Abcdefg-12345"}, "organisation", "找不到党组织", "zhou"),
}


def _tag(page: str, name: str) -> str:
    found = re.findall(rf'<(?:input|select|textarea)\b[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    marked = [tag for tag in found if 'aria-invalid="true"' in tag]
    return (marked or found)[0]


@pytest.mark.parametrize("case", CASES)
def test_a_refused_form_shows_the_error_beside_its_field(as_user: Callable[[str], Client], case: str) -> None:
    user, path, typed, field, message, kept = CASES[case]
    client = as_user(user)
    if "{org}" in path:
        org = re.search(r'href="/organisations/(\d+)"', client.get("/organisations").text)
        assert org
        path = path.format(org=org.group(1))
    answer = client.form(path, typed)
    assert 400 <= answer.status_code < 500
    page = answer.text
    tag = _tag(page, field)
    assert 'aria-invalid="true"' in tag and "autofocus" in tag, tag
    described = re.search(r'aria-describedby="([^"]+)"', tag)
    assert described
    note = re.search(rf'<span class="field-error" id="{described.group(1).split()[-1]}">([^<]+)</span>', page)
    assert note and message in note.group(1)
    control_id = re.search(r'\bid="([^"]+)"', tag)
    assert control_id and f'<a href="#{control_id.group(1)}">' in page.split('role="alert"')[1].split("</p>")[0]
    assert page.count("autofocus") == 1 and page.count('aria-invalid="true"') == 1  # nothing else is blamed
    if kept:
        assert kept in page.split(f'action="{path}"', 1)[1].split("</form>")[0]  # typed, still in the form
    assert 'value="short1"' not in page and 'value="Abcdefg-12345"' not in page  # passwords are never echoed


TWO_FORMS = """<!doctype html><html><body><main>
<p class="alert alert-bad" role="alert">{error}</p>
<form method="post" action="/a"><label>日期 <input type="date" name="on"></label></form>
<form method="post" action="/b"><label>日期 <input type="date" name="on" autofocus></label>
<fieldset><legend>表决情况</legend><label>实到 <input type="number" name="tally.present"></label></fieldset>
<label>人数 <input type="number" name="count"></label>
<label>密码 <input type="password" name="secret"></label></form>
</main></body></html>"""


def test_only_the_posted_form_is_marked_and_a_group_a_quoted_value_and_typed_text_are_handled() -> None:
    error = "请填写日期。表决情况至少要有应到、实到、赞成人数。「十二」应为整数。"
    typed = {"on": [""], "tally.present": ["3"], "count": ["十二"], "secret": ["hunter22"]}
    page = field_errors.tie(TWO_FORMS.format(error=error), "/b", error, typed=typed)
    first, second = page.split('action="/b"')
    assert "aria-invalid" not in first  # the same label in another form is left alone
    assert re.search(r'name="on"[^>]*aria-invalid="true"[^>]*autofocus', second)
    assert re.search(r'name="tally.present"[^>]*value="3"[^>]*aria-invalid="true"', second)  # legend ties a group
    assert re.search(r'<legend>表决情况</legend><span class="field-error" id="[^"]+">表决情况至少', second)
    assert re.search(r'name="count"[^>]*value="十二"[^>]*aria-invalid="true"', second)  # the typed text quoted
    assert "hunter22" not in page
    assert page.count("autofocus") == 1


def test_a_message_that_names_no_field_leaves_the_page_as_it_was() -> None:
    html = TWO_FORMS.format(error="该记录已被他人修改，请刷新后重试。")
    assert field_errors.tie(html, "/b", "该记录已被他人修改，请刷新后重试。") == html
    assert field_errors.tie(html, "/elsewhere", "请填写日期。", typed={"on": ["x"]}) == html


def test_typed_control_characters_are_dropped_not_a_server_error() -> None:
    error = "「a\x00b」应为整数。"
    page = field_errors.tie(TWO_FORMS.format(error="x"), "/b", error, typed={"count": ["a\x00b\x1f"], "on": ["\x08"]})
    assert re.search(r'name="count"[^>]*value="ab"', page) and "\x00" not in page


@pytest.mark.parametrize(("user", "path", "content", "message"), [
    ("admin", "/calendar", b"year = 'x'", "节假日数据有误"),
    ("chenjing", "/ledger/preview", b"hello", "不是 .xlsx 或 .csv 文件"),
], ids=["calendar", "ledger"])
def test_a_refused_upload_points_at_the_file_field(as_user: Callable[[str], Client], user: str, path: str,
                                                   content: bytes, message: str) -> None:
    client = as_user(user)
    answer = client.http.post(path, data={"csrf_token": client.csrf}, files={"file": ("a.txt", content, "text/plain")})
    assert answer.status_code in {400, 422}
    tag = _tag(answer.text, "file")
    assert 'aria-invalid="true"' in tag and "autofocus" in tag
    assert re.search(rf'<span class="field-error" id="[^"]+">[^<]*{re.escape(message)}', answer.text)


def test_a_refusal_ties_missing_evidence_to_its_field_but_not_a_step_named_in_passing(
        as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    wrong_time = secretary.form(f"/applicants/{ZHANG}/steps/liaisons_assigned", {"on": "2026-06-15"})
    assert wrong_time.status_code == 422 and "不能办理「5. 指定培养联系人」" in wrong_time.text
    notes = re.findall(r'<span class="field-error" id="[^"]+">([^<]+)</span>', wrong_time.text)
    assert notes and all("缺少材料" in note and "当前处于" not in note for note in notes)  # the step, not the field
    missing = secretary.form(f"/applicants/{ZHANG}/steps/political_review_passed", {"on": "2026-06-15"})
    assert missing.status_code == 422
    for field, label in (("conclusion", "政治审查结论性材料"), ("result", "政治审查结果")):
        tag = _tag(missing.text, field)
        assert 'aria-invalid="true"' in tag, field
        control_id = re.search(r'\bid="([^"]+)"', tag)
        assert control_id
        assert re.search(rf'<li[^>]*><a href="#{control_id.group(1)}">缺少材料：「{label}', missing.text)
