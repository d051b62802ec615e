"""Tables of enforcement: cases, their stage history, evidence files and bans on persons."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yaojian.auth.scope import ScopeRule, register_scope
from yaojian.db import Base
from yaojian.enforcement.choices import (
    BanScope,
    CaseStage,
    ClosureReason,
    DecisionKind,
    LeadKind,
    TransferStatus,
)
from yaojian.kit.choices import enum_column
from yaojian.kit.timeutil import utcnow
from yaojian.registry.models import Enterprise, Person


class Case(Base):
    """An administrative penalty case (行政处罚案件), from the lead to its closure.

    ``region_code`` is the county where the violation happened (地域管辖), which decides who may
    see and handle the case. The decision's fields live on the case: a case has one decision.
    """

    __tablename__ = "enforcement_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    party_name: Mapped[str] = mapped_column(String(200))
    stage: Mapped[CaseStage] = mapped_column(enum_column(CaseStage, 16), index=True)
    # The lead: a generic reference to the module that found it, plus a signal when it was one.
    lead_kind: Mapped[LeadKind] = mapped_column(enum_column(LeadKind, 24))
    lead_ref: Mapped[str] = mapped_column(String(80), default="")
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("risk_signal.id"), index=True)
    summary: Mapped[str] = mapped_column(String(2000))
    discovered_on: Mapped[dt.date] = mapped_column(Date)
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(120))
    # Time limits: how far each clock was extended.
    lead_extensions: Mapped[int] = mapped_column(Integer, default=0)
    decision_extensions: Mapped[int] = mapped_column(Integer, default=0)
    decision_extra_days: Mapped[int] = mapped_column(Integer, default=0)
    filed_on: Mapped[dt.date | None] = mapped_column(Date)
    findings: Mapped[str] = mapped_column(Text, default="")  # 调查终结报告: facts found
    review_opinion: Mapped[str] = mapped_column(Text, default="")  # 法制审核意见
    # The decision (处罚决定)
    decision_number: Mapped[str | None] = mapped_column(String(60), unique=True)
    decided_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    decision_kind: Mapped[DecisionKind | None] = mapped_column(enum_column(DecisionKind, 16))
    violation_code: Mapped[str | None] = mapped_column(String(20))
    legal_basis: Mapped[str] = mapped_column(String(300), default="")
    circumstances: Mapped[list[str]] = mapped_column(JSON, default=list)
    goods_value: Mapped[int | None] = mapped_column(Integer)  # yuan
    recommended: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fine_amount: Mapped[int | None] = mapped_column(Integer)  # yuan
    warning: Mapped[bool] = mapped_column(Boolean, default=False)
    confiscation: Mapped[bool] = mapped_column(Boolean, default=False)
    revocation: Mapped[bool] = mapped_column(Boolean, default=False)
    departure_reason: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    served_on: Mapped[dt.date | None] = mapped_column(Date)
    executed_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    closure_reason: Mapped[ClosureReason | None] = mapped_column(enum_column(ClosureReason, 16))
    # 行刑衔接: transfer to public security
    transfer_status: Mapped[TransferStatus] = mapped_column(
        enum_column(TransferStatus, 16), default=TransferStatus.NONE, index=True
    )
    transferred_on: Mapped[dt.date | None] = mapped_column(Date)
    transfer_unit: Mapped[str] = mapped_column(String(200), default="")
    transfer_reply_on: Mapped[dt.date | None] = mapped_column(Date)
    transfer_note: Mapped[str] = mapped_column(String(1000), default="")

    enterprise: Mapped[Enterprise | None] = relationship()
    events: Mapped[list[CaseEvent]] = relationship(order_by="CaseEvent.id", viewonly=True)
    evidence: Mapped[list[Evidence]] = relationship(order_by="Evidence.id", viewonly=True)
    bans: Mapped[list[PersonBan]] = relationship(order_by="PersonBan.id", viewonly=True)


class CaseEvent(Base):
    """One step of a case's workflow, for its timeline (the audit chain holds the full record)."""

    __tablename__ = "enforcement_case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True
    )
    region_code: Mapped[str] = mapped_column(String(6))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    happened_on: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    from_stage: Mapped[CaseStage | None] = mapped_column(enum_column(CaseStage, 16))
    to_stage: Mapped[CaseStage] = mapped_column(enum_column(CaseStage, 16))
    note: Mapped[str] = mapped_column(String(2000), default="")


class Evidence(Base):
    """An evidence file (电子证据): stored under the var dir by its SHA-256, the hash audited."""

    __tablename__ = "enforcement_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True
    )
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(120))


class PersonBan(Base):
    """A ban on a natural person (处罚到人): no key position in the scope until ``ends_on``."""

    __tablename__ = "enforcement_person_ban"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    scope: Mapped[BanScope] = mapped_column(enum_column(BanScope, 16))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)  # None: for life
    lifetime: Mapped[bool] = mapped_column(Boolean, default=False)
    basis: Mapped[str] = mapped_column(String(300))

    person: Mapped[Person] = relationship(lazy="joined")


def _published() -> Any:
    return Case.published_at.is_not(None)


register_scope(
    Case, ScopeRule(region=Case.region_code, enterprise=Case.enterprise_id, public=_published)
)
# Case files and their history are the regulators' alone: no enterprise column, no public rows.
register_scope(CaseEvent, ScopeRule(region=CaseEvent.region_code))
register_scope(Evidence, ScopeRule(region=Evidence.region_code))
register_scope(PersonBan, ScopeRule(region=PersonBan.region_code))
