"""API shapes of supervisory sampling, kept apart from the ORM models."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from yaojian.registry.choices import EnterpriseKind, ProductCategory
from yaojian.sampling.models import FollowUpStatus, Programme, SampleStatus, SamplingStage


class QuotaIn(BaseModel):
    """A target for a county, for an enterprise kind, or for a kind within a county."""

    region_code: str | None = Field(None, pattern=r"^\d{6}$")
    enterprise_kind: EnterpriseKind | None = None
    target: int = Field(ge=0, le=100_000)


class PlanCreate(BaseModel):
    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=2, max_length=200)
    programme: Programme
    category: ProductCategory = ProductCategory.DRUG
    # The planning authority: the province, a city or a county (defaults to the actor's own).
    region_code: str | None = Field(None, pattern=r"^\d{6}$")
    quotas: list[QuotaIn] = Field(default_factory=list, max_length=500)


class AllocateRequest(BaseModel):
    """Split ``total`` samples over the plan's counties, optionally weighted by risk."""

    total: int = Field(ge=1, le=100_000)
    risk_weighted: bool = True
    enterprise_kinds: list[EnterpriseKind] = Field(default_factory=list)
    # Every county with an enterprise of these kinds gets at least this many; the rest is split.
    minimum_per_county: int = Field(0, ge=0, le=1_000)


class QuotaRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    region_code: str | None
    enterprise_kind: EnterpriseKind | None
    target: int
    weight: float


class PlanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    year: int
    title: str
    programme: Programme
    category: ProductCategory
    region_code: str
    risk_weighted: bool
    created_at: dt.datetime
    created_by: str
    quotas: list[QuotaRead]


class SampleCreate(BaseModel):
    plan_id: int
    batch_id: int
    enterprise_id: int  # the sampled unit (被抽样单位)
    stage: SamplingStage
    sampled_by: str = Field(min_length=1, max_length=120)
    sampled_on: dt.date
    quantity: int = Field(gt=0, le=100_000)
    unit: str = Field("盒", min_length=1, max_length=20)


class LabReceipt(BaseModel):
    lab: str = Field(min_length=2, max_length=200)
    received_on: dt.date


class TestItemIn(BaseModel):
    item: str = Field(min_length=1, max_length=100)
    standard: str = Field("", max_length=300)
    result: str = Field(min_length=1, max_length=300)
    passed: bool


class ResultCreate(BaseModel):
    """The laboratory's report. The conclusion is not entered: it fails if any item fails."""

    report_number: str = Field(min_length=3, max_length=60)
    reported_on: dt.date
    items: list[TestItemIn] = Field(min_length=1, max_length=100)


class TestItemRead(TestItemIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


class FollowUpRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sample_id: int
    region_code: str
    enterprise_id: int
    batch_id: int
    opened_at: dt.datetime
    due_on: dt.date
    status: FollowUpStatus
    note: str
    closed_at: dt.datetime | None
    closed_by: str | None
    lead_kind: str = "sampling"


class FollowUpClose(BaseModel):
    note: str = Field(min_length=2, max_length=2000)


class SampleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sample_number: str
    plan_id: int
    product_id: int
    batch_id: int
    enterprise_id: int
    region_code: str
    stage: SamplingStage
    sampled_by: str
    sampled_on: dt.date
    quantity: int
    unit: str
    essential: bool
    centrally_procured: bool
    status: SampleStatus
    lab: str
    received_on: dt.date | None
    report_number: str | None
    reported_on: dt.date | None
    items: list[TestItemRead]
    follow_up: FollowUpRead | None


class IndicatorRow(BaseModel):
    code: str
    name: str
    tested: int
    passed: int
    failed: int
    pending: int
    pass_rate: float | None
    meets_target: bool | None


class IndicatorRead(BaseModel):
    year: int
    by: str
    strict: bool
    target: float
    rows: list[IndicatorRow]
