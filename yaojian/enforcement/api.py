"""JSON API of enforcement: cases and their steps, evidence, the discretion helper, decisions."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from yaojian.auth.actor import PUBLIC
from yaojian.enforcement import decisions, evidence, public, service
from yaojian.enforcement.choices import CaseStage
from yaojian.enforcement.config import discretion
from yaojian.enforcement.deadlines import running
from yaojian.enforcement.discretion import recommend
from yaojian.enforcement.models import Case
from yaojian.enforcement.schemas import (
    CaseOpen,
    CaseRead,
    DeadlineRead,
    DecisionCreate,
    DecisionRead,
    DiscretionQuery,
    EventRead,
    EvidenceRead,
    Extension,
    Findings,
    NotFiled,
    RecommendationRead,
    StepNote,
    Transfer,
    TransferReply,
)
from yaojian.kit.errors import Forbidden
from yaojian.kit.pagination import Page, PageParams
from yaojian.kit.timeutil import today_local
from yaojian.web.deps import LocaleDep, LoggedInDep, SessionDep

router = APIRouter(prefix="/api/v1/cases", tags=["enforcement"])
public_router = APIRouter(prefix="/api/v1/public", tags=["public"])


def case_read(case: Case, locale: str = "zh") -> CaseRead:
    read = CaseRead.model_validate(case)
    read.deadlines = [
        DeadlineRead(
            clock=d.clock,
            label=d.rule.label(locale),
            due_on=d.due_on,
            days_left=d.days_left,
            working_days=d.rule.working_days,
            level=d.level,
        )
        for d in running(case, today_local())
    ]
    return read


@router.get("", response_model=Page[CaseRead])
def list_cases(
    session: SessionDep,
    actor: LoggedInDep,
    locale: LocaleDep,
    stage: CaseStage | None = None,
    enterprise_id: int | None = None,
    open_only: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[CaseRead]:
    params = PageParams(page=page, page_size=page_size)
    rows, total = service.list_cases(
        session, actor, params, stage=stage, enterprise_id=enterprise_id, open_only=open_only
    )
    items = [case_read(c, locale) for c in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.post("", response_model=CaseRead, status_code=201)
def open_case(session: SessionDep, actor: LoggedInDep, data: CaseOpen) -> CaseRead:
    return case_read(service.open_case(session, actor, data))


@router.get("/violations")
def violations(actor: LoggedInDep) -> dict[str, Any]:
    """The discretion table: violations, their basis and ranges; the circumstances."""
    table = discretion()
    return table.model_dump()


@router.post("/discretion", response_model=RecommendationRead)
def discretion_helper(
    actor: LoggedInDep, locale: LocaleDep, data: DiscretionQuery
) -> RecommendationRead:
    if not service.is_case_staff(actor):
        raise Forbidden("the discretion helper is for case handlers")
    rec = recommend(data.violation_code, data.circumstances, data.goods_value)
    return decisions.recommendation_read(rec, locale)


@router.get("/decisions", response_model=Page[DecisionRead])
def list_decisions(
    session: SessionDep,
    actor: LoggedInDep,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[DecisionRead]:
    """Decisions: an enterprise's own, or those of a regulator's jurisdiction."""
    params = PageParams(page=page, page_size=page_size)
    items, total = public.list_decisions(session, actor, params)
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get("/indicators")
def indicators(session: SessionDep, actor: LoggedInDep) -> dict[str, dict[str, int]]:
    """Cases by stage, and 行刑衔接: cases transferred to public security by reply."""
    if not service.is_case_staff(actor):
        raise Forbidden("indicators are for regulators")
    return {
        "by_stage": {k.value: v for k, v in service.stage_counts(session, actor).items()},
        "transfers": {k.value: v for k, v in service.transfer_counts(session, actor).items()},
    }


@router.get("/evidence/{evidence_id}")
def download_evidence(
    request: Request, session: SessionDep, actor: LoggedInDep, evidence_id: int
) -> Response:
    """The file, after checking it against the SHA-256 recorded when it was fixed (409 if not)."""
    item, data = evidence.read_evidence(
        session, actor, evidence_id, request.app.state.settings.var_dir
    )
    return Response(
        content=data,
        media_type=item.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(item.filename)}",
            "X-Content-SHA256": item.sha256,
        },
    )


@router.get("/{case_id}", response_model=CaseRead)
def get_case(session: SessionDep, actor: LoggedInDep, locale: LocaleDep, case_id: int) -> CaseRead:
    return case_read(service.get_case(session, actor, case_id), locale)


@router.get("/{case_id}/events", response_model=list[EventRead])
def events(session: SessionDep, actor: LoggedInDep, case_id: int) -> list[EventRead]:
    return [EventRead.model_validate(e) for e in service.get_case(session, actor, case_id).events]


@router.post("/{case_id}/file", response_model=CaseRead)
def file_case(session: SessionDep, actor: LoggedInDep, case_id: int, data: StepNote) -> CaseRead:
    """立案."""
    return case_read(service.file_case(session, actor, case_id, data))


@router.post("/{case_id}/not-file", response_model=CaseRead)
def not_file(session: SessionDep, actor: LoggedInDep, case_id: int, data: NotFiled) -> CaseRead:
    """不予立案."""
    return case_read(service.not_file(session, actor, case_id, data))


@router.post("/{case_id}/extend", response_model=CaseRead)
def extend(session: SessionDep, actor: LoggedInDep, case_id: int, data: Extension) -> CaseRead:
    return case_read(service.extend(session, actor, case_id, data))


@router.post("/{case_id}/submit-review", response_model=CaseRead)
def submit_review(
    session: SessionDep, actor: LoggedInDep, case_id: int, data: Findings
) -> CaseRead:
    """调查终结, to 法制审核."""
    return case_read(service.submit_for_review(session, actor, case_id, data))


@router.post("/{case_id}/return", response_model=CaseRead)
def return_case(session: SessionDep, actor: LoggedInDep, case_id: int, data: NotFiled) -> CaseRead:
    """法制审核 returns the case for more investigation."""
    return case_read(service.return_to_investigation(session, actor, case_id, data))


@router.post("/{case_id}/decision", response_model=CaseRead)
def decide(session: SessionDep, actor: LoggedInDep, case_id: int, data: DecisionCreate) -> CaseRead:
    """处罚决定; a departure from the recommended range needs ``departure_reason``."""
    return case_read(decisions.decide(session, actor, case_id, data))


@router.post("/{case_id}/serve", response_model=CaseRead)
def serve(session: SessionDep, actor: LoggedInDep, case_id: int, data: StepNote) -> CaseRead:
    """送达."""
    return case_read(service.serve(session, actor, case_id, data))


@router.post("/{case_id}/execute", response_model=CaseRead)
def execute(session: SessionDep, actor: LoggedInDep, case_id: int, data: StepNote) -> CaseRead:
    """执行完毕."""
    return case_read(service.record_execution(session, actor, case_id, data))


@router.post("/{case_id}/close", response_model=CaseRead)
def close(session: SessionDep, actor: LoggedInDep, case_id: int, data: StepNote) -> CaseRead:
    """结案."""
    return case_read(service.close(session, actor, case_id, data))


@router.post("/{case_id}/transfer", response_model=CaseRead)
def transfer(session: SessionDep, actor: LoggedInDep, case_id: int, data: Transfer) -> CaseRead:
    """移送公安机关 (行刑衔接)."""
    return case_read(service.transfer(session, actor, case_id, data))


@router.post("/{case_id}/transfer-reply", response_model=CaseRead)
def transfer_reply(
    session: SessionDep, actor: LoggedInDep, case_id: int, data: TransferReply
) -> CaseRead:
    return case_read(service.transfer_reply(session, actor, case_id, data))


@router.get("/{case_id}/evidence", response_model=list[EvidenceRead])
def list_evidence(session: SessionDep, actor: LoggedInDep, case_id: int) -> list[EvidenceRead]:
    return [EvidenceRead.model_validate(e) for e in evidence.list_evidence(session, actor, case_id)]


@router.post("/{case_id}/evidence", response_model=EvidenceRead, status_code=201)
def upload_evidence(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    case_id: int,
    file: Annotated[UploadFile, File()],
    description: Annotated[str, Form(max_length=500)] = "",
) -> EvidenceRead:
    """Fix an evidence file: stored by its SHA-256, which the audit entry records."""
    data = file.file.read(evidence.MAX_BYTES + 1)
    item = evidence.add_evidence(
        session, actor, case_id,
        filename=file.filename or "evidence", content_type=file.content_type or "",
        data=data, description=description, var_dir=request.app.state.settings.var_dir,
    )  # fmt: skip
    return EvidenceRead.model_validate(item)


@public_router.get("/penalties", response_model=Page[DecisionRead])
def public_penalties(
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[DecisionRead]:
    """双公示: administrative penalty decisions, public once decided; no account needed."""
    params = PageParams(page=page, page_size=page_size)
    items, total = public.list_decisions(session, PUBLIC, params, q)
    return Page(items=items, total=total, page=page, page_size=page_size)
