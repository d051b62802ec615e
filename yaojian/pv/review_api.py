"""JSON API of signal detection, review and indicators (/api/v1/pv)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from yaojian.auth.permissions import Action, authorize
from yaojian.kit.pagination import Page, PageParams, paginate
from yaojian.kit.timeutil import today_local
from yaojian.pv import review as reviews
from yaojian.pv.indicators import Grouping, Period, indicators
from yaojian.pv.models import PairStatistic, ReportCategory, ReviewState
from yaojian.web.deps import LoggedInDep, SessionDep

router = APIRouter(prefix="/api/v1/pv", tags=["pharmacovigilance"])


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    category: ReportCategory
    run_at: dt.datetime
    period_start: dt.date | None
    period_end: dt.date | None
    reports: int
    pairs: int
    hyperparameters: dict[str, Any]
    thresholds: dict[str, Any]


class RunRequest(BaseModel):
    category: ReportCategory = ReportCategory.DRUG
    thresholds: reviews.Thresholds = Field(default_factory=reviews.Thresholds)


class PairRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    drug: str
    event: str
    n: int
    expected: float
    prr: float | None
    prr_lower: float | None
    prr_upper: float | None
    chi2_yates: float | None
    ror: float | None
    ror_lower: float | None
    ror_upper: float | None
    ic: float | None
    ic025: float | None
    ic975: float | None
    ebgm: float | None
    eb05: float | None
    eb95: float | None
    passed: bool
    is_new: bool
    signal_id: int | None


class ReviewUpdate(BaseModel):
    state: ReviewState
    notes: str = Field("", max_length=4000)


class ReviewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    category: ReportCategory
    drug: str
    event: str
    state: ReviewState
    notes: str
    signal_id: int | None
    updated_at: dt.datetime
    updated_by: str


@router.post("/runs", response_model=RunRead, status_code=status.HTTP_201_CREATED)
def run_now(session: SessionDep, actor: LoggedInDep, data: RunRequest) -> RunRead:
    """Run signal detection on the last 12 months of the category's reports."""
    run = reviews.run_analysis(
        session, actor, data.category, Period.last_year(today_local()), data.thresholds
    )
    return RunRead.model_validate(run)


@router.get("/pairs", response_model=Page[PairRead])
def list_pairs(
    session: SessionDep,
    actor: LoggedInDep,
    category: ReportCategory = ReportCategory.DRUG,
    passed: bool | None = None,
    new_only: bool = False,
    drug: Annotated[str | None, Query(max_length=250)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[PairRead]:
    """Pairs of the category's latest run, strongest first (EB05)."""
    authorize(actor, Action.PV_ANALYSE)
    run = reviews.latest_run(session, category)
    if run is None:
        return Page(items=[], total=0, page=page, page_size=page_size)
    stmt = (
        select(PairStatistic)
        .where(PairStatistic.run_id == run.id)
        .order_by(PairStatistic.eb05.desc().nulls_last(), PairStatistic.id)
    )
    if passed is not None:
        stmt = stmt.where(PairStatistic.passed.is_(passed))
    if new_only:
        stmt = stmt.where(PairStatistic.is_new.is_(True))
    if drug:
        stmt = stmt.where(PairStatistic.drug == drug)
    rows, total = paginate(session, stmt, PageParams(page=page, page_size=page_size))
    return Page(
        items=[PairRead.model_validate(r) for r in rows],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.patch("/reviews/{review_id}", response_model=ReviewRead)
def update_review(
    session: SessionDep, actor: LoggedInDep, review_id: int, data: ReviewUpdate
) -> ReviewRead:
    return ReviewRead.model_validate(
        reviews.set_review(session, actor, review_id, data.state, data.notes)
    )


@router.get("/indicators")
def get_indicators(
    session: SessionDep,
    actor: LoggedInDep,
    category: ReportCategory = ReportCategory.DRUG,
    by: Grouping = "city",
) -> list[dict[str, Any]]:
    """Reports per million, new-or-serious and serious shares, quality — last 12 months."""
    period = Period.last_year(today_local())
    return indicators(session, actor, category, period, by=by).to_dicts()
