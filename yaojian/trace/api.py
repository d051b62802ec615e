"""EPCIS 2.0 REST bindings (capture and query) under /api/v1/epcis, and trace locations."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from yaojian.auth.permissions import Action, authorize
from yaojian.auth.scope import scoped
from yaojian.kit.errors import DomainError, NotFound
from yaojian.registry.service import get_enterprise
from yaojian.trace import capture as capturing
from yaojian.trace import recall as recalling
from yaojian.trace.bus import Bus, enqueue
from yaojian.trace.chain import chain_json, chain_of
from yaojian.trace.coverage import coverage
from yaojian.trace.models import CaptureJob, RecallLevel, TraceLocation
from yaojian.trace.query import query_document, query_events
from yaojian.trace.service import add_location as add_trace_location
from yaojian.web.deps import LoggedInDep, SessionDep

router = APIRouter(prefix="/api/v1/epcis", tags=["EPCIS 2.0"])
locations_router = APIRouter(prefix="/api/v1/trace", tags=["traceability"])
EPCIS_HEADERS = {
    "GS1-EPCIS-Version": "2.0.0",
    "GS1-CBV-Version": "2.0.0",
    "GS1-EPCIS-Capture-Limit": str(capturing.CAPTURE_LIMIT),
    "GS1-EPCIS-Capture-File-Size-Limit": str(capturing.CAPTURE_FILE_SIZE_LIMIT),
}


class PayloadTooLarge(DomainError):
    def __init__(self) -> None:
        super().__init__(
            detail=f"documents are limited to {capturing.CAPTURE_FILE_SIZE_LIMIT} bytes",
            status=413,
            title="Capture file size limit exceeded",
            type_slug="capture-limit-exceeded",
        )


async def _body(request: Request) -> bytes:
    size = int(request.headers.get("content-length") or 0)
    if size > capturing.CAPTURE_FILE_SIZE_LIMIT:
        raise PayloadTooLarge()
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > capturing.CAPTURE_FILE_SIZE_LIMIT:
            raise PayloadTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _job_read(job: CaptureJob) -> dict[str, Any]:
    return {
        "captureID": job.id,
        "createdAt": job.created_at.isoformat(),
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
        "running": job.finished_at is None,
        "success": job.status.value in ("succeeded", "partial"),
        "status": job.status.value,
        "captureErrorBehaviour": job.error_behaviour,
        "eventsReceived": job.events_received,
        "eventsStored": job.events_stored,
        "eventsAlreadyStored": job.events_duplicate,
        "errors": job.errors.get("problems", []),
    }


@router.post("/capture", status_code=status.HTTP_202_ACCEPTED)
async def capture(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    behaviour: Annotated[str, Header(alias="GS1-Capture-Error-Behaviour")] = "rollback",
) -> Response:
    """Capture an EPCISDocument (JSON-LD or XML); 202 with the capture job's Location.

    With ``rollback`` (default) a document with any invalid event is refused whole with 422
    naming every ``eventList[i].field``; ``proceed`` keeps the valid events. With
    ``YAOJIAN_NATS_URL`` set the document is validated here and stored by a worker: the job is
    still running when this answers.
    """
    data = await _body(request)
    bus: Bus | None = request.app.state.bus
    if bus is None:
        job = capturing.capture(session, actor, data, error_behaviour=behaviour)
    else:
        job = await enqueue(bus, session, actor, data, error_behaviour=behaviour)
    headers = EPCIS_HEADERS | {"Location": f"/api/v1/epcis/capture/{job.id}"}
    return JSONResponse(_job_read(job), status_code=202, headers=headers)


@router.get("/capture/{capture_id}")
def capture_job(session: SessionDep, actor: LoggedInDep, capture_id: str) -> Response:
    job = session.get(CaptureJob, capture_id)
    if job is None or not (
        actor.is_province_wide or (job.enterprise_id and job.enterprise_id == actor.enterprise_id)
    ):
        raise NotFound("capture job", capture_id)
    return JSONResponse(_job_read(job), headers=EPCIS_HEADERS)


@router.post("/events", status_code=status.HTTP_201_CREATED)
async def capture_event(request: Request, session: SessionDep, actor: LoggedInDep) -> Response:
    """Capture one event (a bare EPCIS event in JSON-LD); 201."""
    job = capturing.capture(session, actor, await _body(request))
    return JSONResponse(_job_read(job), status_code=201, headers=EPCIS_HEADERS)


def _query_response(
    request: Request, session: SessionDep, actor: LoggedInDep, extra: dict[str, str]
) -> Response:
    params = dict(request.query_params) | extra
    events, token = query_events(session, actor, params)
    headers = dict(EPCIS_HEADERS)
    if token:
        query = "&".join(f"{k}={v}" for k, v in params.items() if k != "nextPageToken")
        headers["Link"] = f'<{request.url.path}?{query}&nextPageToken={token}>; rel="next"'
    return JSONResponse(query_document(events), headers=headers, media_type="application/ld+json")


@router.get("/events")
def events(request: Request, session: SessionDep, actor: LoggedInDep) -> Response:
    """SimpleEventQuery: eventType, GE_/LT_eventTime, GE_/LT_recordTime, EQ_action, EQ_bizStep,
    EQ_disposition, EQ_readPoint, EQ_bizLocation, MATCH_epc, MATCH_parentID, MATCH_anyEPC,
    MATCH_epcClass, EQ_eventID, perPage, nextPageToken (lists comma-separated)."""
    return _query_response(request, session, actor, {})


@router.get("/epcs/{epc:path}/events")
def events_of_epc(request: Request, session: SessionDep, actor: LoggedInDep, epc: str) -> Response:
    """Every event naming the identifier in any role (any code form this platform reads)."""
    return _query_response(request, session, actor, {"MATCH_anyEPC": epc})


class LocationCreate(BaseModel):
    uri: str = Field(min_length=8, max_length=200)
    enterprise_id: int
    name: str = Field("", max_length=200)


@locations_router.post("/locations", status_code=status.HTTP_201_CREATED)
def add_location(session: SessionDep, actor: LoggedInDep, data: LocationCreate) -> dict[str, Any]:
    """Register a read point / business location (SGLN) of an enterprise."""
    enterprise = get_enterprise(session, actor, data.enterprise_id)
    authorize(actor, Action.REGISTRY_WRITE, enterprise.region_code)
    location = add_trace_location(session, actor, data.uri, enterprise.id, data.name)
    return {"uri": location.uri, "enterprise_id": location.enterprise_id, "name": location.name}


@locations_router.get("/locations")
def list_locations(
    session: SessionDep, actor: LoggedInDep, enterprise_id: int
) -> list[dict[str, Any]]:
    stmt = scoped(
        select(TraceLocation).where(TraceLocation.enterprise_id == enterprise_id),
        actor,
        TraceLocation,
    )
    return [
        {"uri": loc.uri, "enterprise_id": loc.enterprise_id, "name": loc.name}
        for loc in session.scalars(stmt)
    ]


@locations_router.get("/codes/{code:path}")
def chain(session: SessionDep, actor: LoggedInDep, code: str) -> dict[str, Any]:
    """The chain of one pack (any code form): its events, directly or inside cases and pallets,
    its current custodian and status."""
    return chain_json(chain_of(session, actor, code))


@locations_router.get("/coverage")
def coverage_indicators(
    session: SessionDep, actor: LoggedInDep, by: Literal["city", "county"] = "city"
) -> list[dict[str, Any]]:
    """药品重点产品追溯落实率 and 医疗器械唯一标识制度实施率 per city or county (first row: all)."""
    return coverage(session, actor, by).to_dicts()


class RecallCreate(BaseModel):
    """A batch: ``code`` (LGTIN URN, ``(01)…(10)…``, Digital Link) or ``gtin`` and ``lot``."""

    code: str | None = Field(None, max_length=200)
    gtin: str | None = Field(None, pattern=r"^\d{14}$")
    lot: str | None = Field(None, min_length=1, max_length=20)
    reason: str = Field("", max_length=1000)
    level: RecallLevel = RecallLevel.LEVEL_2


@locations_router.post("/recalls", status_code=status.HTTP_201_CREATED)
def start_recall(session: SessionDep, actor: LoggedInDep, data: RecallCreate) -> dict[str, Any]:
    """Recall a batch: every holder with counts, by enterprise and county, packs already
    dispensed, a task per holder (province, or the recalling party's regulators)."""
    batch = recalling.parse_lot(data.code, data.gtin, data.lot)
    recall = recalling.start_recall(session, actor, batch, data.reason, data.level)
    return recalling.recall_json(recalling.recall_progress(session, actor, recall.id))


@locations_router.get("/recalls/{recall_id}")
def recall(session: SessionDep, actor: LoggedInDep, recall_id: int) -> dict[str, Any]:
    """A recall and its progress, recomputed from the return events received so far."""
    return recalling.recall_json(recalling.recall_progress(session, actor, recall_id))
