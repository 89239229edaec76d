"""Signed checkpoints: the head of the trail (event count, last link, time, organisation), signed with Ed25519.

A checkpoint held outside the database (by the higher committee, or as a short code on the paper 台账) proves
that nothing before it was changed, dropped or reordered — even by someone holding the key and the database —
and makes a truncated or emptied trail fail loudly instead of verifying "0 events". The signing key is derived
from the audit key (workflow/keys.py); the higher committee keeps each database's public key
(``fazhan audit public-key``) and verifies with it.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, select

from workflow import audit, keys, roster
from workflow.errors import FazhanError

FORMAT = "fazhan-checkpoint/1"
CODE_BYTES = 10  # 80 bits of the last link: a rewrite matching it by chance is out of reach


@dataclass(frozen=True)
class Checkpoint:
    """What is signed: every field but ``signature``, as canonical JSON."""

    format: str
    database: str  # the link of event 1: which chain this is
    organisation: str
    events: int
    last_hash: str
    made_at: str
    key_id: str
    public_key: str  # hex, raw Ed25519
    signature: str = ""

    def signed_bytes(self) -> bytes:
        content = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def code(self) -> str:
        return short_code(self.events, self.last_hash)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


def short_code(events: int, last_hash: str) -> str:
    """For the paper 台账: the event count and 80 bits of the last link, e.g. ``128-ABCD-EFGH-IJKL-MNOP``."""
    letters = base64.b32encode(bytes.fromhex(last_hash)[:CODE_BYTES]).decode("ascii")
    return f"{events}-" + "-".join(letters[i:i + 4] for i in range(0, len(letters), 4))


def parse_code(code: str) -> tuple[int, str]:
    """(event count, the code's letters) from a short code as written down; tolerant of case and spaces."""
    count, _, rest = re.sub(r"[\s-]+", "-", code.strip().upper()).partition("-")
    letters = rest.replace("-", "")
    if not count.isdigit() or len(letters) != CODE_BYTES * 8 // 5:
        raise FazhanError(f"检查码「{code}」格式不对：应为“事件数-四组字母数字”，如 128-ABCD-EFGH-IJKL-MNOP。")
    return int(count), letters


def _organisation(conn: Connection) -> str:
    roots = conn.execute(select(roster.ORGS.c.name).where(roster.ORGS.c.parent_id.is_(None))
                         .order_by(roster.ORGS.c.id)).scalars().all()
    return "、".join(roots) or "（尚未登记党组织）"


def _link_at(conn: Connection, seq: int) -> str | None:
    return conn.execute(select(audit.EVENTS.c.hash).where(audit.EVENTS.c.seq == seq)).scalar()


def make(conn: Connection, made_at: datetime) -> Checkpoint:
    """Sign the head of a chain that verifies (a broken chain is not anchored: that would bless the damage)."""
    report = audit.verify(conn)
    if not report.intact:
        raise FazhanError("审计链未通过核验，不能签发检查点：" + report.sentence())
    head = audit.read_head(conn)
    store = keys.store_for(conn.engine)
    key = store.get(head[2]) if head and head[2] else store.current()
    if key is None:
        raise FazhanError(f"链头的密钥不在{store.describe()}中，不能签发检查点。")
    unsigned = Checkpoint(FORMAT, _link_at(conn, 1) or audit.GENESIS, _organisation(conn), report.checked,
                          report.last_hash, made_at.isoformat(), key.id, key.public_hex())
    signature = key.signing_key().sign(unsigned.signed_bytes()).hex()
    return Checkpoint(**{**asdict(unsigned), "signature": signature})


def load(path: Path) -> Checkpoint:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        checkpoint = Checkpoint(**data)
    except FileNotFoundError:
        raise FazhanError(f"找不到检查点文件 {path}。") from None
    except (ValueError, TypeError):
        raise FazhanError(f"{path} 不是 fazhan 检查点文件（内容无法识别）。") from None
    if checkpoint.format != FORMAT:
        raise FazhanError(f"{path} 的格式「{checkpoint.format}」无法识别。")
    return checkpoint


def _signature_ok(checkpoint: Checkpoint, public_hex: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(
            bytes.fromhex(checkpoint.signature), checkpoint.signed_bytes())
    except (InvalidSignature, ValueError):
        return False
    return True


def check(conn: Connection, checkpoint: Checkpoint, chain: audit.ChainReport, trusted_public_key: str | None) -> str | None:
    """The first reason the trail does not extend the checkpoint, in Chinese; None if it does.

    ``trusted_public_key``: the key the higher committee holds; without it, the database's own key store must
    hold the checkpoint's signing key (a checkpoint from another database is then caught by its key).
    """
    public = trusted_public_key.strip().lower() if trusted_public_key else None
    if public is None:
        key = keys.store_for(conn.engine).get(checkpoint.key_id)
        if key is None or key.public_hex() != checkpoint.public_key:
            return "检查点不是用本数据库的密钥签发的（来自另一个数据库，或是伪造的）。"
        public = checkpoint.public_key
    elif public != checkpoint.public_key:
        return "检查点的签名公钥与上级党委保存的公钥不符（来自另一个数据库，或是伪造的）。"
    if not _signature_ok(checkpoint, public):
        return "检查点的签名无效（检查点文件被改动过）。"
    return _extends(conn, chain, checkpoint.events, checkpoint.last_hash, checkpoint.database)


def check_code(conn: Connection, code: str, chain: audit.ChainReport) -> str | None:
    """The same for a short code copied from paper (no signature: the paper itself is the anchor)."""
    count, letters = parse_code(code)
    link = _link_at(conn, count) if count else None
    if count and link is None:
        return _extends(conn, chain, count, "", None)
    if link is not None and short_code(count, link).partition("-")[2].replace("-", "") != letters:
        return f"第{count}条事件与检查码不符：检查码之前的事件被改动、删除、插入或调换了顺序（或检查码来自另一个数据库）。"
    return None


def _extends(conn: Connection, chain: audit.ChainReport, events: int, last_hash: str, database: str | None) -> str | None:
    present = chain.checked if chain.intact else (conn.execute(select(audit.EVENTS.c.seq).order_by(
        audit.EVENTS.c.seq.desc()).limit(1)).scalar() or 0)
    if events > 0 and present == 0:
        return f"审计链已被清空：检查点时共有{events}条事件，现在一条也没有。"
    if database is not None and events > 0 and _link_at(conn, 1) != database:
        return "检查点来自另一个数据库（第1条事件与检查点记录的不同）。"
    if present < events:
        return f"审计链被截断：检查点时共有{events}条事件，现在只有{present}条。"
    if events and _link_at(conn, events) != last_hash:
        return f"第{events}条事件与检查点不符：检查点之前的事件被改动、删除、插入或调换了顺序。"
    return None
