"""JSON API of inspections (thin: each route checks nothing itself and calls one service)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from yaojian.auth.scope import get_visible, scoped
from yaojian.inspection import service, staffing, workflow
from yaojian.inspection.choices import VisitStatus
from yaojian.inspection.indicators import indicators
from yaojian.inspection.models import (
    Finding,
    InspectionPlan,
    InspectionVisit,
    Inspector,
    Rectification,
)
from yaojian.inspection.schemas import (
    ConclusionCreate,
    DispositionSet,
    EvidenceCreate,
    FindingCreate,
    FindingRead,
    InspectorCreate,
    InspectorRead,
    PlanCreate,
    PlanRead,
    RectificationCreate,
    RectificationRead,
    VerificationCreate,
    VisitRead,
)
from yaojian.kit.pagination import Page, PageParams, paginate
from yaojian.web.deps import LoggedInDep, SessionDep

router = APIRouter(prefix="/api/v1/inspection", tags=["inspection"])


class UnannouncedCreate(BaseModel):
    enterprise_id: int
    reason: str = Field(min_length=1, max_length=500)
    planned_on: dt.date
    signal_id: int | None = None


@router.post("/inspectors", response_model=InspectorRead, status_code=201)
def add_inspector(session: SessionDep, actor: LoggedInDep, data: InspectorCreate) -> Any:
    return service.add_inspector(session, actor, data)


@router.get("/inspectors", response_model=list[InspectorRead])
def list_inspectors(session: SessionDep, actor: LoggedInDep) -> Any:
    stmt = scoped(select(Inspector), actor, Inspector).order_by(Inspector.id).limit(2000)
    return list(session.scalars(stmt))


@router.post("/plans", response_model=PlanRead, status_code=201)
def create_plan(session: SessionDep, actor: LoggedInDep, data: PlanCreate) -> Any:
    return service.generate_plan(session, actor, data.year, data.region_code)


@router.get("/plans", response_model=list[PlanRead])
def list_plans(session: SessionDep, actor: LoggedInDep) -> Any:
    stmt = scoped(select(InspectionPlan), actor, InspectionPlan)
    return list(session.scalars(stmt.order_by(InspectionPlan.year.desc(), InspectionPlan.id)))


@router.get("/plans/{plan_id}", response_model=PlanRead)
def get_plan(session: SessionDep, actor: LoggedInDep, plan_id: int) -> Any:
    return get_visible(session, actor, InspectionPlan, plan_id, "plan")


@router.post("/plans/{plan_id}/assign", response_model=PlanRead)
def assign_plan(session: SessionDep, actor: LoggedInDep, plan_id: int) -> Any:
    staffing.assign_plan(session, actor, plan_id)
    return get_visible(session, actor, InspectionPlan, plan_id, "plan")


@router.get("/visits", response_model=Page[VisitRead])
def list_visits(
    session: SessionDep,
    actor: LoggedInDep,
    plan_id: int | None = None,
    status: VisitStatus | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[VisitRead]:
    stmt = scoped(select(InspectionVisit), actor, InspectionVisit)
    if plan_id is not None:
        stmt = stmt.where(InspectionVisit.plan_id == plan_id)
    if status is not None:
        stmt = stmt.where(InspectionVisit.status == status)
    params = PageParams(page=page, page_size=page_size)
    rows, total = paginate(
        session, stmt.order_by(InspectionVisit.planned_on, InspectionVisit.id), params
    )
    items = [VisitRead.model_validate(v) for v in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.post("/visits", response_model=VisitRead, status_code=201)
def order_unannounced(session: SessionDep, actor: LoggedInDep, data: UnannouncedCreate) -> Any:
    return workflow.order_unannounced(
        session, actor, data.enterprise_id, data.reason, data.planned_on, data.signal_id
    )


@router.get("/visits/{visit_id}", response_model=VisitRead)
def get_visit(session: SessionDep, actor: LoggedInDep, visit_id: int) -> Any:
    return workflow.visit_of(session, actor, visit_id)


@router.post("/visits/{visit_id}/assign", response_model=VisitRead)
def assign_visit(session: SessionDep, actor: LoggedInDep, visit_id: int) -> Any:
    return staffing.assign_visit(session, actor, visit_id)


@router.post("/visits/{visit_id}/start", response_model=VisitRead)
def start_visit(session: SessionDep, actor: LoggedInDep, visit_id: int) -> Any:
    return workflow.start_visit(session, actor, visit_id)


@router.post("/visits/{visit_id}/findings", response_model=FindingRead, status_code=201)
def add_finding(session: SessionDep, actor: LoggedInDep, visit_id: int, data: FindingCreate) -> Any:
    return workflow.add_finding(session, actor, visit_id, data)


@router.post("/visits/{visit_id}/conclusion", response_model=VisitRead)
def conclude(session: SessionDep, actor: LoggedInDep, visit_id: int, data: ConclusionCreate) -> Any:
    return workflow.conclude(session, actor, visit_id, data)


@router.post("/visits/{visit_id}/close", response_model=VisitRead)
def close_visit(session: SessionDep, actor: LoggedInDep, visit_id: int) -> Any:
    return workflow.close_visit(session, actor, visit_id)


@router.post("/visits/{visit_id}/rectification", response_model=RectificationRead, status_code=201)
def order_rectification(
    session: SessionDep, actor: LoggedInDep, visit_id: int, data: RectificationCreate
) -> Any:
    return workflow.order_rectification(session, actor, visit_id, data)


@router.get("/findings", response_model=list[FindingRead])
def list_findings(session: SessionDep, actor: LoggedInDep) -> Any:
    stmt = scoped(select(Finding), actor, Finding).order_by(Finding.id.desc()).limit(500)
    return list(session.scalars(stmt))


@router.patch("/findings/{finding_id}", response_model=FindingRead)
def set_disposition(
    session: SessionDep, actor: LoggedInDep, finding_id: int, data: DispositionSet
) -> Any:
    return workflow.set_disposition(session, actor, finding_id, data.disposition)


@router.get("/rectifications", response_model=list[RectificationRead])
def list_rectifications(session: SessionDep, actor: LoggedInDep) -> Any:
    stmt = scoped(select(Rectification), actor, Rectification)
    return list(session.scalars(stmt.order_by(Rectification.id.desc()).limit(500)))


@router.post("/rectifications/{order_id}/evidence", response_model=RectificationRead)
def submit_evidence(
    session: SessionDep, actor: LoggedInDep, order_id: int, data: EvidenceCreate
) -> Any:
    return workflow.submit_evidence(session, actor, order_id, data)


@router.post("/rectifications/{order_id}/verification", response_model=RectificationRead)
def verify(session: SessionDep, actor: LoggedInDep, order_id: int, data: VerificationCreate) -> Any:
    return workflow.verify(session, actor, order_id, data)


@router.get("/indicators")
def get_indicators(
    session: SessionDep,
    actor: LoggedInDep,
    start: dt.date,
    end: dt.date,
    by: Annotated[str, Query(pattern="^(city|county)$")] = "county",
) -> dict[str, Any]:
    """飞行检查整改完成率 and 监督检查发现问题处置率 per city or county, for visits concluded in
    [start, end)."""
    return indicators(session, actor, start, end, by).as_json()
