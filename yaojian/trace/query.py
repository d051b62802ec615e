"""EPCIS 2.0 SimpleEventQuery over the stored events, scoped to what the actor may see."""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, tuple_
from sqlalchemy.orm import Session, undefer

from yaojian.auth.actor import Actor
from yaojian.auth.scope import scoped
from yaojian.kit.errors import InvalidInput
from yaojian.kit.timeutil import utcnow
from yaojian.trace.capture import canonical_epc, cbv_word
from yaojian.trace.codes import CodeKind, parse_code
from yaojian.trace.models import TraceEvent, TraceEventEpc

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
MAX_PER_PAGE = 1000
_ROLES = {
    "MATCH_epc": ("epc", "child"),
    "MATCH_parentID": ("parent",),
    "MATCH_anyEPC": ("epc", "child", "parent", "input", "output"),
    "MATCH_epcClass": ("quantity", "child_quantity", "input_quantity", "output_quantity"),
}
_EQUALS = {
    "EQ_action": TraceEvent.action,
    "EQ_readPoint": TraceEvent.read_point,
    "EQ_bizLocation": TraceEvent.biz_location,
    "EQ_eventID": TraceEvent.event_id,
}
_TIMES = {
    "GE_eventTime": (TraceEvent.event_time, "ge"),
    "LT_eventTime": (TraceEvent.event_time, "lt"),
    "GE_recordTime": (TraceEvent.record_time, "ge"),
    "LT_recordTime": (TraceEvent.record_time, "lt"),
}
SUPPORTED = {
    "eventType", "EQ_bizStep", "EQ_disposition", "perPage", "nextPageToken",
    *_ROLES, *_EQUALS, *_TIMES,
}  # fmt: skip


def _values(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def _time(name: str, text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(name, "an ISO 8601 date-time with a time zone") from None
    if value.tzinfo is None:
        raise InvalidInput(name, "the time needs a time zone (Z or ±hh:mm)")
    return value.astimezone(dt.UTC)


def _token(event_time: dt.datetime, event_id: int) -> str:
    raw = f"{event_time.isoformat()}|{event_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _untoken(token: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        when, _, ident = raw.partition("|")
        return dt.datetime.fromisoformat(when), int(ident)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("nextPageToken", "not a token this server gave") from None


# EPCIS 2.0 §8.2.7.1: a MATCH_ value may be a pure-identity pattern. CP.*.* (SGTIN) or CP.*
# (SSCC) covers a whole company prefix; CP.IR.* one product, parsed like any code.
_COMPANY_PATTERN = re.compile(r"^urn:epc:idpat:(sgtin|sscc):(\d{6,12})\.\*(\.\*)?$")


def _matching(value: str) -> ColumnElement[bool]:
    """Identifier rows that ``value`` names: one code, or every code a pattern covers."""
    company = _COMPANY_PATTERN.match(value)
    if company is not None:
        scheme, prefix = company.group(1), company.group(2)
        if scheme == "sgtin":
            # A GTIN-14 is the indicator digit, then the company prefix, item and check digit.
            return TraceEventEpc.gtin.like(f"_{prefix}%")
        return TraceEventEpc.epc.like(f"urn:epc:id:sscc:{prefix}.%")
    if value.startswith("urn:epc:idpat:sgtin:"):
        parsed = parse_code(value)
        if parsed.kind is CodeKind.GTIN and parsed.gtin is not None:
            return TraceEventEpc.gtin == parsed.gtin
    return TraceEventEpc.epc == canonical_epc(value)


def build_query(actor: Actor, params: Mapping[str, str]) -> tuple[Select[Any], int]:
    unknown = sorted(set(params) - SUPPORTED)
    if unknown:
        raise InvalidInput(unknown[0], "not a query parameter this repository supports")
    stmt = select(TraceEvent).options(undefer(TraceEvent.body))  # the answer is the bodies
    if "eventType" in params:
        stmt = stmt.where(TraceEvent.event_type.in_(_values(params["eventType"])))
    for name, (time_column, op) in _TIMES.items():
        if name in params:
            when = _time(name, params[name])
            stmt = stmt.where(time_column >= when if op == "ge" else time_column < when)
    for name, column in _EQUALS.items():
        if name in params:
            stmt = stmt.where(column.in_(_values(params[name])))
    if "EQ_bizStep" in params:
        stmt = stmt.where(
            TraceEvent.biz_step.in_([cbv_word(v) for v in _values(params["EQ_bizStep"])])
        )
    if "EQ_disposition" in params:
        values = [cbv_word(v) for v in _values(params["EQ_disposition"])]
        stmt = stmt.where(TraceEvent.disposition.in_(values))
    for name, roles in _ROLES.items():
        if name in params:
            try:
                matches = [_matching(v) for v in _values(params[name])]
            except InvalidInput as exc:
                raise InvalidInput(name, exc.invalid_params[0].reason) from None
            naming = select(TraceEventEpc.event_id, TraceEventEpc.event_time).where(
                or_(*matches), TraceEventEpc.role.in_(roles)
            )
            stmt = stmt.where(tuple_(TraceEvent.id, TraceEvent.event_time).in_(naming))
    try:
        per_page = int(params.get("perPage", "30"))
    except ValueError:
        raise InvalidInput("perPage", "a whole number") from None
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput("perPage", f"between 1 and {MAX_PER_PAGE}")
    if "nextPageToken" in params:
        after_time, after_id = _untoken(params["nextPageToken"])
        stmt = stmt.where(
            or_(
                TraceEvent.event_time > after_time,
                and_(TraceEvent.event_time == after_time, TraceEvent.id > after_id),
            )
        )
    stmt = scoped(stmt, actor, TraceEvent).order_by(TraceEvent.event_time, TraceEvent.id)
    return stmt, per_page


def query_events(
    session: Session, actor: Actor, params: Mapping[str, str]
) -> tuple[list[TraceEvent], str | None]:
    """One page of matching events, and the token of the next page (None on the last)."""
    stmt, per_page = build_query(actor, params)
    rows = list(session.scalars(stmt.limit(per_page + 1)))
    if len(rows) > per_page:
        rows = rows[:per_page]
        return rows, _token(rows[-1].event_time, rows[-1].id)
    return rows, None


def query_document(events: list[TraceEvent]) -> dict[str, Any]:
    """The EPCISQueryDocument (JSON-LD) of a page of events."""
    return {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": [_with_hash(e) for e in events]},
            }
        },
    }


def _with_hash(event: TraceEvent) -> dict[str, Any]:
    body = dict(event.body)
    body.setdefault("eventID", event.event_hash)
    return body
