"""Append to the audit chain and verify it.

Canonical JSON: keys sorted, no insignificant whitespace, UTF-8 (``ensure_ascii=False``),
times as ISO 8601 UTC with microseconds. The hash of entry *n* is
``sha256(prev_hash || "\\n" || canonical_json(entry n))``; the first entry's prev_hash is 64 zeros.
The sequence number is inside the hashed JSON, so reordering breaks the chain, and the head row
records the newest entry, so truncation is detected as well.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from yaojian.audit.models import AuditEntry, AuditHead
from yaojian.auth.actor import Actor
from yaojian.db import lock_for_append
from yaojian.kit.timeutil import utcnow

GENESIS = "0" * 64
_CHAIN_LOCK_KEY = 0x7A0D17  # advisory lock id for PostgreSQL


def _json_safe(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of an ORM object as JSON-safe data, for before/after states."""
    mapper = inspect(obj).mapper
    return {attr.key: _json_safe(getattr(obj, attr.key)) for attr in mapper.column_attrs}


def canonical_json(entry: AuditEntry) -> str:
    body = {
        "seq": entry.seq,
        "at": _json_safe(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical_json(entry)}".encode()).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Call it from the service making the write, in the same transaction."""
    lock_for_append(session, _CHAIN_LOCK_KEY)
    head = session.get(AuditHead, 1, with_for_update=True)
    prev_seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS)
    entry = AuditEntry(
        seq=prev_seq + 1,
        at=utcnow(),
        actor=actor.audit_label(),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=_json_safe(before) if before is not None else None,
        after=_json_safe(after) if after is not None else None,
        prev_hash=prev_hash,
    )
    entry.hash = entry_hash(prev_hash, entry)
    session.add(entry)
    if head is None:
        session.add(AuditHead(id=1, seq=entry.seq, hash=entry.hash))
    else:
        head.seq, head.hash = entry.seq, entry.hash
    session.flush()
    return entry


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    broken_seq: int | None = None
    reason: str = ""


def _entries(session: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.seq > last)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify(session: Session) -> VerifyResult:
    """Walk the chain from the first entry; stop at the first entry that does not hold."""
    expected_prev, expected_seq, count = GENESIS, 1, 0
    for entry in _entries(session):
        if entry.seq != expected_seq:
            return VerifyResult(
                False, count, expected_seq, f"entry {expected_seq} is missing (next is {entry.seq})"
            )
        if entry.prev_hash != expected_prev:
            return VerifyResult(
                False, count, entry.seq, "its prev_hash does not match the previous entry's hash"
            )
        if entry_hash(entry.prev_hash, entry) != entry.hash:
            return VerifyResult(False, count, entry.seq, "its content does not match its hash")
        expected_prev, expected_seq, count = entry.hash, entry.seq + 1, count + 1
    head = session.get(AuditHead, 1)
    if head is None and count:
        return VerifyResult(False, count, count, "the chain head is missing")
    if head is not None and (head.seq != count or head.hash != expected_prev):
        return VerifyResult(
            False,
            count,
            count + 1 if head.seq > count else head.seq,
            f"the head records entry {head.seq} but the chain ends at entry {count}",
        )
    return VerifyResult(True, count)
