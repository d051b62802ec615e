"""Complaint pages: the public form and tracking page; the desk list, a complaint, its actions."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from yaojian.auth.actor import Actor
from yaojian.auth.permissions import ALLOWED, Action
from yaojian.complaints import service
from yaojian.complaints.api import limit_client, receipt
from yaojian.complaints.choices import (
    ComplaintKind,
    ComplaintStatus,
    DeadlineState,
    NotAcceptedReason,
)
from yaojian.complaints.models import Complaint
from yaojian.complaints.schemas import ComplaintCreate, Decision
from yaojian.kit.errors import DomainError, InvalidInput
from yaojian.kit.pagination import PageParams
from yaojian.kit.timeutil import to_local
from yaojian.kit.xlsx import attachment, workbook
from yaojian.registry.choices import RegionLevel
from yaojian.registry.models import Region
from yaojian.web.csrf import FIELD as CSRF_FIELD
from yaojian.web.csrf import check_token, form_token
from yaojian.web.deps import ActorDep, LoggedInDep, SessionDep
from yaojian.web.i18n import pick_locale
from yaojian.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
_FORM_FIELDS = tuple(ComplaintCreate.model_fields)


def _counties(session: Any) -> list[Region]:
    stmt = select(Region).where(Region.level == RegionLevel.COUNTY).order_by(Region.code)
    return list(session.scalars(stmt))


def _form_context(request: Request, session: Any, **extra: Any) -> dict[str, Any]:
    return {
        "kinds": list(ComplaintKind),
        "counties": _counties(session),
        "csrf_field": CSRF_FIELD,
        "csrf_token": form_token(request),
        "values": {},
        "errors": {},
    } | extra


# ---------------------------------------------------------------- the public


@router.get("/complaints/new", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    """投诉举报: anyone, no account."""
    request.state.actor = actor
    return render(request, "complaints/new.html", _form_context(request, session))


@router.post("/complaints/new", response_class=HTMLResponse)
async def submit_form(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    request.state.actor = actor
    form = await request.form()
    check_token(request, str(form.get(CSRF_FIELD, "")))
    limit_client(request)
    values = {name: str(form.get(name, "")) for name in _FORM_FIELDS}
    errors: dict[str, str] = {}
    try:
        data = ComplaintCreate.model_validate(values)
        complaint = service.submit(session, actor, data, channel="web")
    except ValidationError as exc:
        errors = {str(e["loc"][0]): e["msg"] for e in exc.errors()}
    except DomainError as exc:
        session.rollback()
        errors = {p.name: p.reason for p in exc.invalid_params} or {"form": exc.detail}
    if errors:
        context = _form_context(request, session, values=values, errors=errors)
        return render(request, "complaints/new.html", context, status_code=422)
    return render(request, "complaints/submitted.html", {"r": receipt(request, complaint)})


@router.get("/complaints/track", response_class=HTMLResponse)
def track_lookup(
    request: Request, actor: ActorDep, number: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    request.state.actor = actor
    if number:
        lang = request.query_params.get("lang")
        suffix = f"?lang={pick_locale(lang)}" if lang else ""
        return RedirectResponse(f"/complaints/track/{number.strip()}{suffix}", status_code=303)
    return render(request, "complaints/track.html", {"t": None, "number": ""})


@router.get("/complaints/track/{number}", response_class=HTMLResponse, name="complaint_track")
def track_page(request: Request, session: SessionDep, actor: ActorDep, number: str) -> Response:
    """Status and the public reply only: no contact, no description, no handling record."""
    request.state.actor = actor
    limit_client(request)
    try:
        view = service.track(session, number)
    except DomainError:
        context = {"t": None, "number": number, "missing": True}
        return render(request, "complaints/track.html", context, status_code=404)
    return render(request, "complaints/track.html", {"t": view, "number": view.number})


# ---------------------------------------------------------------- the desk


def _filters(
    status: ComplaintStatus | None,
    kind: ComplaintKind | None,
    deadline: DeadlineState | None,
    q: str,
    enterprise_id: int | None,
    product_id: int | None,
) -> service.ComplaintFilters:
    return service.ComplaintFilters(status, kind, deadline, q.strip(), enterprise_id, product_id)


@router.get("/complaints", response_class=HTMLResponse)
def desk(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    status: ComplaintStatus | None = None,
    kind: ComplaintKind | None = None,
    deadline: DeadlineState | None = None,
    q: Annotated[str, Query(max_length=100)] = "",
    enterprise_id: int | None = None,
    product_id: int | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    request.state.actor = actor
    filters = _filters(status, kind, deadline, q, enterprise_id, product_id)
    rows, total = service.list_complaints(
        session, actor, PageParams(page=page, page_size=PAGE_SIZE), filters
    )
    # The export takes the same filters; it ignores the page.
    query = request.url.query
    context = {
        "rows": [(c, service.deadline_state(c)) for c in rows],
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "f": filters,
        "statuses": list(ComplaintStatus),
        "kinds": list(ComplaintKind),
        "deadlines": [DeadlineState.OVERDUE, DeadlineState.NEAR, DeadlineState.OK],
        "counts": service.count_by_deadline(session, actor),
        "chart_json": json.dumps(service.monthly_counts(session, actor)),
        "query": query,
    }
    return render(request, "complaints/desk.html", context)


_EXPORT_COLUMNS: list[tuple[str, float | None]] = [
    ("编号", 24), ("类型", 6), ("状态", 8), ("收到时间", 17), ("被投诉举报企业", 30), ("产品", 20),
    ("批号", 12), ("处理单位", 14), ("办理时限", 12), ("时限状态", 8), ("投诉举报人", 20),
    ("不予受理理由", 24),
]  # fmt: skip


@router.get("/complaints/export.xlsx")
def export(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    status: ComplaintStatus | None = None,
    kind: ComplaintKind | None = None,
    deadline: DeadlineState | None = None,
    q: Annotated[str, Query(max_length=100)] = "",
    enterprise_id: int | None = None,
    product_id: int | None = None,
) -> Response:
    """The filtered desk list as a spreadsheet (contact masked as in the list)."""
    filters = _filters(status, kind, deadline, q, enterprise_id, product_id)
    rows = service.all_complaints(session, actor, filters)
    regions = {code: name for code, name in session.execute(select(Region.code, Region.name))}
    body = workbook(
        "投诉举报",
        _EXPORT_COLUMNS,
        (
            [
                c.number, c.kind.zh, c.status.zh,
                to_local(c.received_at).strftime("%Y-%m-%d %H:%M"), c.enterprise_text,
                c.product_text, c.batch_number, regions.get(c.region_code, c.region_code),
                c.due_on, service.deadline_state(c).zh, c.masked_contact,
                c.not_accepted_reason.zh if c.not_accepted_reason else "",
            ]
            for c in rows
        ),
    )  # fmt: skip
    return attachment(body, "complaints.xlsx")


def _detail_context(
    request: Request, session: Any, actor: Actor, complaint: Complaint, **extra: Any
) -> dict[str, Any]:
    regions = {code: name for code, name in session.execute(select(Region.code, Region.name))}
    return {
        "c": complaint,
        "state": service.deadline_state(complaint),
        "reasons": list(NotAcceptedReason),
        "regions": regions,
        "counties": _counties(session),
        "reply_owed": service.reply_owed(complaint),
        "can_handle": actor.role in ALLOWED[Action.COMPLAINT_HANDLE],
        "csrf_field": CSRF_FIELD,
        "csrf_token": form_token(request),
        "error": None,
    } | extra


@router.get("/complaints/{complaint_id}", response_class=HTMLResponse)
def complaint_page(
    request: Request, session: SessionDep, actor: LoggedInDep, complaint_id: int
) -> Response:
    request.state.actor = actor
    complaint = service.get_complaint(session, actor, complaint_id)
    return render(
        request, "complaints/detail.html", _detail_context(request, session, actor, complaint)
    )


def _act(session: Any, actor: Any, complaint_id: int, action: str, form: dict[str, str]) -> None:
    text = form.get("text", "").strip()
    if action == "accept":
        service.decide(session, actor, complaint_id, Decision(accept=True, note=text))
    elif action == "not-accept":
        reason = form.get("reason", "")
        if reason not in NotAcceptedReason._value2member_map_:
            raise InvalidInput("reason", "choose the ground on which it is not accepted")
        decision = Decision(accept=False, reason=NotAcceptedReason(reason), note=text)
        service.decide(session, actor, complaint_id, decision)
    elif action == "record":
        if len(text) < 2:
            raise InvalidInput("text", "say what was done")
        service.add_record(session, actor, complaint_id, text)
    elif action == "extend":
        service.extend(session, actor, complaint_id, text)
    elif action == "reply":
        if len(text) < 2:
            raise InvalidInput("text", "write the reply the complainant will read")
        service.reply(session, actor, complaint_id, text)
    elif action == "close":
        service.close(session, actor, complaint_id, text)
    elif action == "transfer":
        service.transfer(session, actor, complaint_id, form.get("region_code", ""), text)
    else:
        raise InvalidInput("action", f"no such action: {action}")


@router.post("/complaints/{complaint_id}/{action}", response_class=HTMLResponse)
async def act(
    request: Request, session: SessionDep, actor: LoggedInDep, complaint_id: int, action: str
) -> Response:
    """One step of the workflow from the complaint page; an illegal step shows the rule (409)."""
    request.state.actor = actor
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_token(request, form.get(CSRF_FIELD, ""))
    try:
        try:
            _act(session, actor, complaint_id, action, form)
        except ValidationError as invalid:
            first = invalid.errors()[0]
            raise InvalidInput(str(first["loc"][0]), first["msg"]) from None
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        session.rollback()
        complaint = service.get_complaint(session, actor, complaint_id)
        problem = "；".join(f"{p.name}: {p.reason}" for p in exc.invalid_params) or exc.detail
        if exc.status == 409:
            problem = exc.detail
        context = _detail_context(request, session, actor, complaint, error=problem)
        return render(request, "complaints/detail.html", context, status_code=exc.status)
    if action == "transfer":
        return RedirectResponse("/complaints", status_code=303)
    return RedirectResponse(f"/complaints/{complaint_id}", status_code=303)
