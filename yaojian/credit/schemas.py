"""API shapes of credit: grades with their explanation, blacklist entries in and out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from yaojian.credit.models import Grade
from yaojian.kit.timeutil import today_local
from yaojian.registry.choices import EnterpriseKind


class GradeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    enterprise_id: int
    region_code: str
    kind: EnterpriseKind
    as_of: dt.date
    score: float
    grade: Grade
    previous_grade: Grade | None
    current: bool
    inputs: dict[str, int]
    deductions: list[dict[str, Any]]
    overrides: list[dict[str, Any]]


class BlacklistCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enterprise_id: int
    reason: str = Field(min_length=4, max_length=2000)
    legal_basis: str = Field(min_length=2, max_length=300)
    listed_on: dt.date = Field(default_factory=today_local)
    case_id: int | None = None


class BlacklistRemove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=4, max_length=1000)
    removed_on: dt.date = Field(default_factory=today_local)


class BlacklistPublic(BaseModel):
    """What the public list shows: no person's data, only the enterprise and the listing."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    credit_code: str
    region_code: str
    reason: str
    legal_basis: str
    listed_on: dt.date
    expires_on: dt.date


class BlacklistRead(BlacklistPublic):
    enterprise_id: int
    case_id: int | None
    repair_from: dt.date
    listed_by: str
    removed_on: dt.date | None
    removal_reason: str
