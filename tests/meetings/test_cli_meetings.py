"""Whole meetings from the command line, as the README shows them: real processes, exit codes, Chinese, documents.

The applicants are brought to the meeting in-process (the same services ``fazhan advance`` calls); every meeting
command runs as ``python -m interfaces``. The 接收 and the 转正 meeting use two databases and run side by side. The refusals a rule makes are tested
on the services (test_meetings.py); here only those with their own command-line behaviour.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import docx

from states.rules import probation_ends_on
from states.rulesets import DEFAULT_POLICY
from states.steps import Status, Step
from tests.meetings import world
from tests.meetings.world import ADMISSION_DAY, BRANCH_MEMBERS, CONFIRMATION_DAY
from workflow import services
from workflow.clock import FixedClock
from workflow.db import make_engine, upgrade

PRESENT = BRANCH_MEMBERS[:7]


class Fazhan:
    def __init__(self, db: Path, today: date) -> None:
        self.env = {**os.environ, "FAZHAN_DB": str(db), "FAZHAN_TODAY": today.isoformat(), "FAZHAN_USER": "陈静"}

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "interfaces", "meeting", *args], capture_output=True, text=True,
                              timeout=120, env=self.env)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))


def seeded(db: Path, today: date, build: Any) -> Fazhan:
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    build(engine, FixedClock.on(today))
    engine.dispose()
    return Fazhan(db, today)


def docx_text(path: str) -> str:
    return "\n".join(p.text for p in docx.Document(path).paragraphs)


def three_candidates(engine: Any, clock: FixedClock) -> None:
    world.build(engine, clock)
    for name in ("李明", "张华", "王静"):
        world.applicant(engine, clock, name)


def one_probationary_member(engine: Any, clock: FixedClock) -> None:
    world.build(engine, clock)
    world.probationary(engine, clock, "张华")


def admission_meeting(fazhan: Fazhan, tmp: Path) -> None:
    opened = fazhan.json("open", "--org", world.BRANCH, "--kind", "党员大会", "--on", "2025-12-12",
                         "--chair", "陈静", "--recorder", "王芳")
    meeting = str(opened["meeting_id"])
    assert len(opened["entitled"]) == 9 and opened["not_entitled"][0]["reason"] == "钱多（预备党员）"
    assert "实到7名，已超过半数" in fazhan.ok("attend", meeting, *PRESENT)
    together = fazhan("item", meeting, "李明", "张华", "--purpose", "接收预备党员")
    assert together.returncode == 3 and "应当逐个讨论和表决" in together.stdout
    items = [str(fazhan.json("item", meeting, name, "--purpose", "接收预备党员")["item_id"])
             for name in ("李明", "张华", "王静")]
    assert "计入票数" in fazhan.ok("opinion", items[0], "冯雪", "赞成", "--on", "2025-12-10")
    late = fazhan("opinion", items[0], "何军", "赞成", "--on", "2025-12-12")
    assert late.returncode == 3 and "不是在会前" in late.stdout and "已登记并留痕" in late.stdout
    for item, (yes, no, abstain) in zip(items, ((6, 1, 0), (6, 0, 1), (4, 2, 1)), strict=True):
        fazhan.ok("discuss", item, "--text", "入党动机端正，表现良好。")
        fazhan.ok("ballot", item, "--yes", str(yes), "--no", str(no), "--abstain", str(abstain))
    decided = [fazhan.json("decide", item) for item in items]
    assert [d["passed"] for d in decided] == [True, True, False]
    assert decided[0]["yes_total"] == 7 and decided[0]["step"] == "admission_resolved"
    assert "不按实到7名计算" in decided[2]["reasons"][0] and decided[2]["step"] is None
    fazhan.ok("close", meeting)
    made = fazhan.json("documents", meeting)
    assert len(made) == 8
    liming = next(d["path"] for d in made if d["format"] == "docx" and "李明" in d["path"])
    assert "赞成7票（含书面意见1票），反对1票，弃权0票" in docx_text(liming)
    assert "接收王静同志为中共预备党员的决议未获通过" in docx_text(
        next(d["path"] for d in made if d["format"] == "docx" and "王静" in d["path"]))
    engine = make_engine(f"sqlite:///{tmp / 'admission.db'}")
    with engine.connect() as conn:
        statuses = [services.load_case(conn, case).facts for case in (1, 2, 3)]
    assert [f.date_of(Step.ADMISSION_RESOLVED) for f in statuses] == [ADMISSION_DAY, ADMISSION_DAY, None]
    assert statuses[2].status is Status.CANDIDATE and services.verify_audit(engine).intact
    engine.dispose()


def confirmation_meeting(fazhan: Fazhan, tmp: Path) -> None:
    meeting = str(fazhan.json("open", "--org", world.BRANCH, "--kind", "党员大会", "--on", "2026-12-14")["meeting_id"])
    fazhan.ok("attend", meeting, *PRESENT)
    sets = ["--set", "group_opinion=是", "--set", "opinions_sought=是", "--set", "committee_reviewed=是"]
    item = str(fazhan.json("item", meeting, "张华", "--purpose", "转正", *sets)["item_id"])
    fazhan.ok("discuss", item, "--text", "张华同志理论学习仍不够扎实，需要继续考察和教育。")
    assert "书面意见" not in fazhan.ok("ballot", item, "--yes", "6", "--no", "1", "--months", "6")
    decided = fazhan.json("decide", item)
    assert (decided["passed"], decided["step"], decided["status"]) == (True, "probation_extended", "probationary")
    fazhan.ok("close", meeting)
    made = fazhan.json("documents", meeting)
    zhanghua = next(d["path"] for d in made if d["format"] == "docx" and "张华" in d["path"])
    assert "同意延长张华同志的预备期半年，延长后的预备期至2027年6月11日止" in docx_text(zhanghua)
    engine = make_engine(f"sqlite:///{tmp / 'confirmation.db'}")
    with engine.connect() as conn:
        assert probation_ends_on(services.load_case(conn, 1).facts, DEFAULT_POLICY) == date(2027, 6, 12)
    engine.dispose()


def test_cli_admission_meeting_for_three_and_confirmation_meeting_with_an_extension(tmp_path: Path) -> None:
    admission = seeded(tmp_path / "admission.db", ADMISSION_DAY, three_candidates)
    confirmation = seeded(tmp_path / "confirmation.db", CONFIRMATION_DAY, one_probationary_member)
    with ThreadPoolExecutor(max_workers=2) as pool:  # the migrations above are not thread-safe; the processes are
        running = [pool.submit(admission_meeting, admission, tmp_path),
                   pool.submit(confirmation_meeting, confirmation, tmp_path)]
        for future in running:
            future.result()
