"""One language, one channel: every command of ``fazhan`` speaks Chinese and ``--json`` prints one JSON document.

The command tree is walked, not listed, so a command added later is covered too. Each command is run with
``--help``, with an option it does not have, without its required arguments and with a word where a number is
expected; the output may hold no English word except code names (commands, options, files, environment
variables, identifiers and the product names listed below).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from interfaces.cli import app

# Names of things, not English sentences: formats, products, protocols, programs.
CODE_WORDS = {
    "fazhan", "JSON", "HTML", "Word", "Excel", "SQLite", "PostgreSQL", "SQLAlchemy", "URL", "API", "HTTP", "HTTPS",
    "Basic", "Cookie", "CSRF", "SMTP", "Ctrl-C", "Ctrl", "UUID", "ID", "make", "run", "IMAP", "Ed25519", "HMAC",
    "SHA-256", "KMS", "argon2", "CSV", "PDF", "OpenAPI", "ASGI", "gunicorn", "uvicorn", "Alembic", "systemd", "Webhook",
    "webhook", "APScheduler", "Chromium", "TOML", "pip", "Python", "Jinja2",
}
ASCII_WORD = re.compile(r"(?<![A-Za-z0-9_\-./=:@])-{0,2}[A-Za-z][A-Za-z0-9_\-./=:@]*")
COMMAND_EXAMPLE = re.compile(r"fazhan(?: [A-Za-z0-9_\-\[\]=.]+)*")
ENV = {"COLUMNS": "400", "TERMINAL_WIDTH": "400", "NO_COLOR": "1"}


def _commands() -> Iterator[tuple[list[str], object]]:
    def walk(path: list[str], command: object) -> Iterator[tuple[list[str], object]]:
        yield path, command
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk([*path, name], sub)
    yield from walk([], get_command(app))


COMMANDS = list(_commands())


def _choices(command: object) -> set[str]:
    """The values a choice option accepts are typed as they are: code, like the option's name."""
    found = set()
    for param in getattr(command, "params", []):
        described = getattr(param, "type_descriptor", None)
        if described is not None and described.is_choice:
            found |= {str(getattr(c, "value", c)) for c in described.choices or ()}
    return found


NAMES = {name for path, _ in COMMANDS for name in path} | {v for _, c in COMMANDS for v in _choices(c)}
LEAVES = [(path, command) for path, command in COMMANDS if not getattr(command, "commands", None)]
GROUPS = [path for path, command in COMMANDS if getattr(command, "commands", None)]


def english_words(text: str) -> list[str]:
    """ASCII words that are not code names: options, paths, identifiers, commands and CODE_WORDS are allowed."""
    found = []
    text = COMMAND_EXAMPLE.sub("", text)  # "fazhan inbox read 编号": what to type is code
    text = re.sub(r"「[^」]*」", "", text)  # what the user typed, quoted back
    for match in ASCII_WORD.finditer(text):
        word = match.group().rstrip(".:/-=")
        if (word.startswith("-") or any(c in word for c in "/._=@") or word in NAMES or word in CODE_WORDS
                or word.isupper() or re.fullmatch(r"[A-Za-z]\d*|\d.*", word)):
            continue
        found.append(word)
    return found


def run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args, env=ENV, prog_name="fazhan")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"fazhan {' '.join(args)} raised {result.exception!r}") from result.exception
    return result.exit_code, result.stdout, result.stderr


def options_of(command: object) -> list[object]:
    return [p for p in getattr(command, "params", []) if p.param_type_name == "option"]


def has_json(command: object) -> bool:
    return any("--json" in p.opts for p in options_of(command))


def one_json_document(stdout: str) -> dict[str, object]:
    """stdout is exactly one JSON document (json.loads refuses anything before or after it)."""
    document = json.loads(stdout)
    assert isinstance(document, dict) and document["error"] and re.search(r"[\u4e00-\u9fff]", document["message"])
    return document


def test_the_tree_is_walked() -> None:
    assert len(LEAVES) >= 40 and {"advance", "meeting", "check", "notices"} <= NAMES


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=lambda p: " ".join(p) or "fazhan")
def test_help_is_chinese(path: list[str]) -> None:
    code, out, err = run([*path, "--help"])
    assert code == 0 and "用法：fazhan" in out and "显示本帮助并退出。" in out, out
    assert english_words(out + err) == [], out


@pytest.mark.parametrize("path", [path for path, _ in LEAVES], ids=" ".join)
def test_bad_arguments_are_told_in_chinese(path: list[str]) -> None:
    command = {tuple(p): c for p, c in LEAVES}[tuple(path)]
    tries = [[*path, "--no-such-option"]]
    required = [p for p in command.params if p.required]
    if required:
        tries.append(list(path))
    for param in command.params:
        label = param.display_type(None) if hasattr(param, "display_type") else ""
        if "整数" in str(label):
            value = ["x"] * max(1, param.nargs if param.nargs > 0 else 1)
            tries.append([*path, *(([param.opts[0]] if param.param_type_name == "option" else []) + value)])
    for args in tries:
        code, out, err = run(args)
        assert code == 2, (args, code, out, err)
        assert english_words(out + err) == [], (args, out + err)
        assert re.search(r"[\u4e00-\u9fff]", err + out), (args, out, err)
        if has_json(command):
            code, out, err = run([*args, "--json"])
            assert code == 2 and one_json_document(out)["error"] == "usage", (args, out, err)


@pytest.mark.parametrize("path", GROUPS, ids=lambda p: " ".join(p) or "fazhan")
def test_an_unknown_command_is_told_in_chinese(path: list[str]) -> None:
    code, out, err = run([*path, "no-such-command"])
    assert code == 2 and "没有「no-such-command」这个命令。" in err
    assert english_words(out + err) == []


def test_an_impossible_date_is_one_chinese_sentence_and_one_json_document(tmp_path: Path) -> None:
    code, out, err = run(["check", "递交入党申请书", "--on", "2025-02-30"])
    assert code == 2 and "办理日期「2025-02-30」不存在：2025年2月只有28天。" in out + err
    code, out, _ = run(["check", "递交入党申请书", "--on", "2025-02-30", "--json"])
    assert code == 2 and one_json_document(out) == {"error": "usage", "message": "办理日期「2025-02-30」不存在：2025年2月只有28天。"}
    db = str(tmp_path / "d.db")
    assert run(["init", "--db", db])[0] == 0
    code, out, _ = run(["member", "add", "王芳", "--org", "某党支部", "--since", "2024-13-01", "--db", db, "--json"])
    assert code == 2 and "月份应为1至12" in one_json_document(out)["message"]


def test_errors_from_the_records_are_one_json_document(tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    assert run(["init", "--db", db])[0] == 0
    for args in (["show", "无此人"], ["advance", "无此人", "递交入党申请书", "--on", "2025-06-10"],
                 ["meeting", "show", "99"], ["org", "add", "某支部", "--kind", "不存在的类型"]):
        code, out, err = run([*args, "--db", db, "--json"])
        assert code == 2, (args, out, err)
        document = one_json_document(out)
        assert document["error"] == "usage" and english_words(document["message"]) == [], document
        code, out, err = run([*args, "--db", db])
        assert code == 2 and english_words(out + err) == [] and not out.lstrip().startswith("{"), (args, out)


def test_an_unreadable_database_is_a_chinese_sentence_not_a_traceback(tmp_path: Path) -> None:
    missing = str(tmp_path / "no" / "such" / "dir" / "x.db")
    code, out, err = run(["show", "李明", "--db", missing, "--json"])
    assert code == 2 and "无法读取数据库" in one_json_document(out)["message"]


def test_the_installed_command_speaks_chinese_too() -> None:
    """The real entry point in a real process: usage error on stderr in Chinese, JSON alone on stdout."""
    done = subprocess.run([sys.executable, "-m", "interfaces", "meeting", "ballot", "x", "--json"],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", **ENV}, timeout=60)
    assert done.returncode == 2 and one_json_document(done.stdout)["message"] == "议题编号的取值不对：「x」不是整数。"
    done = subprocess.run([sys.executable, "-m", "interfaces", "advance"], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", **ENV}, timeout=60)
    assert done.returncode == 2 and "缺少参数" in done.stderr and "Traceback" not in done.stderr
    assert english_words(done.stdout + done.stderr) == []


def test_a_deadline_says_that_its_last_day_counts(tmp_path: Path) -> None:
    """§3 item 3: a duty "within one month" is met up to and including the last day; the wording says so."""
    history = tmp_path / "history.json"
    history.write_text(json.dumps({"birth_date": "2001-04-12", "records": [
        {"step": "application_submitted", "on": "2024-03-04", "evidence": {"organisation_basis": "work_unit"}}]}),
        encoding="utf-8")
    code, out, _ = run(["plan", "--history", str(history), "--on", "2024-03-05"])
    assert code == 0 and "2. 党组织派人谈话：现在可办理，最迟2024年4月4日（含当日）" in out, out
    code, out, _ = run(["plan", "--history", str(tmp_path / "missing.json"), "--on", "2024-03-05", "--json"])
    assert code == 2 and "文件不存在或没有读取权限" in one_json_document(out)["message"]
