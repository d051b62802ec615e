"""API shapes of the registry, kept apart from the ORM models."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from yaojian.registry.choices import (
    EnterpriseKind,
    EnterpriseStatus,
    ExpiryState,
    LicenceStatus,
    LicenceType,
    PositionRole,
    ProductCategory,
    RegionLevel,
    ReleaseStatus,
)


class RegionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    level: RegionLevel
    parent_code: str | None
    population: int | None
    center_lon: float | None
    center_lat: float | None


class EnterpriseCreate(BaseModel):
    credit_code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=2, max_length=200)
    kind: EnterpriseKind
    region_code: str = Field(min_length=6, max_length=6)
    address: str = Field("", max_length=300)
    longitude: float | None = Field(None, ge=73, le=136)
    latitude: float | None = Field(None, ge=3, le=54)
    status: EnterpriseStatus = EnterpriseStatus.ACTIVE


class EnterpriseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    credit_code: str
    name: str
    kind: EnterpriseKind
    region_code: str
    address: str
    longitude: float | None
    latitude: float | None
    status: EnterpriseStatus


class LicenceCreate(BaseModel):
    licence_type: LicenceType
    number: str = Field(min_length=1, max_length=60)
    scope: str = Field("", max_length=500)
    valid_from: dt.date
    valid_to: dt.date
    status: LicenceStatus = LicenceStatus.VALID


class LicenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: int
    licence_type: LicenceType
    number: str
    scope: str
    valid_from: dt.date
    valid_to: dt.date
    status: LicenceStatus
    expiry_state: ExpiryState


class DrugCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    approval_number: str
    dosage_form: str = Field(min_length=1, max_length=40)
    specification: str = ""
    sterile: bool = False
    is_vaccine: bool = False
    is_blood_product: bool = False
    is_narcotic: bool = False
    is_psychotropic: bool = False
    is_radiopharmaceutical: bool = False
    is_toxic: bool = False
    is_precursor: bool = False
    is_essential: bool = False
    is_centrally_procured: bool = False
    gtin: str | None = Field(None, pattern=r"^\d{8,14}$")
    cn_prefix: str | None = Field(None, pattern=r"^\d{7}$")


class DrugProgrammes(BaseModel):
    """The national lists a drug is on; the sampling indicator counts their samples."""

    is_essential: bool
    is_centrally_procured: bool


class DeviceCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    device_class: int = Field(ge=1, le=3)
    registration_number: str
    udi_di: str | None = None
    specification: str = ""
    implantable: bool = False
    sterile: bool = False


class CosmeticCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    filing_number: str
    special_use: bool = False
    for_children: bool = False
    whitening: bool = False


class ProductRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    category: ProductCategory
    name: str
    specification: str
    holder_id: int
    sterile: bool
    approval_number: str | None
    dosage_form: str | None
    is_vaccine: bool
    is_blood_product: bool
    is_narcotic: bool
    is_psychotropic: bool
    is_radiopharmaceutical: bool
    is_toxic: bool
    is_precursor: bool
    is_essential: bool
    is_centrally_procured: bool
    device_class: int | None
    registration_number: str | None
    udi_di: str | None
    implantable: bool
    filing_number: str | None
    gtin: str | None
    cn_prefix: str | None
    special_use: bool
    for_children: bool
    whitening: bool


class BatchCreate(BaseModel):
    product_id: int
    batch_number: str = Field(min_length=1, max_length=40)
    manufactured_on: dt.date
    expires_on: dt.date
    quantity: int = Field(ge=0)
    unit: str = "盒"
    release_status: ReleaseStatus = ReleaseStatus.PENDING


class BatchRead(BatchCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: int
    status_reason: str = ""


class KeyPositionCreate(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    id_number: str
    role: PositionRole
    since: dt.date | None = None


class KeyPositionRead(BaseModel):
    id: int
    enterprise_id: int
    person_id: int
    name: str
    role: PositionRole
    since: dt.date | None
    until: dt.date | None


class EnterpriseDetail(EnterpriseRead):
    licences: list[LicenceRead]
    products: list[ProductRead]
