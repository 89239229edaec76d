"""The append-only, keyed audit trail: append inside the service's transaction, verify, rotate the key.

Each event's link is an HMAC-SHA-256 under a key kept outside the database (workflow/keys.py) over its content,
its key id and the previous link, so editing, deleting, inserting or reordering any event breaks the chain at
that event, and someone who can write the database but lacks the key cannot rebuild a chain that verifies.
The single ``audit_head`` row holds the last link and the key the next event is MACed with: locking it
serialises appends, and comparing it with the last event reveals a cut-off tail. A whole-trail truncation or
emptying is caught by signed checkpoints (workflow/checkpoints.py) and by the tables check (workflow/replay.py).

Events from before keys (key_id NULL, plain SHA-256) are accepted only as a prefix sealed by a keyed event:
migration 0005 appends that seal.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select

from workflow import keys
from workflow.errors import FazhanError
from workflow.fastsql import Raw, Sql, columns, sqlite_moment
from workflow.tables import AuditEvent, AuditHead, table

PAYLOAD_VERSION = 1
EVENTS = table(AuditEvent)
HEAD = table(AuditHead)
GENESIS = "0" * 64
ROTATED, SEALED = "audit_key_rotated", "audit_sealed"
# On every action's path, so run on the driver (workflow/fastsql.py). SQLite locks at BEGIN IMMEDIATE;
# PostgreSQL serialises appends on the head row.
# Insert-if-absent, then lock: a concurrent first writer waits on the row instead of failing on its key.
START_HEAD = Sql("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :genesis) ON CONFLICT (id) DO NOTHING")
READ_HEAD = Sql("SELECT seq, hash, key_id FROM audit_head WHERE id = 1", postgresql_suffix=" FOR UPDATE")
EVENT_COLUMNS = ("seq", "kind", "case_id", "actor", "actor_role", "effective_on", "recorded_at", "rule_set",
                 "payload", "prev_hash", "hash", "key_id")
INSERT_EVENT = Sql("INSERT INTO audit_events ({}) VALUES ({})".format(*columns(EVENT_COLUMNS)))
MOVE_HEAD = Sql("UPDATE audit_head SET seq = :seq, hash = :hash, key_id = :key_id WHERE id = 1")


def _utc_text(moment: datetime) -> str:
    """Stored moments are UTC; SQLite returns them without a zone, PostgreSQL with one."""
    if moment.tzinfo is None:
        return moment.isoformat(timespec="microseconds")
    return sqlite_moment(moment).replace(" ", "T", 1)  # the same UTC text, remembered for the step's two rows


def _date_text(day: date | str | None) -> str | None:
    return day if day is None or isinstance(day, str) else day.isoformat()


def _moment_text(moment: datetime | str) -> str:
    """SQLite's stored text ("2026-01-02 03:04:05.000006", UTC) is the ISO form with a space: no parsing needed."""
    return moment.replace(" ", "T", 1) if isinstance(moment, str) else _utc_text(moment)


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))  # = json.dumps(…) with these


def _canonical(event: Mapping[str, Any], keyed: bool) -> bytes:
    content = {
        "seq": event["seq"],
        "kind": event["kind"],
        "case_id": event["case_id"],
        "actor": event["actor"],
        "actor_role": event["actor_role"],
        "effective_on": _date_text(event["effective_on"]),
        "recorded_at": _moment_text(event["recorded_at"]),
        "rule_set": event["rule_set"],
        "payload": event["payload"],
        "prev_hash": event["prev_hash"],
    }
    if keyed:
        content["key_id"] = event["key_id"]
    return _CANONICAL.encode(content).encode("utf-8")


def event_hash(event: Mapping[str, Any]) -> str:
    """The pre-key link: plain SHA-256 over the canonical JSON (anyone can recompute it, hence the key)."""
    return hashlib.sha256(_canonical(event, keyed=False)).hexdigest()


def event_mac(event: Mapping[str, Any], key: keys.AuditKey) -> str:
    """The keyed link: HMAC-SHA-256 under the key over the content, the key id and the previous link."""
    return key.mac(_canonical(event, keyed=True))


def encode_payload(payload: Mapping[str, Any]) -> str:
    """An event's payload as its canonical JSON text: what the link covers, and what SQLite stores."""
    return _CANONICAL.encode(payload)


def event_mac_with(event: Mapping[str, Any], payload_text: str, key: keys.AuditKey) -> str:
    """``event_mac`` for an event whose payload is given as ``encode_payload``'s text (not encoded twice)."""
    return key.mac(_canonical_with(event, payload_text))


_TEXT = json.encoder.encode_basestring  # how the canonical encoder (ensure_ascii=False) writes a string
# The keyed event's fields in sorted-key order (what ``_canonical`` writes), each value set in by ``%``.
_ENVELOPE = ("actor", "actor_role", "case_id", "effective_on", "key_id", "kind", "payload", "prev_hash",
             "recorded_at", "rule_set", "seq")
_ENVELOPE_TEXT = "{" + ",".join(f'"{name}":%s' for name in _ENVELOPE) + "}"


def _scalar(value: Any) -> str | None:
    """A str, int or None as the canonical encoder writes it; None for anything else (a subclass included)."""
    kind = type(value)
    if kind is str:
        return _TEXT(value)
    if kind is int:
        return int.__repr__(value)
    return "null" if value is None else None


def _canonical_with(event: Mapping[str, Any], payload_text: str) -> bytes:
    """``_canonical(event, keyed=True)`` with the payload's canonical text given rather than encoded again.

    The envelope's fields are plain strings, integers and nulls: written in sorted-key order with the encoder's
    own string function, the payload's text set in its place. Anything else (a str subclass…) is left to
    ``_canonical`` itself.
    """
    # in ``_ENVELOPE``'s order
    texts = (_scalar(event["actor"]), _scalar(event["actor_role"]), _scalar(event["case_id"]),
             _scalar(_date_text(event["effective_on"])), _scalar(event["key_id"]), _scalar(event["kind"]),
             payload_text, _scalar(event["prev_hash"]), _scalar(_moment_text(event["recorded_at"])),
             _scalar(event["rule_set"]), _scalar(event["seq"]))
    if None in texts:
        values = {**event, "effective_on": _date_text(event["effective_on"]),
                  "recorded_at": _moment_text(event["recorded_at"]), "payload": json.loads(payload_text)}
        return _canonical(values, keyed=True)
    return (_ENVELOPE_TEXT % texts).encode()


def _missing_key(store: keys.KeyStore, key_id: str) -> FazhanError:
    return FazhanError(f"审计链使用的密钥「{key_id}」不在{store.describe()}中：没有它就不能再记录事件。"
                       "请找回原来的密钥文件，或设置 FAZHAN_AUDIT_KEY / FAZHAN_AUDIT_KEY_FILE 指向它。")


def _head_key(store: keys.KeyStore, key_id: str | None) -> keys.AuditKey:
    """The key the next event is MACed with: the head's (rotation alone changes it), else the store's newest."""
    if key_id is None:
        return store.current()
    key = store.get(key_id)
    if key is None:
        raise _missing_key(store, key_id)
    return key


def append(
    conn: Connection,
    *,
    kind: str,
    actor: str,
    actor_role: str,
    recorded_at: datetime,
    payload: Mapping[str, Any],
    case_id: int | None = None,
    effective_on: date | None = None,
    rule_set: str | None = None,
) -> int:
    """Add one event at the end of the chain, in the caller's transaction; returns its sequence number."""
    return _append(conn, kind=kind, actor=actor, actor_role=actor_role, recorded_at=recorded_at, payload=payload,
                   case_id=case_id, effective_on=effective_on, rule_set=rule_set)


def _append(conn: Connection, *, kind: str, actor: str, actor_role: str, recorded_at: datetime,
            payload: Mapping[str, Any], case_id: int | None = None, effective_on: date | None = None,
            rule_set: str | None = None, next_key: keys.AuditKey | None = None) -> int:
    store = keys.store_for(conn.engine)
    raw = Raw(conn)
    head = raw.execute(READ_HEAD).fetchone()
    if head is None:  # the first event: two first writers must not both start the chain
        raw.execute(START_HEAD, {"genesis": GENESIS})
        head = raw.execute(READ_HEAD).fetchone()
    seq, prev_hash, key_id = head[0] + 1, head[1], head[2]
    key = _head_key(store, key_id)
    content = {"version": PAYLOAD_VERSION, **payload}
    payload_text = encode_payload(content)  # encoded once: MACed inside the event, and stored as it is on SQLite
    event = {
        "seq": seq, "kind": kind, "case_id": case_id, "actor": actor, "actor_role": actor_role,
        "effective_on": effective_on, "recorded_at": recorded_at.astimezone(UTC), "rule_set": rule_set,
        "prev_hash": prev_hash, "key_id": key.id,
    }
    event["hash"] = digest = event_mac_with(event, payload_text, key)
    event["payload"] = payload_text if raw.sqlite else content
    raw.execute(INSERT_EVENT, event)
    raw.execute(MOVE_HEAD, {"seq": seq, "hash": digest, "key_id": (next_key or key).id})
    return seq


def rotate_key(conn: Connection, *, actor: str, actor_role: str, recorded_at: datetime) -> tuple[str, str]:
    """Switch the chain to a new key with an event MACed under the old one; returns (old id, new id).

    If the store's newest key is not yet the chain's (FAZHAN_AUDIT_KEY edited by hand), that key is adopted;
    otherwise the store makes a new one. Events under older keys keep verifying: the store keeps them.
    """
    store = keys.store_for(conn.engine)
    head = Raw(conn).execute(READ_HEAD).fetchone()
    old = _head_key(store, head[2] if head else None)
    newest = store.current()
    new = newest if newest.id != old.id else store.create()
    _append(conn, kind=ROTATED, actor=actor, actor_role=actor_role, recorded_at=recorded_at,
            payload={"old_key_id": old.id, "new_key_id": new.id}, next_key=new)
    return old.id, new.id


def seal(conn: Connection, *, recorded_at: datetime) -> int | None:
    """Seal a chain of pre-key events with a keyed event (migration 0005); None if nothing needed sealing."""
    head = Raw(conn).execute(READ_HEAD).fetchone()
    if head is None or head[0] == 0 or head[2] is not None:
        return None
    return append(conn, kind=SEALED, actor="系统", actor_role="系统", recorded_at=recorded_at,
                  payload={"sealed_events": head[0], "sealed_hash": head[1]})


@dataclass(frozen=True)
class ChainReport:
    """What ``fazhan audit verify`` says about the chain: how many events were checked and the first bad one."""

    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    last_hash: str = GENESIS
    unkeyed: int = 0  # sealed events from before keys

    @property
    def intact(self) -> bool:
        return self.problem is None

    def sentence(self) -> str:
        if self.intact:
            sealed = f"其中前{self.unkeyed}条为启用密钥前的旧事件，已由密钥事件封存；" if self.unkeyed else ""
            return f"审计链完整：共{self.checked}条事件，{sealed}逐条核验无误。"
        where = f"第{self.first_bad_seq}条事件" if self.first_bad_seq else "链尾"
        return f"审计链被破坏：{where}{self.problem}（此前{self.checked}条事件核验无误）。"


ALL_EVENTS = "SELECT {} FROM audit_events ORDER BY seq".format(", ".join(EVENT_COLUMNS))


def events(conn: Connection) -> Iterator[dict[str, Any]]:
    """Every event in chain order, streamed on the driver (a million events: Core's row machinery costs ~3×)."""
    raw = Raw(conn)
    cursor = raw.driver.cursor()
    cursor.execute(ALL_EVENTS)
    names = EVENT_COLUMNS
    while batch := cursor.fetchmany(5000):
        for values in batch:
            row = dict(zip(names, values, strict=True))
            if raw.sqlite:  # text as stored; the canonical form accepts it (see _canonical)
                row["payload"] = json.loads(row["payload"])
            yield row


class ChainWalk:
    """Checks events one by one in chain order; ``verify`` and the tables check share one pass."""

    def __init__(self, store: keys.KeyStore) -> None:
        self.store = store
        self.expected_seq, self.prev_hash, self.checked, self.unkeyed = 1, GENESIS, 0, 0
        self.key_id: str | None = None  # the chain's key at this point; set by its first keyed event
        self.bad: ChainReport | None = None

    def _fail(self, seq: int | None, problem: str) -> bool:
        self.bad = ChainReport(self.checked, seq, problem, self.prev_hash, self.unkeyed)
        return False

    def step(self, row: Mapping[str, Any]) -> bool:
        seq = row["seq"]
        if seq != self.expected_seq:
            return self._fail(self.expected_seq, "之前有事件被删除" if seq > self.expected_seq else "序号重复")
        if row["prev_hash"] != self.prev_hash:
            return self._fail(seq, "与前一条事件不衔接（事件被插入、删除或调换了顺序）")
        if row["key_id"] is None:
            if self.key_id is not None:
                return self._fail(seq, "没有用密钥签署，却出现在已启用密钥之后（事件被伪造）")
            if event_hash(row) != row["hash"]:
                return self._fail(seq, "内容与其哈希值不符（事件被修改）")
            self.unkeyed += 1
        else:
            if self.key_id is not None and row["key_id"] != self.key_id:
                return self._fail(seq, f"所用密钥「{row['key_id']}」不是链上当时的密钥「{self.key_id}」（未经登记的换钥，事件被伪造）")
            key = self.store.get(row["key_id"])
            if key is None:
                return self._fail(seq, f"所用密钥「{row['key_id']}」不在{self.store.describe()}中，无法核验"
                                       "（密钥丢失，或事件是用别的密钥伪造的）")
            if event_mac(row, key) != row["hash"]:
                return self._fail(seq, "内容与其密钥签名不符（事件被修改，或整条链被不持有密钥的人重算过）")
            self.key_id = row["payload"].get("new_key_id") if row["kind"] == ROTATED else row["key_id"]
        self.prev_hash, self.expected_seq, self.checked = row["hash"], seq + 1, self.checked + 1
        return True

    def finish(self, head: tuple[int, str, str | None] | None) -> ChainReport:
        """The verdict, once every event went through ``step``: the head must match the last event."""
        if self.bad:
            return self.bad
        head_seq, head_hash, head_key = head if head else (0, GENESIS, None)
        problem = None
        if self.unkeyed and self.key_id is None:
            problem = "全部是未用密钥签署的事件，没有密钥封存（密钥事件被删除，或整条链被重写）"
        elif (head_seq, head_hash) != (self.checked, self.prev_hash):
            problem = f"与链头记录不符：链头记为{head_seq}条，实有{self.checked}条（末尾事件被删除或改动）"
        elif head_key is not None and self.key_id is not None and head_key != self.key_id:
            problem = f"链头记录的密钥「{head_key}」与链上最后的密钥「{self.key_id}」不符（链头被改动）"
        return ChainReport(self.checked, None, problem, self.prev_hash, self.unkeyed)


def read_head(conn: Connection) -> tuple[int, str, str | None] | None:
    row = conn.execute(select(HEAD.c.seq, HEAD.c.hash, HEAD.c.key_id).where(HEAD.c.id == 1)).first()
    return (row.seq, row.hash, row.key_id) if row else None


def verify(conn: Connection) -> ChainReport:
    """Walk the whole chain in order and name the first event that does not fit."""
    walk = ChainWalk(keys.store_for(conn.engine))
    paused = gc.isenabled()
    gc.disable()  # nothing here makes cycles; the collector's scans would only slow a long walk
    try:
        for row in events(conn):
            if not walk.step(row):
                break
    finally:
        if paused:
            gc.enable()
    return walk.finish(read_head(conn))


def case_events(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    """One case's events in chain order (for the history view and replay)."""
    rows = conn.execute(select(EVENTS).where(EVENTS.c.case_id == case_id).order_by(EVENTS.c.seq)).mappings()
    return [dict(row) for row in rows]
