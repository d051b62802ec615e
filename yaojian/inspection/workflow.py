"""Running a visit: start, findings, conclusion, rectification order, evidence, verification.

Each step checks the visit's state and refuses an illegal one with a 409 that names the rule
(``Conflict(detail, rule)``), checks permission and writes the audit entry. Reads go through
the scope: an inspector reaches only visits they are on, an enterprise only its own orders.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor
from yaojian.auth.models import Role
from yaojian.auth.permissions import Action, authorize
from yaojian.auth.scope import get_visible
from yaojian.inspection.choices import (
    Conclusion,
    Disposition,
    Domain,
    RectificationStatus,
    VisitKind,
    VisitStatus,
)
from yaojian.inspection.config import ChecklistItem, load_rules
from yaojian.inspection.models import Finding, InspectionVisit, Rectification
from yaojian.inspection.planner import EnterpriseFacts, matching_rules, merged_visit
from yaojian.inspection.schemas import (
    ConclusionCreate,
    EvidenceCreate,
    FindingCreate,
    RectificationCreate,
    VerificationCreate,
)
from yaojian.kit.errors import Conflict, InvalidInput
from yaojian.kit.timeutil import today_local, utcnow
from yaojian.registry.models import Enterprise


def _authorize_on(actor: Actor, action: Action, visit: InspectionVisit) -> None:
    # An inspector works outside their own county by design (回避); their reach is the visits
    # they are assigned to, which get_visible has already enforced through the scope rule.
    authorize(actor, action, None if actor.role is Role.INSPECTOR else visit.region_code)


def visit_of(session: Session, actor: Actor, visit_id: int) -> InspectionVisit:
    return get_visible(session, actor, InspectionVisit, visit_id, "visit")


def checklist(visit: InspectionVisit) -> list[tuple[Domain, list[ChecklistItem]]]:
    table = load_rules()
    return [(Domain(d), table.checklist(Domain(d))) for d in visit.domains]


def _audit(session: Session, actor: Actor, action: str, obj: object, before: object) -> None:
    session.flush()
    table = getattr(obj, "__tablename__", "")
    record(
        session,
        actor,
        action,
        table,
        getattr(obj, "id", None),
        before if isinstance(before, dict) else None,
        snapshot(obj),
    )


def start_visit(session: Session, actor: Actor, visit_id: int) -> InspectionVisit:
    visit = visit_of(session, actor, visit_id)
    _authorize_on(actor, Action.INSPECTION_EXECUTE, visit)
    if visit.status is VisitStatus.PLANNED:
        raise Conflict("a visit starts only once its team is assigned", "visit_needs_team")
    if visit.status is not VisitStatus.ASSIGNED:
        raise Conflict(f"the visit is already {visit.status.value}", "visit_already_started")
    before = snapshot(visit)
    visit.status = VisitStatus.IN_PROGRESS
    visit.started_at = utcnow()
    _audit(session, actor, "inspection.visit.start", visit, before)
    return visit


def add_finding(session: Session, actor: Actor, visit_id: int, data: FindingCreate) -> Finding:
    visit = visit_of(session, actor, visit_id)
    _authorize_on(actor, Action.INSPECTION_EXECUTE, visit)
    if visit.status is not VisitStatus.IN_PROGRESS:
        raise Conflict(
            f"findings are recorded while the visit is in progress (it is {visit.status.value})",
            "findings_only_during_visit",
        )
    if data.item_code:
        codes = {item.code for _, items in checklist(visit) for item in items}
        if data.item_code not in codes:
            raise InvalidInput("item_code", f"not on this visit's checklists: {sorted(codes)}")
    finding = Finding(
        visit_id=visit.id,
        enterprise_id=visit.enterprise_id,
        region_code=visit.region_code,
        item_code=data.item_code,
        clause=data.clause,
        severity=data.severity,
        description=data.description,
        disposition=Disposition.NONE,
        created_by=actor.audit_label(),
    )
    session.add(finding)
    _audit(session, actor, "inspection.finding.add", finding, None)
    return finding


def findings_of(session: Session, visit_id: int) -> list[Finding]:
    stmt = select(Finding).where(Finding.visit_id == visit_id).order_by(Finding.id)
    return list(session.scalars(stmt))


def conclude(
    session: Session, actor: Actor, visit_id: int, data: ConclusionCreate
) -> InspectionVisit:
    visit = visit_of(session, actor, visit_id)
    _authorize_on(actor, Action.INSPECTION_EXECUTE, visit)
    if visit.status is not VisitStatus.IN_PROGRESS:
        raise Conflict(
            f"only a visit in progress is concluded (it is {visit.status.value})",
            "conclude_only_in_progress",
        )
    findings = findings_of(session, visit.id)
    if data.conclusion is Conclusion.COMPLIANT and findings:
        raise Conflict(
            f"{len(findings)} findings recorded: the conclusion cannot be 'compliant'",
            "conclusion_contradicts_findings",
        )
    if data.conclusion is not Conclusion.COMPLIANT and not findings:
        raise Conflict(
            "a conclusion other than 'compliant' rests on at least one finding",
            "conclusion_without_findings",
        )
    before = snapshot(visit)
    visit.conclusion = data.conclusion
    visit.conclusion_note = data.note
    visit.concluded_at = utcnow()
    visit.status = VisitStatus.CONCLUDED
    if data.conclusion is Conclusion.COMPLIANT:
        visit.status = VisitStatus.CLOSED
        visit.closed_at = visit.concluded_at
    _audit(session, actor, "inspection.visit.conclude", visit, before)
    return visit


def order_rectification(
    session: Session,
    actor: Actor,
    visit_id: int,
    data: RectificationCreate,
    today: dt.date | None = None,
) -> Rectification:
    visit = visit_of(session, actor, visit_id)
    _authorize_on(actor, Action.INSPECTION_EXECUTE, visit)
    if visit.status is not VisitStatus.CONCLUDED or visit.conclusion is Conclusion.COMPLIANT:
        raise Conflict(
            "a rectification order follows a conclusion with findings",
            "order_needs_conclusion_with_findings",
        )
    if session.scalar(select(Rectification.id).where(Rectification.visit_id == visit.id)):
        raise Conflict("this visit already has a rectification order", "one_order_per_visit")
    if data.deadline <= (today or today_local()):
        raise InvalidInput("deadline", "must be after today")
    order = Rectification(
        visit_id=visit.id,
        enterprise_id=visit.enterprise_id,
        region_code=visit.region_code,
        requirements=data.requirements,
        deadline=data.deadline,
        status=RectificationStatus.ISSUED,
        issued_by=actor.audit_label(),
    )
    session.add(order)
    session.execute(
        update(Finding)
        .where(Finding.visit_id == visit.id, Finding.disposition == Disposition.NONE)
        .values(disposition=Disposition.RECTIFICATION)
    )
    _audit(session, actor, "inspection.rectification.order", order, None)
    return order


def submit_evidence(
    session: Session, actor: Actor, order_id: int, data: EvidenceCreate
) -> Rectification:
    order = get_visible(session, actor, Rectification, order_id, "rectification order")
    authorize(actor, Action.INSPECTION_RECTIFY)
    if order.status is not RectificationStatus.ISSUED:
        raise Conflict(
            f"the order is {order.status.value}: evidence is submitted to an issued order",
            "evidence_only_for_issued_order",
        )
    before = snapshot(order)
    order.evidence = data.evidence
    order.submitted_at = utcnow()
    order.submitted_by = actor.audit_label()
    order.status = RectificationStatus.SUBMITTED
    _audit(session, actor, "inspection.rectification.submit", order, before)
    return order


def verify(
    session: Session, actor: Actor, order_id: int, data: VerificationCreate
) -> Rectification:
    order = get_visible(session, actor, Rectification, order_id, "rectification order")
    visit = order.visit
    _authorize_on(actor, Action.INSPECTION_VERIFY, visit)
    if order.status is not RectificationStatus.SUBMITTED:
        raise Conflict(
            f"the order is {order.status.value}: only submitted evidence can be verified",
            "verify_requires_submitted_evidence",
        )
    before = snapshot(order)
    order.verification_note = data.note
    order.verified_by = actor.audit_label()
    if data.accepted:
        order.status = RectificationStatus.VERIFIED
        order.verified_at = utcnow()
        visit.status = VisitStatus.CLOSED
        visit.closed_at = order.verified_at
    else:
        # Back to the enterprise: the evidence stays on record in the audit entry.
        order.status = RectificationStatus.ISSUED
    _audit(session, actor, "inspection.rectification.verify", order, before)
    return order


def set_disposition(
    session: Session, actor: Actor, finding_id: int, disposition: Disposition
) -> Finding:
    """约谈 / 移送立案 …; a case cites the finding's id as its lead."""
    finding = get_visible(session, actor, Finding, finding_id, "finding")
    visit = visit_of(session, actor, finding.visit_id)
    _authorize_on(actor, Action.INSPECTION_EXECUTE, visit)
    if visit.conclusion is None:
        raise Conflict("a finding is disposed of after the conclusion", "dispose_after_conclusion")
    before = snapshot(finding)
    finding.disposition = disposition
    _audit(session, actor, "inspection.finding.dispose", finding, before)
    return finding


def close_visit(session: Session, actor: Actor, visit_id: int) -> InspectionVisit:
    """Close a concluded visit without an order (e.g. non-compliant and referred for a case)."""
    visit = visit_of(session, actor, visit_id)
    _authorize_on(actor, Action.INSPECTION_VERIFY, visit)
    if visit.status is not VisitStatus.CONCLUDED:
        raise Conflict(f"the visit is {visit.status.value}, not concluded", "close_only_concluded")
    order = session.scalar(select(Rectification).where(Rectification.visit_id == visit.id))
    if order is not None and order.status is not RectificationStatus.VERIFIED:
        raise Conflict("its rectification is not verified yet", "close_requires_verified_order")
    open_findings = [
        f.id for f in findings_of(session, visit.id) if f.disposition is Disposition.NONE
    ]
    if open_findings:
        raise Conflict(
            f"findings {open_findings} have no disposition", "close_requires_disposed_findings"
        )
    before = snapshot(visit)
    visit.status = VisitStatus.CLOSED
    visit.closed_at = utcnow()
    _audit(session, actor, "inspection.visit.close", visit, before)
    return visit


def order_unannounced(
    session: Session,
    actor: Actor,
    enterprise_id: int,
    reason: str,
    on: dt.date,
    signal_id: int | None = None,
) -> InspectionVisit:
    """A 飞行检查 for cause, outside the annual plan; staff it with staffing.assign_visit."""
    enterprise = get_visible(session, actor, Enterprise, enterprise_id, "enterprise")
    authorize(actor, Action.INSPECTION_PLAN, enterprise.region_code)
    if not reason.strip():
        raise InvalidInput("reason", "say why the unannounced inspection is ordered")
    table = load_rules()
    facts = EnterpriseFacts(enterprise.id, enterprise.kind, enterprise.region_code)
    rules = [(r, r.interval_months) for r in matching_rules(table, facts)]
    planned = merged_visit(table, facts, on.year, on.month, rules, VisitKind.UNANNOUNCED)
    visit = InspectionVisit(
        plan_id=None,
        enterprise_id=enterprise.id,
        region_code=enterprise.region_code,
        kind=VisitKind.UNANNOUNCED,
        status=VisitStatus.PLANNED,
        planned_on=on,
        domains=planned.domains,
        items=[{"rule": "for_cause", "name": reason[:300]}, *planned.items],
        team_size=planned.team_size,
        reason=reason[:500],
        signal_id=signal_id,
    )
    session.add(visit)
    _audit(session, actor, "inspection.visit.order_unannounced", visit, None)
    return visit
