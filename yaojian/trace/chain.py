"""The chain of one pack: what happened to it, directly or inside a case or pallet.

An event on a container applies to every pack inside it between the aggregation that packed
it (AggregationEvent ADD) and the one that unpacked it (DELETE naming the pack, or naming only
the parent, which empties it). Containers nest (pack → case → pallet) up to ``MAX_DEPTH``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from yaojian.auth.actor import Actor
from yaojian.auth.scope import scoped
from yaojian.registry.models import Enterprise
from yaojian.trace.codes import ParsedCode, parse_code
from yaojian.trace.models import TraceEvent, TraceEventEpc

MAX_DEPTH = 4
NEVER = dt.datetime.max.replace(tzinfo=dt.UTC)
DIRECT_ROLES = ("epc", "child", "parent", "input", "output")
# What a pack's last disposition or business step means to someone holding it.
STATUS = {
    "dispensed": ("dispensed", "已售出/已使用"),
    "destroyed": ("destroyed", "已销毁"),
    "recalled": ("recalled", "已召回"),
    "in_transit": ("in_transit", "运输中"),
    "returned": ("returned", "已退回"),
    "stolen": ("suspect", "可疑：被盗"),
    "expired": ("expired", "已过期"),
    "damaged": ("damaged", "已损坏"),
    "active": ("active", "正常"),
    "in_progress": ("active", "正常"),
    "sellable_accessible": ("active", "正常"),
    "sellable_not_accessible": ("active", "正常"),
    "non_sellable_other": ("suspect", "可疑：不可销售"),
}


@dataclass
class Step:
    event: TraceEvent
    via: str | None  # the container the event happened to, when not the pack itself
    enterprise: Enterprise | None


@dataclass
class Chain:
    code: ParsedCode
    steps: list[Step] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)

    @property
    def last(self) -> Step | None:
        return self.steps[-1] if self.steps else None

    @property
    def status(self) -> tuple[str, str]:
        """(machine word, Chinese label) from the latest disposition, else the latest step."""
        for step in reversed(self.steps):
            if step.event.disposition in STATUS:
                return STATUS[step.event.disposition]
            if step.event.biz_step == "dispensing":
                return STATUS["dispensed"]
        return ("unknown", "未见流通记录") if not self.steps else ("active", "正常")

    def known_before(self, moment: dt.datetime) -> Chain:
        """The chain as it stood at ``moment``: only the events recorded before it."""
        steps = [s for s in self.steps if s.event.record_time < moment]
        return Chain(code=self.code, steps=steps, containers=self.containers)

    @property
    def custodian(self) -> Enterprise | None:
        """The enterprise where the pack was last seen at a business location."""
        for step in reversed(self.steps):
            if step.event.biz_location and step.enterprise is not None:
                return step.enterprise
        return None


def _events_naming(
    session: Session, actor: Actor, epc: str, roles: tuple[str, ...]
) -> list[tuple[TraceEvent, str]]:
    stmt = (
        select(TraceEvent, TraceEventEpc.role)
        .join(TraceEventEpc, TraceEventEpc.event_id == TraceEvent.id)
        .where(TraceEventEpc.epc == epc, TraceEventEpc.role.in_(roles))
        .order_by(TraceEvent.event_time, TraceEvent.id)
        .options(selectinload(TraceEvent.epcs))  # spans read every event's parent and children
    )
    return [(e, role) for e, role in session.execute(scoped(stmt, actor, TraceEvent))]


def container_spans(
    session: Session, actor: Actor, epc: str
) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(container, packed at, unpacked at) for every aggregation that put ``epc`` in a parent."""
    spans: list[tuple[str, dt.datetime, dt.datetime]] = []
    for event, _ in _events_naming(session, actor, epc, ("child",)):
        if event.event_type != "AggregationEvent" or event.action != "ADD":
            continue
        parent = next((r.epc for r in event.epcs if r.role == "parent"), None)
        if parent is None:
            continue
        ends = [
            later.event_time
            for later, _ in _events_naming(session, actor, parent, ("parent",))
            if later.event_type == "AggregationEvent"
            and later.action == "DELETE"
            and later.event_time >= event.event_time
            and (
                not any(r.role == "child" for r in later.epcs)
                or any(r.role == "child" and r.epc == epc for r in later.epcs)
            )
        ]
        spans.append((parent, event.event_time, min(ends, default=NEVER)))
    return spans


def contents_at(
    session: Session, actor: Actor, container: str, when: dt.datetime, depth: int = 0
) -> set[str]:
    """Everything inside ``container`` at ``when`` (nested cases and their packs included).

    Replays the aggregations naming it as parent up to ``when``: ADD puts children in, DELETE
    takes the named children out, a DELETE naming none empties it.
    """
    inside: set[str] = set()
    for event, _ in _events_naming(session, actor, container, ("parent",)):
        if event.event_type != "AggregationEvent" or event.event_time > when:
            continue
        children = {r.epc for r in event.epcs if r.role == "child"}
        if event.action == "ADD":
            inside |= children
        elif event.action == "DELETE":
            inside = inside - children if children else set()
    if depth + 1 < MAX_DEPTH:
        for child in list(inside):
            inside |= contents_at(session, actor, child, when, depth + 1)
    return inside


def chain_of(session: Session, actor: Actor, text: str) -> Chain:
    """Every event the actor may see that happened to the pack, in time order."""
    return chain_for(session, actor, parse_code(text))


def chain_for(session: Session, actor: Actor, code: ParsedCode) -> Chain:
    """The chain of an already parsed code (recall and detectors walk many of them)."""
    chain = Chain(code=code)
    seen: set[int] = set()
    steps: list[tuple[TraceEvent, str | None]] = []
    for event, _ in _events_naming(session, actor, code.canonical, DIRECT_ROLES):
        if event.id not in seen:
            seen.add(event.id)
            steps.append((event, None))
    frontier = [(code.canonical, dt.datetime.min.replace(tzinfo=dt.UTC), NEVER)]
    for _ in range(MAX_DEPTH):
        next_frontier = []
        for epc, start, end in frontier:
            for container, packed, unpacked in container_spans(session, actor, epc):
                lo, hi = max(start, packed), min(end, unpacked)
                if lo >= hi:
                    continue
                chain.containers.append(container)
                for event, _ in _events_naming(session, actor, container, ("epc", "parent")):
                    if lo <= event.event_time < hi and event.id not in seen:
                        seen.add(event.id)
                        steps.append((event, container))
                next_frontier.append((container, lo, hi))
        frontier = next_frontier
        if not frontier:
            break
    steps.sort(key=lambda pair: (pair[0].event_time, pair[0].id))
    owners = {e.enterprise_id for e, _ in steps if e.enterprise_id is not None}
    enterprises = {
        e.id: e for e in session.scalars(select(Enterprise).where(Enterprise.id.in_(owners)))
    }
    chain.steps = [
        Step(event, via, enterprises.get(event.enterprise_id or 0)) for event, via in steps
    ]
    return chain


def chain_json(chain: Chain) -> dict[str, Any]:
    custodian = chain.custodian
    return {
        "code": chain.code.as_json(),
        "status": chain.status[0],
        "status_label": chain.status[1],
        "custodian": enterprise_json(custodian),
        "containers": chain.containers,
        "events": [
            {
                "event_time": s.event.event_time.isoformat(),
                "event_type": s.event.event_type,
                "action": s.event.action,
                "biz_step": s.event.biz_step,
                "disposition": s.event.disposition,
                "read_point": s.event.read_point,
                "biz_location": s.event.biz_location,
                "via": s.via,
                "enterprise": enterprise_json(s.enterprise),
                "event_hash": s.event.event_hash,
            }
            for s in chain.steps
        ],
    }


def enterprise_json(enterprise: Enterprise | None) -> dict[str, Any] | None:
    """The party of a trace answer: who, and in which county."""
    if enterprise is None:
        return None
    return {
        "id": enterprise.id,
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "region_code": enterprise.region_code,
        "county": enterprise.region.name,
    }
