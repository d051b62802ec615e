"""Enforcement pages: the case list with days left, the case page with its stage actions,
evidence, the discretion helper and the decision; the public penalty page (双公示)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.auth.actor import PUBLIC, Actor
from yaojian.auth.scope import scoped
from yaojian.enforcement import decisions, evidence, public, service
from yaojian.enforcement.choices import BanScope, CaseStage, DecisionKind, LeadKind, TransferStatus
from yaojian.enforcement.config import discretion
from yaojian.enforcement.deadlines import most_urgent, running
from yaojian.enforcement.discretion import recommend
from yaojian.enforcement.models import Case
from yaojian.enforcement.schemas import (
    BanCreate,
    CaseOpen,
    DecisionCreate,
    Extension,
    Findings,
    NotFiled,
    StepNote,
    Transfer,
    TransferReply,
)
from yaojian.kit.errors import DomainError
from yaojian.kit.pagination import PageParams
from yaojian.kit.timeutil import today_local
from yaojian.registry.models import Enterprise, KeyPosition
from yaojian.web.deps import ActorDep, LocaleDep, LoggedInDep, SessionDep
from yaojian.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _problem(exc: DomainError | ValueError) -> tuple[str, int]:
    """The message and status of a refused form: a service's problem, or bad form input."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"])
        return f"{name}: {first['msg']}", 422
    if isinstance(exc, ValueError):
        return str(exc), 422
    reason = exc.invalid_params[0].reason if exc.invalid_params else exc.detail
    if exc.invalid_params and exc.invalid_params[0].name not in reason:
        reason = f"{exc.invalid_params[0].name}: {reason}"
    return reason, exc.status


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@router.get("/cases", response_class=HTMLResponse)
def case_list(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    stage: Annotated[str, Query()] = "",
    open_only: bool = True,
    page: Annotated[int, Query(ge=1)] = 1,
    lead_kind: Annotated[str, Query(max_length=40)] = "",
    lead_ref: Annotated[str, Query(max_length=80)] = "",
    credit_code: Annotated[str, Query(max_length=18)] = "",
) -> Response:
    """The case list, and the lead form — filled in when reached from a finding referred for a
    case (``lead_kind``, ``lead_ref``, ``credit_code``)."""
    request.state.actor = actor
    params = PageParams(page=page, page_size=PAGE_SIZE)
    if not service.is_case_staff(actor):
        rows, total = public.list_decisions(session, actor, params)
        return render(request, "enforcement/decisions.html", {"rows": rows, "total": total})
    chosen = CaseStage(stage) if stage else None
    cases, total = service.list_cases(
        session, actor, params, stage=chosen, open_only=open_only and chosen is None
    )
    today = today_local()
    counts = service.stage_counts(session, actor)
    transfers = service.transfer_counts(session, actor)
    context = {
        "cases": [(c, most_urgent(c, today)) for c in cases],
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "stage": stage,
        "open_only": open_only,
        "stages": list(CaseStage),
        "lead_kinds": [k for k in LeadKind if k is not LeadKind.SIGNAL],
        "counts": counts,
        "open_count": sum(n for s, n in counts.items() if s is not CaseStage.CLOSED),
        "closed_count": counts.get(CaseStage.CLOSED, 0),
        "transfer_accepted": transfers.get(TransferStatus.ACCEPTED, 0),
        "transfer_pending": transfers.get(TransferStatus.PENDING, 0),
        "today": today,
        "error": None,
        "lead": {"kind": lead_kind, "ref": lead_ref, "credit_code": credit_code},
    }
    return render(request, "enforcement/cases.html", context)


def _enterprise_by_code(session: Session, actor: Actor, credit_code: str) -> int | None:
    stmt = select(Enterprise.id).where(Enterprise.credit_code == credit_code.strip().upper())
    return session.scalar(scoped(stmt, actor, Enterprise))


@router.post("/cases", response_class=HTMLResponse)
def case_open(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    lead_kind: Annotated[str, Form()],
    summary: Annotated[str, Form(max_length=2000)],
    lead_ref: Annotated[str, Form(max_length=80)] = "",
    credit_code: Annotated[str, Form(max_length=40)] = "",
    party_name: Annotated[str, Form(max_length=200)] = "",
    region_code: Annotated[str, Form(max_length=6)] = "",
    signal_id: Annotated[str, Form(max_length=12)] = "",
    discovered_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    request.state.actor = actor
    try:
        enterprise_id = _enterprise_by_code(session, actor, credit_code) if credit_code else None
        if credit_code and enterprise_id is None:
            raise DomainError(f"credit_code: no enterprise {credit_code} in your jurisdiction", 422)
        data = CaseOpen(
            lead_kind=LeadKind(lead_kind),
            lead_ref=lead_ref,
            signal_id=int(signal_id) if signal_id else None,
            enterprise_id=enterprise_id,
            party_name=party_name,
            region_code=region_code or None,
            summary=summary,
            discovered_on=_date(discovered_on),
        )
        case = service.open_case(session, actor, data)
    except (DomainError, ValueError) as exc:
        session.rollback()
        message, status = _problem(exc)
        return render(
            request, "enforcement/open_error.html", {"error": message}, status_code=status
        )
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


def _case_context(session: Session, actor: Actor, case: Case) -> dict[str, Any]:
    table = discretion()
    persons = []
    if case.enterprise_id is not None:
        stmt = select(KeyPosition).where(
            KeyPosition.enterprise_id == case.enterprise_id, KeyPosition.until.is_(None)
        )
        persons = list(session.scalars(scoped(stmt, actor, KeyPosition)))
    rec = None
    if case.violation_code:
        rec = case.recommended
    return {
        "case": case,
        "stages": list(CaseStage),
        "deadlines": running(case, today_local()),
        "evidence": evidence.list_evidence(session, actor, case.id),
        "violations": table.violations,
        "circumstances": table.circumstances,
        "persons": persons,
        "ban_scopes": list(BanScope),
        "decision_kinds": list(DecisionKind),
        "stored_recommendation": rec,
        "penalty_text": public.penalty_text(case),
        "error": None,
    }


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, session: SessionDep, actor: LoggedInDep, case_id: int) -> Response:
    request.state.actor = actor
    case = service.get_case(session, actor, case_id)
    return render(request, "enforcement/case.html", _case_context(session, actor, case))


def _refused(request: Request, session: Session, actor: Actor, case_id: int, exc: Any) -> Response:
    session.rollback()
    message, status = _problem(exc)
    case = service.get_case(session, actor, case_id)
    context = _case_context(session, actor, case) | {"error": message}
    return render(request, "enforcement/case.html", context, status_code=status)


@router.post("/cases/{case_id}/act/{action}", response_class=HTMLResponse)
def case_action(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    case_id: int,
    action: str,
    on: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    findings: Annotated[str, Form(max_length=20000)] = "",
    clock: Annotated[str, Form(max_length=20)] = "decision",
    days: Annotated[str, Form(max_length=4)] = "",
    collective: Annotated[bool, Form()] = False,
    receiving_unit: Annotated[str, Form(max_length=200)] = "",
    accepted: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """One workflow step from the case page's forms; a refusal re-renders the page with it."""
    request.state.actor = actor
    try:
        when = _date(on)
        if action == "file":
            service.file_case(session, actor, case_id, StepNote(on=when, note=note))
        elif action == "not-file":
            service.not_file(session, actor, case_id, NotFiled(on=when, note=note))
        elif action == "extend":
            data = Extension.model_validate(
                {"clock": clock, "reason": note, "collective_discussion": collective,
                 "days": int(days) if days else None, "on": when}
            )  # fmt: skip
            service.extend(session, actor, case_id, data)
        elif action == "submit-review":
            service.submit_for_review(session, actor, case_id, Findings(findings=findings, on=when))
        elif action == "return":
            service.return_to_investigation(session, actor, case_id, NotFiled(on=when, note=note))
        elif action == "serve":
            service.serve(session, actor, case_id, StepNote(on=when, note=note))
        elif action == "execute":
            service.record_execution(session, actor, case_id, StepNote(on=when, note=note))
        elif action == "close":
            service.close(session, actor, case_id, StepNote(on=when, note=note))
        elif action == "transfer":
            data_t = Transfer(receiving_unit=receiving_unit, note=note, on=when)
            service.transfer(session, actor, case_id, data_t)
        elif action == "transfer-reply":
            reply = TransferReply(accepted=accepted == "yes", note=note, on=when)
            service.transfer_reply(session, actor, case_id, reply)
        else:
            raise DomainError(f"unknown step {action}", 404, "Not found", "not-found")
    except (DomainError, ValueError) as exc:
        return _refused(request, session, actor, case_id, exc)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


def _decision_form(
    violation_code: str,
    circumstances: list[str],
    goods_value: str,
) -> tuple[str, list[str], int | None]:
    return violation_code, circumstances, int(goods_value) if goods_value.strip() else None


@router.post("/cases/{case_id}/discretion", response_class=HTMLResponse)
def discretion_fragment(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    locale: LocaleDep,
    case_id: int,
    violation_code: Annotated[str, Form(max_length=20)] = "",
    circumstances: Annotated[list[str] | None, Form()] = None,
    goods_value: Annotated[str, Form(max_length=15)] = "",
) -> Response:
    """The discretion helper's answer, for HTMX as the handler fills the decision form."""
    request.state.actor = actor
    service.get_case(session, actor, case_id)
    context: dict[str, Any] = {"rec": None, "error": None}
    try:
        code, chosen, value = _decision_form(violation_code, circumstances or [], goods_value)
        if code:
            context["rec"] = decisions.recommendation_read(recommend(code, chosen, value), locale)
    except DomainError as exc:
        # The helper runs on page load with the first violation chosen; a blank amount there is
        # a form not yet filled in, not a mistake to flag.
        missing_value = exc.invalid_params and exc.invalid_params[0].name == "goods_value"
        if missing_value and not goods_value.strip():
            context["needs_value"] = True
        else:
            context["error"] = _problem(exc)[0]
    except ValueError:
        context["error"] = "goods_value: 请输入整数金额（元）"
    return render(request, "enforcement/recommendation.html", context)


@router.post("/cases/{case_id}/decision", response_class=HTMLResponse)
def decision_submit(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    case_id: int,
    violation_code: Annotated[str, Form(max_length=20)],
    review_opinion: Annotated[str, Form(max_length=20000)] = "",
    decision_kind: Annotated[str, Form(max_length=16)] = "penalty",
    circumstances: Annotated[list[str] | None, Form()] = None,
    goods_value: Annotated[str, Form(max_length=15)] = "",
    fine_amount: Annotated[str, Form(max_length=15)] = "",
    warning: Annotated[bool, Form()] = False,
    confiscation: Annotated[bool, Form()] = False,
    revocation: Annotated[bool, Form()] = False,
    departure_reason: Annotated[str, Form(max_length=4000)] = "",
    ban_person_id: Annotated[list[str] | None, Form()] = None,
    ban_term: Annotated[list[str] | None, Form()] = None,
    ban_scope: Annotated[str, Form(max_length=16)] = "drug",
    on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    request.state.actor = actor
    try:
        code, chosen, value = _decision_form(violation_code, circumstances or [], goods_value)
        bans = []
        for person, term in zip(ban_person_id or [], ban_term or [], strict=False):
            if not person:
                continue
            lifetime = term == "lifetime"
            bans.append(
                BanCreate(
                    person_id=int(person),
                    scope=BanScope(ban_scope),
                    lifetime=lifetime,
                    years=None if lifetime else int(term or 10),
                )
            )
        data = DecisionCreate(
            violation_code=code, circumstances=chosen, goods_value=value,
            decision_kind=DecisionKind(decision_kind), review_opinion=review_opinion,
            fine_amount=int(fine_amount) if fine_amount.strip() else None,
            warning=warning, confiscation=confiscation, revocation=revocation,
            departure_reason=departure_reason, bans=bans, on=_date(on),
        )  # fmt: skip
        decisions.decide(session, actor, case_id, data)
    except (DomainError, ValueError) as exc:
        return _refused(request, session, actor, case_id, exc)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/evidence", response_class=HTMLResponse)
def evidence_upload(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    case_id: int,
    file: Annotated[UploadFile, File()],
    description: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    request.state.actor = actor
    try:
        evidence.add_evidence(
            session, actor, case_id,
            filename=file.filename or "evidence", content_type=file.content_type or "",
            data=file.file.read(evidence.MAX_BYTES + 1), description=description,
            var_dir=request.app.state.settings.var_dir,
        )  # fmt: skip
    except DomainError as exc:
        return _refused(request, session, actor, case_id, exc)
    return RedirectResponse(f"/cases/{case_id}#evidence", status_code=303)


@router.get("/public/penalties", response_class=HTMLResponse)
def public_penalties(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """双公示: penalty decisions, for anyone, no account."""
    request.state.actor = actor
    params = PageParams(page=page, page_size=PAGE_SIZE)
    rows, total = public.list_decisions(session, PUBLIC, params, q)
    context = {
        "rows": rows,
        "total": total,
        "q": q,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
    }
    return render(request, "enforcement/public_penalties.html", context)
