"""JSON API of credit: grades and their history, the serious-violation list (public and staff)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from yaojian.auth.actor import PUBLIC
from yaojian.credit import service
from yaojian.credit.models import Grade
from yaojian.credit.schemas import (
    BlacklistCreate,
    BlacklistPublic,
    BlacklistRead,
    BlacklistRemove,
    GradeRead,
)
from yaojian.kit.pagination import Page, PageParams
from yaojian.registry.choices import EnterpriseKind
from yaojian.web.deps import LoggedInDep, SessionDep

router = APIRouter(prefix="/api/v1/credit", tags=["credit"])
public_router = APIRouter(prefix="/api/v1/public", tags=["public"])


@router.get("/grades", response_model=Page[GradeRead])
def grades(
    session: SessionDep,
    actor: LoggedInDep,
    grade: Grade | None = None,
    kind: EnterpriseKind | None = None,
    region_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[GradeRead]:
    """Current grades the actor may see (an enterprise: its own)."""
    params = PageParams(page=page, page_size=page_size)
    rows, total = service.list_grades(
        session, actor, params, grade=grade, kind=kind, region_code=region_code, q=q or None
    )
    items = [GradeRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get("/enterprises/{enterprise_id}/grades", response_model=list[GradeRead])
def grade_history(session: SessionDep, actor: LoggedInDep, enterprise_id: int) -> list[GradeRead]:
    """An enterprise's grade history, newest first, each with its inputs and deductions."""
    return [GradeRead.model_validate(r) for r in service.history(session, actor, enterprise_id)]


@router.post("/blacklist", response_model=BlacklistRead, status_code=201)
def add_entry(session: SessionDep, actor: LoggedInDep, data: BlacklistCreate) -> BlacklistRead:
    return BlacklistRead.model_validate(service.add_to_blacklist(session, actor, data))


@router.post("/blacklist/{entry_id}/remove", response_model=BlacklistRead)
def remove_entry(
    session: SessionDep, actor: LoggedInDep, entry_id: int, data: BlacklistRemove
) -> BlacklistRead:
    return BlacklistRead.model_validate(
        service.remove_from_blacklist(session, actor, entry_id, data)
    )


@router.get("/blacklist", response_model=Page[BlacklistRead])
def staff_blacklist(
    session: SessionDep,
    actor: LoggedInDep,
    q: Annotated[str, Query(max_length=100)] = "",
    include_removed: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[BlacklistRead]:
    """Entries in the actor's scope, removed ones too when asked."""
    params = PageParams(page=page, page_size=page_size)
    rows, total = service.list_blacklist(
        session, actor, params, q, standing_only=not include_removed
    )
    items = [BlacklistRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


@public_router.get("/blacklist", response_model=Page[BlacklistPublic])
def public_blacklist(
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[BlacklistPublic]:
    """严重违法失信名单: standing entries, searchable by name or credit code; no account needed."""
    params = PageParams(page=page, page_size=page_size)
    rows, total = service.list_blacklist(session, PUBLIC, params, q)
    items = [BlacklistPublic.model_validate(r) for r in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)
