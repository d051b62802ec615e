"""Trace pages: follow a pack (regulators, enterprises) and verify a pack (the public)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from yaojian.db import unit_of_work
from yaojian.kit.errors import DomainError
from yaojian.trace import recall as recalling
from yaojian.trace.chain import chain_of
from yaojian.trace.coverage import coverage
from yaojian.trace.models import RecallLevel
from yaojian.trace.verify import check_text, verify
from yaojian.trace.vocabulary import cbv_label
from yaojian.web.deps import ActorDep, LocaleDep, LoggedInDep, SessionDep
from yaojian.web.templating import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/public", tags=["public"])


def _limit(request: Request) -> None:
    client = request.client.host if request.client else "unknown"
    request.app.state.verify_limiter.check(client)


@router.get("/trace/codes", response_class=HTMLResponse)
def follow(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    locale: LocaleDep,
    code: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    request.state.actor = actor
    cbv = partial(cbv_label, locale=locale)
    context: dict[str, Any] = {"code": code, "chain": None, "error": None, "cbv": cbv}
    if code:
        try:
            context["chain"] = chain_of(session, actor, code)
        except DomainError as exc:
            context["error"] = exc.invalid_params[0].reason if exc.invalid_params else exc.detail
    return render(request, "trace/chain.html", context)


@router.get("/verify", response_class=HTMLResponse)
def verify_page(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    code: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """扫码验真: anyone, no account."""
    request.state.actor = actor
    context: dict[str, Any] = {"code": code, "result": None, "error": None}
    if code:
        _limit(request)
        try:
            context["result"] = verify(session, check_text(code))
        except DomainError as exc:
            context["error"] = exc.invalid_params[0].reason if exc.invalid_params else exc.detail
    return render(request, "trace/verify.html", context)


@api.get("/verify")
async def verify_api(
    request: Request, code: Annotated[str, Query(max_length=200)]
) -> dict[str, Any]:
    """Is the pack genuine: product, approval holder, batch, expiry and a plain status
    (normal / dispensed / recalled / suspect, with the reason) — no custody details."""
    _limit(request)
    # The busiest public endpoint takes one trip to a thread, with a session of its own (a sync
    # route with SessionDep takes three: the route, the session's start and its end), and only
    # a few verifications of a process run at once: forty threads fighting for the GIL answer
    # a half or a third as many requests a second as two (benchmarks/trace_verify.py).
    factory = request.app.state.session_factory
    limiter = _verify_threads(request)
    return await to_thread.run_sync(_verify_now, factory, check_text(code), limiter=limiter)


def _verify_threads(request: Request) -> CapacityLimiter:
    """The app's limiter of verifications at once, made in its event loop on first use."""
    state = request.app.state
    if getattr(state, "verify_threads", None) is None:
        state.verify_threads = CapacityLimiter(state.settings.verify_threads)
    limiter: CapacityLimiter = state.verify_threads
    return limiter


def _verify_now(factory: sessionmaker[Session], text: str) -> dict[str, Any]:
    with unit_of_work(factory) as session:
        return verify(session, text).as_json()


@router.get("/trace/coverage", response_class=HTMLResponse)
def coverage_page(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    by: Literal["city", "county"] = "city",
) -> Response:
    request.state.actor = actor
    rows = coverage(session, actor, by).to_dicts()
    return render(request, "trace/coverage.html", {"rows": rows, "by": by})


@router.get("/trace/recalls", response_class=HTMLResponse)
def recall_form(request: Request, actor: LoggedInDep) -> Response:
    request.state.actor = actor
    return render(request, "trace/recall_form.html", {"levels": list(RecallLevel), "error": None})


@router.post("/trace/recalls", response_class=HTMLResponse)
def recall_start(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    code: Annotated[str, Form(max_length=200)] = "",
    gtin: Annotated[str, Form(max_length=14)] = "",
    lot: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
    level: Annotated[RecallLevel, Form()] = RecallLevel.LEVEL_2,
) -> Response:
    request.state.actor = actor
    try:
        batch = recalling.parse_lot(code or None, gtin or None, lot or None)
        recall = recalling.start_recall(session, actor, batch, reason, level)
    except DomainError as exc:
        session.rollback()
        problem = exc.invalid_params[0].reason if exc.invalid_params else exc.detail
        context = {"levels": list(RecallLevel), "error": problem}
        return render(request, "trace/recall_form.html", context, status_code=exc.status)
    return RedirectResponse(f"/trace/recalls/{recall.id}", status_code=303)


@router.get("/trace/recalls/{recall_id}", response_class=HTMLResponse)
def recall_page(
    request: Request, session: SessionDep, actor: LoggedInDep, recall_id: int
) -> Response:
    request.state.actor = actor
    report = recalling.recall_json(recalling.recall_progress(session, actor, recall_id))
    return render(request, "trace/recall.html", {"r": report})
