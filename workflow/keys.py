"""The audit key: a secret kept outside the database that MACs every event and signs checkpoints.

Someone who can write the database but lacks the key cannot produce a chain that verifies. Where the key
lives (first match wins):

1. ``FAZHAN_AUDIT_KEY``: one or more keys (64 hex digits each), comma-separated, the newest first;
2. ``FAZHAN_AUDIT_KEY_FILE``: a key file at that path;
3. a SQLite file database: the file ``<database>.audit-key`` beside it;
4. any other database (PostgreSQL): ``<FAZHAN_AUDIT_KEY_DIR or ~/.config/fazhan/audit-keys>/<host>-<port>-<db>.key``.

A key file is JSON, created with owner-only permissions (0600) on first need (``fazhan init``), and keeps every
key it ever held, so events made under an older key still verify after a rotation. ``KeyStore`` is the small
interface a KMS-backed store would implement.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import weakref
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url

from workflow.errors import FazhanError
from workflow.key_files import KeyLocation, new_secret

LOCATION = KeyLocation(label="审计密钥", env="FAZHAN_AUDIT_KEY", suffix="audit-key", folder="audit-keys",
                       file_format="fazhan-audit-keys/1", min_bytes=16)
KEY_ENV, KEY_FILE_ENV, KEY_DIR_ENV = LOCATION.env, LOCATION.file_env, LOCATION.dir_env


@dataclass(frozen=True)
class AuditKey:
    """One secret: its id (a fingerprint, safe to store in the database) and what it computes."""

    secret: bytes

    @cached_property  # read on every append
    def id(self) -> str:
        return "k" + hashlib.sha256(b"fazhan audit key id\0" + self.secret).hexdigest()[:16]

    def mac(self, message: bytes) -> str:
        return hmac.digest(self.secret, message, "sha256").hex()  # the one-shot C path: ~3× hmac.new

    def signing_key(self) -> Ed25519PrivateKey:
        """The checkpoint signing key, derived from the secret so there is one thing to keep safe."""
        seed = hmac.new(self.secret, b"fazhan checkpoint signing key", hashlib.sha256).digest()
        return Ed25519PrivateKey.from_private_bytes(seed)

    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key().public_key()

    def public_hex(self) -> str:
        return self.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def new_key() -> AuditKey:
    return AuditKey(new_secret())


class KeyStore(Protocol):
    """Where the audit keys are kept. A KMS would implement these three methods."""

    def describe(self) -> str:
        """Where the keys are, for people (never the key itself)."""
        ...

    def current(self) -> AuditKey:
        """The newest key, created if the store may create one."""
        ...

    def get(self, key_id: str) -> AuditKey | None:
        """A key by its id, old or new; None if this store never held it."""
        ...

    def create(self) -> AuditKey:
        """A new key that becomes the newest (for rotation); raise FazhanError if this store cannot."""
        ...


class EnvKeyStore:
    """Keys given in ``FAZHAN_AUDIT_KEY``, newest first. Read-only: rotating means editing the variable."""

    def __init__(self, text: str) -> None:
        self._keys = [AuditKey(secret) for secret in LOCATION.parse_environment(text)]
        self._by_id = {key.id: key for key in self._keys}

    def describe(self) -> str:
        return f"环境变量 {KEY_ENV}"

    def current(self) -> AuditKey:
        return self._keys[-1]

    def get(self, key_id: str) -> AuditKey | None:
        return self._by_id.get(key_id)

    def create(self) -> AuditKey:
        raise FazhanError(f"密钥来自环境变量 {KEY_ENV}，不能自动生成新密钥：请把新密钥（64位十六进制）放在该变量最前面、"
                          "旧密钥用逗号隔开留在后面，再执行 fazhan audit rotate-key。")


class FileKeyStore:
    """A JSON key file (mode 0600) holding every key it ever had; the last one is the newest."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._keys: list[AuditKey] = []
        self._by_id: dict[str, AuditKey] = {}  # replaced whole on every load: read without the lock
        self._lock = threading.Lock()

    def describe(self) -> str:
        return f"密钥文件 {self.path}"

    def _load(self) -> None:
        self._keys = [AuditKey(secret) for secret in LOCATION.read(self.path)]
        self._by_id = {key.id: key for key in self._keys}

    def _write_new(self, keys: list[AuditKey]) -> None:
        LOCATION.write(self.path, [(key.id, key.secret) for key in keys], first=not self._keys)
        self._load()

    def current(self) -> AuditKey:
        with self._lock:
            if not self._keys:
                self._load()
            if not self._keys:
                self._write_new([new_key()])
            return self._keys[-1]

    def get(self, key_id: str) -> AuditKey | None:
        known = self._by_id.get(key_id)  # every append asks for the chain's key: found here without locking
        if known is not None:
            return known
        with self._lock:
            for attempt in range(2):
                for key in self._keys:
                    if key.id == key_id:
                        return key
                if attempt == 0:
                    self._load()  # another process may have rotated meanwhile
            return None

    def create(self) -> AuditKey:
        with self._lock:
            self._load()
            self._write_new([*self._keys, new_key()])
            return self._keys[-1]


class MemoryKeyStore:
    """An in-memory database's key: lives as long as the process, like the database."""

    def __init__(self) -> None:
        self._keys = [new_key()]

    def describe(self) -> str:
        return "内存（仅本进程）"

    def current(self) -> AuditKey:
        return self._keys[-1]

    def get(self, key_id: str) -> AuditKey | None:
        return next((k for k in self._keys if k.id == key_id), None)

    def create(self) -> AuditKey:
        self._keys.append(new_key())
        return self._keys[-1]


def key_path(url: URL) -> Path | None:
    """The key file for a database (rules 2–4 above), or None for an in-memory database."""
    return LOCATION.path(url)


_STORES: dict[tuple[str | None, ...], KeyStore] = {}
_BY_ENGINE: weakref.WeakKeyDictionary[Engine, tuple[tuple[str | None, ...], KeyStore]] = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


# Read on every append: ``os.environ.get`` of an unset variable raises and catches a KeyError inside (≈ 1 µs,
# three times a step), while the mapping's own store of encoded names answers at once. Both see every change
# made through ``os.environ``; elsewhere than CPython the plain ``get`` is used.
_ENVIRON_STORE = getattr(os.environ, "_data", None)
_ENCODED_NAMES = {name: os.environ.encodekey(name) for name in (KEY_ENV, KEY_FILE_ENV, KEY_DIR_ENV)}


def _getenv(name: str) -> str | None:
    if _ENVIRON_STORE is None:
        return os.environ.get(name)
    value = _ENVIRON_STORE.get(_ENCODED_NAMES[name])
    return None if value is None else os.environ.decodevalue(value)


def _environment() -> tuple[str | None, ...]:
    given = _getenv(KEY_ENV)
    if given:  # the first rule wins: the other two variables cannot change the store
        return (given, None, None)
    return (given, _getenv(KEY_FILE_ENV), _getenv(KEY_DIR_ENV))


def store_for_url(url: str | URL) -> KeyStore:
    """The key store of a database, one object per location in this process (file reads are cached)."""
    parsed = make_url(url) if isinstance(url, str) else url
    environment = _environment()
    if environment[0]:
        location: tuple[str | None, ...] = ("env", environment[0])
    else:
        path = key_path(parsed)
        location = ("file", str(path.resolve())) if path else ("memory", parsed.render_as_string(hide_password=True))
    with _GUARD:
        store = _STORES.get(location)
        if store is None:
            if location[0] == "env":
                store = EnvKeyStore(str(location[1]))
            elif location[0] == "file":
                store = FileKeyStore(Path(str(location[1])))
            else:
                store = MemoryKeyStore()
            _STORES[location] = store
    return store


def store_for(engine: Engine) -> KeyStore:
    """``store_for_url`` cached per engine: on every append, so a dictionary look-up and three getenv calls."""
    environment = _environment()
    cached = _BY_ENGINE.get(engine)
    if cached is not None and cached[0] == environment:
        return cached[1]
    store = store_for_url(engine.url)
    _BY_ENGINE[engine] = (environment, store)
    return store
