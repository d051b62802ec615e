"""Inspection pages: plans, a plan's visits and teams, running a visit, rectifications and the
indicators. Thin: each form calls one service and re-renders with the rule on a refusal."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from yaojian.auth.actor import Actor
from yaojian.auth.scope import get_visible, scoped
from yaojian.inspection import service, staffing, workflow
from yaojian.inspection.choices import (
    Conclusion,
    Disposition,
    FindingSeverity,
    VisitKind,
    VisitStatus,
)
from yaojian.inspection.export import plan_xlsx
from yaojian.inspection.indicators import indicators
from yaojian.inspection.models import Finding, InspectionPlan, InspectionVisit, Rectification
from yaojian.inspection.schemas import (
    ConclusionCreate,
    EvidenceCreate,
    FindingCreate,
    RectificationCreate,
    VerificationCreate,
)
from yaojian.kit.errors import DomainError
from yaojian.kit.timeutil import today_local
from yaojian.kit.xlsx import attachment
from yaojian.web.deps import LoggedInDep, SessionDep
from yaojian.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE = 100


def _problem(exc: DomainError) -> str:
    return exc.invalid_params[0].reason if exc.invalid_params else exc.detail


@router.get("/inspection", response_class=HTMLResponse)
def plans_page(
    request: Request, session: SessionDep, actor: LoggedInDep, error: str = ""
) -> Response:
    request.state.actor = actor
    plans = list(
        session.scalars(
            scoped(select(InspectionPlan), actor, InspectionPlan).order_by(
                InspectionPlan.year.desc(), InspectionPlan.id.desc()
            )
        )
    )
    year = today_local().year
    context = {"plans": plans, "years": [year, year + 1], "error": error}
    return render(request, "inspection/plans.html", context)


@router.post("/inspection/plans", response_class=HTMLResponse)
def plan_create(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    year: Annotated[int, Form()],
) -> Response:
    request.state.actor = actor
    try:
        plan = service.generate_plan(session, actor, year)
    except DomainError as exc:
        session.rollback()
        return plans_page(request, session, actor, _problem(exc))
    return RedirectResponse(f"/inspection/plans/{plan.id}", status_code=303)


def _plan_visits(session: Session, actor: Actor, plan_id: int, status: VisitStatus | None) -> Any:
    stmt = scoped(select(InspectionVisit), actor, InspectionVisit).where(
        InspectionVisit.plan_id == plan_id
    )
    if status is not None:
        stmt = stmt.where(InspectionVisit.status == status)
    return stmt


@router.get("/inspection/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    plan_id: int,
    status: VisitStatus | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    error: str = "",
) -> Response:
    request.state.actor = actor
    plan = get_visible(session, actor, InspectionPlan, plan_id, "plan")
    stmt = _plan_visits(session, actor, plan.id, status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    visits = list(
        session.scalars(
            stmt.options(selectinload(InspectionVisit.team))
            .order_by(InspectionVisit.planned_on, InspectionVisit.id)
            .offset((page - 1) * PAGE)
            .limit(PAGE)
        )
    )
    context = {
        "plan": plan,
        "visits": visits,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE)),
        "status": status,
        "statuses": list(VisitStatus),
        "months": [plan.summary["by_month"].get(str(m), 0) for m in range(1, 13)],
        "error": error,
    }
    return render(request, "inspection/plan.html", context)


@router.post("/inspection/plans/{plan_id}/assign", response_class=HTMLResponse)
def plan_assign(
    request: Request, session: SessionDep, actor: LoggedInDep, plan_id: int
) -> Response:
    request.state.actor = actor
    try:
        staffing.assign_plan(session, actor, plan_id)
    except DomainError as exc:
        # Keep the explanation the assignment stored on the plan, drop the half-written teams.
        session.rollback()
        return plan_page(request, session, actor, plan_id, error=_problem(exc))
    return RedirectResponse(f"/inspection/plans/{plan_id}", status_code=303)


@router.get("/inspection/plans/{plan_id}/export.xlsx")
def plan_export(session: SessionDep, actor: LoggedInDep, plan_id: int) -> Response:
    plan = get_visible(session, actor, InspectionPlan, plan_id, "plan")
    visits = session.scalars(
        _plan_visits(session, actor, plan.id, None)
        .options(selectinload(InspectionVisit.team))
        .order_by(InspectionVisit.planned_on, InspectionVisit.id)
    )
    body = plan_xlsx(plan, visits)
    name = f"inspection-plan-{plan.year}-{plan.region_code}.xlsx"
    return attachment(body, name)


@router.get("/inspection/visits", response_class=HTMLResponse)
def my_visits(request: Request, session: SessionDep, actor: LoggedInDep) -> Response:
    """An inspector's own visits (the scope shows nobody else's); regulators see their area's."""
    request.state.actor = actor
    stmt = scoped(select(InspectionVisit), actor, InspectionVisit).where(
        InspectionVisit.status != VisitStatus.CLOSED
    )
    visits = list(
        session.scalars(stmt.order_by(InspectionVisit.planned_on, InspectionVisit.id).limit(200))
    )
    return render(request, "inspection/visits.html", {"visits": visits})


def _visit_page(
    request: Request,
    session: Session,
    actor: Actor,
    visit_id: int,
    error: str = "",
    status_code: int = 200,
) -> Response:
    visit = workflow.visit_of(session, actor, visit_id)
    order = session.scalar(select(Rectification).where(Rectification.visit_id == visit.id))
    context = {
        "visit": visit,
        "checklists": workflow.checklist(visit),
        "findings": workflow.findings_of(session, visit.id),
        "order": order,
        "severities": list(FindingSeverity),
        "conclusions": list(Conclusion),
        "dispositions": list(Disposition),
        "unannounced": visit.kind is VisitKind.UNANNOUNCED,
        "default_deadline": (today_local() + dt.timedelta(days=30)).isoformat(),
        "error": error,
    }
    return render(request, "inspection/visit.html", context, status_code=status_code)


@router.get("/inspection/visits/{visit_id}", response_class=HTMLResponse)
def visit_page(
    request: Request, session: SessionDep, actor: LoggedInDep, visit_id: int
) -> Response:
    request.state.actor = actor
    return _visit_page(request, session, actor, visit_id)


def _step(request: Request, session: Session, actor: Actor, visit_id: int, run: Any) -> Response:
    request.state.actor = actor
    try:
        run()
    except DomainError as exc:
        session.rollback()
        return _visit_page(request, session, actor, visit_id, _problem(exc), exc.status)
    return RedirectResponse(f"/inspection/visits/{visit_id}", status_code=303)


@router.post("/inspection/visits/{visit_id}/start", response_class=HTMLResponse)
def visit_start(
    request: Request, session: SessionDep, actor: LoggedInDep, visit_id: int
) -> Response:
    return _step(
        request, session, actor, visit_id, lambda: workflow.start_visit(session, actor, visit_id)
    )


@router.post("/inspection/visits/{visit_id}/assign", response_class=HTMLResponse)
def visit_assign(
    request: Request, session: SessionDep, actor: LoggedInDep, visit_id: int
) -> Response:
    return _step(
        request, session, actor, visit_id, lambda: staffing.assign_visit(session, actor, visit_id)
    )


@router.post("/inspection/visits/{visit_id}/findings", response_class=HTMLResponse)
def visit_finding(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    visit_id: int,
    item_code: Annotated[str, Form(max_length=40)] = "",
    clause: Annotated[str, Form(max_length=300)] = "",
    severity: Annotated[FindingSeverity, Form()] = FindingSeverity.MINOR,
    description: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    def run() -> None:
        try:
            data = FindingCreate(
                item_code=item_code, clause=clause, severity=severity, description=description
            )
        except ValueError as exc:
            raise DomainError("clause and description are required", 422) from exc
        workflow.add_finding(session, actor, visit_id, data)

    return _step(request, session, actor, visit_id, run)


@router.post("/inspection/visits/{visit_id}/conclusion", response_class=HTMLResponse)
def visit_conclude(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    visit_id: int,
    conclusion: Annotated[Conclusion, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    data = ConclusionCreate(conclusion=conclusion, note=note)
    return _step(
        request, session, actor, visit_id, lambda: workflow.conclude(session, actor, visit_id, data)
    )


@router.post("/inspection/visits/{visit_id}/rectification", response_class=HTMLResponse)
def visit_order(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    visit_id: int,
    requirements: Annotated[str, Form(min_length=1, max_length=2000)],
    deadline: Annotated[dt.date, Form()],
) -> Response:
    data = RectificationCreate(requirements=requirements, deadline=deadline)
    return _step(
        request,
        session,
        actor,
        visit_id,
        lambda: workflow.order_rectification(session, actor, visit_id, data),
    )


@router.post("/inspection/visits/{visit_id}/verification", response_class=HTMLResponse)
def visit_verify(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    visit_id: int,
    order_id: Annotated[int, Form()],
    accepted: Annotated[bool, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    data = VerificationCreate(accepted=accepted, note=note)
    return _step(
        request, session, actor, visit_id, lambda: workflow.verify(session, actor, order_id, data)
    )


@router.post("/inspection/visits/{visit_id}/close", response_class=HTMLResponse)
def visit_close(
    request: Request, session: SessionDep, actor: LoggedInDep, visit_id: int
) -> Response:
    return _step(
        request, session, actor, visit_id, lambda: workflow.close_visit(session, actor, visit_id)
    )


@router.post("/inspection/findings/{finding_id}/disposition", response_class=HTMLResponse)
def finding_disposition(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    finding_id: int,
    visit_id: Annotated[int, Form()],
    disposition: Annotated[Disposition, Form()],
) -> Response:
    return _step(
        request,
        session,
        actor,
        visit_id,
        lambda: workflow.set_disposition(session, actor, finding_id, disposition),
    )


@router.get("/inspection/rectifications", response_class=HTMLResponse)
def rectifications_page(
    request: Request, session: SessionDep, actor: LoggedInDep, error: str = ""
) -> Response:
    """An enterprise's own orders (and their findings), with the evidence form."""
    request.state.actor = actor
    orders = list(
        session.scalars(
            scoped(select(Rectification), actor, Rectification).order_by(Rectification.id.desc())
        )
    )
    findings = list(
        session.scalars(scoped(select(Finding), actor, Finding).order_by(Finding.id.desc()))
    )
    context = {"orders": orders, "findings": findings, "error": error}
    return render(request, "inspection/rectifications.html", context)


@router.post("/inspection/rectifications/{order_id}/evidence", response_class=HTMLResponse)
def rectification_evidence(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    order_id: int,
    evidence: Annotated[str, Form(min_length=1, max_length=4000)],
) -> Response:
    request.state.actor = actor
    try:
        workflow.submit_evidence(session, actor, order_id, EvidenceCreate(evidence=evidence))
    except DomainError as exc:
        session.rollback()
        return rectifications_page(request, session, actor, _problem(exc))
    return RedirectResponse("/inspection/rectifications", status_code=303)


@router.get("/inspection/indicators", response_class=HTMLResponse)
def indicators_page(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    start: dt.date | None = None,
    end: dt.date | None = None,
    by: Annotated[str, Query(pattern="^(city|county)$")] = "county",
) -> Response:
    request.state.actor = actor
    today = today_local()
    start = start or dt.date(today.year, 1, 1)
    end = end or today + dt.timedelta(days=1)
    result = indicators(session, actor, start, end, by)
    return render(request, "inspection/indicators.html", {"result": result, "by": by})
