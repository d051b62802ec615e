"""Registry services: every read is scoped, every write is authorised and audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor, jurisdiction_prefix
from yaojian.auth.permissions import Action, authorize
from yaojian.auth.scope import get_visible, scoped, within_region
from yaojian.enforcement.bans import refuse_if_banned
from yaojian.kit.errors import Conflict, InvalidInput
from yaojian.kit.pagination import PageParams, paginate
from yaojian.kit.timeutil import today_local
from yaojian.registry import identifiers
from yaojian.registry.choices import EnterpriseKind, RegionLevel, ReleaseStatus
from yaojian.registry.models import (
    Batch,
    Cosmetic,
    Device,
    Drug,
    Enterprise,
    KeyPosition,
    Licence,
    Person,
    Product,
    Region,
)
from yaojian.registry.schemas import (
    BatchCreate,
    CosmeticCreate,
    DeviceCreate,
    DrugCreate,
    DrugProgrammes,
    EnterpriseCreate,
    KeyPositionCreate,
    LicenceCreate,
    LicenceRead,
)

# ---------------------------------------------------------------- regions


def list_regions(session: Session, actor: Actor) -> list[Region]:
    return list(session.scalars(scoped(select(Region).order_by(Region.code), actor, Region)))


def require_region(session: Session, code: str, field: str = "region_code") -> Region:
    region = session.get(Region, code)
    if region is None:
        raise InvalidInput(field, f"{code} is not a GB/T 2260 region code of this province")
    return region


def require_county(session: Session, code: str, field: str = "region_code") -> Region:
    region = require_region(session, code, field)
    if region.level is not RegionLevel.COUNTY:
        raise InvalidInput(field, f"{code} is a {region.level.value}; enterprises sit in a county")
    return region


# ---------------------------------------------------------------- enterprises


def create_enterprise(session: Session, actor: Actor, data: EnterpriseCreate) -> Enterprise:
    credit_code = identifiers.credit_code(data.credit_code)
    require_county(session, data.region_code)
    authorize(actor, Action.REGISTRY_WRITE, data.region_code)
    if session.scalar(select(Enterprise.id).where(Enterprise.credit_code == credit_code)):
        raise Conflict(f"an enterprise with credit code {credit_code} exists", "credit_code")
    enterprise = Enterprise(**data.model_dump() | {"credit_code": credit_code})
    session.add(enterprise)
    session.flush()
    record(
        session, actor, "enterprise.create", "enterprise", enterprise.id, None, snapshot(enterprise)
    )
    return enterprise


def enterprise_query(
    actor: Actor,
    *,
    region_code: str | None = None,
    kind: EnterpriseKind | None = None,
    q: str | None = None,
) -> Select[Any]:
    stmt = select(Enterprise).order_by(Enterprise.region_code, Enterprise.name, Enterprise.id)
    if region_code:
        stmt = stmt.where(within_region(Enterprise.region_code, jurisdiction_prefix(region_code)))
    if kind:
        stmt = stmt.where(Enterprise.kind == kind)
    if q:
        term = q.strip()
        stmt = stmt.where(
            or_(
                Enterprise.name.contains(term, autoescape=True),
                Enterprise.credit_code == term.upper(),
            )
        )
    return scoped(stmt, actor, Enterprise)


def list_enterprises(
    session: Session,
    actor: Actor,
    params: PageParams,
    *,
    region_code: str | None = None,
    kind: EnterpriseKind | None = None,
    q: str | None = None,
) -> tuple[list[Enterprise], int]:
    if region_code:
        require_region(session, region_code)
    return paginate(
        session, enterprise_query(actor, region_code=region_code, kind=kind, q=q), params
    )


def get_enterprise(session: Session, actor: Actor, enterprise_id: int) -> Enterprise:
    return get_visible(session, actor, Enterprise, enterprise_id, "enterprise")


def enterprise_counts(session: Session, actor: Actor, level: RegionLevel) -> dict[str, int]:
    """Enterprises the actor can see, counted per city (or per county)."""
    width = 4 if level is RegionLevel.CITY else 6
    prefix = func.substr(Enterprise.region_code, 1, width)
    stmt = scoped(select(prefix, func.count()).group_by(prefix), actor, Enterprise)
    pad = "00" if width == 4 else ""
    return {code + pad: count for code, count in session.execute(stmt)}


# ---------------------------------------------------------------- licences


def licence_read(licence: Licence, today: dt.date | None = None) -> LicenceRead:
    state = licence.expiry_state(today or today_local())
    return LicenceRead.model_validate(
        {**snapshot(licence), "expiry_state": state, "enterprise_id": licence.enterprise_id}
    )


def add_licence(session: Session, actor: Actor, enterprise_id: int, data: LicenceCreate) -> Licence:
    enterprise = get_enterprise(session, actor, enterprise_id)
    authorize(actor, Action.REGISTRY_WRITE, enterprise.region_code)
    if data.valid_to < data.valid_from:
        raise InvalidInput("valid_to", "the licence ends before it starts")
    duplicate = select(Licence.id).where(
        Licence.licence_type == data.licence_type, Licence.number == data.number
    )
    if session.scalar(duplicate):
        raise Conflict(f"licence {data.number} is already registered", "number")
    licence = Licence(enterprise_id=enterprise.id, **data.model_dump())
    session.add(licence)
    session.flush()
    record(session, actor, "licence.create", "licence", licence.id, None, snapshot(licence))
    return licence


def list_licences(session: Session, actor: Actor, enterprise_id: int) -> list[Licence]:
    stmt = select(Licence).where(Licence.enterprise_id == enterprise_id).order_by(Licence.valid_to)
    return list(session.scalars(scoped(stmt, actor, Licence)))


# ---------------------------------------------------------------- products


def _add_product(
    session: Session, actor: Actor, product: Product, unique: dict[str, str]
) -> Product:
    holder = get_enterprise(session, actor, product.holder_id)
    authorize(actor, Action.REGISTRY_WRITE, holder.region_code)
    for field, value in unique.items():
        if session.scalar(select(Product.id).where(getattr(Product, field) == value)):
            raise Conflict(f"{value} is already registered", field)
    session.add(product)
    session.flush()
    record(session, actor, "product.create", "product", product.id, None, snapshot(product))
    return product


def add_drug(session: Session, actor: Actor, holder_id: int, data: DrugCreate) -> Drug:
    approval = identifiers.approval_number(data.approval_number)
    gtin = identifiers.gtin(data.gtin) if data.gtin else None
    drug = Drug(
        holder_id=holder_id, **data.model_dump() | {"approval_number": approval, "gtin": gtin}
    )
    _add_product(session, actor, drug, {"approval_number": approval})
    return drug


def add_device(session: Session, actor: Actor, holder_id: int, data: DeviceCreate) -> Device:
    number = identifiers.device_registration(data.registration_number, data.device_class)
    udi = identifiers.udi_di(data.udi_di) if data.udi_di else None
    device = Device(
        holder_id=holder_id, **data.model_dump() | {"registration_number": number, "udi_di": udi}
    )
    unique = {"registration_number": number} | ({"udi_di": udi} if udi else {})
    _add_product(session, actor, device, unique)
    return device


def add_cosmetic(session: Session, actor: Actor, holder_id: int, data: CosmeticCreate) -> Cosmetic:
    number = identifiers.cosmetic_number(data.filing_number, data.special_use)
    cosmetic = Cosmetic(holder_id=holder_id, **data.model_dump() | {"filing_number": number})
    _add_product(session, actor, cosmetic, {"filing_number": number})
    return cosmetic


def list_products(session: Session, actor: Actor, holder_id: int) -> list[Product]:
    stmt = (
        select(Product)
        .where(Product.holder_id == holder_id)
        .order_by(Product.category, Product.name)
    )
    return list(session.scalars(scoped(stmt, actor, Product)))


def get_product(session: Session, actor: Actor, product_id: int) -> Product:
    return get_visible(session, actor, Product, product_id, "product")


# ---------------------------------------------------------------- batches


def add_batch(session: Session, actor: Actor, manufacturer_id: int, data: BatchCreate) -> Batch:
    product = get_product(session, actor, data.product_id)
    manufacturer = get_enterprise(session, actor, manufacturer_id)
    authorize(actor, Action.REGISTRY_WRITE, manufacturer.region_code)
    if data.expires_on < data.manufactured_on:
        raise InvalidInput("expires_on", "a batch cannot expire before it is made")
    duplicate = select(Batch.id).where(
        Batch.product_id == product.id, Batch.batch_number == data.batch_number
    )
    if session.scalar(duplicate):
        raise Conflict(f"batch {data.batch_number} of this product exists", "batch_number")
    batch = Batch(enterprise_id=manufacturer.id, **data.model_dump())
    session.add(batch)
    session.flush()
    record(session, actor, "batch.create", "batch", batch.id, None, snapshot(batch))
    return batch


def list_batches(session: Session, actor: Actor, product_id: int) -> list[Batch]:
    stmt = (
        select(Batch).where(Batch.product_id == product_id).order_by(Batch.manufactured_on.desc())
    )
    return list(session.scalars(scoped(stmt, actor, Batch)))


# ---------------------------------------------------------------- persons in key positions


def appoint(
    session: Session, actor: Actor, enterprise_id: int, data: KeyPositionCreate
) -> KeyPosition:
    """Name a person to a key position; the person is found by ID number or created."""
    id_number = identifiers.resident_id(data.id_number)
    enterprise = get_enterprise(session, actor, enterprise_id)
    authorize(actor, Action.REGISTRY_WRITE, enterprise.region_code)
    person = session.scalars(select(Person).where(Person.id_number == id_number)).first()
    if person is not None:  # a ban follows the person (处罚到人): 409 naming it
        refuse_if_banned(
            session, person.id, enterprise.kind, max(data.since or today_local(), today_local())
        )
    if person is None:
        person = Person(name=data.name, id_number=id_number)
        session.add(person)
        session.flush()
        record(session, actor, "person.create", "person", person.id, None, snapshot(person))
    position = KeyPosition(
        enterprise_id=enterprise.id, person_id=person.id, role=data.role, since=data.since
    )
    session.add(position)
    session.flush()
    record(
        session, actor, "position.appoint", "key_position", position.id, None, snapshot(position)
    )
    return position


def list_positions(session: Session, actor: Actor, enterprise_id: int) -> list[KeyPosition]:
    stmt = select(KeyPosition).where(
        KeyPosition.enterprise_id == enterprise_id, KeyPosition.until.is_(None)
    )
    return list(session.scalars(scoped(stmt, actor, KeyPosition)))


# ---------------------------------------------------------------- control measures and lists


def quarantine_batch(
    session: Session, actor: Actor, batch_id: int, reason: str, *, region_code: str
) -> Batch:
    """Put a batch under control (控制中) with a reason the public verify page shows.

    ``region_code`` is the county where the measure is taken (where the failing pack was
    found), not the maker's: a batch made elsewhere is controlled wherever it is found, so the
    batch is loaded by id rather than through the maker's jurisdiction. A recalled batch stays
    recalled (the stronger measure).
    """
    authorize(actor, Action.BATCH_QUARANTINE, region_code)
    if not reason.strip():
        raise InvalidInput("reason", "say why the batch is put under control")
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise InvalidInput("batch_id", f"batch {batch_id} is not in the registry")
    if batch.release_status is ReleaseStatus.RECALLED:
        return batch
    before = snapshot(batch)
    batch.release_status = ReleaseStatus.QUARANTINED
    batch.status_reason = reason.strip()[:300]
    session.flush()
    record(session, actor, "batch.quarantine", "batch", batch.id, before, snapshot(batch))
    return batch


def set_drug_programmes(
    session: Session, actor: Actor, product_id: int, data: DrugProgrammes
) -> Product:
    """Mark a drug as on the essential medicines list (国家基本药物目录) and/or centrally
    procured (国家组织药品集中采购中选品种); both lists change from year to year."""
    authorize(actor, Action.PRODUCT_PROGRAMMES)
    product = get_product(session, actor, product_id)
    if not isinstance(product, Drug):
        raise InvalidInput("product_id", "only drugs are on these lists")
    before = snapshot(product)
    product.is_essential = data.is_essential
    product.is_centrally_procured = data.is_centrally_procured
    session.flush()
    record(session, actor, "product.programmes", "product", product.id, before, snapshot(product))
    return product
