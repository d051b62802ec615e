"""Analysis runs on the platform's own reports, the signals they raise, and the assessor's review.

A run takes the current reports of one category received in a period, one row per
report–suspect drug–coded event, and runs the disproportionality engine (``pv.analytics``)
stratified by sex and age group. Pairs that pass the thresholds become risk signals through
``signals.service.emit`` and get a review row; a pair that passes now but did not pass in the
category's previous run is marked **new**.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import polars as pl
from pydantic import BaseModel, Field
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor
from yaojian.auth.permissions import Action, authorize
from yaojian.kit.errors import InvalidInput, NotFound
from yaojian.kit.timeutil import utcnow
from yaojian.pv.indicators import Period
from yaojian.pv.models import (
    AnalysisRun,
    DrugRole,
    PairStatistic,
    Report,
    ReportCategory,
    ReportDrug,
    ReportReaction,
    ReportStatus,
    ReviewState,
    SignalReview,
)
from yaojian.registry.models import Product
from yaojian.signals.models import SubjectType
from yaojian.signals.service import SignalReport, emit

MEASURES = [
    "n", "expected", "prr", "prr_lower", "prr_upper", "chi2_yates", "ror", "ror_lower",
    "ror_upper", "ic", "ic025", "ic975", "ebgm", "eb05", "eb95",
]  # fmt: skip


class Thresholds(BaseModel):
    """A pair passes with at least ``min_n`` reports and either EB05 ≥ ``eb05`` (DuMouchel) or
    PRR ≥ ``prr`` with Yates χ² ≥ ``chi2`` (Evans et al. 2001)."""

    min_n: int = Field(3, ge=1)
    eb05: float = Field(2.0, gt=0)
    prr: float = Field(2.0, gt=0)
    chi2: float = Field(4.0, ge=0)

    def passes(self, row: dict[str, Any]) -> bool:
        if row["n"] < self.min_n:
            return False
        eb05 = row.get("eb05")
        if eb05 is not None and eb05 >= self.eb05:
            return True
        prr, chi2 = row.get("prr"), row.get("chi2_yates")
        return prr is not None and chi2 is not None and prr >= self.prr and chi2 >= self.chi2


def _age_group(age: float | None) -> str:
    if age is None:
        return "unknown"
    for bound, label in ((18, "0-17"), (45, "18-44"), (65, "45-64")):
        if age < bound:
            return label
    return "65+"


def case_frame(session: Session, category: ReportCategory, period: Period) -> pl.DataFrame:
    """One row per current report × suspect (or interacting) drug × coded event, with strata."""
    stmt = (
        select(
            Report.id,
            Report.patient_sex,
            Report.patient_age_years,
            ReportDrug.reported_name,
            ReportReaction.coded_term,
        )
        .join(ReportDrug, ReportDrug.report_id == Report.id)
        .join(ReportReaction, ReportReaction.report_id == Report.id)
        .where(
            Report.category == category,
            Report.status == ReportStatus.CURRENT,
            Report.received_on.between(period.start, period.end),
            ReportDrug.role.in_([DrugRole.SUSPECT, DrugRole.INTERACTING]),
        )
    )
    rows = [
        (rid, sex or "unknown", _age_group(age), drug.strip(), event.strip())
        for rid, sex, age, drug, event in session.execute(stmt)
    ]
    return pl.DataFrame(
        rows,
        schema={
            "report": pl.Int64,
            "sex": pl.String,
            "age_group": pl.String,
            "drug": pl.String,
            "event": pl.String,
        },
        orient="row",
    ).unique()


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def run_analysis(
    session: Session,
    actor: Actor,
    category: ReportCategory,
    period: Period,
    thresholds: Thresholds | None = None,
) -> AnalysisRun:
    """Run the engine on the province's reports and record pairs, signals and reviews."""
    # Imported here so that serving pages does not load the statistics stack (SciPy) at start.
    from yaojian.pv import analytics

    authorize(actor, Action.PV_ANALYSE)
    thresholds = thresholds or Thresholds()
    frame = case_frame(session, category, period)
    if frame.is_empty():
        raise InvalidInput(
            "category", f"no {category.value} reports in {period.start}–{period.end}"
        )
    result = analytics.disproportionality(
        frame, report_col="report", drug_col="drug", event_col="event", strata=["sex", "age_group"]
    )
    previous = session.scalars(
        select(AnalysisRun)
        .where(AnalysisRun.category == category)
        .order_by(AnalysisRun.run_at.desc(), AnalysisRun.id.desc())
    ).first()
    passed_before: set[tuple[str, str]] = set()
    if previous is not None:
        passed_before = {
            (d, e)
            for d, e in session.execute(
                select(PairStatistic.drug, PairStatistic.event).where(
                    PairStatistic.run_id == previous.id, PairStatistic.passed.is_(True)
                )
            )
        }
    run = AnalysisRun(
        category=category,
        run_at=utcnow(),
        period_start=period.start,
        period_end=period.end,
        reports=frame["report"].n_unique(),
        pairs=result.pairs.height,
        hyperparameters=dataclasses.asdict(result.hyper)
        | {"neg_log_likelihood": result.neg_log_likelihood},
        thresholds=thresholds.model_dump(),
        triggered_by=actor.audit_label(),
    )
    session.add(run)
    session.flush()

    holders = dict(
        session.execute(select(Product.name, Product.holder_id).order_by(Product.id.desc())).all()
    )
    rows: list[dict[str, Any]] = []
    for pair in result.pairs.iter_rows(named=True):
        passed = thresholds.passes(pair)
        key = (pair["drug"], pair["event"])
        row = {"run_id": run.id, "drug": pair["drug"], "event": pair["event"], "passed": passed}
        row |= {m: (int(pair[m]) if m == "n" else _finite(pair.get(m))) for m in MEASURES}
        row["is_new"] = passed and key not in passed_before
        if passed:
            row["signal_id"] = _raise_signal(
                session, actor, run, category, pair, holders.get(pair["drug"])
            )
        rows.append(row)
    if rows:
        session.execute(insert(PairStatistic), rows)
    record(session, actor, "pv.analysis_run", "pv_analysis_run", run.id, after=snapshot(run))
    return run


def _raise_signal(
    session: Session,
    actor: Actor,
    run: AnalysisRun,
    category: ReportCategory,
    pair: dict[str, Any],
    holder_id: int | None,
) -> int:
    drug, event = pair["drug"], pair["event"]
    eb05 = _finite(pair.get("eb05"))
    severity = 3 if eb05 is not None and eb05 >= 4 else 2
    signal, _ = emit(
        session,
        actor,
        SignalReport(
            source="pv",
            kind=f"disproportionality_{category.value}",
            subject_type=SubjectType.PRODUCT,
            subject_id=drug,
            enterprise_id=holder_id,
            severity=severity,
            title=(
                f"{drug} — {event}：报告 {pair['n']} 例，"
                f"EBGM {pair['ebgm']:.2f}（EB05 {pair['eb05']:.2f}）"
            ),
            dedupe_key=f"pv:{category.value}:{drug}:{event}",
            evidence={"run_id": run.id} | {m: _finite(pair.get(m)) for m in MEASURES},
        ),
    )
    review = session.scalars(
        select(SignalReview).where(
            SignalReview.category == category,
            SignalReview.drug == drug,
            SignalReview.event == event,
        )
    ).first()
    if review is None:
        review = SignalReview(
            category=category,
            drug=drug,
            event=event,
            state=ReviewState.NEW,
            signal_id=signal.id,
            first_run_id=run.id,
            updated_at=utcnow(),
            updated_by=actor.audit_label(),
        )
        session.add(review)
        session.flush()
        record(
            session,
            actor,
            "pv.review.create",
            "pv_signal_review",
            review.id,
            after=snapshot(review),
        )
    return signal.id


def set_review(
    session: Session, actor: Actor, review_id: int, state: ReviewState, notes: str
) -> SignalReview:
    """Move a review along new → under assessment → confirmed / refuted / monitored, with notes."""
    authorize(actor, Action.PV_ANALYSE)
    review = session.get(SignalReview, review_id)
    if review is None:
        raise NotFound("review", review_id)
    if state is ReviewState.NEW and review.state is not ReviewState.NEW:
        raise InvalidInput("state", "a review cannot go back to new")
    before = snapshot(review)
    review.state, review.notes = state, notes
    review.updated_at, review.updated_by = utcnow(), actor.audit_label()
    session.flush()
    record(
        session, actor, "pv.review.update", "pv_signal_review", review.id, before, snapshot(review)
    )
    return review


def latest_run(session: Session, category: ReportCategory) -> AnalysisRun | None:
    return session.scalars(
        select(AnalysisRun)
        .where(AnalysisRun.category == category)
        .order_by(AnalysisRun.run_at.desc(), AnalysisRun.id.desc())
    ).first()
