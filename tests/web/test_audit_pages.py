"""Issue 12 on the web: the audit page checks the tables against the trail; the 巡察 report and its downloads."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from docx import Document
from openpyxl import load_workbook
from sqlalchemy import text

from tests.web.conftest import LI, ZHAO, Client
from workflow.db import make_engine
from workflow.inspection import CATEGORIES


def _sql(world: str, statement: str) -> None:
    engine = make_engine(world)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def test_audit_page_checks_the_tables_against_the_trail(as_user: Callable[[str], Client], world: str) -> None:
    page = as_user("xuncha").get("/audit").text
    assert re.search(r"审计链完整：共\d+条事件", page) and "各表与审计链一致：逐一重演了" in page
    _sql(world, f"UPDATE cases SET status = 'probationary' WHERE id = {LI}")
    page = as_user("xuncha").get("/audit").text
    assert "各表与审计链不符，共1处。第一处：申请人李明" in page and f'<a href="/applicants/{LI}">申请人李明' in page
    assert "「预备党员」" in page
    # The branch secretary of another branch learns there is a difference, not whose.
    other = as_user("hejun").get("/audit").text
    assert "另有1处差异不在您的管理范围内" in other and f'href="/applicants/{LI}"' not in other
    assert f'<a href="/applicants/{LI}">申请人李明' in as_user("chenjing").get("/audit").text
    api = as_user("xuncha").get("/api/audit/verify").json()
    assert api["intact"] is False and api["difference_count"] == 1 and api["differences"] == []  # xuncha: a subtree
    assert as_user("admin").get("/api/audit/verify").json()["differences"][0]["case_id"] == LI


def test_inspection_report_page_and_downloads_agree(as_user: Callable[[str], Client], world: str) -> None:
    # A late talk on 李明's record (as a violation row would say it): the demo itself holds only back-fills.
    _sql(world, "INSERT INTO violations (case_id, step_record_id, rule, article, message, grave) SELECT case_id, id,"
                " 'talk_within_one_month_of_receipt', '《中国共产党发展党员工作细则》第八条', '谈话晚于一个月。', false"
                f" FROM step_records WHERE case_id = {LI} AND step = 'talk_held'")
    inspector = as_user("xuncha")
    page = inspector.get("/inspection")
    assert page.status_code == 200 and "巡察报告：某大学党委" in page.text
    total = int(re.search(r'id="inspection-total">(\d+)<', page.text).group(1))  # type: ignore[union-attr]
    # 3 of 时间不足或超期: the late talk, and two steps still open past their latest date today (2026-06-15):
    # 赵一鸣's talk (due 2026-05-26) and 李明's half-yearly assessment (due 2026-06-14).
    assert "<tr><td>时间不足或超期</td><td>3</td></tr>" in page.text and "<tr><td>补填记录</td><td>16</td></tr>" in page.text
    assert total == 19 and "6. 培养教育考察逾期未办：最迟应于2026年6月14日办理，截至2026年6月15日已逾期1天" in page.text
    assert (f'<a href="/applicants/{LI}">李明</a></td>\n        <td>2. 党组织派人谈话：谈话晚于一个月。</td>'
            "<td>《中国共产党发展党员工作细则》第八条</td>") in page.text
    workbook = load_workbook(io.BytesIO(inspector.get("/inspection.xlsx").content))
    assert workbook.sheetnames == ["汇总", "问题清单"]
    counts = {row[0]: row[1] for row in workbook["汇总"].iter_rows(min_row=5, values_only=True)}
    assert counts == {**dict.fromkeys(CATEGORIES, 0), "时间不足或超期": 3, "补填记录": 16, "合计": 19}
    rows = list(workbook["问题清单"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 19 and rows[0][:4] == ("时间不足或超期", "2025-04-27", str(LI), "李明")
    document = Document(io.BytesIO(inspector.get("/inspection.docx").content))
    assert document.paragraphs[0].text == "发展党员工作巡察报告：某大学党委"
    assert "共发现问题19项" in document.paragraphs[1].text
    assert [p.text for p in document.paragraphs if p.text.startswith("时间不足或超期")] == ["时间不足或超期（3项）"]
    assert document.tables[0].rows[2].cells[1].text == "3"  # 时间不足或超期, second category
    later = inspector.get("/inspection?start=2026-01-01").text  # 李明's findings of 2025 drop out, his open step stays
    assert 'id="inspection-total">6<' in later and later.count(f'href="/applicants/{LI}"') == 1


def test_inspection_is_for_inspectors_and_checks_its_input(as_user: Callable[[str], Client]) -> None:
    refused = as_user("chenjing").get("/inspection")
    assert refused.status_code == 403 and "巡察报告只有巡察组、上级党委组织员和管理员可以查看" in refused.text
    inspector = as_user("xuncha")
    bad = inspector.get("/inspection?start=2025-13-01")
    assert bad.status_code == 400 and "起始日期「2025-13-01」格式不对" in bad.text
    backwards = inspector.get("/inspection?start=2026-01-01&end=2025-01-01")
    assert backwards.status_code == 400 and "晚于截止日期" in backwards.text
    narrow = inspector.get("/inspection?organisation=后勤服务中心党支部").text
    assert "巡察报告：后勤服务中心党支部" in narrow and f'href="/applicants/{LI}"' not in narrow
    assert 'id="inspection-total">2<' in narrow and f'<a href="/applicants/{ZHAO}">赵一鸣</a>' in narrow
