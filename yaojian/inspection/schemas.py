"""Pydantic shapes of the inspection API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from yaojian.inspection.choices import (
    Conclusion,
    Disposition,
    Domain,
    Employment,
    FindingSeverity,
    InspectorGrade,
    RectificationStatus,
    TeamRole,
    VisitKind,
    VisitStatus,
)


class InspectorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    employment: Employment
    grade: InspectorGrade = InspectorGrade.INSPECTOR
    home_region_code: str = Field(min_length=6, max_length=6)
    qualifications: list[Domain] = Field(min_length=1)
    former_employer_ids: list[int] = Field(default_factory=list)
    capacity: int = Field(default=60, ge=1, le=300)
    unavailable_months: list[int] = Field(default_factory=list)
    user_id: int | None = None


class InspectorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    employment: Employment
    grade: InspectorGrade
    home_region_code: str
    qualifications: list[str]
    former_employer_ids: list[int]
    capacity: int
    unavailable_months: list[int]
    active: bool


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100)
    region_code: str | None = Field(default=None, min_length=6, max_length=6)


class PlanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    year: int
    region_code: str
    created_at: dt.datetime
    created_by: str
    summary: dict[str, Any]
    assignment: dict[str, Any] | None


class TeamMemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    inspector_id: int
    role: TeamRole
    travel_km: float


class VisitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plan_id: int | None
    enterprise_id: int
    region_code: str
    kind: VisitKind
    status: VisitStatus
    planned_on: dt.date
    domains: list[str]
    items: list[dict[str, Any]]
    team_size: int
    reason: str
    conclusion: Conclusion | None
    team: list[TeamMemberRead]


class FindingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_code: str = Field(default="", max_length=40)
    clause: str = Field(min_length=1, max_length=300)
    severity: FindingSeverity
    description: str = Field(min_length=1, max_length=2000)


class FindingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    visit_id: int
    enterprise_id: int
    item_code: str
    clause: str
    severity: FindingSeverity
    description: str
    disposition: Disposition


class ConclusionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conclusion: Conclusion
    note: str = Field(default="", max_length=2000)


class RectificationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requirements: str = Field(min_length=1, max_length=2000)
    deadline: dt.date


class EvidenceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evidence: str = Field(min_length=1, max_length=4000)


class VerificationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accepted: bool
    note: str = Field(default="", max_length=2000)


class DispositionSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    disposition: Disposition


class RectificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    visit_id: int
    enterprise_id: int
    requirements: str
    deadline: dt.date
    status: RectificationStatus
    evidence: str
    submitted_at: dt.datetime | None
    verification_note: str
    verified_at: dt.datetime | None
