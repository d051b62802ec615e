"""JSON API of risk signals (scoped reads, audited triage)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from yaojian.kit.pagination import Page, PageParams
from yaojian.signals import service
from yaojian.signals.models import SignalStatus
from yaojian.signals.schemas import SignalRead, SignalStatusUpdate
from yaojian.web.deps import LoggedInDep, SessionDep

router = APIRouter(prefix="/api/v1/signals", tags=["signals"])


@router.get("", response_model=Page[SignalRead])
def list_signals(
    session: SessionDep,
    actor: LoggedInDep,
    enterprise_id: int | None = None,
    status: SignalStatus | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[SignalRead]:
    params = PageParams(page=page, page_size=page_size)
    rows, total = service.list_signals(
        session, actor, params, enterprise_id=enterprise_id, status=status
    )
    items = [SignalRead.model_validate(s) for s in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.patch("/{signal_id}", response_model=SignalRead)
def set_status(
    session: SessionDep, actor: LoggedInDep, signal_id: int, data: SignalStatusUpdate
) -> SignalRead:
    return SignalRead.model_validate(
        service.set_status(session, actor, signal_id, data.status, data.note)
    )
