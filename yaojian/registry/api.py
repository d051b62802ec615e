"""JSON API of the registry. Routes only parse, call one service and shape the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from yaojian.kit.pagination import Page, PageParams
from yaojian.registry import service
from yaojian.registry.choices import EnterpriseKind
from yaojian.registry.models import KeyPosition
from yaojian.registry.schemas import (
    BatchCreate,
    BatchRead,
    CosmeticCreate,
    DeviceCreate,
    DrugCreate,
    DrugProgrammes,
    EnterpriseCreate,
    EnterpriseDetail,
    EnterpriseRead,
    KeyPositionCreate,
    KeyPositionRead,
    LicenceCreate,
    LicenceRead,
    ProductRead,
    RegionRead,
)
from yaojian.web.deps import ActorDep, LoggedInDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["registry"])


def _position_read(position: KeyPosition) -> KeyPositionRead:
    return KeyPositionRead(
        id=position.id,
        enterprise_id=position.enterprise_id,
        person_id=position.person_id,
        name=position.person.name,
        role=position.role,
        since=position.since,
        until=position.until,
    )


@router.get("/regions", response_model=list[RegionRead])
def list_regions(session: SessionDep, actor: ActorDep) -> list[RegionRead]:
    return [RegionRead.model_validate(r) for r in service.list_regions(session, actor)]


@router.get("/enterprises", response_model=Page[EnterpriseRead])
def list_enterprises(
    session: SessionDep,
    actor: ActorDep,
    region_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    kind: EnterpriseKind | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[EnterpriseRead]:
    params = PageParams(page=page, page_size=page_size)
    rows, total = service.list_enterprises(
        session, actor, params, region_code=region_code, kind=kind, q=q
    )
    items = [EnterpriseRead.model_validate(e) for e in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.post("/enterprises", response_model=EnterpriseRead, status_code=status.HTTP_201_CREATED)
def create_enterprise(
    session: SessionDep, actor: LoggedInDep, data: EnterpriseCreate
) -> EnterpriseRead:
    return EnterpriseRead.model_validate(service.create_enterprise(session, actor, data))


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseDetail)
def get_enterprise(session: SessionDep, actor: ActorDep, enterprise_id: int) -> EnterpriseDetail:
    enterprise = service.get_enterprise(session, actor, enterprise_id)
    licences = [
        service.licence_read(lic) for lic in service.list_licences(session, actor, enterprise.id)
    ]
    products = [
        ProductRead.model_validate(p) for p in service.list_products(session, actor, enterprise.id)
    ]
    base = EnterpriseRead.model_validate(enterprise).model_dump()
    return EnterpriseDetail(**base, licences=licences, products=products)


@router.get("/enterprises/{enterprise_id}/licences", response_model=list[LicenceRead])
def list_licences(session: SessionDep, actor: ActorDep, enterprise_id: int) -> list[LicenceRead]:
    enterprise = service.get_enterprise(session, actor, enterprise_id)
    return [
        service.licence_read(lic) for lic in service.list_licences(session, actor, enterprise.id)
    ]


@router.post(
    "/enterprises/{enterprise_id}/licences",
    response_model=LicenceRead,
    status_code=status.HTTP_201_CREATED,
)
def add_licence(
    session: SessionDep, actor: LoggedInDep, enterprise_id: int, data: LicenceCreate
) -> LicenceRead:
    return service.licence_read(service.add_licence(session, actor, enterprise_id, data))


@router.get("/enterprises/{enterprise_id}/products", response_model=list[ProductRead])
def list_products(session: SessionDep, actor: ActorDep, enterprise_id: int) -> list[ProductRead]:
    enterprise = service.get_enterprise(session, actor, enterprise_id)
    return [
        ProductRead.model_validate(p) for p in service.list_products(session, actor, enterprise.id)
    ]


@router.post(
    "/enterprises/{enterprise_id}/drugs",
    response_model=ProductRead,
    status_code=status.HTTP_201_CREATED,
)
def add_drug(
    session: SessionDep, actor: LoggedInDep, enterprise_id: int, data: DrugCreate
) -> ProductRead:
    return ProductRead.model_validate(service.add_drug(session, actor, enterprise_id, data))


@router.post(
    "/enterprises/{enterprise_id}/devices",
    response_model=ProductRead,
    status_code=status.HTTP_201_CREATED,
)
def add_device(
    session: SessionDep, actor: LoggedInDep, enterprise_id: int, data: DeviceCreate
) -> ProductRead:
    return ProductRead.model_validate(service.add_device(session, actor, enterprise_id, data))


@router.post(
    "/enterprises/{enterprise_id}/cosmetics",
    response_model=ProductRead,
    status_code=status.HTTP_201_CREATED,
)
def add_cosmetic(
    session: SessionDep, actor: LoggedInDep, enterprise_id: int, data: CosmeticCreate
) -> ProductRead:
    return ProductRead.model_validate(service.add_cosmetic(session, actor, enterprise_id, data))


@router.get("/enterprises/{enterprise_id}/positions", response_model=list[KeyPositionRead])
def list_positions(
    session: SessionDep, actor: ActorDep, enterprise_id: int
) -> list[KeyPositionRead]:
    enterprise = service.get_enterprise(session, actor, enterprise_id)
    return [_position_read(p) for p in service.list_positions(session, actor, enterprise.id)]


@router.post(
    "/enterprises/{enterprise_id}/positions",
    response_model=KeyPositionRead,
    status_code=status.HTTP_201_CREATED,
)
def appoint(
    session: SessionDep, actor: LoggedInDep, enterprise_id: int, data: KeyPositionCreate
) -> KeyPositionRead:
    return _position_read(service.appoint(session, actor, enterprise_id, data))


@router.get("/products/{product_id}", response_model=ProductRead)
def get_product(session: SessionDep, actor: ActorDep, product_id: int) -> ProductRead:
    return ProductRead.model_validate(service.get_product(session, actor, product_id))


@router.get("/products/{product_id}/batches", response_model=list[BatchRead])
def list_batches(session: SessionDep, actor: LoggedInDep, product_id: int) -> list[BatchRead]:
    product = service.get_product(session, actor, product_id)
    return [BatchRead.model_validate(b) for b in service.list_batches(session, actor, product.id)]


@router.post(
    "/enterprises/{enterprise_id}/batches",
    response_model=BatchRead,
    status_code=status.HTTP_201_CREATED,
)
def add_batch(
    session: SessionDep, actor: LoggedInDep, enterprise_id: int, data: BatchCreate
) -> BatchRead:
    return BatchRead.model_validate(service.add_batch(session, actor, enterprise_id, data))


@router.put("/products/{product_id}/programmes", response_model=ProductRead)
def set_drug_programmes(
    session: SessionDep, actor: LoggedInDep, product_id: int, data: DrugProgrammes
) -> ProductRead:
    """Essential medicines list and centrally procured flags of a drug (the province keeps them)."""
    return ProductRead.model_validate(service.set_drug_programmes(session, actor, product_id, data))
