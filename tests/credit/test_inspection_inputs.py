"""Inspection findings and rectification timeliness in the grade; the plan reads the grades."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from tests.builders import ADMIN, actor_of, make_enterprise
from tests.credit.builders import current, failed_samples, penalty
from tests.inspection.builders import GMP, staffed_visit
from tests.sampling.builders import world
from yaojian.auth.actor import Actor
from yaojian.auth.models import Role
from yaojian.credit import service
from yaojian.credit.models import Grade
from yaojian.inspection import workflow
from yaojian.inspection.choices import Conclusion, FindingSeverity
from yaojian.inspection.credit import credit_grades
from yaojian.inspection.schemas import ConclusionCreate, EvidenceCreate, RectificationCreate
from yaojian.kit.timeutil import today_local

TODAY = today_local()


def test_a_critical_finding_and_an_overdue_order_cost_25_points_then_late_evidence_5(
    session: Session,
) -> None:
    visit, user = staffed_visit(session)
    inspector = actor_of(user)
    workflow.start_visit(session, inspector, visit.id)
    critical = GMP.model_copy(update={"severity": FindingSeverity.CRITICAL})
    workflow.add_finding(session, inspector, visit.id, critical)
    workflow.add_finding(session, inspector, visit.id, GMP)  # major
    workflow.conclude(session, inspector, visit.id, ConclusionCreate(conclusion=Conclusion.RECTIFY))
    # Ordered 20 days ago with 10 days to answer: overdue by today.
    order = workflow.order_rectification(
        session, inspector, visit.id,
        RectificationCreate(requirements="补齐温度记录", deadline=TODAY - dt.timedelta(days=10)),
        today=TODAY - dt.timedelta(days=20),
    )  # fmt: skip
    service.grade_all(session, ADMIN)
    grade = current(session, visit.enterprise)
    assert grade.inputs["finding_critical"] == 1 and grade.inputs["finding_major"] == 1
    assert grade.inputs["rectification_overdue"] == 1 and grade.inputs["rectification_late"] == 0
    assert (grade.score, grade.grade) == (70.0, Grade.C)  # 100 − 15 − 5 − 10
    # The enterprise answers today, ten days late: no longer overdue, but late.
    shop = Actor(name="shop", role=Role.ENTERPRISE, enterprise_id=visit.enterprise_id)
    workflow.submit_evidence(session, shop, order.id, EvidenceCreate(evidence="温度记录已补齐"))
    service.grade_all(session, ADMIN)
    grade = current(session, visit.enterprise)
    assert grade.inputs["rectification_overdue"] == 0 and grade.inputs["rectification_late"] == 1
    assert (grade.score, grade.grade) == (75.0, Grade.B)  # 100 − 15 − 5 − 5


def test_an_order_not_yet_due_costs_nothing(session: Session) -> None:
    visit, user = staffed_visit(session)
    inspector = actor_of(user)
    workflow.start_visit(session, inspector, visit.id)
    minor = GMP.model_copy(update={"severity": FindingSeverity.MINOR})
    workflow.add_finding(session, inspector, visit.id, minor)
    workflow.conclude(session, inspector, visit.id, ConclusionCreate(conclusion=Conclusion.RECTIFY))
    workflow.order_rectification(
        session, inspector, visit.id,
        RectificationCreate(requirements="整改", deadline=TODAY + dt.timedelta(days=30)),
    )  # fmt: skip
    service.grade_all(session, ADMIN)
    grade = current(session, visit.enterprise)
    assert grade.score == 99.0 and grade.deductions == [
        {"input": "finding_minor", "count": 1, "points": 1, "cap": 5, "deducted": 1.0}
    ]


def test_the_inspection_plan_reads_the_current_grade_and_b_without_one(session: Session) -> None:
    w = world(session)
    failed_samples(session, w, w.xihu, 2)
    penalty(session, w.xihu)
    hospital = make_enterprise(session, kind="medical_institution")
    service.grade_all(session, ADMIN)
    newcomer = make_enterprise(session)  # registered after the run
    grades = credit_grades(session, [w.xihu.id, w.binjiang.id, hospital.id, newcomer.id])
    assert grades == {w.xihu.id: "C", w.binjiang.id: "A", hospital.id: "B", newcomer.id: "B"}
