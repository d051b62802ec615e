"""EPCIS capture: read, validate, authorise, hash and store a document's events.

Every event is stored once per CBV 2.0 event hash ID, so sending a document again is harmless.
With the default error behaviour ``rollback`` a document with any invalid event stores nothing
and the caller gets every problem (``eventList[i].field``); with ``proceed`` the valid events
are kept and the capture job lists the others. A capture is audited as one entry per job (the
counts and the hashes' range), not one per event, so that bulk traceability does not swamp the
chain of regulatory writes.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.audit.chain import record
from yaojian.auth.actor import Actor
from yaojian.auth.models import Role
from yaojian.auth.permissions import Action, authorize
from yaojian.db import any_of, list_param, read_frame
from yaojian.kit.errors import DomainError, FieldProblem, InvalidInput
from yaojian.kit.gcpause import collector_paused
from yaojian.kit.timeutil import utcnow
from yaojian.registry.models import Enterprise
from yaojian.trace.codes import parse_code
from yaojian.trace.epcis import EPCISDocument, read_document, validate
from yaojian.trace.models import CaptureJob, JobStatus, TraceLocation
from yaojian.trace.pack_state import Register
from yaojian.trace.storage import (
    EpcRow,
    EventRow,
    ensure_partitions,
    insert_events,
    state_event,
)

ERROR_BEHAVIOURS = ("rollback", "proceed")
CAPTURE_LIMIT = 10_000  # events per document (GS1-EPCIS-Capture-Limit)
CAPTURE_FILE_SIZE_LIMIT = 64 * 1024 * 1024  # bytes (GS1-EPCIS-Capture-File-Size-Limit)
# Identifiers whose form we know well enough to refuse when they do not check out.
_STRICT = re.compile(
    r"^(urn:epc:id:(sgtin|sscc):|urn:epc:class:lgtin:|https?://[^/]+/(.+/)?(01|00)/\d)"
)
_EPC_FIELDS = {
    "epcList": "epc",
    "childEPCs": "child",
    "inputEPCList": "input",
    "outputEPCList": "output",
}
_QUANTITY_FIELDS = {
    "quantityList": "quantity",
    "childQuantityList": "child_quantity",
    "inputQuantityList": "input_quantity",
    "outputQuantityList": "output_quantity",
}


# A pack named the everyday way — Digital Link or SGTIN URN with a plain alphanumeric serial,
# which no form escapes — has the canonical form of its GTIN's template plus the serial, so a
# bulk capture parses each GTIN once rather than each of its packs.
_PLAIN_SGTIN = re.compile(
    r"(https?://[^/?#]+/01/\d{14}/21/|urn:epc:id:sgtin:\d{6,12}\.\d{1,7}\.)([0-9A-Za-z]{1,20})\Z"
)


@lru_cache(maxsize=4096)
def _sgtin_template(head: str) -> tuple[str, str | None, str | None]:
    parsed = parse_code(head + "0")
    return parsed.canonical[:-1], parsed.gtin, parsed.cn_product_prefix


def identify(value: str) -> tuple[str, str | None, str | None]:
    """(canonical identifier, GTIN, 药品标识码) of an identifier an event names.

    Codes we read are stored in our canonical form; other URIs (GIAI, GRAI, custom) as given.
    """
    plain = _PLAIN_SGTIN.match(value)
    if plain is not None:
        try:
            template, gtin, prefix = _sgtin_template(plain.group(1))
        except InvalidInput:
            pass  # the full parse below names the fault in the code as given
        else:
            return template + plain.group(2), gtin, prefix
    try:
        parsed = parse_code(value)
    except InvalidInput:
        if _STRICT.match(value):
            raise
        return value, None, None
    return parsed.canonical, parsed.gtin, parsed.cn_product_prefix


def canonical_epc(value: str) -> str:
    """The identifier as stored and queried: our canonical code form where we can parse it."""
    return identify(value)[0]


def event_identifiers(event: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(raw identifier, role) for every EPC or EPC class the event names."""
    if isinstance(event.get("parentID"), str):
        yield event["parentID"], "parent"
    for field, role in _EPC_FIELDS.items():
        for value in event.get(field) or []:
            if isinstance(value, str):
                yield value, role
    for field, role in _QUANTITY_FIELDS.items():
        for item in event.get(field) or []:
            if isinstance(item, dict) and isinstance(item.get("epcClass"), str):
                yield item["epcClass"], role


def _place(event: dict[str, Any], key: str) -> str | None:
    value = event.get(key)
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def cbv_word(value: Any) -> str | None:
    """CBV words are stored bare (``shipping``), other URIs as they are."""
    if not isinstance(value, str):
        return None
    for prefix in (
        "https://ref.gs1.org/cbv/BizStep-",
        "https://ref.gs1.org/cbv/Disp-",
        "cbv:BizStep-",
        "cbv:Disp-",
    ):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


class TooManyEvents(DomainError):
    def __init__(self, count: int, limit: int) -> None:
        super().__init__(
            detail=f"{count} events; this repository captures at most {limit} per document",
            status=413,
            title="Capture limit exceeded",
            type_slug="capture-limit-exceeded",
        )


@dataclass
class Prepared:
    """A document read, validated and authorised, ready to store."""

    document: EPCISDocument
    canonical: dict[int, list[EpcRow]]  # the identifiers of each event, canonical
    locations: dict[str, tuple[int, str]]
    problems: list[FieldProblem]
    bad: set[int]  # indices of the events refused (kept only with ``proceed``)


@collector_paused()
def prepare(
    session: Session,
    actor: Actor,
    data: bytes,
    *,
    error_behaviour: str = "rollback",
    max_events: int = CAPTURE_LIMIT,
) -> Prepared:
    """Read, validate and authorise; raises InvalidInput (all problems) when rollback refuses."""
    authorize(actor, Action.TRACE_CAPTURE)
    if error_behaviour not in ERROR_BEHAVIOURS:
        raise InvalidInput("GS1-Capture-Error-Behaviour", "rollback or proceed")
    document = read_document(data)
    if len(document.events) > max_events:
        raise TooManyEvents(len(document.events), max_events)
    problems = validate(document)
    locations = _locations(session, document)
    canonical: dict[int, list[EpcRow]] = {}
    for i, event in enumerate(document.events):
        problems.extend(_authorisation_problems(actor, i, event, locations))
        try:
            canonical[i] = _epc_rows(event)
        except InvalidInput as exc:
            problems.append(FieldProblem(f"eventList[{i}].epc", exc.invalid_params[0].reason))
    if problems and error_behaviour == "rollback":
        error = InvalidInput(problems[0].name, problems[0].reason)
        error.invalid_params = problems
        error.detail = f"{len(problems)} problem(s); nothing of the document was stored"
        raise error
    bad = {int(m.group(1)) for p in problems if (m := re.match(r"eventList\[(\d+)\]", p.name))}
    return Prepared(document, canonical, locations, problems, bad)


def _epc_rows(event: dict[str, Any]) -> list[EpcRow]:
    """The identifiers the event names, canonical, with their roles (InvalidInput if unreadable)."""
    rows = []
    for raw, role in event_identifiers(event):
        epc, gtin, prefix = identify(raw)
        rows.append(EpcRow(epc, role, gtin, prefix))
    return rows


def open_job(
    session: Session, actor: Actor, prepared: Prepared, error_behaviour: str
) -> CaptureJob:
    """A running capture job for a prepared document (stored now, or later by a worker)."""
    job = CaptureJob(
        id=uuid.uuid4().hex,
        status=JobStatus.RUNNING,
        error_behaviour=error_behaviour,
        actor=actor.audit_label(),
        enterprise_id=actor.enterprise_id,
        events_received=len(prepared.document.events),
        errors=_errors(prepared.problems),
    )
    session.add(job)
    session.flush()
    return job


def capture(
    session: Session,
    actor: Actor,
    data: bytes,
    *,
    error_behaviour: str = "rollback",
    max_events: int = CAPTURE_LIMIT,
    job: CaptureJob | None = None,
) -> CaptureJob:
    """Capture a document; raises InvalidInput (all problems) when rollback refuses it.

    ``job`` is a running job opened earlier (the document was queued); it is validated again
    here because locations may have changed hands while it waited.
    """
    prepared = prepare(session, actor, data, error_behaviour=error_behaviour, max_events=max_events)
    if job is None:
        job = open_job(session, actor, prepared, error_behaviour)
    else:
        job.events_received = len(prepared.document.events)
        job.errors = _errors(prepared.problems)
    return store(session, actor, prepared, job)


@collector_paused()
def store(session: Session, actor: Actor, prepared: Prepared, job: CaptureJob) -> CaptureJob:
    """Store a prepared document's valid events under the job, finish the job and audit it."""
    stored, duplicate = _store(
        session, prepared.document, prepared.canonical, prepared.locations, prepared.bad, job
    )
    job.events_stored, job.events_duplicate = stored, duplicate
    job.status = JobStatus.PARTIAL if prepared.bad else JobStatus.SUCCEEDED
    job.finished_at = utcnow()
    session.flush()
    record(
        session, actor, "trace.capture", "trace_capture_job", job.id,
        after={"received": len(prepared.document.events), "stored": stored,
               "duplicate": duplicate, "rejected": len(prepared.bad)},
    )  # fmt: skip
    return job


def fail_job(session: Session, job: CaptureJob, error: DomainError) -> CaptureJob:
    """A queued document refused when its turn came: nothing stored, the problems kept."""
    problems = error.invalid_params or [FieldProblem("document", error.detail)]
    job.status = JobStatus.FAILED
    job.errors = _errors(problems)
    job.finished_at = utcnow()
    session.flush()
    return job


def _errors(problems: list[FieldProblem]) -> dict[str, Any]:
    return {"problems": [{"name": p.name, "reason": p.reason} for p in problems]}


def _locations(session: Session, document: EPCISDocument) -> dict[str, tuple[int, str]]:
    """Each read point / business location of the document → (enterprise id, county code)."""
    uris = {u for e in document.events for k in ("readPoint", "bizLocation") if (u := _place(e, k))}
    if not uris:
        return {}
    rows = session.execute(
        select(TraceLocation.uri, Enterprise.id, Enterprise.region_code)
        .join(Enterprise, Enterprise.id == TraceLocation.enterprise_id)
        .where(TraceLocation.uri.in_(uris))
    )
    return {uri: (eid, region) for uri, eid, region in rows}


def _authorisation_problems(
    actor: Actor, i: int, event: dict[str, Any], locations: dict[str, tuple[int, str]]
) -> list[FieldProblem]:
    """An enterprise captures only what happened at its own locations."""
    if actor.role is not Role.ENTERPRISE:
        return []
    for key in ("bizLocation", "readPoint"):
        uri = _place(event, key)
        if uri is not None:
            owner = locations.get(uri)
            if owner is None or owner[0] != actor.enterprise_id:
                return [FieldProblem(f"eventList[{i}].{key}", "not a location of your enterprise")]
            return []
    return [FieldProblem(f"eventList[{i}].bizLocation", "an enterprise's event names its location")]


def _store(
    session: Session,
    document: EPCISDocument,
    canonical: dict[int, list[EpcRow]],
    locations: dict[str, tuple[int, str]],
    bad: set[int],
    job: CaptureJob,
) -> tuple[int, int]:
    hashes = document.hashes()
    times = [_utc(event["eventTime"]) for event in document.events]
    # The hash covers the event time, so bounding the lookup by time loses nothing and lets
    # PostgreSQL read only the document's months.
    known: set[str] = set()
    if hashes:
        stored = read_frame(
            session,
            "SELECT event_hash FROM trace_event WHERE event_time BETWEEN :lo AND :hi AND "
            + any_of(session, "event_hash", "hashes"),
            {"lo": min(times), "hi": max(times), "hashes": list_param(session, hashes)},
            {"event_hash": pl.String},
        )
        known = set(stored["event_hash"])
    rows: list[EventRow] = []
    duplicate = 0
    now = utcnow()
    for i, (event, event_hash) in enumerate(zip(document.events, hashes, strict=True)):
        if i in bad:
            continue
        if event_hash in known:
            duplicate += 1
            continue
        known.add(event_hash)
        place = _place(event, "bizLocation") or _place(event, "readPoint")
        owner = locations.get(place or "")
        ilmd = event.get("ilmd")
        values = {
            "event_hash": event_hash,
            "event_id": event.get("eventID"),
            "event_type": str(event.get("type")),
            "action": event.get("action"),
            "event_time": times[i],
            "event_time_zone_offset": event.get("eventTimeZoneOffset", "+00:00"),
            "record_time": now,
            "biz_step": cbv_word(event.get("bizStep")),
            "disposition": cbv_word(event.get("disposition")),
            "read_point": _place(event, "readPoint"),
            "biz_location": _place(event, "bizLocation"),
            "enterprise_id": owner[0] if owner else None,
            "region_code": owner[1] if owner else None,
            "job_id": job.id,
            "ilmd": ilmd if isinstance(ilmd, dict) else None,
            "body": event,
        }
        rows.append(EventRow(values, canonical.get(i, [])))
    if rows:
        # The register is read before the events go in, and brought up to date while
        # PostgreSQL is still taking them in (see storage.insert_events).
        events = [state_event(0, row) for row in rows]
        # New months first: creating a partition locks trace_event exclusively, which a capture
        # waiting for the register lock (having read trace_event) would never let go of.
        ensure_partitions(session, (r.values["event_time"] for r in rows))
        register = Register.open(session, events)

        def number_and_apply(ids: list[int]) -> None:
            for event, event_id in zip(events, ids, strict=True):
                event.id = event_id
            register.apply()

        insert_events(
            session, rows, after_events=number_and_apply, after_identifiers=register.stage
        )
        register.write()
    return len(rows), duplicate


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)
