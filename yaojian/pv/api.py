"""JSON API of pharmacovigilance (/api/v1/pv). Routes parse, call one service, shape the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from yaojian.kit.errors import DomainError
from yaojian.kit.pagination import Page, PageParams
from yaojian.pv import e2b, imports, service
from yaojian.pv.models import ReportCategory, ReportStatus
from yaojian.pv.report_schemas import IcsrImportRead, ReportRead, StoredRead
from yaojian.web.deps import LoggedInDep, SessionDep

router = APIRouter(prefix="/api/v1/pv", tags=["pharmacovigilance"])

XML_TYPES = ("application/xml", "text/xml", "application/hl7-v3+xml")
MAX_ICSR_BYTES = 20 * 1024 * 1024


async def xml_body(request: Request) -> bytes:
    """The raw request body, when it is XML and of a sane size."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in XML_TYPES:
        raise DomainError(
            detail=f"send the ICSR as application/xml or text/xml, not {content_type or 'nothing'}",
            status=415,
            title="Unsupported media type",
            type_slug="unsupported-media-type",
        )
    body = await request.body()
    if len(body) > MAX_ICSR_BYTES:
        raise DomainError(
            detail=f"an ICSR batch may hold at most {MAX_ICSR_BYTES // (1024 * 1024)} MiB",
            status=413,
            title="Content too large",
            type_slug="content-too-large",
        )
    return body


XmlBody = Annotated[bytes, Depends(xml_body)]


@router.post(
    "/icsr",
    response_model=IcsrImportRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {t: {"schema": {"type": "string"}} for t in XML_TYPES[:2]},
        }
    },
)
def submit_icsr(
    session: SessionDep,
    actor: LoggedInDep,
    body: XmlBody,
    response: Response,
    category: ReportCategory = ReportCategory.DRUG,
    sentinel: bool = False,
    region_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
) -> IcsrImportRead:
    """Import an ICH E2B(R3) batch; 201 when something new was stored, 200 when all were known."""
    stored = imports.import_e2b(
        session, actor, body, category=category, sentinel=sentinel, region_code=region_code
    )
    items = [
        StoredRead(
            outcome=s.outcome.value,
            outcome_label=s.outcome.zh,
            report=ReportRead.model_validate(s.report),
        )
        for s in stored
    ]
    duplicates = sum(s.outcome is service.StoreOutcome.DUPLICATE for s in stored)
    if duplicates == len(stored):
        response.status_code = status.HTTP_200_OK
    return IcsrImportRead(items=items, created=len(stored) - duplicates, duplicates=duplicates)


@router.get("/reports", response_model=Page[ReportRead])
def list_reports(
    session: SessionDep,
    actor: LoggedInDep,
    category: ReportCategory | None = None,
    drug: Annotated[str | None, Query(max_length=100)] = None,
    event: Annotated[str | None, Query(max_length=100)] = None,
    serious: bool | None = None,
    status: ReportStatus | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[ReportRead]:
    params = PageParams(page=page, page_size=page_size)
    rows, total = service.list_reports(
        session,
        actor,
        params,
        category=category,
        drug=drug,
        event=event,
        serious=serious,
        status=status,
    )
    items = [ReportRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get("/reports/{report_id}", response_model=ReportRead)
def get_report(session: SessionDep, actor: LoggedInDep, report_id: int) -> ReportRead:
    return ReportRead.model_validate(service.get_report(session, actor, report_id))


@router.get(
    "/reports/{report_id}/e2b",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}},
)
def export_report(session: SessionDep, actor: LoggedInDep, report_id: int) -> Response:
    report = service.get_report(session, actor, report_id)
    filename = f"icsr-{report.id}-v{report.version}.xml"
    return Response(
        e2b.to_e2b(report),
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
