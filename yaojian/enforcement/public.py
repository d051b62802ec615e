"""Penalty decisions as the public (双公示) and the party see them, with personal data minimised.

Published: the decision number and date, the party's name and credit code, the name of an
enterprise's legal representative (public in the licence and business registers), the violation,
its legal basis and the penalty. Banned natural persons appear with their surname only and never
with an ID number.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor
from yaojian.enforcement.choices import DecisionKind
from yaojian.enforcement.config import discretion
from yaojian.enforcement.models import Case, PersonBan
from yaojian.enforcement.schemas import DecisionRead
from yaojian.enforcement.service import case_query
from yaojian.kit.pagination import PageParams, paginate
from yaojian.registry.choices import PositionRole
from yaojian.registry.models import Enterprise, KeyPosition, Person


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the surname's first character and one star per other."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def penalty_text(case: Case) -> str:
    parts = []
    if case.warning:
        parts.append("警告")
    if case.confiscation:
        parts.append("没收违法所得和违法药品")
    if case.fine_amount:
        parts.append(f"罚款{case.fine_amount:,}元")
    if case.revocation:
        parts.append("吊销许可证")
    return "；".join(parts) or "—"


def decision_read(session: Session, case: Case) -> DecisionRead:
    legal_rep = None
    credit_code = None
    if case.enterprise_id is not None:
        enterprise = session.get(Enterprise, case.enterprise_id)
        credit_code = enterprise.credit_code if enterprise else None
        legal_rep = session.scalar(
            select(Person.name)
            .join(KeyPosition, KeyPosition.person_id == Person.id)
            .where(
                KeyPosition.enterprise_id == case.enterprise_id,
                KeyPosition.role == PositionRole.LEGAL_REPRESENTATIVE,
                KeyPosition.until.is_(None),
            )
            .order_by(KeyPosition.id.desc())
        )
    banned = session.scalars(
        select(Person.name)
        .join(PersonBan, PersonBan.person_id == Person.id)
        .where(PersonBan.case_id == case.id)
        .order_by(PersonBan.id)
    )
    violation = discretion().violation(case.violation_code or "")
    return DecisionRead(
        case_id=case.id,
        decision_number=case.decision_number or "",
        decided_on=case.decided_on,
        party_name=case.party_name,
        credit_code=credit_code,
        legal_representative=legal_rep,
        region_code=case.region_code,
        violation=violation.title_zh if violation else (case.violation_code or ""),
        legal_basis=case.legal_basis,
        penalty=penalty_text(case),
        fine_amount=case.fine_amount,
        banned_persons=[mask_name(n) for n in banned],
    )


def list_decisions(
    session: Session, actor: Actor, params: PageParams, q: str = ""
) -> tuple[list[DecisionRead], int]:
    """Decisions the actor may see: the public sees published penalties; an enterprise its own
    decisions; regulators those of their jurisdiction."""
    stmt = case_query(actor).where(Case.decided_on.is_not(None)).order_by(None)
    if actor.is_public:
        stmt = stmt.where(Case.decision_kind == DecisionKind.PENALTY)
    if q:
        stmt = stmt.where(Case.party_name.contains(q.strip(), autoescape=True))
    stmt = stmt.order_by(Case.decided_on.desc(), Case.id.desc())
    rows, total = paginate(session, stmt, params)
    return [decision_read(session, c) for c in rows], total
