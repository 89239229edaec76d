"""The 台账 page: upload, preview with row numbers and findings, confirm, and the export download (issue 14)."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from tests.ledger.sheets import clean_history, person, workbook, xlsx
from tests.ledger.test_import import broken_histories
from tests.web.conftest import Client
from workflow.db import make_engine
from workflow.tables import AuditEvent, table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(client: Client, data: bytes, organisation: str = "") -> str:
    answer = client.http.post("/ledger/preview", data={"organisation": organisation, "csrf_token": client.csrf},
                              files={"file": ("支部台账.xlsx", data, XLSX)})
    assert answer.status_code == 200, answer.text
    return answer.text


def _hidden(page: str) -> dict[str, str]:
    form = page.split('action="/ledger/import"')[1].split("</form>")[0]
    return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form))


def test_preview_shows_rejected_rows_and_findings_then_import_writes(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    rows = [*broken_histories()[:2], person("钱多", date(2001, 1, 1), 9, {"递交申请书时间": "2024.2.30"})]
    page = _upload(secretary, xlsx(workbook(rows)))
    table = page.split('id="ledger-rows"')[1]
    assert "台账第3行" in table and "可导入（有违规记录）" in table and "第十三条" in table
    assert "台账第4行" in table and "「递交申请书时间」「2024.2.30」不是存在的日期。" in table
    assert "共3行：可导入1行，可导入但有违规记录1行（共1处），已登记不变0行，拒收1行。" in page
    before = secretary.get("/applicants").text.count('href="/applicants/')
    fields = _hidden(page)
    refused = secretary.form("/ledger/import", fields)
    assert refused.status_code == 400 and "整个台账未导入" in refused.text
    assert secretary.get("/applicants").text.count('href="/applicants/') == before
    done = secretary.form("/ledger/import", {**fields, "partial": "1"})
    assert done.status_code == 200 and "已导入2人" in done.text
    listing = secretary.get("/applicants").text
    assert "王强" in listing and listing.count('href="/applicants/') == before + 2


def test_rows_outside_the_secretarys_branch_are_rejected(as_user: Callable[[str], Client]) -> None:
    other = as_user("hejun")  # secretary of 后勤服务中心党支部
    page = _upload(other, xlsx(workbook([person("李明", date(2000, 1, 5), 1, clean_history(date(2020, 3, 2)))])))
    assert "拒收" in page and "后勤服务中心党支部」及其下级中没有名为「计算机学院学生第一党支部」" in page


def test_inspectors_may_not_import_and_bad_files_get_a_chinese_page(as_user: Callable[[str], Client]) -> None:
    inspector = as_user("xuncha")
    assert "导入台账" not in inspector.get("/ledger").text
    answer = inspector.http.post("/ledger/preview", data={"csrf_token": inspector.csrf},
                                 files={"file": ("a.xlsx", b"x", XLSX)})
    assert answer.status_code == 403 and "不能登记入党申请人" in answer.text
    secretary = as_user("chenjing")
    bad = secretary.http.post("/ledger/preview", data={"csrf_token": secretary.csrf},
                              files={"file": ("a.xlsx", b"not a workbook", XLSX)})
    assert bad.status_code == 400 and "无法读取" in bad.text
    forged = secretary.form("/ledger/import", {"kept": "../../etc/passwd", "suffix": ".xlsx"})
    assert forged.status_code == 400 and "已失效" in forged.text


def test_export_downloads_the_branch_ledger(as_user: Callable[[str], Client], world: str) -> None:
    secretary = as_user("chenjing")
    answer = secretary.get("/ledger/export", params={"organisation": "计算机学院学生第一党支部"})
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(answer.content)).active
    names = [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert sorted(names) == sorted(["张晓雨", "李明", "王浩然"])
    assert secretary.get("/ledger/export", params={"organisation": "后勤服务中心党支部"}).status_code == 403
    engine = make_engine(world)
    try:
        with engine.connect() as conn:
            event = conn.execute(select(table(AuditEvent)).where(table(AuditEvent).c.kind == "document_generated")
                                 ).mappings().one()
    finally:
        engine.dispose()
    assert event["payload"]["sha256"] == hashlib.sha256(answer.content).hexdigest()
    assert event["payload"]["kind"] == "ledger" and event["payload"]["personal_data"] is False


def test_yearly_summary_page_and_download_from_the_dashboard(as_user: Callable[[str], Client]) -> None:
    organiser = as_user("liuyang")
    assert 'href="/ledger/summary"' in organiser.get("/").text
    page = organiser.get("/ledger/summary", params={"year": 2024})
    assert page.status_code == 200 and "2024年发展党员工作统计" in page.text
    assert '<svg class="chart"' in page.text and 'id="quarters"' in page.text and 'id="per-organisation"' in page.text
    download = organiser.get("/ledger/summary.xlsx", params={"year": 2024})
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["分组织统计", "按季度", "年末各阶段人数"]
    applied = next(r for r in book["按季度"].iter_rows(min_row=2, values_only=True) if r[0] == "递交入党申请书")
    shown = re.search(r"<tr><td>递交入党申请书</td>((?:<td>\d+</td>){4})<td><strong>(\d+)</strong>", page.text)
    assert shown and [int(n) for n in re.findall(r"\d+", shown.group(1))] == list(applied[1:5])
    assert int(shown.group(2)) == applied[5] and applied[5] > 0  # the demo applications of 2024 are counted
    assert organiser.get("/ledger/summary", params={"organisation": "不存在的党委"}).status_code == 403
