"""Where a key kept outside the database lives, and how its file is read and written.

The audit key (workflow/keys.py) and the personal-data key (workflow/personal.py) are two different keys, so
that whoever holds one does not hold the other, but they are found the same way (first match wins):

1. ``<ENV>``: one or more keys (64 hex digits each), comma-separated, the newest first;
2. ``<ENV>_FILE``: a key file at that path;
3. a SQLite file database: the file ``<database>.<suffix>`` beside it;
4. any other database (PostgreSQL): ``<ENV>_DIR or ~/.config/fazhan/<folder>``/``<host>-<port>-<db>.key``.

A key file is JSON, ``{"format": …, "keys": [{"id", "secret"}]}``, oldest first, written atomically with
owner-only permissions (0600); the first file is linked into place, so two processes starting together never
make two different keys.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from workflow.errors import FazhanError

KEY_BYTES = 32


@dataclass(frozen=True)
class KeyLocation:
    """How one kind of key is found: its variables, its file name beside SQLite, its folder otherwise."""

    label: str  # 审计密钥 / 个人信息密钥: what people are told
    env: str
    suffix: str
    folder: str
    file_format: str
    min_bytes: int = KEY_BYTES

    @property
    def file_env(self) -> str:
        return self.env + "_FILE"

    @property
    def dir_env(self) -> str:
        return self.env + "_DIR"

    def from_environment(self) -> str | None:
        return os.environ.get(self.env) or None

    def path(self, url: URL) -> Path | None:
        """The key file for a database (rules 2–4), or None for an in-memory SQLite database."""
        if os.environ.get(self.file_env):
            return Path(os.environ[self.file_env])
        if url.get_backend_name() == "sqlite":
            if not url.database or url.database == ":memory:":
                return None
            database = Path(url.database)
            return database.with_name(f"{database.name}.{self.suffix}")
        return self.folder_path(url)

    def folder_path(self, url: URL) -> Path:
        """Rule 4: a file per database in the key folder."""
        folder = os.environ.get(self.dir_env) or \
            Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "fazhan" / self.folder
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{url.host or 'local'}-{url.port or 5432}-{url.database or ''}")
        return Path(folder) / f"{name}.key"

    def parse_environment(self, text: str) -> list[bytes]:
        """The keys of rule 1, oldest first (the variable lists the newest first)."""
        found = []
        for part in text.split(","):
            try:
                secret = bytes.fromhex(part.strip())
            except ValueError:
                raise FazhanError(f"环境变量 {self.env} 中的{self.label}格式不对：每把密钥应为64位十六进制数字，"
                                  "多个用逗号分隔，新密钥在前。") from None
            if len(secret) < self.min_bytes:
                raise FazhanError(f"环境变量 {self.env} 中的{self.label}太短：至少{self.min_bytes * 2}位十六进制数字"
                                  "（建议64位）。")
            found.append(secret)
        return found[::-1]

    def read(self, path: Path) -> list[bytes]:
        """The keys of a key file, oldest first; [] if the file does not exist."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            found = [bytes.fromhex(entry["secret"]) for entry in data["keys"]]
        except FileNotFoundError:
            return []
        except OSError as error:
            raise FazhanError(f"读不到{self.label}文件 {path}：{error.strerror}。") from None
        except (ValueError, KeyError, TypeError):
            raise FazhanError(f"{self.label}文件 {path} 已损坏，无法读取。") from None
        if any(len(secret) < self.min_bytes for secret in found):
            raise FazhanError(f"{self.label}文件 {path} 中有无法使用的密钥。")
        return found

    def write(self, path: Path, keys: list[tuple[str, bytes]], *, first: bool) -> None:
        """Write ``(id, secret)`` pairs atomically, owner-only; a first file never replaces one made meanwhile."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = json.dumps({"format": self.file_format,
                           "keys": [{"id": key_id, "secret": secret.hex()} for key_id, secret in keys]}, indent=2)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            if first:
                os.link(temporary, path)  # fails if another process created the file first: theirs is used
            else:
                os.replace(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)


def new_secret() -> bytes:
    return secrets.token_bytes(KEY_BYTES)
