"""The case exchange file: a case sent to an organisation outside this database, sealed so an edit shows.

The file is JSON: ``content`` (the case, its steps, meeting items, violations, overrides and audit events),
``sha256`` over the canonical form of ``content`` (sorted keys, no spaces, UTF-8), and an Ed25519 signature
over the same bytes made with the sending database's checkpoint key (workflow/keys.py). The digest shows an
edit made by hand; the signature shows an edit by someone who recomputed the digest, when the receiver knows
the sender's public key (``fazhan audit public-key`` on the sending side).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from states.procedure import SPECS
from states.steps import Status, Step
from workflow import keys
from workflow.errors import FazhanError
from workflow.evidence import from_json

FORMAT = "fazhan-case-exchange/1"


class BadExchangeFile(FazhanError):
    """A file that cannot be imported: not ours, malformed, or edited after export."""


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def plain(content: dict[str, Any]) -> dict[str, Any]:
    """The content as JSON gives it back (dates and moments as text), so what is hashed is what is read."""
    loaded: dict[str, Any] = json.loads(json.dumps(content, ensure_ascii=False, default=str))
    return loaded


def seal(content: dict[str, Any], key: keys.AuditKey) -> tuple[bytes, str]:
    """The file's bytes and the SHA-256 of its content."""
    body = canonical(content)
    digest = hashlib.sha256(body).hexdigest()
    document = {"format": FORMAT, "sha256": digest,
                "signature": {"algorithm": "Ed25519", "key_id": key.id, "public_key": key.public_hex(),
                              "value": key.signing_key().sign(body).hex()},
                "content": content}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"), digest


@dataclass(frozen=True)
class Received:
    """A file that passed every check: its content, the content's SHA-256, the file's own SHA-256, the key."""

    content: dict[str, Any]
    sha256: str
    file_sha256: str
    public_key: str

    @property
    def steps(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.content["steps"]
        return found

    @property
    def applicant(self) -> dict[str, Any]:
        found: dict[str, Any] = self.content["applicant"]
        return found


def read(data: bytes, trusted_public_key: str | None = None) -> Received:
    """Check a file before anything is written: format, digest, signature, and the shape of every part."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadExchangeFile("这不是案卷交换文件（无法按 JSON 读取）。请选择由「转往外单位」导出的 .json 文件。") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BadExchangeFile("这不是本系统导出的案卷交换文件（格式标记不对）。")
    content, signature = document.get("content"), document.get("signature")
    if not isinstance(content, dict) or not isinstance(signature, dict):
        raise BadExchangeFile("案卷交换文件不完整：缺少案卷内容或签名。")
    body = canonical(content)
    digest = hashlib.sha256(body).hexdigest()
    if document.get("sha256") != digest:
        raise BadExchangeFile("文件内容与其中记载的校验值（SHA-256）不符：文件在导出后被改动过，不能导入。"
                              "请向转出党组织重新索取原文件。")
    public = str(signature.get("public_key") or "").lower()
    if trusted_public_key and trusted_public_key.strip().lower() != public:
        raise BadExchangeFile("文件的签名公钥与您掌握的转出方公钥不符：文件不是由该党组织的系统导出的，不能导入。")
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(bytes.fromhex(str(signature.get("value"))), body)
    except (InvalidSignature, ValueError):
        raise BadExchangeFile("文件的签名无效：文件在导出后被改动过，不能导入。请向转出党组织重新索取原文件。") from None
    _check_shape(content)
    return Received(content, digest, hashlib.sha256(data).hexdigest(), public)


def _check_shape(content: dict[str, Any]) -> None:
    """Signed files from another version could still lack a part: say which, rather than fail half-way."""
    where = "申请人"
    try:
        person = content["applicant"]
        for key in ("name", "sex", "birth_date", "id_number"):
            if not str(person[key] or "").strip():
                raise KeyError(key)
        date.fromisoformat(person["birth_date"])
        where = "案卷状态"
        Status(content["case"]["status"])
        where = "转出党组织"
        str(content["from"]["organisation"])
        for index, step in enumerate(content["steps"], start=1):
            where = f"第{index}条步骤记录"
            kind = Step(step["step"])
            date.fromisoformat(step["done_on"])
            from_json(SPECS[kind], step["evidence"])
            if not isinstance(step["violations"], list) or not isinstance(step["overrides"], list):
                raise TypeError(where)
        where = "审计记录"
        str(content["audit"]["last_hash"])
    except (KeyError, TypeError, ValueError, AttributeError):
        # The exception's own text is English (and could quote a personal number): only the part is named.
        raise BadExchangeFile(f"案卷交换文件的内容不完整或无法识别（问题出在「{where}」），不能导入。") from None
