"""API shapes of case safety reports, kept apart from the ORM models."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, computed_field

from yaojian.pv.models import DrugRole, ReportCategory, ReporterType, ReportStatus


class ReportDrugRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    role: DrugRole
    reported_name: str
    product_id: int | None
    active_substance: str | None
    batch_number: str | None
    route: str | None
    dose_text: str | None
    indication: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def role_label(self) -> str:
        return self.role.zh


class ReportReactionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    reported_term: str
    coded_term: str
    meddra_code: str | None
    death: bool
    life_threatening: bool
    hospitalisation: bool
    disability: bool
    congenital_anomaly: bool
    other_serious: bool
    outcome: str | None
    onset_on: dt.date | None


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    safety_report_id: str
    version: int
    worldwide_case_id: str | None
    status: ReportStatus
    category: ReportCategory
    report_type: str | None
    reporter_type: ReporterType
    reporter_qualification: str | None
    reporter_enterprise_id: int | None
    sentinel: bool
    region_code: str | None
    country: str | None
    received_on: dt.date | None
    most_recent_on: dt.date | None
    patient_initials: str | None
    patient_age_years: float | None
    patient_sex: str | None
    patient_weight_kg: float | None
    serious: bool
    is_new: bool
    narrative: str
    source: str
    source_ref: str | None
    created_at: dt.datetime
    drugs: list[ReportDrugRead]
    reactions: list[ReportReactionRead]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str:
        return self.status.zh

    @computed_field  # type: ignore[prop-decorator]
    @property
    def category_label(self) -> str:
        return self.category.zh

    @computed_field  # type: ignore[prop-decorator]
    @property
    def reporter_type_label(self) -> str:
        return self.reporter_type.zh


class StoredRead(BaseModel):
    """One message of a submitted batch: the stored (or matching) report and what it was."""

    outcome: str
    outcome_label: str
    report: ReportRead


class IcsrImportRead(BaseModel):
    items: list[StoredRead]
    created: int
    duplicates: int
