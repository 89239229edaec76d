"""Settings from one file and the environment; health and readiness; JSON logs with request ids."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from interfaces.cli import app as cli
from interfaces.settings import Settings, SettingsError, load_settings
from interfaces.web.app import create_app
from interfaces.web.health import expected_revision
from interfaces.web.logs import REQUEST_ID, JsonFormatter, RequestLog
from tests.web.browser import TODAY
from workflow.clock import FixedClock

SECRET = "k" * 40


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_file_then_the_environment_then_the_options(tmp_path: Path) -> None:
    config = write(tmp_path / "fazhan.toml", """
[server]
database = "postgresql://fazhan@/fazhan"
workers = 4
port = 8100
secure_cookies = true

[notices]
smtp_host = "mail.example.edu.cn"
""")
    settings = load_settings(config, {"FAZHAN_PORT": "9000", "FAZHAN_SCHEDULER": "0"}, workers=2)
    assert settings == Settings(database="postgresql://fazhan@/fazhan", port=9000, workers=2, secure_cookies=True,
                                scheduler=False, notices_config=str(Path(config).resolve()))
    assert load_settings(None, {"FAZHAN_CONFIG": config}).workers == 4
    assert load_settings(None, {}) == Settings()


def test_export_gives_the_other_modules_their_variables(tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.key", SECRET + "\n")
    environ: dict[str, str] = {}
    Settings(database="postgresql://x@/y", secret_key_file=secret, audit_key_file="/k/audit.key",
             secure_cookies=True).export(environ)
    assert environ == {"FAZHAN_DB": "postgresql://x@/y", "FAZHAN_SECRET_KEY": SECRET,
                       "FAZHAN_AUDIT_KEY_FILE": "/k/audit.key", "FAZHAN_SECURE_COOKIES": "1", "FAZHAN_SCHEDULER": "1"}


@pytest.mark.parametrize(("text", "environ", "message"), [
    ("[server]\nworkers = 0\n", {}, "workers 应为正整数"),
    ("[server]\nworker = 2\n", {}, "无法识别的配置项：worker"),
    ("[serve]\n", {}, "无法识别的部分：serve"),
    ("[server]\nlog_format = \"xml\"\n", {}, "log_format 只能是 json 或 text"),
    ("[server]\nport = 70000\n", {}, "端口 70000 超出范围"),
    ("[server\n", {}, "格式有误"),
    ("", {"FAZHAN_SECURE_COOKIES": "maybe"}, "环境变量 FAZHAN_SECURE_COOKIES 中的 secure_cookies 应为 true 或 false"),
])
def test_bad_settings_are_told_in_chinese(tmp_path: Path, text: str, environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(write(tmp_path / "fazhan.toml", text), environ)


def test_a_short_or_missing_key_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="密钥太短"):
        Settings(secret_key_file=write(tmp_path / "short.key", "abc")).export({})
    with pytest.raises(SettingsError, match="无法读取密钥文件"):
        Settings(secret_key_file=str(tmp_path / "none.key")).export({})


def test_serve_refuses_bad_input_with_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAZHAN_CONFIG", raising=False)
    runner = CliRunner()
    several = runner.invoke(cli, ["serve", "--workers", "2", "--db", str(tmp_path / "x.db")])
    assert several.exit_code == 2 and "SQLite 数据库只能用一个工作进程" in several.output
    broken = runner.invoke(cli, ["serve", "--config", write(tmp_path / "bad.toml", "[server]\nport = \"x\"\n")])
    assert broken.exit_code == 2 and "port 应为正整数" in broken.output
    monkeypatch.setenv("FAZHAN_CONFIG", str(tmp_path / "missing.toml"))
    other = runner.invoke(cli, ["steps"])  # every command follows FAZHAN_CONFIG, so every command says so
    assert other.exit_code == 2 and "无法读取配置文件" in other.output


def test_health_and_readiness(engine: Engine, database_url: str) -> None:  # noqa: ARG001
    client = TestClient(RequestLog(create_app(database_url, FixedClock.on(TODAY))))
    alive = client.get("/health")
    assert alive.status_code == 200 and alive.json()["status"] == "ok"
    ready = client.get("/ready", headers={"X-Request-ID": "proxy-7f3a"})
    assert ready.status_code == 200, ready.text
    assert ready.json()["schema"] == expected_revision() and ready.json()["scheduler"] in {"off", "standby", "leader"}
    assert ready.headers["x-request-id"] == "proxy-7f3a"
    odd = client.get("/health", headers={"X-Request-ID": "<script>"})
    assert odd.headers["x-request-id"] != "<script>" and len(odd.headers["x-request-id"]) == 32


def test_not_ready_on_a_database_without_the_schema(database_url: str) -> None:
    client = TestClient(create_app(database_url, FixedClock.on(TODAY)))
    answer = client.get("/ready")
    assert answer.status_code == 503
    assert answer.json()["status"] == "not_ready" and "数据库无法连接或尚未初始化" in answer.json()["message"]


def test_a_json_log_line_carries_the_request_id() -> None:
    token = REQUEST_ID.set("req-1")
    try:
        record = logging.LogRecord("fazhan.access", logging.INFO, __file__, 1, "GET %s %s", ("/ready", 200), None)
        record.status = 200
        line = json.loads(JsonFormatter().format(record))
    finally:
        REQUEST_ID.reset(token)
    assert line["request_id"] == "req-1" and line["message"] == "GET /ready 200" and line["status"] == 200
    assert line["level"] == "info" and line["logger"] == "fazhan.access"
