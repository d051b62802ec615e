"""JSON API of the complaints desk: the public's submit and track, the regulators' desk."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from yaojian.complaints import service
from yaojian.complaints.choices import ComplaintKind, ComplaintStatus, DeadlineState
from yaojian.complaints.models import Complaint
from yaojian.complaints.rules import rules
from yaojian.complaints.schemas import (
    ComplaintCreate,
    ComplaintDetail,
    ComplaintRead,
    ComplaintReceipt,
    Decision,
    EntryRead,
    NoteCreate,
    RecordCreate,
    ReplyCreate,
    TrackingView,
    TransferCreate,
)
from yaojian.kit.pagination import Page, PageParams
from yaojian.kit.ratelimit import RateLimiter
from yaojian.web.deps import ActorDep, LoggedInDep, SessionDep

public = APIRouter(prefix="/api/v1/public/complaints", tags=["public"])
router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])


def limit_client(request: Request) -> None:
    """Submissions and look-ups per client address, form and API together (rules.toml)."""
    limiter: RateLimiter | None = getattr(request.app.state, "complaint_limiter", None)
    if limiter is None:
        limiter = RateLimiter(rules().public.submissions_per_hour, 3600)
        request.app.state.complaint_limiter = limiter
    limiter.check(request.client.host if request.client else "unknown")


def receipt(request: Request, complaint: Complaint) -> ComplaintReceipt:
    return ComplaintReceipt(
        number=complaint.number,
        tracking_url=str(request.url_for("complaint_track", number=complaint.number)),
        kind=complaint.kind,
        status=complaint.status,
        received_at=complaint.received_at,
        decision_due=complaint.due_on,
    )


def _fields(model: type[BaseModel], complaint: Complaint) -> dict[str, Any]:
    skip = {"deadline", "entries"}
    return {name: getattr(complaint, name) for name in model.model_fields if name not in skip}


def read(complaint: Complaint) -> ComplaintRead:
    return ComplaintRead(
        **_fields(ComplaintRead, complaint), deadline=service.deadline_state(complaint)
    )


def detail(complaint: Complaint) -> ComplaintDetail:
    return ComplaintDetail(
        **_fields(ComplaintDetail, complaint),
        deadline=service.deadline_state(complaint),
        entries=[EntryRead.model_validate(e) for e in complaint.entries],
    )


@public.post("", response_model=ComplaintReceipt, status_code=201)
def submit(
    request: Request, session: SessionDep, actor: ActorDep, data: ComplaintCreate
) -> ComplaintReceipt:
    """File a 投诉 or 举报 without an account. The answer's number is the only key to its status:
    keep it. A 投诉 needs a name and telephone; a 举报 may be anonymous."""
    limit_client(request)
    complaint = service.submit(session, actor, data, channel="api")
    return receipt(request, complaint)


@public.get("/{number}", response_model=TrackingView)
def track(request: Request, session: SessionDep, number: str) -> TrackingView:
    """Status and the public reply of one complaint, by its tracking number."""
    limit_client(request)
    return service.track(session, number)


@router.get("", response_model=Page[ComplaintRead])
def list_complaints(
    session: SessionDep,
    actor: LoggedInDep,
    status: ComplaintStatus | None = None,
    kind: ComplaintKind | None = None,
    deadline: DeadlineState | None = None,
    q: Annotated[str, Query(max_length=100)] = "",
    enterprise_id: int | None = None,
    product_id: int | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[ComplaintRead]:
    """The desk list of the caller's jurisdiction, most urgent deadline first."""
    filters = service.ComplaintFilters(status, kind, deadline, q.strip(), enterprise_id, product_id)
    rows, total = service.list_complaints(
        session, actor, PageParams(page=page, page_size=page_size), filters
    )
    return Page(items=[read(c) for c in rows], total=total, page=page, page_size=page_size)


@router.get("/{complaint_id}", response_model=ComplaintDetail)
def get_complaint(session: SessionDep, actor: LoggedInDep, complaint_id: int) -> ComplaintDetail:
    return detail(service.get_complaint(session, actor, complaint_id))


@router.post("/{complaint_id}/decision", response_model=ComplaintDetail)
def decide(
    session: SessionDep, actor: LoggedInDep, complaint_id: int, data: Decision
) -> ComplaintDetail:
    """受理 (accept: true) or 不予受理 (accept: false, with a reason)."""
    return detail(service.decide(session, actor, complaint_id, data))


@router.post("/{complaint_id}/records", response_model=ComplaintDetail)
def add_record(
    session: SessionDep, actor: LoggedInDep, complaint_id: int, data: RecordCreate
) -> ComplaintDetail:
    return detail(service.add_record(session, actor, complaint_id, data.text))


@router.post("/{complaint_id}/extension", response_model=ComplaintDetail)
def extend(
    session: SessionDep, actor: LoggedInDep, complaint_id: int, data: NoteCreate
) -> ComplaintDetail:
    return detail(service.extend(session, actor, complaint_id, data.note))


@router.post("/{complaint_id}/reply", response_model=ComplaintDetail)
def reply(
    session: SessionDep, actor: LoggedInDep, complaint_id: int, data: ReplyCreate
) -> ComplaintDetail:
    return detail(service.reply(session, actor, complaint_id, data.text))


@router.post("/{complaint_id}/close", response_model=ComplaintDetail)
def close(
    session: SessionDep, actor: LoggedInDep, complaint_id: int, data: NoteCreate
) -> ComplaintDetail:
    return detail(service.close(session, actor, complaint_id, data.note))


@router.post("/{complaint_id}/transfer", response_model=ComplaintDetail)
def transfer(
    session: SessionDep, actor: LoggedInDep, complaint_id: int, data: TransferCreate
) -> ComplaintDetail:
    """移送 to another county desk (or the province desk), with the reason; audited."""
    return detail(service.transfer(session, actor, complaint_id, data.region_code, data.reason))
