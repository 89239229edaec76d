"""Full ID numbers on the web (issue 13, item 1): masked everywhere, full only to allowed roles, each read audited."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import Engine, select

from tests.web.conftest import Client
from workflow.tables import AuditEvent, table

BRANCH = "计算机学院学生第一党支部"
ID, PHONE = "110105200104120015", "13812345678"


def _register(secretary: Client, id_number: str) -> object:
    return secretary.form("/applicants/new", {"name": "钱新", "sex": "男", "birth_date": "2001-04-12",
                                              "organisation": BRANCH, "id_number": id_number, "contact": PHONE})


def _viewed(engine: Engine) -> list[tuple[str, int | None]]:
    events = table(AuditEvent)
    with engine.connect() as conn:
        return [(r.actor, r.case_id) for r in conn.execute(select(events).where(events.c.kind == "personal_data_viewed"))]


def test_pages_and_api_show_masked_numbers_and_the_full_ones_only_on_an_audited_request(
        as_user: Callable[[str], Client], engine: Engine) -> None:
    secretary = as_user("chenjing")
    added = _register(secretary, "１１０１０５２００１０４１２００１５")  # full-width digits: the same number
    assert added.status_code == 303
    case = int(re.search(r"/applicants/(\d+)", added.headers["location"]).group(1))
    page = secretary.get(f"/applicants/{case}").text
    assert "1101**********0015" in page and "138****5678" in page and ID not in page and PHONE not in page
    api = secretary.get(f"/api/applicants/{case}").json()["applicant"]
    assert api["id_number"] == "1101**********0015" and api["contact"] == "138****5678"
    assert _viewed(engine) == []
    full = secretary.form(f"/applicants/{case}/personal", {})
    assert full.status_code == 200 and ID in full.text and PHONE in full.text
    assert secretary.get(f"/api/cases/{case}/personal").json()["id_number"] == ID
    assert _viewed(engine) == [("陈静", case), ("陈静", case)]
    inspector = as_user("xuncha")
    assert inspector.get(f"/api/cases/{case}/personal").status_code == 403
    assert ID not in inspector.get(f"/applicants/{case}").text
    assert len(_viewed(engine)) == 2  # a refused read leaves no read event
    again = _register(secretary, ID)
    assert again.status_code == 422 and "已" in again.text  # the same person cannot register twice


def test_superscript_digits_are_a_chinese_4xx_on_the_form_and_the_api(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    form = _register(secretary, "11010520010412001⁵")
    assert form.status_code == 422 and "只能写阿拉伯数字" in form.text
    api = secretary.api("/api/applicants", {"name": "钱新", "sex": "男", "birth_date": "2001-04-12",
                                            "organisation": BRANCH, "id_number": "11010520010412001⁵"})
    assert api.status_code == 400 and "只能写阿拉伯数字" in api.json()["message"]


def test_api_validation_errors_are_in_chinese(as_user: Callable[[str], Client]) -> None:
    answer = as_user("chenjing").api("/api/applicants", {"name": "钱新", "birth_date": "明天"})
    assert answer.status_code == 422
    body = answer.json()
    assert "缺少必填项" in body["message"] and "应为日期" in body["message"]
    assert all(not problem["message"].isascii() for problem in body["detail"])
