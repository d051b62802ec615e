"""API shapes of enforcement, kept apart from the ORM models."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from yaojian.enforcement.choices import (
    BanScope,
    CaseStage,
    ClosureReason,
    DecisionKind,
    LeadKind,
    TransferStatus,
)


class CaseOpen(BaseModel):
    """A lead becomes a case in the 线索核查 stage. The party is an enterprise of the registry,
    or (unlicensed activity) a named party in a county."""

    lead_kind: LeadKind
    lead_ref: str = Field("", max_length=80)
    signal_id: int | None = None
    enterprise_id: int | None = None
    party_name: str = Field("", max_length=200)
    region_code: str | None = Field(None, min_length=6, max_length=6)
    summary: str = Field(min_length=2, max_length=2000)
    discovered_on: dt.date | None = None


class StepNote(BaseModel):
    on: dt.date | None = None
    note: str = Field("", max_length=2000)


class NotFiled(BaseModel):
    on: dt.date | None = None
    note: str = Field(min_length=2, max_length=2000)


class Extension(BaseModel):
    clock: Literal["lead_check", "decision"]
    reason: str = Field(min_length=2, max_length=2000)
    collective_discussion: bool = False
    days: int | None = Field(None, ge=1, le=365)
    on: dt.date | None = None


class Findings(BaseModel):
    findings: str = Field(max_length=20000)
    on: dt.date | None = None


class BanCreate(BaseModel):
    person_id: int
    scope: BanScope = BanScope.DRUG
    years: int | None = Field(None, ge=1, le=50)
    lifetime: bool = False


class DiscretionQuery(BaseModel):
    violation_code: str = Field(max_length=20)
    circumstances: list[str] = Field(default_factory=list, max_length=20)
    goods_value: int | None = Field(None, ge=0)


class DecisionCreate(DiscretionQuery):
    decision_kind: DecisionKind = DecisionKind.PENALTY
    review_opinion: str = Field(max_length=20000)  # 法制审核意见
    fine_amount: int | None = Field(None, ge=0)
    warning: bool = False
    confiscation: bool = False
    revocation: bool = False
    departure_reason: str = Field("", max_length=4000)
    bans: list[BanCreate] = Field(default_factory=list, max_length=20)
    on: dt.date | None = None


class Transfer(BaseModel):
    receiving_unit: str = Field(min_length=2, max_length=200)
    note: str = Field("", max_length=1000)
    on: dt.date | None = None


class TransferReply(BaseModel):
    accepted: bool
    note: str = Field("", max_length=1000)
    on: dt.date | None = None


class RecommendationRead(BaseModel):
    violation_code: str
    violation: str
    basis: str
    band: str
    band_label: str
    serious: bool
    statutory_min: int | None
    statutory_max: int | None
    fine_min: int | None
    fine_max: int | None
    warning: bool
    confiscation: bool
    revocation: bool
    person_ban_years: int | None
    reasons: list[str]


class DeadlineRead(BaseModel):
    clock: str
    label: str
    due_on: dt.date
    days_left: int
    working_days: bool
    level: str


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: dt.datetime
    happened_on: dt.date
    actor: str
    action: str
    from_stage: CaseStage | None
    to_stage: CaseStage
    note: str


class EvidenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    description: str
    uploaded_at: dt.datetime
    uploaded_by: str


class BanRead(BaseModel):
    id: int
    case_id: int
    person_id: int
    person_name: str
    scope: BanScope
    starts_on: dt.date
    ends_on: dt.date | None
    lifetime: bool
    basis: str


class CaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    region_code: str
    enterprise_id: int | None
    party_name: str
    stage: CaseStage
    lead_kind: LeadKind
    lead_ref: str
    signal_id: int | None
    summary: str
    discovered_on: dt.date
    opened_at: dt.datetime
    filed_on: dt.date | None
    findings: str
    review_opinion: str
    decision_number: str | None
    decided_on: dt.date | None
    decision_kind: DecisionKind | None
    violation_code: str | None
    legal_basis: str
    circumstances: list[str]
    goods_value: int | None
    recommended: dict[str, Any] | None
    fine_amount: int | None
    warning: bool
    confiscation: bool
    revocation: bool
    departure_reason: str
    published_at: dt.datetime | None
    served_on: dt.date | None
    executed_on: dt.date | None
    closed_on: dt.date | None
    closure_reason: ClosureReason | None
    transfer_status: TransferStatus
    transferred_on: dt.date | None
    transfer_unit: str
    transfer_reply_on: dt.date | None
    lead_extensions: int
    decision_extensions: int
    decision_extra_days: int
    deadlines: list[DeadlineRead] = Field(default_factory=list)


class DecisionRead(BaseModel):
    """A penalty decision as its party and the public see it (双公示): no case file, no IDs."""

    case_id: int
    decision_number: str
    decided_on: dt.date
    party_name: str
    credit_code: str | None
    legal_representative: str | None
    region_code: str
    violation: str
    legal_basis: str
    penalty: str
    fine_amount: int | None
    banned_persons: list[str]
