"""Pharmacovigilance pages: signal list, drug page, review, report, quality and indicators."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import String, cast, func, select

from yaojian.auth.permissions import Action, authorize
from yaojian.auth.scope import get_visible, scoped
from yaojian.kit.timeutil import today_local
from yaojian.pv import review as reviews
from yaojian.pv.indicators import (
    DENSITY_TARGET,
    QUALITY_TARGET,
    SENTINEL_NEW_OR_SERIOUS_TARGET,
    SENTINEL_SERIOUS_TARGET,
    Grouping,
    Period,
    indicators,
)
from yaojian.pv.models import (
    MeddraTerm,
    PairStatistic,
    Report,
    ReportCategory,
    ReportDrug,
    ReportReaction,
    ReportStatus,
    ReviewState,
    SignalReview,
)
from yaojian.pv.quality import MISSING_LABELS
from yaojian.web.deps import LoggedInDep, SessionDep
from yaojian.web.templating import render

router = APIRouter(include_in_schema=False)
SORTABLE = [
    "n", "expected", "prr", "chi2_yates", "ror", "ic", "ic025", "ebgm", "eb05", "eb95",
    "drug", "event",
]  # fmt: skip


@router.get("/pv/signals", response_class=HTMLResponse)
def signal_list(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    category: ReportCategory = ReportCategory.DRUG,
    sort: Annotated[str, Query()] = "eb05",
    desc: bool = True,
    drug: Annotated[str, Query(max_length=100)] = "",
    event: Annotated[str, Query(max_length=100)] = "",
    soc: Annotated[str, Query(max_length=100)] = "",
    new_only: bool = False,
    passed_only: bool = True,
    state: Annotated[str, Query()] = "",
) -> Response:
    request.state.actor = actor
    authorize(actor, Action.PV_ANALYSE)
    run = reviews.latest_run(session, category)
    rows: list[Any] = []
    socs = list(
        session.scalars(
            select(MeddraTerm.soc_name).distinct().where(MeddraTerm.soc_name.is_not(None))
        )
    )
    if run is not None:
        column = getattr(PairStatistic, sort if sort in SORTABLE else "eb05")
        stmt = (
            select(PairStatistic, SignalReview)
            .outerjoin(
                SignalReview,
                (SignalReview.category == category)
                & (SignalReview.drug == PairStatistic.drug)
                & (SignalReview.event == PairStatistic.event),
            )
            .where(PairStatistic.run_id == run.id)
            .order_by(
                column.desc().nulls_last() if desc else column.asc().nulls_last(), PairStatistic.id
            )
        )
        if drug:
            stmt = stmt.where(PairStatistic.drug.contains(drug, autoescape=True))
        if event:
            stmt = stmt.where(PairStatistic.event.contains(event, autoescape=True))
        if soc:
            in_soc = select(MeddraTerm.pt_name).where(MeddraTerm.soc_name == soc)
            stmt = stmt.where(PairStatistic.event.in_(in_soc))
        if new_only:
            stmt = stmt.where(PairStatistic.is_new.is_(True))
        if passed_only:
            stmt = stmt.where(PairStatistic.passed.is_(True))
        if state:
            stmt = stmt.where(SignalReview.state == ReviewState(state))
        rows = list(session.execute(stmt.limit(500)).all())
    context = {
        "run": run,
        "rows": rows,
        "category": category,
        "categories": list(ReportCategory),
        "states": list(ReviewState),
        "sort": sort,
        "desc": desc,
        "filters": {"drug": drug, "event": event, "soc": soc, "state": state},
        "new_only": new_only,
        "passed_only": passed_only,
        "socs": socs,
    }
    template = "pv/signal_rows.html" if request.headers.get("hx-request") else "pv/signals.html"
    return render(request, template, context)


@router.post("/pv/signals/run")
def run_now(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    category: Annotated[ReportCategory, Form()] = ReportCategory.DRUG,
) -> Response:
    reviews.run_analysis(session, actor, category, Period.last_year(today_local()))
    return RedirectResponse(f"/pv/signals?category={category.value}", status_code=303)


@router.post("/pv/reviews/{review_id}", response_class=HTMLResponse)
def update_review(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    review_id: int,
    state: Annotated[ReviewState, Form()],
    notes: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    request.state.actor = actor
    review = reviews.set_review(session, actor, review_id, state, notes)
    return render(
        request,
        "pv/review_form.html",
        {"review": review, "states": list(ReviewState), "saved": True},
    )


@router.get("/pv/drugs/{drug}", response_class=HTMLResponse)
def drug_page(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    drug: str,
    category: ReportCategory = ReportCategory.DRUG,
    event: str = "",
) -> Response:
    request.state.actor = actor
    authorize(actor, Action.PV_ANALYSE)
    run = reviews.latest_run(session, category)
    pairs: list[PairStatistic] = []
    if run is not None:
        pairs = list(
            session.scalars(
                select(PairStatistic)
                .where(PairStatistic.run_id == run.id, PairStatistic.drug == drug)
                .order_by(PairStatistic.ebgm.desc().nulls_last())
            )
        )
    review_rows = {
        r.event: r
        for r in session.scalars(
            select(SignalReview).where(SignalReview.category == category, SignalReview.drug == drug)
        )
    }
    month = func.substr(cast(Report.received_on, String), 1, 7)
    trend_stmt = scoped(
        select(month, func.count(func.distinct(Report.id)))
        .join(ReportDrug, ReportDrug.report_id == Report.id)
        .where(
            Report.category == category,
            Report.status == ReportStatus.CURRENT,
            ReportDrug.reported_name == drug,
        )
        .group_by(month)
        .order_by(month),
        actor,
        Report,
    )
    trend = [{"month": m, "reports": n} for m, n in session.execute(trend_stmt)]
    behind: list[Any] = []
    if event:
        behind = list(
            session.scalars(
                scoped(
                    select(Report)
                    .join(ReportDrug, ReportDrug.report_id == Report.id)
                    .join(ReportReaction, ReportReaction.report_id == Report.id)
                    .where(
                        Report.category == category,
                        Report.status == ReportStatus.CURRENT,
                        ReportDrug.reported_name == drug,
                        ReportReaction.coded_term == event,
                    )
                    .distinct()
                    .order_by(Report.received_on.desc())
                    .limit(200),
                    actor,
                    Report,
                )
            )
        )
    chart = [
        {
            "event": p.event,
            "ebgm": p.ebgm,
            "eb05": p.eb05,
            "eb95": p.eb95,
            "n": p.n,
            "passed": p.passed,
        }
        for p in pairs[:30]
    ]
    return render(
        request,
        "pv/drug.html",
        {
            "drug": drug,
            "category": category,
            "run": run,
            "pairs": pairs,
            "reviews": review_rows,
            "states": list(ReviewState),
            "chart_json": json.dumps(chart, ensure_ascii=False),
            "trend_json": json.dumps(trend, ensure_ascii=False),
            "event": event,
            "behind": behind,
        },
    )


@router.get("/pv/reports/{report_id}", response_class=HTMLResponse)
def report_page(
    request: Request, session: SessionDep, actor: LoggedInDep, report_id: int
) -> Response:
    request.state.actor = actor
    report = get_visible(session, actor, Report, report_id, "report")
    return render(request, "pv/report.html", {"r": report, "missing_labels": MISSING_LABELS})


@router.get("/pv/quality", response_class=HTMLResponse)
def quality_page(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    category: ReportCategory = ReportCategory.DRUG,
    by: Grouping = "city",
) -> Response:
    request.state.actor = actor
    period = Period.last_year(today_local())
    table = indicators(session, actor, category, period, by=by)
    rows = table.to_dicts()
    chart = [
        {"name": r["name"], "per_million": r["per_million"], "quality": r["average_quality"]}
        for r in rows[1:]
    ]
    return render(
        request,
        "pv/quality.html",
        {
            "rows": rows,
            "category": category,
            "categories": list(ReportCategory),
            "by": by,
            "period": period,
            "density_target": DENSITY_TARGET[category],
            "quality_target": QUALITY_TARGET.get(category),
            "sentinel_targets": (SENTINEL_NEW_OR_SERIOUS_TARGET, SENTINEL_SERIOUS_TARGET),
            "chart_json": json.dumps(chart, ensure_ascii=False),
        },
    )
