"""The audit chain: every service write appends an entry; any tampering is found and named."""

from __future__ import annotations

from itertools import pairwise

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from tests.builders import make_enterprise
from yaojian.audit.chain import GENESIS, verify
from yaojian.audit.models import AuditEntry


def _three_entries(session: Session) -> list[AuditEntry]:
    for _ in range(3):
        make_enterprise(session)
    session.flush()
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_each_entry_links_to_the_previous_and_the_chain_verifies(session: Session) -> None:
    entries = _three_entries(session)
    assert entries[0].seq == 1 and entries[0].prev_hash == GENESIS
    for previous, entry in pairwise(entries):
        assert entry.prev_hash == previous.hash and entry.seq == previous.seq + 1
    result = verify(session)
    assert result.ok and result.entries == len(entries)


def test_a_modified_entry_is_detected_and_named(session: Session) -> None:
    entries = _three_entries(session)
    target = entries[-2].seq
    session.execute(update(AuditEntry).where(AuditEntry.seq == target).values(actor="someone-else"))
    session.expire_all()
    result = verify(session)
    assert not result.ok and result.broken_seq == target
    assert "content" in result.reason


def test_a_modified_before_after_state_is_detected(session: Session) -> None:
    entries = _three_entries(session)
    target = entries[0]
    changed = dict(target.after or {}) | {"name": "篡改后的名称"}
    session.execute(update(AuditEntry).where(AuditEntry.seq == target.seq).values(after=changed))
    session.expire_all()
    assert verify(session).broken_seq == target.seq


def test_a_removed_entry_is_detected(session: Session) -> None:
    removed = _three_entries(session)[1].seq
    session.execute(text("DELETE FROM audit_entry WHERE seq = :seq"), {"seq": removed})
    session.expire_all()
    result = verify(session)
    assert not result.ok and result.broken_seq == removed
    assert "missing" in result.reason


def test_removing_the_newest_entries_is_detected(session: Session) -> None:
    newest = _three_entries(session)[-1].seq
    session.execute(text("DELETE FROM audit_entry WHERE seq = :seq"), {"seq": newest})
    session.expire_all()
    result = verify(session)
    assert not result.ok and result.broken_seq == newest


def test_reordered_entries_are_detected(session: Session) -> None:
    entries = _three_entries(session)
    first, second = entries[0].seq, entries[1].seq
    # Swap the two entries' sequence numbers through a free slot.
    spare = (session.scalar(select(func.max(AuditEntry.seq))) or 0) + 100
    for old, new in ((first, spare), (second, first), (spare, second)):
        session.execute(
            text("UPDATE audit_entry SET seq = :new WHERE seq = :old"), {"new": new, "old": old}
        )
    session.expire_all()
    result = verify(session)
    assert not result.ok and result.broken_seq == first
