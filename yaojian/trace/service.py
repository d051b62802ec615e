"""Trace locations of enterprises (read points and business locations)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor
from yaojian.auth.permissions import Action, authorize
from yaojian.kit.errors import Conflict, InvalidInput
from yaojian.registry.models import Enterprise
from yaojian.trace.models import TraceLocation


def add_location(
    session: Session, actor: Actor, uri: str, enterprise_id: int, name: str = ""
) -> TraceLocation:
    """Tie an SGLN (``urn:epc:id:sgln:…``) or a GLN Digital Link to an enterprise."""
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise InvalidInput("enterprise_id", f"no enterprise {enterprise_id}")
    authorize(actor, Action.REGISTRY_WRITE, enterprise.region_code)
    if not (uri.startswith("urn:epc:id:sgln:") or "/414/" in uri):
        raise InvalidInput("uri", "a location is an SGLN URN or a GS1 Digital Link with AI 414")
    if session.get(TraceLocation, uri) is not None:
        raise Conflict(f"location {uri} is registered", "uri")
    location = TraceLocation(uri=uri, enterprise_id=enterprise.id, name=name)
    session.add(location)
    session.flush()
    record(session, actor, "trace.location", "trace_location", uri, None, snapshot(location))
    return location
