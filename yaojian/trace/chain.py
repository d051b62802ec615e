"""The chain of one pack: what happened to it, directly or inside a case or pallet.

An event on a container applies to every pack inside it between the aggregation that packed
it (AggregationEvent ADD) and the one that unpacked it (DELETE naming the pack, or naming only
the parent, which empties it). Containers nest (pack → case → pallet) up to ``MAX_DEPTH``.

A chain is two statements: a recursive walk from the pack up through every container an
aggregation ever named it in, then every visible event naming the pack or one of those
containers; then the parties of those events, with their counties. The windows (which
container events fall while the pack was inside) are worked out here, in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, String, bindparam, cast, literal, select
from sqlalchemy.orm import Session, aliased

from yaojian.auth.actor import Actor
from yaojian.auth.scope import scoped
from yaojian.registry.models import Enterprise, Region
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


@dataclass(frozen=True, slots=True)
class ChainEvent:
    """What a chain needs of a stored event (never its body)."""

    id: int
    event_hash: str
    event_type: str
    action: str | None
    event_time: dt.datetime
    record_time: dt.datetime
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    enterprise_id: int | None


EVENT_COLUMNS = tuple(getattr(TraceEvent, f) for f in ChainEvent.__slots__)


@dataclass(frozen=True, slots=True)
class Party:
    """The registry's enterprise behind an event: who, and in which county."""

    id: int
    name: str
    credit_code: str
    region_code: str
    county: str

    @classmethod
    def of(cls, enterprise: Enterprise) -> Party:
        return cls(enterprise.id, enterprise.name, enterprise.credit_code,
                   enterprise.region_code, enterprise.region.name)  # fmt: skip


ROW_COLUMNS = (TraceEventEpc.epc, TraceEventEpc.role)
PARTY_COLUMNS = (Enterprise.id, Enterprise.name, Enterprise.credit_code, Enterprise.region_code,
                 Region.name)  # fmt: skip


@dataclass
class Step:
    event: ChainEvent
    via: str | None  # the container the event happened to, when not the pack itself
    enterprise: Party | None


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
    def custodian(self) -> Party | None:
        """The enterprise where the pack was last seen at a business location."""
        for step in reversed(self.steps):
            if step.event.biz_location and step.enterprise is not None:
                return step.enterprise
        return None


def joined_to_event() -> ColumnElement[bool]:
    """The EPC row's event, by id and time (one partition of the event table on PostgreSQL)."""
    return (TraceEventEpc.event_id == TraceEvent.id) & (
        TraceEventEpc.event_time == TraceEvent.event_time
    )


def _is_aggregation(event: ChainEvent, action: str) -> bool:
    return event.event_type == "AggregationEvent" and event.action == action


def contents_at(
    session: Session, actor: Actor, container: str, when: dt.datetime, depth: int = 0
) -> set[str]:
    """Everything inside ``container`` at ``when`` (nested cases and their packs included).

    Replays the aggregations naming it as parent up to ``when``: ADD puts children in, DELETE
    takes the named children out, a DELETE naming none empties it.
    """
    inside: set[str] = set()
    for row in _level(session, actor, [container]):
        event = row.event
        if (
            row.role != "parent"
            or event.event_type != "AggregationEvent"
            or event.event_time > when
        ):
            continue
        if event.action == "ADD":
            inside |= row.children
        elif event.action == "DELETE":
            inside = inside - row.children if row.children else set()
    if depth + 1 < MAX_DEPTH:
        for child in list(inside):
            inside |= contents_at(session, actor, child, when, depth + 1)
    return inside


@dataclass
class _Row:
    """An event naming an identifier, with what the chain needs of the event's other rows."""

    event: ChainEvent
    epc: str
    role: str
    parent: str | None  # of an aggregation naming ``epc`` as a child
    # of an aggregation naming ``epc`` as the parent
    children: set[str] = field(default_factory=set)


def _rows_naming(epcs: Any) -> Select[Any]:
    """Every event naming one of ``epcs`` (a column or an expanding parameter) directly, with,
    per row, the other side of an aggregation: the parent of a packing naming it as a child,
    the children of one naming it as the parent."""
    other = aliased(TraceEventEpc)
    same_event = (other.event_id == TraceEventEpc.event_id) & (
        other.event_time == TraceEventEpc.event_time
    )
    related = same_event & (
        ((TraceEventEpc.role == "child") & (other.role == "parent"))
        | ((TraceEventEpc.role == "parent") & (other.role == "child"))
    ) & (TraceEvent.event_type == "AggregationEvent")  # fmt: skip
    return (
        select(*EVENT_COLUMNS, *ROW_COLUMNS, other.role, other.epc)
        .join(TraceEventEpc, joined_to_event())
        .outerjoin(other, related)
        .where(TraceEventEpc.epc.in_(epcs), TraceEventEpc.role.in_(DIRECT_ROLES))
        .order_by(TraceEvent.event_time, TraceEvent.id)
    )


@lru_cache(maxsize=1)
def _level_statement() -> Select[Any]:
    """Built once: composing the aliased self-join costs more than running it."""
    return _rows_naming(bindparam("epcs", expanding=True))


@lru_cache(maxsize=1)
def _chain_statement() -> Select[Any]:
    """The pack (``:code``) and every container above it, walked in the database, then
    :func:`_rows_naming` for all of them at once. Built once."""
    child, parent = aliased(TraceEventEpc), aliased(TraceEventEpc)
    # Typed as the column, so that the walk's two halves agree on PostgreSQL.
    start = cast(bindparam("code", type_=String), TraceEventEpc.epc.type)
    walk = select(start.label("epc"), literal(0).label("depth")).cte("walk", recursive=True)
    same_event = (parent.event_id == child.event_id) & (parent.event_time == child.event_time)
    walk = walk.union(
        select(parent.epc, walk.c.depth + 1)
        .join(child, child.epc == walk.c.epc)
        .join(parent, same_event & (parent.role == "parent"))
        .where(child.role == "child", walk.c.depth < MAX_DEPTH)
    )
    return _rows_naming(select(walk.c.epc).distinct().scalar_subquery())


def _collect(result: Iterable[Any]) -> list[_Row]:
    rows: dict[tuple[int, str, str], _Row] = {}
    width = len(EVENT_COLUMNS)
    for values in result:
        epc, role, other_role, other_epc = values[width : width + 4]
        event_id = values[0]
        row = rows.get((event_id, epc, role))
        if row is None:
            row = rows[(event_id, epc, role)] = _Row(ChainEvent(*values[:width]), epc, role, None)
        if other_role == "parent":
            row.parent = other_epc
        elif other_role == "child" and other_epc is not None:
            row.children.add(other_epc)
    return list(rows.values())


def _level(session: Session, actor: Actor, epcs: Collection[str]) -> list[_Row]:
    """Every visible event naming one of ``epcs``, as :func:`_rows_naming` gives them."""
    if not epcs:
        return []
    stmt = scoped(_level_statement(), actor, TraceEvent)
    return _collect(session.execute(stmt, {"epcs": sorted(epcs)}))


def chain_of(session: Session, actor: Actor, text: str) -> Chain:
    """Every event the actor may see that happened to the pack, in time order."""
    return chain_for(session, actor, parse_code(text))


def chain_for(session: Session, actor: Actor, code: ParsedCode) -> Chain:
    """The chain of an already parsed code: one statement for the events, one for their parties,
    then the windows of the containers, here."""
    chain = Chain(code=code)
    stmt = scoped(_chain_statement(), actor, TraceEvent)
    by_epc: dict[str, list[_Row]] = {}
    for row in _collect(session.execute(stmt, {"code": code.canonical})):
        by_epc.setdefault(row.epc, []).append(row)
    rows = by_epc.get(code.canonical, [])
    seen: set[int] = set()
    steps: list[tuple[_Row, str | None]] = []
    for row in rows:
        if row.event.id not in seen:
            seen.add(row.event.id)
            steps.append((row, None))
    start = dt.datetime.min.replace(tzinfo=dt.UTC)
    window = {code.canonical: [(start, NEVER)]}
    for _ in range(MAX_DEPTH):
        packings = [r for r in rows if r.role == "child" and r.parent is not None
                    and _is_aggregation(r.event, "ADD")]  # fmt: skip
        if not packings:
            break
        next_window: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
        for packing in packings:
            container = packing.parent or ""
            container_rows = by_epc.get(container, [])
            packed = packing.event.event_time
            unpacked = min(
                (
                    r.event.event_time
                    for r in container_rows
                    if r.role == "parent"
                    and _is_aggregation(r.event, "DELETE")
                    and r.event.event_time >= packed
                    # A DELETE naming no child empties the container.
                    and (not r.children or packing.epc in r.children)
                ),
                default=NEVER,
            )
            for outer_lo, outer_hi in window.get(packing.epc, []):
                lo, hi = max(outer_lo, packed), min(outer_hi, unpacked)
                if lo >= hi:
                    continue
                if container not in chain.containers:
                    chain.containers.append(container)
                for row in container_rows:
                    fits = row.role in ("epc", "parent") and lo <= row.event.event_time < hi
                    if fits and row.event.id not in seen:
                        seen.add(row.event.id)
                        steps.append((row, container))
                next_window.setdefault(container, []).append((lo, hi))
        rows = sorted((r for epc in next_window for r in by_epc.get(epc, [])),
                      key=lambda r: (r.event.event_time, r.event.id))  # fmt: skip
        window = next_window
    steps.sort(key=lambda pair: (pair[0].event.event_time, pair[0].event.id))
    parties = parties_of(session, {r.event.enterprise_id for r, _ in steps})
    chain.steps = [
        Step(row.event, via, parties.get(row.event.enterprise_id or 0)) for row, via in steps
    ]
    return chain


@lru_cache(maxsize=1)
def _parties_statement() -> Select[int, str, str, str, str]:
    return (
        select(*PARTY_COLUMNS)
        .join(Region, Region.code == Enterprise.region_code)
        .where(Enterprise.id.in_(bindparam("ids", expanding=True)))
    )


def parties_of(session: Session, ids: Collection[int | None]) -> dict[int, Party]:
    """The registry's enterprises ``ids``, with their counties (one read by primary key; kept
    apart from the chain's statement, where the planner would scan the small enterprise table
    once per event)."""
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    return {row[0]: Party(*row) for row in session.execute(_parties_statement(), {"ids": wanted})}


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


def enterprise_json(party: Party | Enterprise | None) -> dict[str, Any] | None:
    """The party of a trace answer: who, and in which county."""
    if party is None:
        return None
    if isinstance(party, Enterprise):
        party = Party.of(party)
    return {
        "id": party.id,
        "name": party.name,
        "credit_code": party.credit_code,
        "region_code": party.region_code,
        "county": party.county,
    }
