"""ID-card and phone numbers encrypted per field (AES-GCM), with a keyed blind index (HMAC-SHA-256) for the ID.

The key lives outside the database, never in it, found the way workflow/keys.py finds the audit key
(first match wins), but it is a key of its own (an inspector who holds the audit key does not read ID numbers):

1. ``FAZHAN_PERSONAL_KEY``: one or more keys (64 hex digits each), comma-separated, the newest first;
2. ``FAZHAN_PERSONAL_KEY_FILE``: a key file at that path;
3. an SQLite database: the file ``<database>.personal-key`` beside it;
4. any other database: ``<FAZHAN_PERSONAL_KEY_DIR or ~/.config/fazhan/personal-keys>/<host>-<port>-<db>.key``.

A key file is JSON (``{"format": "fazhan-personal-keys/1", "keys": [{"id", "secret"}]}``), created owner-only
(0600) on first need, and keeps every key it held; the last is the current one. A stored value is
``enc1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`` bound to its column (the column name is the AEAD's
associated data): old values still open after a rotation, and a value copied into another column does not.
The blind index is an HMAC of the normalised ID number under a key derived from the current key: equal
numbers give equal indexes, so duplicates and searches work without the number in clear; ``rotate``
re-encrypts every row and recomputes every index in one transaction, with its audit event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.engine import URL, make_url

from states import limits
from workflow import audit
from workflow.clock import Clock
from workflow.db import database_url
from workflow.errors import FazhanError, UnknownApplicant
from workflow.evidence import BadEvidence
from workflow.key_files import KeyLocation, new_secret
from workflow.roster_tables import RobotTarget
from workflow.tables import Applicant, Case, Organisation, table

PREFIX = "enc1:"
LOCATION = KeyLocation(label="个人信息密钥", env="FAZHAN_PERSONAL_KEY", suffix="personal-key",
                       folder="personal-keys", file_format="fazhan-personal-keys/1")
KEY_ENV, KEY_FILE_ENV, KEY_DIR_ENV = LOCATION.env, LOCATION.file_env, LOCATION.dir_env
APPLICANTS, CASES = table(Applicant), table(Case)
ID_FIELD, CONTACT_FIELD = "applicants.id_number", "applicants.contact"
ROBOT_SECRET_FIELD = "robot_targets.secret"  # the 钉钉 加签 secret: whoever holds it can post as the robot
# A webhook address is a bearer credential (企业微信 ?key=…, 钉钉 ?access_token=…): whoever reads it can post.
ROBOT_URL_FIELD = "robot_targets.url"
WEBHOOK_URL_FIELD = "organisations.webhook_url"  # a plain webhook set on an organisation without a robot
ROBOT_REFERENCE = "robot:"  # organisations.webhook_url of an organisation whose robot is on: "robot:<id>", no secret


class KeyProblem(FazhanError):
    """The personal-data key is missing, unreadable or does not open a stored value."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return hmac.new(master, b"fazhan personal data/" + purpose, hashlib.sha256).digest()


@dataclass(frozen=True)
class PersonalKeys:
    """The keys by id, in the order they were made; the last one encrypts and indexes."""

    keys: tuple[tuple[str, bytes], ...]

    @property
    def current(self) -> str:
        return self.keys[-1][0]

    def _aead(self, wanted: str) -> AESGCM:
        for kid, master in self.keys:
            if kid == wanted:
                return AESGCM(_derive(master, b"encryption"))
        raise KeyProblem(f"找不到个人信息密钥「{wanted}」：加密这条记录的旧密钥已从密钥文件中删除。")

    def encrypt(self, column: str, value: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead(self.current).encrypt(nonce, value.encode("utf-8"), column.encode())
        return f"{PREFIX}{self.current}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, column: str, stored: str) -> str:
        if not is_encrypted(stored):
            return stored  # "" (not given); rows from before the migration never reach here
        kid, _, body = stored.removeprefix(PREFIX).partition(":")
        try:
            raw = base64.urlsafe_b64decode(body)
            return self._aead(kid).decrypt(raw[:12], raw[12:], column.encode()).decode("utf-8")
        except (InvalidTag, ValueError):
            raise KeyProblem("个人信息无法解密：密钥与加密时的不同，或记录已被改动。") from None

    def index(self, id_number: str) -> str:
        return self._index(self.keys[-1][1], id_number)

    def indexes(self, id_number: str) -> list[str]:
        """The index under every key: a rotation that failed half-way still finds every duplicate."""
        return [self._index(master, id_number) for _, master in self.keys]

    @staticmethod
    def _index(master: bytes, id_number: str) -> str:
        return hmac.new(_derive(master, b"blind index"), id_number.encode(), hashlib.sha256).hexdigest()


def is_encrypted(stored: str | None) -> bool:
    return bool(stored) and str(stored).startswith(PREFIX)


# ---------------------------------------------------------------- where the key lives


def key_path(url: str | URL | None) -> Path:
    """The key file for a database (workflow/key_files.py; an in-memory database uses the key folder)."""
    parsed = url if isinstance(url, URL) else make_url(database_url(url))
    return LOCATION.path(parsed) or LOCATION.folder_path(parsed)


def key_id(secret: bytes) -> str:
    """A fingerprint of the key, safe to store beside the values it encrypted."""
    return "p" + hashlib.sha256(b"fazhan personal key id\0" + secret).hexdigest()[:16]


def _keys(found: list[bytes], where: str) -> PersonalKeys:
    if not found:
        raise KeyProblem(f"{where}中没有可用的个人信息密钥。")
    return PersonalKeys(tuple((key_id(secret), secret) for secret in found))


def _write(path: Path, keys: PersonalKeys, *, first: bool) -> None:
    LOCATION.write(path, list(keys.keys), first=first)


_CACHE: dict[tuple[str, int], PersonalKeys] = {}


def load_keys(url: str | URL | None) -> PersonalKeys:
    """The keys for this database; a key file that does not exist yet is created (mode 0600)."""
    if os.environ.get(KEY_ENV):
        return _keys(LOCATION.parse_environment(os.environ[KEY_ENV]), f"环境变量 {KEY_ENV} ")
    path = key_path(url)
    if not path.exists():
        secret = new_secret()
        _write(path, PersonalKeys(((key_id(secret), secret),)), first=True)
    stamp = path.stat().st_mtime_ns
    cached = _CACHE.get((str(path), stamp))
    if cached is None:
        cached = _CACHE[(str(path), stamp)] = _keys(LOCATION.read(path), f"密钥文件 {path} ")
    return cached


def keys_for(engine_or_conn: Engine | Connection) -> PersonalKeys:
    return load_keys(engine_or_conn.engine.url)


# ---------------------------------------------------------------- what the pages and the CLI show


def mask_id(number: str) -> str:
    """``1101**********123X``: enough to tell two people apart on a list, not enough to use the number."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:] if len(number) > 8 else "*" * len(number)


def mask_contact(contact: str) -> str:
    """``138****5678`` for a phone; other contacts keep their first and last character."""
    if len(contact) >= 7:
        return contact[:3] + "*" * (len(contact) - 7) + contact[-4:]
    return contact[:1] + "*" * max(len(contact) - 2, 0) + contact[-1:] if len(contact) > 2 else "*" * len(contact)


SECRET_PARAMS = ("key", "access_token", "token", "sign")  # query parameters that let whoever holds them post


def mask_webhook(url: str) -> str:
    """``…key 末四位 abcd``: enough to tell two robots apart, not enough to post; a URL without a key shows its host.

    >>> mask_webhook("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa")
    '…key 末四位 5aaa'
    """
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    for name in SECRET_PARAMS:
        if query.get(name):
            value = query[name][0]
            return f"…{name} 末四位 {value[-4:]}" if len(value) >= 8 else f"…{name} 已隐藏"
    return f"{parts.hostname or '地址'}…（已隐藏）"


def hide_webhook(text: str, url: str) -> str:
    """``text`` (an error, a log line) with the address and every query value of ``url`` masked."""
    if not url:
        return text
    text = text.replace(url, mask_webhook(url))
    for values in urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).values():
        for value in values:
            if len(value) >= 4:
                text = text.replace(value, "****").replace(urllib.parse.quote(value, safe=""), "****")
    return text


def sealed(keys: PersonalKeys | Engine | Connection, id_number: str | None, contact: str) -> dict[str, Any]:
    """The stored columns of an applicant's personal data (the key is read only if there is something to seal)."""
    if not id_number and not contact:
        return {"id_number": None, "id_number_index": None, "contact": ""}
    keys = keys if isinstance(keys, PersonalKeys) else keys_for(keys)
    return {"id_number": keys.encrypt(ID_FIELD, id_number) if id_number else None,
            "id_number_index": keys.index(id_number) if id_number else None,
            "contact": keys.encrypt(CONTACT_FIELD, contact) if contact else ""}


def masked(source: Engine | Connection, id_number: str | None, contact: str | None) -> tuple[str | None, str]:
    """The masked ID and contact of stored values."""
    if not id_number and not contact:
        return None, ""
    keys = keys_for(source)
    plain_id = keys.decrypt(ID_FIELD, id_number) if id_number else None
    return (mask_id(plain_id) if plain_id else None,
            mask_contact(keys.decrypt(CONTACT_FIELD, contact)) if contact else "")


def cleaned(name: str, unit: str, contact: str, id_number: str | None) -> tuple[str, str, str, str | None]:
    """An applicant's typed-in fields normalised and bounded (states/limits.py), or ``BadEvidence``."""
    try:
        name = limits.clean(name, limits.NAME)
        if not name:
            raise limits.InvalidInput("姓名不能为空。")
        return (name, limits.clean(unit, limits.UNIT), limits.clean_contact(contact) if contact.strip() else "",
                limits.clean_digits(id_number, limits.ID_NUMBER) if id_number and id_number.strip() else None)
    except limits.InvalidInput as problem:
        raise BadEvidence(str(problem)) from None


def id_number_key(conn: Connection, key: str) -> int | None:
    """The applicant whose ID number is ``key`` (as typed: full-width digits fold), if ``key`` looks like one."""
    try:
        number = limits.clean_digits(key, limits.ID_NUMBER)
    except limits.InvalidInput:
        return None
    return applicant_by_id_number(conn, number)


def applicant_by_id_number(conn: Connection, id_number: str) -> int | None:
    """The applicant registered with this (normalised) ID number, found by its blind index."""
    row = conn.execute(select(APPLICANTS.c.id).where(
        APPLICANTS.c.id_number_index.in_(keys_for(conn).indexes(id_number)))).first()
    return int(row[0]) if row else None


def reveal(engine: Engine, clock: Clock, actor_name: str, actor_role: str, case_id: int) -> dict[str, str | None]:
    """The full ID and contact of a case's applicant; the read is an audit event (who, whose, when).

    The caller decides who may ask (interfaces/web: 支部书记、组织员、管理员 in scope; the CLI's local operator).
    The event and the read are one transaction: no event, no number.
    """
    with engine.begin() as conn:
        row = conn.execute(select(APPLICANTS.c.id, APPLICANTS.c.name, APPLICANTS.c.id_number, APPLICANTS.c.contact)
                           .join(CASES, CASES.c.applicant_id == APPLICANTS.c.id)
                           .where(CASES.c.id == case_id)).first()
        if row is None:
            raise UnknownApplicant(case_id)
        keys = keys_for(conn)
        audit.append(conn, kind="personal_data_viewed", case_id=case_id, actor=actor_name, actor_role=actor_role,
                     recorded_at=clock.now(), payload={"applicant_id": row.id, "name": row.name,
                                                       "fields": ["id_number", "contact"]})
        return {"id_number": keys.decrypt(ID_FIELD, row.id_number) if row.id_number else None,
                "contact": keys.decrypt(CONTACT_FIELD, row.contact) if row.contact else ""}


# ---------------------------------------------------------------- migration and rotation


def encrypt_rows(conn: Connection, keys: PersonalKeys, *, old: PersonalKeys | None = None) -> int:
    """Encrypt every clear value and (with ``old``) re-encrypt values under ``keys``; indexes recomputed."""
    rows = conn.execute(select(APPLICANTS.c.id, APPLICANTS.c.id_number, APPLICANTS.c.contact)).all()
    changed = 0
    for applicant_id, id_number, contact in rows:
        opener = old or keys
        plain_id = opener.decrypt(ID_FIELD, id_number) if id_number else None
        plain_contact = opener.decrypt(CONTACT_FIELD, contact) if contact else ""
        if old is None and (not id_number or is_encrypted(id_number)) and (not contact or is_encrypted(contact)):
            continue
        conn.execute(update(APPLICANTS).where(APPLICANTS.c.id == applicant_id)
                     .values(**sealed(keys, plain_id.strip().upper() if plain_id else None, plain_contact or "")))
        changed += 1
    return changed


def robot_reference(organisation_id: int) -> str:
    return f"{ROBOT_REFERENCE}{organisation_id}"


def seal_robot_secrets(conn: Connection, keys: PersonalKeys, old: PersonalKeys | None) -> int:
    """Robot secrets are sealed under the same key as people's numbers, and rotate with it (migration 0016)."""
    return _reseal(conn, keys, old, ((table(RobotTarget).c.secret, ROBOT_SECRET_FIELD),))


def seal_webhook_addresses(conn: Connection, keys: PersonalKeys, old: PersonalKeys | None) -> int:
    """Robot and plain webhook addresses likewise (migration 0017); a ``robot:<id>`` reference stays as it is."""
    return _reseal(conn, keys, old, ((table(RobotTarget).c.url, ROBOT_URL_FIELD),
                                     (table(Organisation).c.webhook_url, WEBHOOK_URL_FIELD)))


def _reseal(conn: Connection, keys: PersonalKeys, old: PersonalKeys | None, columns: tuple[tuple[Any, str], ...]) -> int:
    changed = 0
    for column, field in columns:
        rows = column.table
        for row_id, stored in conn.execute(select(rows.c.id, column).where(column != "")):
            if stored.startswith(ROBOT_REFERENCE) or (old is None and is_encrypted(stored)):
                continue
            plain = (old or keys).decrypt(field, stored)
            conn.execute(update(rows).where(rows.c.id == row_id).values({column.name: keys.encrypt(field, plain)}))
            changed += 1
    return changed


def rotate(engine: Engine, clock: Clock, actor_name: str, actor_role: str) -> tuple[str, int]:
    """Every row re-encrypted and re-indexed under the newest key, in one transaction with its audit event.

    With a key file, a new key is added to it first; old keys stay (may be deleted by hand afterwards).
    With ``FAZHAN_PERSONAL_KEY`` the operator puts the new key in front of the old one, then calls this.
    """
    old = keys_for(engine)
    from_env = bool(os.environ.get(KEY_ENV))
    path = key_path(engine.url)
    secret = new_secret()
    new = old if from_env else PersonalKeys((*old.keys, (key_id(secret), secret)))
    with engine.begin() as conn:
        count = (encrypt_rows(conn, new, old=old) + seal_robot_secrets(conn, new, old)
                 + seal_webhook_addresses(conn, new, old))
        audit.append(conn, kind="personal_key_rotated", actor=actor_name, actor_role=actor_role,
                     recorded_at=clock.now(), payload={"old_key": old.current, "new_key": new.current,
                                                       "rows": count})
        if not from_env:
            _write(path, new, first=False)  # before the commit: never a row without its key in the file
    return new.current, count
