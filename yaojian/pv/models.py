"""Individual case safety reports (ICSRs), their drugs and reactions, analysis runs and reviews.

Field names follow ICH E2B(R3) where one exists; the element is named in the comment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yaojian.auth.scope import ScopeRule, register_scope
from yaojian.db import Base
from yaojian.kit.choices import LabelledChoice, enum_column
from yaojian.kit.timeutil import utcnow


class ReportCategory(LabelledChoice):
    DRUG = ("drug", "药品不良反应", "adverse drug reaction")
    DEVICE = ("device", "医疗器械不良事件", "device adverse event")
    COSMETIC = ("cosmetic", "化妆品不良反应", "cosmetic adverse reaction")


class ReporterType(LabelledChoice):
    MEDICAL_INSTITUTION = ("medical_institution", "医疗机构", "medical institution")
    MAH = ("mah", "上市许可持有人", "marketing authorisation holder")
    PHARMACY = ("pharmacy", "药品经营企业", "pharmacy / distributor")
    CONSUMER = ("consumer", "个人", "consumer")
    OTHER = ("other", "其他", "other")


class ReportStatus(LabelledChoice):
    """A follow-up supersedes the earlier version; a nullification withdraws the case."""

    CURRENT = ("current", "有效", "current")
    SUPERSEDED = ("superseded", "已被随访替代", "superseded")
    NULLIFIED = ("nullified", "已作废", "nullified")


class DrugRole(LabelledChoice):
    """E2B(R3) G.k.1 characterisation of drug role."""

    SUSPECT = ("1", "怀疑", "suspect")
    CONCOMITANT = ("2", "并用", "concomitant")
    INTERACTING = ("3", "相互作用", "interacting")
    NOT_ADMINISTERED = ("4", "未用药", "drug not administered")


class Report(Base):
    """One version of a case. ``(safety_report_id, version)`` is unique; only one is current."""

    __tablename__ = "pv_report"
    __table_args__ = (UniqueConstraint("safety_report_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    safety_report_id: Mapped[str] = mapped_column(String(100), index=True)  # C.1.1
    version: Mapped[int] = mapped_column(Integer, default=1)
    worldwide_case_id: Mapped[str | None] = mapped_column(String(100), index=True)  # C.1.8.1
    status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus, 16), default=ReportStatus.CURRENT, index=True
    )
    category: Mapped[ReportCategory] = mapped_column(
        enum_column(ReportCategory, 16), default=ReportCategory.DRUG, index=True
    )
    report_type: Mapped[str | None] = mapped_column(String(2))  # C.1.3 (1 spontaneous, 2 study…)
    reporter_type: Mapped[ReporterType] = mapped_column(
        enum_column(ReporterType, 24), default=ReporterType.OTHER
    )
    reporter_qualification: Mapped[str | None] = mapped_column(String(2))  # C.2.r.4
    reporter_enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id"), index=True
    )
    sentinel: Mapped[bool] = mapped_column(Boolean, default=False)  # 哨点医院 report
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    country: Mapped[str | None] = mapped_column(String(2))  # E.i.9 / C.2.r.3, ISO 3166
    received_on: Mapped[dt.date | None] = mapped_column(Date, index=True)  # C.1.4
    most_recent_on: Mapped[dt.date | None] = mapped_column(Date)  # C.1.5
    patient_initials: Mapped[str | None] = mapped_column(String(60))  # D.1
    patient_age_years: Mapped[float | None] = mapped_column(Float)  # D.2.2 normalised to years
    patient_sex: Mapped[str | None] = mapped_column(String(1))  # D.5: 1 male, 2 female
    patient_weight_kg: Mapped[float | None] = mapped_column(Float)  # D.3
    serious: Mapped[bool] = mapped_column(Boolean, default=False)  # any E.i.3.2 criterion
    is_new: Mapped[bool] = mapped_column(Boolean, default=False)  # 新的: not in the label
    narrative: Mapped[str] = mapped_column(Text, default="")  # H.1
    source: Mapped[str] = mapped_column(String(20))  # e2b, faers, aers, csv, form, demo
    source_ref: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    quality_score: Mapped[float | None] = mapped_column(Float)
    quality_detail: Mapped[dict[str, Any] | None] = mapped_column()

    drugs: Mapped[list[ReportDrug]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportDrug.seq"
    )
    reactions: Mapped[list[ReportReaction]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportReaction.seq"
    )


class ReportDrug(Base):
    __tablename__ = "pv_report_drug"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("pv_report.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[DrugRole] = mapped_column(enum_column(DrugRole, 2))  # G.k.1
    reported_name: Mapped[str] = mapped_column(String(250), index=True)  # G.k.2.2
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)
    active_substance: Mapped[str | None] = mapped_column(String(250))  # G.k.2.3.r.1
    batch_number: Mapped[str | None] = mapped_column(String(60))  # G.k.4.r.7
    route: Mapped[str | None] = mapped_column(String(60))  # G.k.4.r.10
    dose_text: Mapped[str | None] = mapped_column(String(200))  # G.k.4.r.8
    indication: Mapped[str | None] = mapped_column(String(250))  # G.k.7.r.1

    report: Mapped[Report] = relationship(back_populates="drugs")


class ReportReaction(Base):
    __tablename__ = "pv_report_reaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("pv_report.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    reported_term: Mapped[str] = mapped_column(String(250))  # E.i.1.1a
    coded_term: Mapped[str] = mapped_column(String(250), index=True)  # PT name, or reported
    meddra_code: Mapped[str | None] = mapped_column(String(10))  # E.i.2.1b
    death: Mapped[bool] = mapped_column(Boolean, default=False)  # E.i.3.2a
    life_threatening: Mapped[bool] = mapped_column(Boolean, default=False)  # E.i.3.2b
    hospitalisation: Mapped[bool] = mapped_column(Boolean, default=False)  # E.i.3.2c
    disability: Mapped[bool] = mapped_column(Boolean, default=False)  # E.i.3.2d
    congenital_anomaly: Mapped[bool] = mapped_column(Boolean, default=False)  # E.i.3.2e
    other_serious: Mapped[bool] = mapped_column(Boolean, default=False)  # E.i.3.2f
    outcome: Mapped[str | None] = mapped_column(String(1))  # E.i.7: 0-5
    onset_on: Mapped[dt.date | None] = mapped_column(Date)  # E.i.4

    report: Mapped[Report] = relationship(back_populates="reactions")

    @property
    def is_serious(self) -> bool:
        return any(
            (
                self.death,
                self.life_threatening,
                self.hospitalisation,
                self.disability,
                self.congenital_anomaly,
                self.other_serious,
            )
        )


class AnalysisRun(Base):
    """One run of the disproportionality engine on the platform's own reports."""

    __tablename__ = "pv_analysis_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[ReportCategory] = mapped_column(enum_column(ReportCategory, 16), index=True)
    run_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    reports: Mapped[int] = mapped_column(Integer)
    pairs: Mapped[int] = mapped_column(Integer)
    hyperparameters: Mapped[dict[str, Any]] = mapped_column()  # alpha1, beta1, alpha2, beta2, p
    thresholds: Mapped[dict[str, Any]] = mapped_column()
    triggered_by: Mapped[str] = mapped_column(String(120))


class PairStatistic(Base):
    """The measures of one drug–event pair in one run (pairs with at least one report)."""

    __tablename__ = "pv_pair_statistic"
    __table_args__ = (UniqueConstraint("run_id", "drug", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("pv_analysis_run.id", ondelete="CASCADE"), index=True
    )
    drug: Mapped[str] = mapped_column(String(250), index=True)
    event: Mapped[str] = mapped_column(String(250), index=True)
    n: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
    prr: Mapped[float | None] = mapped_column(Float)
    prr_lower: Mapped[float | None] = mapped_column(Float)
    prr_upper: Mapped[float | None] = mapped_column(Float)
    chi2_yates: Mapped[float | None] = mapped_column(Float)
    ror: Mapped[float | None] = mapped_column(Float)
    ror_lower: Mapped[float | None] = mapped_column(Float)
    ror_upper: Mapped[float | None] = mapped_column(Float)
    ic: Mapped[float | None] = mapped_column(Float)
    ic025: Mapped[float | None] = mapped_column(Float)
    ic975: Mapped[float | None] = mapped_column(Float)
    ebgm: Mapped[float | None] = mapped_column(Float)
    eb05: Mapped[float | None] = mapped_column(Float)
    eb95: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    is_new: Mapped[bool] = mapped_column(Boolean, default=False)  # passed now, not in the last run
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("risk_signal.id"))


class ReviewState(LabelledChoice):
    NEW = ("new", "新信号", "new")
    UNDER_ASSESSMENT = ("under_assessment", "评估中", "under assessment")
    CONFIRMED = ("confirmed", "已确认", "confirmed")
    REFUTED = ("refuted", "已排除", "refuted")
    MONITORED = ("monitored", "持续监测", "monitored")


class SignalReview(Base):
    """The assessor's review of one drug–event pair of a category (one row per pair)."""

    __tablename__ = "pv_signal_review"
    __table_args__ = (UniqueConstraint("category", "drug", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[ReportCategory] = mapped_column(enum_column(ReportCategory, 16))
    drug: Mapped[str] = mapped_column(String(250), index=True)
    event: Mapped[str] = mapped_column(String(250))
    state: Mapped[ReviewState] = mapped_column(
        enum_column(ReviewState, 20), default=ReviewState.NEW, index=True
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("risk_signal.id"))
    first_run_id: Mapped[int | None] = mapped_column(ForeignKey("pv_analysis_run.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")


class TermSynonym(Base):
    """Maps a reported term (any language) to a preferred term when no MedDRA is loaded."""

    __tablename__ = "pv_term_synonym"

    id: Mapped[int] = mapped_column(primary_key=True)
    reported: Mapped[str] = mapped_column(String(250), unique=True)
    preferred: Mapped[str] = mapped_column(String(250))


class MeddraTerm(Base):
    """A user's licensed MedDRA release, loaded from its ASCII files: LLT/PT and their roll-ups."""

    __tablename__ = "pv_meddra_term"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)  # LLT or PT code
    name: Mapped[str] = mapped_column(String(250), index=True)
    level: Mapped[str] = mapped_column(String(4))  # llt, pt
    pt_code: Mapped[str] = mapped_column(String(10), index=True)
    pt_name: Mapped[str] = mapped_column(String(250))
    hlt_name: Mapped[str | None] = mapped_column(String(250))
    hlgt_name: Mapped[str | None] = mapped_column(String(250))
    soc_name: Mapped[str | None] = mapped_column(String(250), index=True)
    release: Mapped[str] = mapped_column(String(20))


# Regulators see reports that occurred in their jurisdiction; an enterprise sees what it reported;
# reports with no Zhejiang region (FAERS, foreign cases) are seen province-wide only.
register_scope(
    Report, ScopeRule(region=Report.region_code, enterprise=Report.reporter_enterprise_id)
)
