"""A transfer to and from outside the database on the web (细则第十二条): export button, upload → preview → confirm."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from tests.paths.world import ID_NUMBER, request
from tests.web.conftest import LI, Client
from workflow import services
from workflow.clock import FixedClock
from workflow.db import make_engine
from workflow.demo_data import BRANCH, SMALL_BRANCH
from workflow.services import Actor

OUTSIDE = "外校党支部"


def _activist_with_id_number(world: str) -> int:
    engine, clock, actor = make_engine(world), FixedClock.on(date(2026, 6, 15)), Actor("陈静", "书记")
    try:
        case_id = services.add_applicant(engine, clock, actor, name="周华", sex="男", birth_date=date(2001, 4, 12),
                                         organisation=BRANCH, id_number=ID_NUMBER)
        for slug, on, evidence in (
                ("application_submitted", date(2025, 3, 3), {"organisation_basis": "study_unit"}),
                ("talk_held", date(2025, 3, 17), {"talker": "陈静"}),
                ("activist_designated", date(2025, 9, 8), {"recommendation": "mass_organisation", "members": "5",
                                                            "present": "4"})):
            services.advance(engine, clock, actor, case_id, request(slug, on, evidence))
    finally:
        engine.dispose()
    return case_id


def test_art12_export_on_the_web_then_import_by_upload(as_user: Callable[[str], Client], world: str) -> None:
    sender, receiver = as_user("chenjing"), as_user("hejun")
    assert 'id="export-case"' in sender.get(f"/applicants/{LI}").text
    hint = sender.form(f"/applicants/{LI}/steps/activist_transferred",
                       {"on": "2026-06-10", "to_organisation": OUTSIDE, "materials_transferred": "on"})
    assert hint.status_code == 422 and "请用「转往外单位」导出案卷" in hint.text and "fazhan transfer" not in hint.text
    no_number = sender.form(f"/applicants/{LI}/export", {"to": OUTSIDE, "on": "2026-06-10"})
    assert no_number.status_code == 422 and "没有登记身份证号码" in no_number.text

    case_id = _activist_with_id_number(world)
    done = sender.form(f"/applicants/{case_id}/export", {"to": OUTSIDE, "on": "2026-06-10"})
    assert done.status_code == 303 and done.headers["location"] == f"/applicants/{case_id}/exported"
    page = sender.get(f"/applicants/{case_id}").text
    assert "已转出（外单位）" in page and 'id="export-case"' not in page  # closed, still visible to the sender
    assert f"已转往{OUTSIDE}（外单位）" in page
    files = sender.get(f"/applicants/{case_id}/exported").text
    json_link = re.search(r'href="(/applicants/\d+/exported/[0-9a-f]{64}\.json)"', files)
    assert json_link and ID_NUMBER not in files
    data = sender.get(json_link.group(1)).content
    assert ID_NUMBER.encode() in data

    preview = receiver.http.post("/exchange/preview", data={"csrf_token": receiver.csrf},
                                 files={"file": ("周华.json", data, "application/json")})
    assert preview.status_code == 200 and "文件完好，签名有效" in preview.text
    assert "1101**********0015" in preview.text and ID_NUMBER not in preview.text
    kept = re.search(r'name="kept" value="([0-9a-f]{64})"', preview.text)
    assert kept
    fields = {"kept": kept.group(1), "organisation": SMALL_BRANCH, "on": "2026-06-12", "continuity": "连续计算",
              "reason": "材料齐全"}
    confirmed = receiver.form("/exchange/import", fields)
    assert confirmed.status_code == 303, confirmed.text
    received = receiver.get(confirmed.headers["location"]).text
    assert "周华" in received and SMALL_BRANCH in received and "入党积极分子" in received and "转入材料" in received

    edited = data.replace(b"2025-09-08", b"2025-08-08")
    refused = receiver.http.post("/exchange/preview", data={"csrf_token": receiver.csrf},
                                 files={"file": ("周华.json", edited, "application/json")})
    assert refused.status_code == 400 and "被改动过" in refused.text


def test_inspector_cannot_import(as_user: Callable[[str], Client]) -> None:
    assert as_user("xuncha").get("/exchange/import").status_code == 403
