"""The demo's credit: serious cases put their parties on the list, then the province is graded.

Runs last in the generator, so the grades follow from the demo's inspections, samplings, cases
and complaints. (The inspection plan, generated before, reads no grade yet: every enterprise is
B to it.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yaojian.auth.actor import system_actor
from yaojian.credit import service
from yaojian.credit.config import config
from yaojian.credit.schemas import BlacklistCreate
from yaojian.enforcement.choices import DecisionKind
from yaojian.enforcement.config import discretion
from yaojian.enforcement.models import Case
from yaojian.inspection.models import Finding
from yaojian.kit.timeutil import to_local, today_local

MAX_LISTED = 6  # a few entries for the public page; the rest of the serious cases stay unlisted


@dataclass(frozen=True)
class CreditDemo:
    listed: int
    graded: int
    signals: int


def generate_credit(session: Session, as_of: dt.date) -> CreditDemo:
    actor = system_actor("demo")
    # The inspection workflow stamps real times, so a demo generated for a past date has its
    # findings dated today: grade as of the latest finding so that they count, and never in the
    # future.
    latest = session.scalar(select(func.max(Finding.created_at)))
    day = min(max(as_of, to_local(latest).date() if latest else as_of), today_local())
    cfg = config()
    serious = (
        select(Case)
        .where(
            Case.enterprise_id.is_not(None),
            Case.decision_kind == DecisionKind.PENALTY,
            Case.decided_on <= day,
            or_(
                Case.violation_code.in_(cfg.overrides.counterfeit_substandard_codes),
                Case.revocation.is_(True),
            ),
        )
        .order_by(Case.decided_on.desc(), Case.id)
    )
    listed: set[int] = set()
    for case in session.scalars(serious):
        if len(listed) >= MAX_LISTED:
            break
        if case.enterprise_id is None or case.enterprise_id in listed or case.decided_on is None:
            continue
        violation = discretion().violation(case.violation_code or "")
        title = violation.title_zh if violation else "严重违法行为"
        service.add_to_blacklist(
            session,
            actor,
            BlacklistCreate(
                enterprise_id=case.enterprise_id,
                case_id=case.id,
                reason=f"{title}，受到较重行政处罚（{case.decision_number}）",
                legal_basis="《市场监督管理严重违法失信名单管理办法》；" + case.legal_basis,
                listed_on=case.decided_on,
            ),
        )
        listed.add(case.enterprise_id)
    run = service.grade_all(session, actor, day)
    return CreditDemo(listed=len(listed), graded=run.graded, signals=run.signals)
