"""Words of the rule set on the applicant page (2026 第十三条 [R26]): step 8 is the 上级党委's 同意 when it is
taken under 2026.05 and stays 备案 when it was taken before 2026-05-18."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.conftest import LI, WANG, Client


def test_art13_2026_applicant_page_names_step_8_by_the_rule_set_of_its_date(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    upcoming = secretary.get(f"/applicants/{LI}")  # 积极分子 today (2026-06-15): step 8 will be taken under 2026.05
    filed = secretary.get(f"/applicants/{WANG}")  # 备案 on 2026-05-06, under the 2014.06 set

    assert upcoming.status_code == filed.status_code == 200
    assert "8. 报上级党委同意" in upcoming.text and "报上级党委备案" not in upcoming.text
    assert "8. 报上级党委备案" in filed.text and "报上级党委同意" not in filed.text
    assert 'id="current-status">发展对象<' in filed.text  # 2014: a 发展对象 once filed, no 拟列为
