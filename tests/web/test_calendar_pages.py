"""Working-day calendars in the browser (issue 16 item 2): the years on file, and an administrator loading a
new year's 节假日安排 (a real TOML file, validated as ``fazhan calendar load`` does).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from states.workdays import WorkdayCalendar
from tests.web.conftest import Client

FAKE_2099 = Path(__file__).parents[1] / "states" / "data" / "holidays_2099.toml"  # fictitious, for tests only


@pytest.fixture(autouse=True)
def _holidays_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "holidays"
    monkeypatch.setenv("FAZHAN_HOLIDAYS_DIR", str(folder))
    return folder


def _upload(client: Client, name: str, data: bytes) -> object:
    return client.http.post("/calendar", data={"csrf_token": client.csrf}, files={"file": (name, data)},
                            follow_redirects=False)


def test_an_administrator_loads_a_year_and_it_counts_from_then_on(as_user: Callable[[str], Client],
                                                                 _holidays_dir: Path) -> None:
    admin = as_user("admin")
    assert "2099" not in admin.get("/calendar").text
    answer = _upload(admin, "2099.toml", FAKE_2099.read_bytes())
    assert answer.status_code == 303, re.findall(r"alert[^>]*>([^<]*)<", answer.text)  # type: ignore[attr-defined]
    assert "已导入2099年节假日安排" in admin.get(answer.headers["location"]).text  # type: ignore[attr-defined]
    assert (_holidays_dir / "2099.toml").exists() and 2099 in WorkdayCalendar.default().covered_years()


def test_a_broken_file_is_refused_in_chinese_and_only_administrators_may_load(
        as_user: Callable[[str], Client], _holidays_dir: Path) -> None:
    admin = as_user("admin")
    broken = _upload(admin, "明年.toml", b'year = 2099\nsource = "x"\nmake_up_workdays = [2099-01-05]\n')
    assert broken.status_code == 422  # type: ignore[attr-defined]
    assert "不是周六或周日" in broken.text and "明年.toml" in broken.text  # type: ignore[attr-defined]
    assert "/tmp" not in broken.text  # type: ignore[attr-defined]
    assert not _holidays_dir.exists() or not list(_holidays_dir.iterdir())
    secretary = as_user("chenjing")
    assert "导入新一年" not in secretary.get("/calendar").text
    assert _upload(secretary, "2099.toml", FAKE_2099.read_bytes()).status_code == 403  # type: ignore[attr-defined]
