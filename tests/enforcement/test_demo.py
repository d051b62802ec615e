"""The demo's year of cases: run through the services, more at enterprises with signals."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_enterprise
from yaojian.audit.chain import verify
from yaojian.demo.enforcement_cases import generate_cases
from yaojian.enforcement.choices import CaseStage, LeadKind
from yaojian.enforcement.models import Case
from yaojian.registry.choices import EnterpriseKind
from yaojian.signals.models import RiskSignal, SignalStatus, SubjectType
from yaojian.signals.service import SignalReport, emit


def test_a_year_of_cases_follows_the_signals_and_moves_through_the_stages(
    session: Session,
) -> None:
    quiet = [make_enterprise(session, kind=EnterpriseKind.RETAIL_PHARMACY) for _ in range(20)]
    risky = [make_enterprise(session, kind=EnterpriseKind.RETAIL_PHARMACY) for _ in range(4)]
    for enterprise in risky:
        for n in range(3):
            emit(session, ADMIN, SignalReport(
                source="test", kind="k", subject_type=SubjectType.ENTERPRISE,
                subject_id=str(enterprise.id), severity=3, title="风险",
                dedupe_key=f"demo:{enterprise.id}:{n}", enterprise_id=enterprise.id))  # fmt: skip
    made, _ = generate_cases(session, random.Random(3), divisor=40, as_of=dt.date.today())
    assert made == 75
    per = {
        eid: n
        for eid, n in session.execute(
            select(Case.enterprise_id, func.count()).group_by(Case.enterprise_id)
        )
    }
    risky_mean = sum(per.get(e.id, 0) for e in risky) / len(risky)
    quiet_mean = sum(per.get(e.id, 0) for e in quiet) / len(quiet)
    assert risky_mean > 3 * quiet_mean
    stages = set(session.scalars(select(Case.stage).distinct()))
    assert {CaseStage.CLOSED, CaseStage.INVESTIGATION} <= stages
    from_signals = session.scalars(select(Case).where(Case.lead_kind == LeadKind.SIGNAL)).all()
    assert from_signals and all(c.signal_id for c in from_signals)
    assert all(c.enterprise_id in {e.id for e in risky} for c in from_signals)
    assert session.scalar(
        select(func.count()).select_from(Case).where(Case.published_at.is_not(None))
    )
    statuses = {session.get(RiskSignal, c.signal_id).status for c in from_signals}  # type: ignore[union-attr]
    assert SignalStatus.OPEN not in statuses
    assert verify(session).ok
