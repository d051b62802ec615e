"""The one entry point through which every detector reports a finding, and the triage of signals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor
from yaojian.auth.permissions import Action, authorize
from yaojian.auth.scope import get_visible, scoped
from yaojian.kit.errors import InvalidInput
from yaojian.kit.pagination import PageParams, paginate
from yaojian.kit.timeutil import utcnow
from yaojian.registry.models import Enterprise
from yaojian.signals.models import RiskSignal, SignalStatus, SubjectType


@dataclass(frozen=True)
class SignalReport:
    """What a detector knows about a finding. ``dedupe_key`` identifies the finding itself."""

    source: str
    kind: str
    subject_type: SubjectType
    subject_id: str
    severity: int
    title: str
    dedupe_key: str
    evidence: dict[str, Any] = field(default_factory=dict)
    enterprise_id: int | None = None
    region_code: str | None = None
    detected_at: dt.datetime | None = None


def emit(session: Session, actor: Actor, report: SignalReport) -> tuple[RiskSignal, bool]:
    """Record a finding; returns the signal and whether it is new.

    A finding already recorded (same dedupe key) is not stored twice: its last-seen time and
    occurrence count move on and its evidence is replaced by the latest.
    """
    authorize(actor, Action.SIGNAL_EMIT)
    if not 1 <= report.severity <= 4:
        raise InvalidInput("severity", "severity is 1 (low) to 4 (critical)")
    region_code = report.region_code
    if region_code is None and report.enterprise_id is not None:
        region_code = session.scalar(
            select(Enterprise.region_code).where(Enterprise.id == report.enterprise_id)
        )
    now = report.detected_at or utcnow()
    existing = session.scalars(
        select(RiskSignal).where(RiskSignal.dedupe_key == report.dedupe_key)
    ).first()
    if existing is not None:
        existing.last_detected_at = now
        existing.occurrences += 1
        existing.evidence = report.evidence
        session.flush()
        return existing, False
    signal = RiskSignal(
        source=report.source,
        kind=report.kind,
        subject_type=report.subject_type,
        subject_id=report.subject_id,
        enterprise_id=report.enterprise_id,
        region_code=region_code,
        severity=report.severity,
        title=report.title,
        evidence=report.evidence,
        detected_at=now,
        last_detected_at=now,
        occurrences=1,
        dedupe_key=report.dedupe_key,
        status=SignalStatus.OPEN,
    )
    session.add(signal)
    session.flush()
    record(session, actor, "signal.emit", "risk_signal", signal.id, after=snapshot(signal))
    return signal, True


def _signal_query(
    actor: Actor, enterprise_id: int | None, status: SignalStatus | None
) -> Select[Any]:
    stmt = select(RiskSignal).order_by(
        RiskSignal.severity.desc(), RiskSignal.detected_at.desc(), RiskSignal.id
    )
    if enterprise_id is not None:
        stmt = stmt.where(RiskSignal.enterprise_id == enterprise_id)
    if status is not None:
        stmt = stmt.where(RiskSignal.status == status)
    return scoped(stmt, actor, RiskSignal)


def list_signals(
    session: Session,
    actor: Actor,
    params: PageParams,
    *,
    enterprise_id: int | None = None,
    status: SignalStatus | None = None,
) -> tuple[list[RiskSignal], int]:
    return paginate(session, _signal_query(actor, enterprise_id, status), params)


def count_signals(session: Session, actor: Actor, status: SignalStatus | None = None) -> int:
    stmt = _signal_query(actor, None, status).order_by(None).subquery()
    return session.scalar(select(func.count()).select_from(stmt)) or 0


def set_status(
    session: Session, actor: Actor, signal_id: int, status: SignalStatus, note: str = ""
) -> RiskSignal:
    signal = get_visible(session, actor, RiskSignal, signal_id, "signal")
    authorize(actor, Action.SIGNAL_TRIAGE, signal.region_code)
    before = snapshot(signal)
    signal.status, signal.status_note = status, note
    session.flush()
    record(session, actor, "signal.status", "risk_signal", signal.id, before, snapshot(signal))
    return signal
