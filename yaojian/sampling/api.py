"""JSON API of supervisory sampling. Routes parse, call one service and shape the answer."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from yaojian.auth.actor import Actor
from yaojian.kit.pagination import Page, PageParams
from yaojian.sampling import service
from yaojian.sampling.indicator import TARGET, indicator
from yaojian.sampling.models import FollowUpStatus, Sample, SampleStatus
from yaojian.sampling.schemas import (
    AllocateRequest,
    FollowUpClose,
    FollowUpRead,
    IndicatorRead,
    IndicatorRow,
    LabReceipt,
    PlanCreate,
    PlanRead,
    ResultCreate,
    SampleCreate,
    SampleRead,
)
from yaojian.web.deps import LoggedInDep, SessionDep

router = APIRouter(prefix="/api/v1/sampling", tags=["sampling"])


def _read(sample: Sample, actor: Actor) -> SampleRead:
    """The sample as the actor may know it: the follow-up is the regulators' own work."""
    read = SampleRead.model_validate(sample)
    return read if actor.is_regulator else read.model_copy(update={"follow_up": None})


@router.get("/plans", response_model=list[PlanRead])
def list_plans(
    session: SessionDep, actor: LoggedInDep, year: Annotated[int | None, Query()] = None
) -> list[PlanRead]:
    return [PlanRead.model_validate(p) for p in service.list_plans(session, actor, year)]


@router.post("/plans", response_model=PlanRead, status_code=status.HTTP_201_CREATED)
def create_plan(session: SessionDep, actor: LoggedInDep, data: PlanCreate) -> PlanRead:
    return PlanRead.model_validate(service.create_plan(session, actor, data))


@router.get("/plans/{plan_id}", response_model=PlanRead)
def get_plan(session: SessionDep, actor: LoggedInDep, plan_id: int) -> PlanRead:
    return PlanRead.model_validate(service.get_plan(session, actor, plan_id))


@router.post("/plans/{plan_id}/allocate", response_model=PlanRead)
def allocate(
    session: SessionDep, actor: LoggedInDep, plan_id: int, data: AllocateRequest
) -> PlanRead:
    """Split a total over the plan's counties, weighted by open signals and past failures."""
    return PlanRead.model_validate(service.allocate(session, actor, plan_id, data))


@router.get("/samples", response_model=Page[SampleRead])
def list_samples(
    session: SessionDep,
    actor: LoggedInDep,
    plan_id: int | None = None,
    status: SampleStatus | None = None,
    region_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    enterprise_id: int | None = None,
    year: int | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[SampleRead]:
    rows, total = service.list_samples(
        session, actor, PageParams(page=page, page_size=page_size),
        plan_id=plan_id, status=status, region_code=region_code, enterprise_id=enterprise_id,
        year=year, q=q,
    )  # fmt: skip
    items = [_read(s, actor) for s in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.post("/samples", response_model=SampleRead, status_code=status.HTTP_201_CREATED)
def create_sample(session: SessionDep, actor: LoggedInDep, data: SampleCreate) -> SampleRead:
    return _read(service.create_sample(session, actor, data), actor)


@router.get("/samples/{sample_id}", response_model=SampleRead)
def get_sample(session: SessionDep, actor: LoggedInDep, sample_id: int) -> SampleRead:
    return _read(service.get_sample(session, actor, sample_id), actor)


@router.post("/samples/{sample_id}/lab-receipt", response_model=SampleRead)
def receive_at_lab(
    session: SessionDep, actor: LoggedInDep, sample_id: int, data: LabReceipt
) -> SampleRead:
    return _read(service.receive_at_lab(session, actor, sample_id, data), actor)


@router.post("/samples/{sample_id}/result", response_model=SampleRead)
def record_result(
    session: SessionDep, actor: LoggedInDep, sample_id: int, data: ResultCreate
) -> SampleRead:
    """The test report; a failing item quarantines the batch, emits a signal, opens a follow-up."""
    return _read(service.record_result(session, actor, sample_id, data), actor)


@router.get("/follow-ups", response_model=list[FollowUpRead])
def list_follow_ups(
    session: SessionDep, actor: LoggedInDep, status: FollowUpStatus | None = None
) -> list[FollowUpRead]:
    return [FollowUpRead.model_validate(f) for f in service.list_follow_ups(session, actor, status)]


@router.get("/follow-ups/{follow_up_id}", response_model=FollowUpRead)
def get_follow_up(session: SessionDep, actor: LoggedInDep, follow_up_id: int) -> FollowUpRead:
    return FollowUpRead.model_validate(service.get_follow_up(session, actor, follow_up_id))


@router.post("/follow-ups/{follow_up_id}/close", response_model=FollowUpRead)
def close_follow_up(
    session: SessionDep, actor: LoggedInDep, follow_up_id: int, data: FollowUpClose
) -> FollowUpRead:
    return FollowUpRead.model_validate(service.close_follow_up(session, actor, follow_up_id, data))


@router.get("/indicator", response_model=IndicatorRead)
def pass_rate(
    session: SessionDep,
    actor: LoggedInDep,
    year: int,
    by: Literal["city", "county"] = "city",
    strict: bool = True,
) -> IndicatorRead:
    """基本药物、集采品种抽检合格率 per area (docs/sampling.md gives the formula)."""
    table = indicator(session, actor, year, by=by, strict=strict)
    return IndicatorRead(
        year=year,
        by=by,
        strict=strict,
        target=TARGET,
        rows=[IndicatorRow.model_validate(r) for r in table.to_dicts()],
    )
