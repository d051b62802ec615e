"""Tables of inspections: the inspector pool, plans, visits, teams, findings, rectifications.

Who sees what is registered here with the scope system: regulators by the county of the row,
an inspector only the visits they are on (and what hangs off them), an enterprise only its
own findings and rectification orders — never a visit, so an unannounced visit stays so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yaojian.auth.actor import Actor
from yaojian.auth.scope import ScopeRule, register_scope
from yaojian.db import Base
from yaojian.inspection.choices import (
    Conclusion,
    Disposition,
    Employment,
    FindingSeverity,
    InspectorGrade,
    RectificationStatus,
    TeamRole,
    VisitKind,
    VisitStatus,
)
from yaojian.kit.choices import enum_column
from yaojian.kit.timeutil import utcnow
from yaojian.registry.models import Enterprise, Region


class Inspector(Base):
    """A member of the inspector pool. ``former_employer_ids`` and the home county drive 回避."""

    __tablename__ = "inspector"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    employment: Mapped[Employment] = mapped_column(enum_column(Employment, 16))
    grade: Mapped[InspectorGrade] = mapped_column(enum_column(InspectorGrade, 16))
    home_region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    qualifications: Mapped[list[str]] = mapped_column(JSON)
    former_employer_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Visits a year this inspector can take on (part-timers and contractors fewer).
    capacity: Mapped[int] = mapped_column(Integer)
    unavailable_months: Mapped[list[int]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    home_region: Mapped[Region] = relationship(lazy="joined")


class InspectionPlan(Base):
    """One jurisdiction's plan for one year; ``region_code`` is the planning regulator's region."""

    __tablename__ = "inspection_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    summary: Mapped[dict[str, Any]] = mapped_column()
    assignment: Mapped[dict[str, Any] | None] = mapped_column()
    assigned_at: Mapped[dt.datetime | None] = mapped_column()

    region: Mapped[Region] = relationship(lazy="joined")


class InspectionVisit(Base):
    """One visit to one enterprise; ``items`` are every rule due there, merged (综合查一次)."""

    __tablename__ = "inspection_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_plan.id", ondelete="CASCADE"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    kind: Mapped[VisitKind] = mapped_column(enum_column(VisitKind, 16), index=True)
    status: Mapped[VisitStatus] = mapped_column(
        enum_column(VisitStatus, 16), default=VisitStatus.PLANNED, index=True
    )
    planned_on: Mapped[dt.date] = mapped_column(Date, index=True)
    domains: Mapped[list[str]] = mapped_column(JSON)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    team_size: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500), default="")
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("risk_signal.id"))
    travel_km: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[dt.datetime | None] = mapped_column()
    concluded_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    conclusion: Mapped[Conclusion | None] = mapped_column(enum_column(Conclusion, 16))
    conclusion_note: Mapped[str] = mapped_column(String(2000), default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column()

    enterprise: Mapped[Enterprise] = relationship(lazy="joined")
    team: Mapped[list[TeamMember]] = relationship(
        back_populates="visit", order_by="TeamMember.role", cascade="all, delete-orphan"
    )


class TeamMember(Base):
    __tablename__ = "inspection_team_member"
    __table_args__ = (UniqueConstraint("visit_id", "inspector_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_visit.id", ondelete="CASCADE"), index=True
    )
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspector.id"), index=True)
    role: Mapped[TeamRole] = mapped_column(enum_column(TeamRole, 16))
    # The visit's county, copied so that the team is scoped like the visit.
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    travel_km: Mapped[float] = mapped_column(Float, default=0.0)

    visit: Mapped[InspectionVisit] = relationship(back_populates="team")
    inspector: Mapped[Inspector] = relationship(lazy="joined")


class Finding(Base):
    """A defect found on a visit. Its id is what an enforcement case cites as its lead."""

    __tablename__ = "inspection_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_visit.id", ondelete="CASCADE"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    item_code: Mapped[str] = mapped_column(String(40), default="")
    clause: Mapped[str] = mapped_column(String(300))
    severity: Mapped[FindingSeverity] = mapped_column(enum_column(FindingSeverity, 16))
    description: Mapped[str] = mapped_column(String(2000))
    disposition: Mapped[Disposition] = mapped_column(
        enum_column(Disposition, 16), default=Disposition.NONE
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))


class Rectification(Base):
    """The rectification order of a visit, the enterprise's evidence and its verification."""

    __tablename__ = "inspection_rectification"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_visit.id", ondelete="CASCADE"), unique=True
    )
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    requirements: Mapped[str] = mapped_column(String(2000))
    deadline: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[RectificationStatus] = mapped_column(
        enum_column(RectificationStatus, 16), default=RectificationStatus.ISSUED
    )
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(120))
    evidence: Mapped[str] = mapped_column(String(4000), default="")
    submitted_at: Mapped[dt.datetime | None] = mapped_column()
    submitted_by: Mapped[str] = mapped_column(String(120), default="")
    verification_note: Mapped[str] = mapped_column(String(2000), default="")
    verified_at: Mapped[dt.datetime | None] = mapped_column()
    verified_by: Mapped[str] = mapped_column(String(120), default="")

    visit: Mapped[InspectionVisit] = relationship()


def _my_visits(actor: Actor) -> Any:
    return (
        select(TeamMember.visit_id)
        .join(Inspector, Inspector.id == TeamMember.inspector_id)
        .where(Inspector.user_id == actor.user_id)
    )


def _nothing(actor: Actor) -> ColumnElement[bool]:
    return false()


register_scope(
    Inspector,
    ScopeRule(region=Inspector.home_region_code, assigned=lambda a: Inspector.user_id == a.user_id),
)
register_scope(InspectionPlan, ScopeRule(region=InspectionPlan.region_code, assigned=_nothing))
register_scope(
    InspectionVisit,
    ScopeRule(
        region=InspectionVisit.region_code, assigned=lambda a: InspectionVisit.id.in_(_my_visits(a))
    ),
)
register_scope(
    TeamMember,
    ScopeRule(
        region=TeamMember.region_code, assigned=lambda a: TeamMember.visit_id.in_(_my_visits(a))
    ),
)
register_scope(
    Finding,
    ScopeRule(
        region=Finding.region_code,
        enterprise=Finding.enterprise_id,
        assigned=lambda a: Finding.visit_id.in_(_my_visits(a)),
    ),
)
register_scope(
    Rectification,
    ScopeRule(
        region=Rectification.region_code,
        enterprise=Rectification.enterprise_id,
        assigned=lambda a: Rectification.visit_id.in_(_my_visits(a)),
    ),
)
