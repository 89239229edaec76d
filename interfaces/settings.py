"""Server settings: one TOML file (``FAZHAN_CONFIG`` or ``--config``), environment variables over it.

The file (see ``deploy/fazhan.toml``)::

    [server]
    database = "postgresql://fazhan@/fazhan"    # FAZHAN_DB
    host = "127.0.0.1"                          # FAZHAN_HOST
    port = 8000                                 # FAZHAN_PORT
    workers = 4                                 # FAZHAN_WORKERS
    secret_key_file = "/etc/fazhan/secret.key"  # FAZHAN_SECRET_KEY_FILE (session cookies)
    audit_key_file = "/etc/fazhan/audit.key"    # FAZHAN_AUDIT_KEY_FILE (workflow/keys.py)
    personal_key_file = "/etc/fazhan/personal.key"  # FAZHAN_PERSONAL_KEY_FILE (workflow/personal.py)
    forwarded_allow_ips = "127.0.0.1"           # FAZHAN_FORWARDED_ALLOW_IPS: the reverse proxy
    secure_cookies = true                       # FAZHAN_SECURE_COOKIES
    scheduler = true                            # FAZHAN_SCHEDULER: run the notice scheduler (one leader)
    log_format = "json"                         # FAZHAN_LOG_FORMAT: json or text
    log_level = "info"                          # FAZHAN_LOG_LEVEL
    timeout = 60                                # FAZHAN_TIMEOUT: seconds before a stuck worker is restarted

    [notices]                                   # mail and reminders: notices/config.py
    smtp_host = "mail.example.edu.cn"

The other modules read their environment variables (``FAZHAN_DB``, ``FAZHAN_SECRET_KEY``,
``FAZHAN_NOTICES_CONFIG``, ``FAZHAN_SECURE_COOKIES``): ``Settings.export()`` writes them, so the worker
processes that a server forks see the same configuration without a second reader.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

CONFIG_VARIABLE = "FAZHAN_CONFIG"
LOG_FORMATS = ("json", "text")
LOG_LEVELS = ("debug", "info", "warning", "error")


class SettingsError(ValueError):
    """The configuration cannot be used; the message is a Chinese sentence for the IT person."""


@dataclass(frozen=True)
class Settings:
    database: str | None = None  # None: workflow.db's default (fazhan.db in the working folder)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    secret_key_file: str | None = None
    audit_key_file: str | None = None
    personal_key_file: str | None = None
    forwarded_allow_ips: str = "127.0.0.1"
    secure_cookies: bool = False
    scheduler: bool = True
    log_format: str = "json"
    log_level: str = "info"
    timeout: int = 60
    notices_config: str | None = None  # the file holding [notices]; the config file itself if it has one

    def export(self, environ: MutableMapping[str, str] | None = None) -> None:
        """Write what the other modules read from the environment (inherited by forked workers)."""
        environ = os.environ if environ is None else environ
        if self.database:
            environ["FAZHAN_DB"] = self.database
        if self.secret_key_file:
            environ["FAZHAN_SECRET_KEY"] = read_secret(self.secret_key_file)
        if self.audit_key_file:
            environ["FAZHAN_AUDIT_KEY_FILE"] = self.audit_key_file
        if self.personal_key_file:
            environ["FAZHAN_PERSONAL_KEY_FILE"] = self.personal_key_file
        if self.notices_config:
            environ["FAZHAN_NOTICES_CONFIG"] = self.notices_config
        environ["FAZHAN_SECURE_COOKIES"] = "1" if self.secure_cookies else "0"
        environ["FAZHAN_SCHEDULER"] = "1" if self.scheduler else "0"


# Environment variable → setting. FAZHAN_DB keeps the name every command already uses.
ENVIRONMENT = {"FAZHAN_DB": "database", "FAZHAN_HOST": "host", "FAZHAN_PORT": "port", "FAZHAN_WORKERS": "workers",
               "FAZHAN_SECRET_KEY_FILE": "secret_key_file", "FAZHAN_AUDIT_KEY_FILE": "audit_key_file",
               "FAZHAN_PERSONAL_KEY_FILE": "personal_key_file", "FAZHAN_FORWARDED_ALLOW_IPS": "forwarded_allow_ips",
               "FAZHAN_SECURE_COOKIES": "secure_cookies", "FAZHAN_SCHEDULER": "scheduler",
               "FAZHAN_LOG_FORMAT": "log_format", "FAZHAN_LOG_LEVEL": "log_level", "FAZHAN_TIMEOUT": "timeout",
               "FAZHAN_NOTICES_CONFIG": "notices_config"}
_TYPES = {f.name: f.type for f in fields(Settings)}
_TRUE, _FALSE = {"1", "true", "yes", "on", "是"}, {"0", "false", "no", "off", "否", ""}


def read_secret(path: str) -> str:
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise SettingsError(f"无法读取密钥文件 {path}：{error.strerror or error}。") from None
    if len(secret) < 32:
        raise SettingsError(f"密钥文件 {path} 中的密钥太短（至少32个字符），可用 `openssl rand -base64 48` 生成。")
    return secret


def _coerce(name: str, value: Any, origin: str) -> Any:
    """One value from the file (typed) or the environment (text), checked against the setting's type."""
    kind = _TYPES[name]
    if "bool" in kind:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise SettingsError(f"{origin}中的 {name} 应为 true 或 false，收到 {value!r}。")
    if "int" in kind:
        try:
            number = int(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or number < 1:
            raise SettingsError(f"{origin}中的 {name} 应为正整数，收到 {value!r}。")
        return number
    if not isinstance(value, str):
        raise SettingsError(f"{origin}中的 {name} 应为文字，收到 {value!r}。")
    return value


def _check(settings: Settings) -> Settings:
    if settings.log_format not in LOG_FORMATS:
        raise SettingsError(f"log_format 只能是 json 或 text，收到 {settings.log_format!r}。")
    if settings.log_level not in LOG_LEVELS:
        raise SettingsError(f"log_level 只能是 {'、'.join(LOG_LEVELS)} 之一，收到 {settings.log_level!r}。")
    if settings.port > 65535:
        raise SettingsError(f"端口 {settings.port} 超出范围（1—65535）。")
    return settings


def _from_file(path: str) -> tuple[dict[str, Any], bool]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise SettingsError(f"无法读取配置文件 {path}：{error.strerror or error}。") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"配置文件 {path} 格式有误（TOML）：{error}。") from None
    unknown_tables = sorted(set(data) - {"server", "notices"})
    if unknown_tables:
        raise SettingsError(f"配置文件 {path} 含有无法识别的部分：{'、'.join(unknown_tables)}（只能有 [server] 和 [notices]）。")
    server = data.get("server", {})
    unknown = sorted(set(server) - set(_TYPES))
    if unknown:
        raise SettingsError(f"配置文件 {path} 的 [server] 含有无法识别的配置项：{'、'.join(unknown)}。")
    return {k: _coerce(k, v, f"配置文件 {path} ") for k, v in server.items()}, "notices" in data


def load_settings(path: str | None = None, environ: Mapping[str, str] | None = None,
                  **overrides: Any) -> Settings:
    """The file (``path`` or ``$FAZHAN_CONFIG``), then the environment, then ``overrides`` (command options)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = path or environ.get(CONFIG_VARIABLE) or None
    if path:
        values, has_notices = _from_file(path)
        if has_notices:
            values.setdefault("notices_config", str(Path(path).resolve()))
    for variable, name in ENVIRONMENT.items():
        if environ.get(variable):
            values[name] = _coerce(name, environ[variable], f"环境变量 {variable} ")
    values.update({k: v for k, v in overrides.items() if v is not None})
    return _check(replace(Settings(), **values))
