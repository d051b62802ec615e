"""The RiskSignal table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from yaojian.auth.scope import ScopeRule, register_scope
from yaojian.db import Base
from yaojian.kit.choices import LabelledChoice, enum_column


class SubjectType(LabelledChoice):
    ENTERPRISE = ("enterprise", "企业", "enterprise")
    PRODUCT = ("product", "产品", "product")
    BATCH = ("batch", "批次", "batch")
    CODE = ("code", "追溯码", "code")


class SignalStatus(LabelledChoice):
    OPEN = ("open", "待研判", "open")
    ACKNOWLEDGED = ("acknowledged", "研判中", "acknowledged")
    DISMISSED = ("dismissed", "已排除", "dismissed")
    CLOSED = ("closed", "已处置", "closed")


class Severity(LabelledChoice):
    """1 = low … 4 = critical, so that severities can be compared and summed."""

    LOW = ("1", "低", "low")
    MEDIUM = ("2", "中", "medium")
    HIGH = ("3", "高", "high")
    CRITICAL = ("4", "严重", "critical")


class RiskSignal(Base):
    """A finding of a detector. ``dedupe_key`` makes the same finding reported twice one signal."""

    __tablename__ = "risk_signal"
    __table_args__ = (CheckConstraint("severity BETWEEN 1 AND 4", name="severity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    subject_type: Mapped[SubjectType] = mapped_column(enum_column(SubjectType, 16))
    subject_id: Mapped[str] = mapped_column(String(80))
    # Who and where the signal concerns, so that it is scoped and routed to a jurisdiction.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    severity: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    evidence: Mapped[dict[str, Any]] = mapped_column()
    detected_at: Mapped[dt.datetime] = mapped_column(index=True)
    last_detected_at: Mapped[dt.datetime] = mapped_column()
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[SignalStatus] = mapped_column(
        enum_column(SignalStatus, 16), default=SignalStatus.OPEN, index=True
    )
    status_note: Mapped[str] = mapped_column(String(1000), default="")


register_scope(
    RiskSignal, ScopeRule(region=RiskSignal.region_code, enterprise=RiskSignal.enterprise_id)
)
