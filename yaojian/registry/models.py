"""Tables of the registry. Enterprises hang off a county; the rest hangs off an enterprise."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yaojian.db import Base
from yaojian.kit.choices import enum_column
from yaojian.kit.timeutil import utcnow
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

EXPIRY_WARNING_DAYS = 30


class Region(Base):
    """A GB/T 2260 division. Codes nest by prefix: 330000 ⊃ 330100 ⊃ 330106."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel, 16))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    center_lon: Mapped[float | None] = mapped_column(Float)
    center_lat: Mapped[float | None] = mapped_column(Float)

    @property
    def jurisdiction_prefix(self) -> str:
        """The code prefix shared by this region and everything below it."""
        if self.level is RegionLevel.PROVINCE:
            return self.code[:2]
        if self.level is RegionLevel.CITY:
            return self.code[:4]
        return self.code


class Enterprise(Base):
    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[EnterpriseKind] = mapped_column(enum_column(EnterpriseKind), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    status: Mapped[EnterpriseStatus] = mapped_column(
        enum_column(EnterpriseStatus), default=EnterpriseStatus.ACTIVE
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship(lazy="joined")
    licences: Mapped[list[Licence]] = relationship(
        back_populates="enterprise", order_by="Licence.valid_to"
    )


class Licence(Base):
    __tablename__ = "licence"
    __table_args__ = (
        UniqueConstraint("licence_type", "number"),
        CheckConstraint("valid_from <= valid_to", name="valid_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    licence_type: Mapped[LicenceType] = mapped_column(enum_column(LicenceType))
    number: Mapped[str] = mapped_column(String(60))
    scope: Mapped[str] = mapped_column(String(500), default="")
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[LicenceStatus] = mapped_column(
        enum_column(LicenceStatus), default=LicenceStatus.VALID
    )

    enterprise: Mapped[Enterprise] = relationship(back_populates="licences")

    def expiry_state(self, today: dt.date) -> ExpiryState:
        if today < self.valid_from:
            return ExpiryState.NOT_YET_VALID
        if today > self.valid_to:
            return ExpiryState.EXPIRED
        if (self.valid_to - today).days <= EXPIRY_WARNING_DAYS:
            return ExpiryState.EXPIRING
        return ExpiryState.CURRENT


class Product(Base):
    """Drugs, devices and cosmetics in one table (single-table inheritance on ``category``).

    ``holder_id`` is the marketing authorisation holder (药品上市许可持有人), the device
    registrant/filer (注册人/备案人) or the cosmetics registrant/filer (注册人/备案人).
    """

    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint("device_class IS NULL OR device_class IN (1, 2, 3)", name="device_class"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[ProductCategory] = mapped_column(enum_column(ProductCategory, 16), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    specification: Mapped[str] = mapped_column(String(200), default="")
    holder_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    sterile: Mapped[bool] = mapped_column(Boolean, default=False)

    # drugs
    approval_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    dosage_form: Mapped[str | None] = mapped_column(String(40))
    is_vaccine: Mapped[bool] = mapped_column(Boolean, default=False)
    is_blood_product: Mapped[bool] = mapped_column(Boolean, default=False)
    is_narcotic: Mapped[bool] = mapped_column(Boolean, default=False)
    is_psychotropic: Mapped[bool] = mapped_column(Boolean, default=False)
    is_radiopharmaceutical: Mapped[bool] = mapped_column(Boolean, default=False)
    is_toxic: Mapped[bool] = mapped_column(Boolean, default=False)  # 医疗用毒性药品
    is_precursor: Mapped[bool] = mapped_column(Boolean, default=False)  # 药品类易制毒化学品
    is_essential: Mapped[bool] = mapped_column(Boolean, default=False)
    is_centrally_procured: Mapped[bool] = mapped_column(Boolean, default=False)

    # devices
    device_class: Mapped[int | None] = mapped_column(Integer)
    registration_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    udi_di: Mapped[str | None] = mapped_column(String(40), unique=True)
    # Pack identifiers that traceability codes carry: a GS1 GTIN (any packaging level) and
    # China's 7-digit 药品标识码, the prefix of the 20-digit drug traceability code.
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    cn_prefix: Mapped[str | None] = mapped_column(String(7), index=True)
    implantable: Mapped[bool] = mapped_column(Boolean, default=False)

    # cosmetics
    filing_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    special_use: Mapped[bool] = mapped_column(Boolean, default=False)
    for_children: Mapped[bool] = mapped_column(Boolean, default=False)
    whitening: Mapped[bool] = mapped_column(Boolean, default=False)

    holder: Mapped[Enterprise] = relationship()

    __mapper_args__ = {"polymorphic_on": "category"}  # noqa: RUF012


class Drug(Product):
    __mapper_args__ = {"polymorphic_identity": ProductCategory.DRUG}  # noqa: RUF012


class Device(Product):
    __mapper_args__ = {"polymorphic_identity": ProductCategory.DEVICE}  # noqa: RUF012


class Cosmetic(Product):
    __mapper_args__ = {"polymorphic_identity": ProductCategory.COSMETIC}  # noqa: RUF012


class Batch(Base):
    __tablename__ = "batch"
    __table_args__ = (
        UniqueConstraint("product_id", "batch_number"),
        CheckConstraint("quantity >= 0", name="quantity"),
        CheckConstraint("manufactured_on <= expires_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    # Who made the batch; normally the holder, or a contract manufacturer (委托生产).
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    batch_number: Mapped[str] = mapped_column(String(40))
    manufactured_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date, index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(20), default="盒")
    release_status: Mapped[ReleaseStatus] = mapped_column(
        enum_column(ReleaseStatus), default=ReleaseStatus.PENDING
    )
    # Why the batch is under control (控制中), in words the public verify page may show.
    status_reason: Mapped[str] = mapped_column(String(300), default="")

    product: Mapped[Product] = relationship()


class Person(Base):
    """A natural person, identified by resident ID number so that bans follow the person."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)


class KeyPosition(Base):
    """A person holding a key position (法定代表人, 质量负责人, …) at an enterprise."""

    __tablename__ = "key_position"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[PositionRole] = mapped_column(enum_column(PositionRole))
    since: Mapped[dt.date | None] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(lazy="joined")
