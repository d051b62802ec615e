"""Sampling pages: plans and quotas, the sample list and export, a sample's workflow, the indicator.

Forms post to the same services as the API; a refused step re-renders the page with the
service's message (and its status: 409 for a workflow rule, 422 for a field).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from yaojian.auth.actor import Actor
from yaojian.auth.permissions import ALLOWED, Action, authorize
from yaojian.auth.scope import scoped
from yaojian.kit.errors import DomainError, InvalidInput
from yaojian.kit.pagination import PageParams
from yaojian.kit.timeutil import today_local
from yaojian.kit.xlsx import attachment
from yaojian.registry.choices import EnterpriseKind, EnterpriseStatus, ProductCategory, RegionLevel
from yaojian.registry.models import Enterprise, Region
from yaojian.sampling import service
from yaojian.sampling.export import samples_workbook
from yaojian.sampling.indicator import TARGET, Grouping, indicator
from yaojian.sampling.models import FollowUpStatus, Programme, SampleStatus, SamplingStage
from yaojian.sampling.schemas import (
    AllocateRequest,
    FollowUpClose,
    LabReceipt,
    PlanCreate,
    ResultCreate,
    SampleCreate,
    TestItemIn,
)
from yaojian.web.deps import LoggedInDep, SessionDep
from yaojian.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
EXPORT_LIMIT = 20_000  # about two years of the province; docs/performance.md
_SAMPLED_KINDS = [k for kinds in service.STAGE_KINDS.values() for k in kinds]


def _may(actor: Actor, action: Action) -> bool:
    return actor.role in ALLOWED[action]


def _regions(session: SessionDep, actor: Actor) -> list[Region]:
    """Counties and cities the actor may filter by (their jurisdiction, with its city)."""
    if not actor.is_regulator:
        return []
    regions = list(session.scalars(select(Region).order_by(Region.code)))
    prefix = "33" if actor.is_province_wide else (actor.jurisdiction_prefix or "33")
    return [r for r in regions if r.code.startswith(prefix) or prefix.startswith(r.code[:4])]


@router.get("/sampling")
def home() -> Response:
    return RedirectResponse("/sampling/samples", status_code=303)


# ---------------------------------------------------------------- samples


def _filters(
    plan_id: int | None, status: str, region_code: str, year: int | None, q: str
) -> dict[str, Any]:
    return {
        "plan_id": plan_id,
        "status": SampleStatus(status) if status else None,
        "region_code": region_code or None,
        "year": year,
        "q": q or None,
    }


@router.get("/sampling/samples", response_class=HTMLResponse)
def sample_list(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    plan_id: int | None = None,
    status: Annotated[str, Query(pattern=r"^(sampled|at_lab|passed|failed)?$")] = "",
    region_code: Annotated[str, Query(pattern=r"^(\d{6})?$")] = "",
    year: int | None = None,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    request.state.actor = actor
    filters = _filters(plan_id, status, region_code, year, q)
    rows, total = service.list_samples(
        session, actor, PageParams(page=page, page_size=PAGE_SIZE), **filters
    )
    query = {k: v for k, v in
             {"plan_id": plan_id, "status": status, "region_code": region_code, "year": year,
              "q": q}.items() if v}  # fmt: skip
    return render(
        request,
        "sampling/samples.html",
        {
            "rows": rows,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "filters": {
                "plan_id": plan_id,
                "status": status,
                "region_code": region_code,
                "year": year,
                "q": q,
            },
            "query": query,
            "statuses": list(SampleStatus),
            "plans": service.list_plans(session, actor) if actor.is_regulator else [],
            "regions": _regions(session, actor),
            "may_sample": _may(actor, Action.SAMPLING_SAMPLE),
            "today": today_local(),
            "follow_ups": service.list_follow_ups(session, actor, FollowUpStatus.OPEN)
            if actor.is_regulator
            else [],
        },
    )


@router.get("/sampling/samples.xlsx")
def sample_export(
    session: SessionDep,
    actor: LoggedInDep,
    plan_id: int | None = None,
    status: Annotated[str, Query(pattern=r"^(sampled|at_lab|passed|failed)?$")] = "",
    region_code: Annotated[str, Query(pattern=r"^(\d{6})?$")] = "",
    year: int | None = None,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    filters = _filters(plan_id, status, region_code, year, q)
    stmt = service.sample_query(actor, with_relations=True, **filters)
    samples = list(session.scalars(stmt.limit(EXPORT_LIMIT)))
    stamp = today_local().strftime("%Y%m%d")
    return attachment(samples_workbook(samples), f"samples-{stamp}.xlsx")


def _new_context(session: SessionDep, actor: Actor, **extra: Any) -> dict[str, Any]:
    year = today_local().year
    enterprises = session.scalars(
        scoped(
            select(Enterprise)
            .where(
                Enterprise.kind.in_(_SAMPLED_KINDS), Enterprise.status == EnterpriseStatus.ACTIVE
            )
            .order_by(Enterprise.region_code, Enterprise.name)
            .limit(500),
            actor,
            Enterprise,
        )
    )
    return {
        "plans": [p for p in service.list_plans(session, actor) if p.year >= year - 1],
        "enterprises": list(enterprises),
        "stages": list(SamplingStage),
        "today": today_local(),
        "form": {},
        "error": None,
    } | extra


@router.get("/sampling/samples/new", response_class=HTMLResponse)
def sample_form(
    request: Request, session: SessionDep, actor: LoggedInDep, plan_id: int | None = None
) -> Response:
    request.state.actor = actor
    authorize(actor, Action.SAMPLING_SAMPLE)
    context = _new_context(session, actor, form={"plan_id": plan_id})
    return render(request, "sampling/sample_new.html", context)


@router.post("/sampling/samples", response_class=HTMLResponse)
def sample_create(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    plan_id: Annotated[int, Form()],
    enterprise_id: Annotated[int, Form()],
    approval_number: Annotated[str, Form(max_length=40)],
    batch_number: Annotated[str, Form(max_length=40)],
    stage: Annotated[SamplingStage, Form()],
    sampled_by: Annotated[str, Form(max_length=120)],
    sampled_on: Annotated[dt.date, Form()],
    quantity: Annotated[int, Form(gt=0)],
    unit: Annotated[str, Form(max_length=20)] = "盒",
) -> Response:
    request.state.actor = actor
    form = {
        "plan_id": plan_id, "enterprise_id": enterprise_id, "approval_number": approval_number,
        "batch_number": batch_number, "stage": stage.value, "sampled_by": sampled_by,
        "sampled_on": sampled_on, "quantity": quantity, "unit": unit,
    }  # fmt: skip
    try:
        batch = service.find_batch(session, approval_number, batch_number)
        data = SampleCreate(
            plan_id=plan_id, batch_id=batch.id, enterprise_id=enterprise_id, stage=stage,
            sampled_by=sampled_by, sampled_on=sampled_on, quantity=quantity, unit=unit,
        )  # fmt: skip
        sample = service.create_sample(session, actor, data)
    except DomainError as exc:
        session.rollback()
        context = _new_context(session, actor, form=form, error=exc.detail)
        return render(request, "sampling/sample_new.html", context, status_code=exc.status)
    return RedirectResponse(f"/sampling/samples/{sample.id}", status_code=303)


def _sample_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    sample_id: int,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    sample = service.get_sample(session, actor, sample_id)
    return render(
        request,
        "sampling/sample.html",
        {
            "s": sample,
            "error": error,
            "today": today_local(),
            "may_sample": _may(actor, Action.SAMPLING_SAMPLE),
            "may_result": _may(actor, Action.SAMPLING_RESULT),
            "may_close": _may(actor, Action.SAMPLING_FOLLOW_UP),
            "blank_rows": range(max(0, 4 - len(sample.items))),
        },
        status_code=status_code,
    )


@router.get("/sampling/samples/{sample_id}", response_class=HTMLResponse)
def sample_page(
    request: Request, session: SessionDep, actor: LoggedInDep, sample_id: int
) -> Response:
    request.state.actor = actor
    return _sample_page(request, session, actor, sample_id)


def _step(
    request: Request, session: SessionDep, actor: Actor, sample_id: int, act: Any
) -> Response:
    """Run one workflow step; on a refusal show the sample again with the reason."""
    try:
        act()
    except DomainError as exc:
        if exc.status == 404:
            raise
        session.rollback()
        return _sample_page(request, session, actor, sample_id, exc.detail, exc.status)
    return RedirectResponse(f"/sampling/samples/{sample_id}", status_code=303)


@router.post("/sampling/samples/{sample_id}/lab-receipt", response_class=HTMLResponse)
def lab_receipt(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    sample_id: int,
    lab: Annotated[str, Form(max_length=200)],
    received_on: Annotated[dt.date, Form()],
) -> Response:
    request.state.actor = actor

    def act() -> None:
        data = LabReceipt(lab=lab, received_on=received_on)
        service.receive_at_lab(session, actor, sample_id, data)

    return _step(request, session, actor, sample_id, act)


@router.post("/sampling/samples/{sample_id}/result", response_class=HTMLResponse)
def result(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    sample_id: int,
    report_number: Annotated[str, Form(max_length=60)],
    reported_on: Annotated[dt.date, Form()],
    item: Annotated[list[str], Form()],
    standard: Annotated[list[str], Form()],
    outcome: Annotated[list[str], Form()],
    verdict: Annotated[list[str], Form()],
) -> Response:
    request.state.actor = actor

    def act() -> None:
        rows = [
            TestItemIn(item=i.strip(), standard=s.strip(), result=o.strip(), passed=v == "pass")
            for i, s, o, v in zip(item, standard, outcome, verdict, strict=False)
            if i.strip()
        ]
        if not rows:
            raise InvalidInput("items", "enter at least one test item")
        data = ResultCreate(report_number=report_number, reported_on=reported_on, items=rows)
        service.record_result(session, actor, sample_id, data)

    return _step(request, session, actor, sample_id, act)


@router.post("/sampling/follow-ups/{follow_up_id}/close", response_class=HTMLResponse)
def close_follow_up(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    follow_up_id: int,
    note: Annotated[str, Form(max_length=2000)],
) -> Response:
    request.state.actor = actor
    follow_up = service.get_follow_up(session, actor, follow_up_id)

    def act() -> None:
        service.close_follow_up(session, actor, follow_up_id, FollowUpClose(note=note))

    return _step(request, session, actor, follow_up.sample_id, act)


# ---------------------------------------------------------------- plans


@router.get("/sampling/plans", response_class=HTMLResponse)
def plan_list(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    year: int | None = None,
) -> Response:
    request.state.actor = actor
    return render(request, "sampling/plans.html", _plans_context(session, actor, year))


def _plans_context(
    session: SessionDep, actor: Actor, year: int | None, **extra: Any
) -> dict[str, Any]:
    return {
        "plans": service.list_plans(session, actor, year) if actor.is_regulator else [],
        "year": year,
        "this_year": today_local().year,
        "programmes": list(Programme),
        "categories": list(ProductCategory),
        "may_plan": _may(actor, Action.SAMPLING_PLAN),
        # The authorities the actor may plan for: their own and those below (not counties, for
        # the province, whose list would run to 90).
        "regions": [
            r
            for r in _regions(session, actor)
            if r.code.startswith(actor.jurisdiction_prefix or "33")
            and not (actor.is_province_wide and r.level is RegionLevel.COUNTY)
        ],
        "error": None,
    } | extra


@router.post("/sampling/plans", response_class=HTMLResponse)
def plan_create(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    year: Annotated[int, Form()],
    title: Annotated[str, Form(max_length=200)],
    programme: Annotated[Programme, Form()],
    category: Annotated[ProductCategory, Form()] = ProductCategory.DRUG,
    region_code: Annotated[str, Form(pattern=r"^(\d{6})?$")] = "",
) -> Response:
    request.state.actor = actor
    try:
        data = PlanCreate(
            year=year, title=title, programme=programme, category=category,
            region_code=region_code or None,
        )  # fmt: skip
        plan = service.create_plan(session, actor, data)
    except DomainError as exc:
        session.rollback()
        context = _plans_context(session, actor, None, error=exc.detail)
        return render(request, "sampling/plans.html", context, status_code=exc.status)
    return RedirectResponse(f"/sampling/plans/{plan.id}", status_code=303)


def _plan_page(
    request: Request, session: SessionDep, actor: Actor, plan_id: int, error: str | None = None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    plan = service.get_plan(session, actor, plan_id)
    taken = service.quota_progress(session, actor, plan)
    names: dict[str, str] = {
        code: name for code, name in session.execute(select(Region.code, Region.name))
    }
    return render(
        request,
        "sampling/plan.html",
        {
            "plan": plan,
            "taken": taken,
            "names": names,
            "kinds": list(EnterpriseKind),
            "may_plan": _may(actor, Action.SAMPLING_PLAN),
            "may_sample": _may(actor, Action.SAMPLING_SAMPLE),
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/sampling/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, session: SessionDep, actor: LoggedInDep, plan_id: int) -> Response:
    request.state.actor = actor
    return _plan_page(request, session, actor, plan_id)


@router.post("/sampling/plans/{plan_id}/allocate", response_class=HTMLResponse)
def plan_allocate(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    plan_id: int,
    total: Annotated[int, Form(ge=1, le=100_000)],
    risk_weighted: Annotated[bool, Form()] = False,
) -> Response:
    request.state.actor = actor
    try:
        data = AllocateRequest(total=total, risk_weighted=risk_weighted)
        service.allocate(session, actor, plan_id, data)
    except DomainError as exc:
        if exc.status == 404:
            raise
        session.rollback()
        return _plan_page(request, session, actor, plan_id, exc.detail, exc.status)
    return RedirectResponse(f"/sampling/plans/{plan_id}", status_code=303)


# ---------------------------------------------------------------- indicator


@router.get("/sampling/indicator", response_class=HTMLResponse)
def indicator_page(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    year: int | None = None,
    by: Grouping = "city",
    strict: bool = True,
) -> Response:
    request.state.actor = actor
    year = year or today_local().year
    rows = indicator(session, actor, year, by=by, strict=strict).to_dicts()
    chart = [
        {"name": r["name"], "rate": r["pass_rate"], "tested": r["tested"], "failed": r["failed"]}
        for r in rows[1:] or rows[:1]
    ]
    return render(
        request,
        "sampling/indicator.html",
        {
            "rows": rows,
            "year": year,
            "years": list(range(today_local().year, today_local().year - 5, -1)),
            "by": by,
            "strict": strict,
            "target": TARGET,
            "chart_json": json.dumps(chart, ensure_ascii=False),
        },
    )
