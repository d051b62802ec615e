"""Warnings before a statutory time limit lapses: one signal per case, clock and level."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.auth.actor import system_actor
from yaojian.enforcement.choices import CaseStage
from yaojian.enforcement.deadlines import running
from yaojian.enforcement.models import Case
from yaojian.kit.timeutil import today_local
from yaojian.signals.models import SubjectType
from yaojian.signals.service import SignalReport, emit

SOURCE = "enforcement"
SEVERITY = {"near": 2, "over": 3}


def detect_case_deadlines(session: Session, today: dt.date | None = None) -> tuple[int, int]:
    """Emit a signal for each running clock of an open case that is near or past its limit.

    Returns (signals reported, of which new). The dedupe key is case + clock + level, so a
    case that is warned and then lapses raises two signals, and a daily run repeats neither.
    """
    today = today or today_local()
    actor = system_actor("enforcement.deadlines")
    stmt = select(Case).where(Case.stage != CaseStage.CLOSED).order_by(Case.id)
    reported = new = 0
    for case in session.scalars(stmt):
        for deadline in running(case, today):
            if deadline.level == "ok":
                continue
            rule = deadline.rule
            if deadline.level == "over":
                title = (
                    f"案件 {case.number}「{rule.label_zh}」已超过法定期限"
                    f"（{deadline.due_on} 届满，逾期 {-deadline.days_left} {deadline.unit_zh}）"
                )
            else:
                title = (
                    f"案件 {case.number}「{rule.label_zh}」将于 {deadline.due_on} 届满"
                    f"（剩 {deadline.days_left} {deadline.unit_zh}）"
                )
            _, created = emit(
                session,
                actor,
                SignalReport(
                    source=SOURCE,
                    kind=f"case_deadline_{deadline.level}",
                    subject_type=SubjectType.ENTERPRISE,
                    subject_id=str(case.enterprise_id or case.number),
                    severity=SEVERITY[deadline.level],
                    title=title,
                    dedupe_key=f"enforcement:{case.id}:{deadline.clock}:{deadline.level}",
                    evidence={
                        "case_id": case.id,
                        "case_number": case.number,
                        "clock": deadline.clock,
                        "due_on": deadline.due_on.isoformat(),
                        "days_left": deadline.days_left,
                        "working_days": rule.working_days,
                        "source": rule.source,
                    },
                    enterprise_id=case.enterprise_id,
                    region_code=case.region_code,
                ),
            )
            reported += 1
            new += created
    return reported, new
