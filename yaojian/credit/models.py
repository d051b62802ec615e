"""Tables of credit: grading runs, grades with their explanation, the serious-violation list.

A grade row is written only when an enterprise's grade or score changes (docs/credit.md,
"History"): the current row of each enterprise is the one with ``current`` true, the older rows
are its history. Each row keeps the counts it was computed from and the deductions and overrides
that produced it, so that the grade explains itself years later, whatever the config became.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yaojian.auth.scope import ScopeRule, register_scope
from yaojian.db import Base
from yaojian.kit.choices import LabelledChoice, enum_column
from yaojian.kit.timeutil import utcnow
from yaojian.registry.choices import EnterpriseKind
from yaojian.registry.models import Enterprise


class Grade(LabelledChoice):
    A = ("A", "A级（守信）", "A (trustworthy)")
    B = ("B", "B级（基本守信）", "B (mostly trustworthy)")
    C = ("C", "C级（失信）", "C (untrustworthy)")
    D = ("D", "D级（严重失信）", "D (seriously untrustworthy)")

    @property
    def rank(self) -> int:
        """0 for A … 3 for D: a larger rank is a worse grade."""
        return "ABCD".index(self.value)


class CreditRun(Base):
    """One grading run of the province (``yaojian credit grade`` or the page's button)."""

    __tablename__ = "credit_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    window_start: Mapped[dt.date] = mapped_column(Date)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    run_by: Mapped[str] = mapped_column(String(120))
    graded: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    signals: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    # The config the run used (weights, thresholds), kept whole: grades must stay explainable
    # after the config changes.
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CreditGrade(Base):
    """An enterprise's grade from one run; ``current`` marks the latest of each enterprise."""

    __tablename__ = "credit_grade"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    # Copied from the enterprise at grading time: the scope rule and per-county counts need them
    # without a join.
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    kind: Mapped[EnterpriseKind] = mapped_column(enum_column(EnterpriseKind), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("credit_run.id"), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    score: Mapped[float] = mapped_column(Float)
    grade: Mapped[Grade] = mapped_column(enum_column(Grade, 1), index=True)
    previous_grade: Mapped[Grade | None] = mapped_column(enum_column(Grade, 1))
    current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    inputs: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # [{"input": ..., "count": n, "points": p, "cap": c, "deducted": d}, ...]
    deductions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{"rule": ..., "grade": "D", "reason": ...}, ...]
    overrides: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    enterprise: Mapped[Enterprise] = relationship()
    run: Mapped[CreditRun] = relationship()


class BlacklistEntry(Base):
    """A listing on the serious-violation list (严重违法失信名单) and, later, its removal."""

    __tablename__ = "credit_blacklist"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    # Copied so that the public list searches one table and a renamed enterprise stays listed
    # under the name it was listed with.
    name: Mapped[str] = mapped_column(String(200), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_case.id"))
    reason: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(300))
    listed_on: Mapped[dt.date] = mapped_column(Date, index=True)
    # The earliest day a removal (信用修复) may be granted; the listing's planned end.
    repair_from: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    listed_by: Mapped[str] = mapped_column(String(120))
    removed_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    removal_reason: Mapped[str] = mapped_column(String(1000), default="")
    removed_by: Mapped[str | None] = mapped_column(String(120))

    enterprise: Mapped[Enterprise] = relationship()


def _listed() -> Any:
    return BlacklistEntry.removed_on.is_(None)


# Grades are not published: regulators see their jurisdiction, an enterprise its own grade.
register_scope(
    CreditGrade, ScopeRule(region=CreditGrade.region_code, enterprise=CreditGrade.enterprise_id)
)
# The list is public while an entry stands; a removed entry is the regulators' record only.
register_scope(
    BlacklistEntry,
    ScopeRule(
        region=BlacklistEntry.region_code, enterprise=BlacklistEntry.enterprise_id, public=_listed
    ),
)
# CreditRun has no scope rule: a run is province-wide, carries no enterprise data (dates, counts,
# the config) and is read only through service.latest_run.
