"""Recall of a product batch (GTIN + lot): who holds its packs, tasks per holder, progress.

The packs of a batch are the SGTINs of the GTIN that were commissioned with the lot (EPCIS puts
the lot of serialised packs in the commissioning ObjectEvent's ``ilmd`` as
``cbvmda:lotNumber``), and the SGTINs of the GTIN named by an event that also names the lot
class (``urn:epc:class:lgtin:…``) in a quantity list. Each pack's holder and status come from
its chain (:mod:`yaojian.trace.chain`), as the events stood when the recall was started: a
recall is about the batch wherever it went, so the scope is computed over every event of the
province; who may see the recall itself is scoped by the recalling party's county.

A pack counts as returned when an event recorded or happening after the recall started has
disposition ``recalled``/``returned``/``destroyed``, or is a ``returning``/``receiving`` at the
enterprise that commissioned it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor, system_actor
from yaojian.auth.permissions import Action, authorize
from yaojian.auth.scope import get_visible
from yaojian.db import any_of, list_param, read_frame
from yaojian.kit.errors import Conflict, Forbidden, InvalidInput
from yaojian.kit.timeutil import utcnow
from yaojian.registry.choices import ReleaseStatus
from yaojian.registry.models import Batch, Enterprise, Product
from yaojian.trace.batch_scope import pack_states, pack_states_now
from yaojian.trace.chain import ChainEvent, enterprise_json, joined_to_event
from yaojian.trace.codes import CodeKind, ParsedCode, parse_code
from yaojian.trace.models import (
    RecallLevel,
    RecallStatus,
    TraceEvent,
    TraceEventEpc,
    TraceRecall,
    TraceRecallTask,
)
from yaojian.trace.pack_state import ilmd_value

RETURN_DISPOSITIONS = frozenset({"recalled", "returned", "destroyed"})
RETURN_STEPS = frozenset({"returning", "receiving"})
GONE = frozenset({"dispensed", "destroyed", "recalled", "returned"})
_PACK_ROLES = ("epc", "child", "input", "output")
_QUANTITY_ROLES = ("quantity", "child_quantity", "input_quantity", "output_quantity")


def parse_lot(
    code: str | None = None, gtin: str | None = None, lot: str | None = None
) -> ParsedCode:
    """A batch from an LGTIN / ``(01)…(10)…`` code, or from a GTIN and a lot."""
    if code is None:
        if not gtin or not lot:
            raise InvalidInput("code", "give a batch code (LGTIN) or both gtin and lot")
        code = f"(01){gtin}(10){lot}"
    parsed = parse_code(code)
    if parsed.kind is not CodeKind.LGTIN or parsed.gtin is None or parsed.lot is None:
        raise InvalidInput("code", "a recall names a batch: GTIN and lot (01)…(10)… or LGTIN")
    return parsed


def sgtin_prefix(gtin: str) -> str:
    """The canonical SGTINs of ``gtin`` all start with this."""
    return parse_code(f"(01){gtin}(21)0").canonical[:-1]


def batch_packs(session: Session, batch: ParsedCode) -> dict[str, int | None]:
    """Every pack of the batch seen in events → the enterprise that commissioned it (if known)."""
    assert batch.gtin is not None
    prefix = sgtin_prefix(batch.gtin)
    naming_gtin = select(TraceEventEpc.event_id, TraceEventEpc.event_time).where(
        TraceEventEpc.gtin == batch.gtin, TraceEventEpc.role == "epc"
    )
    commissioning = session.execute(
        select(TraceEvent.id, TraceEvent.enterprise_id, TraceEvent.ilmd)
        .where(
            tuple_(TraceEvent.id, TraceEvent.event_time).in_(naming_gtin),
            TraceEvent.event_type == "ObjectEvent",
            TraceEvent.action == "ADD",
            TraceEvent.ilmd.is_not(None),
        )
        .order_by(TraceEvent.event_time, TraceEvent.id)
    ).all()
    makers = {
        event_id: enterprise_id
        for event_id, enterprise_id, ilmd in commissioning
        if ilmd_value(ilmd, "lotNumber") == batch.lot
    }
    packs: dict[str, int | None] = {}
    if makers:
        sql = (
            "SELECT x.event_id, x.epc FROM trace_event_epc x WHERE x.role = 'epc' AND "
            f"x.epc LIKE :prefix AND {any_of(session, 'x.event_id', 'ids', 'bigint')}"
        )
        named = read_frame(
            session,
            sql,
            # LIKE narrows on the index; startswith below is the exact test.
            {"prefix": prefix + "%", "ids": list_param(session, list(makers))},
            {"event_id": pl.Int64, "epc": pl.String},
        )  # fmt: skip
        order = {event_id: i for i, event_id in enumerate(makers)}
        rows = sorted(named.iter_rows(), key=lambda row: order[row[0]])
        for event_id, epc in rows:
            if epc.startswith(prefix):
                packs.setdefault(epc, makers[event_id])
    for epc, maker in quantity_packs(session, batch).items():
        packs.setdefault(epc, maker)
    return packs


def quantity_packs(session: Session, batch: ParsedCode) -> dict[str, int | None]:
    """Packs of the batch named alongside a class-level quantity of its LGTIN (not by ILMD)."""
    assert batch.gtin is not None
    prefix = sgtin_prefix(batch.gtin)
    naming_lot = select(TraceEventEpc.event_id).where(
        TraceEventEpc.epc == batch.canonical, TraceEventEpc.role.in_(_QUANTITY_ROLES)
    )
    also = select(TraceEventEpc.epc, TraceEvent.enterprise_id).join(TraceEvent, joined_to_event())
    also = also.where(
        TraceEventEpc.event_id.in_(naming_lot),
        TraceEventEpc.epc.startswith(prefix, autoescape=True),
        TraceEventEpc.role.in_(_PACK_ROLES),
    ).order_by(TraceEvent.event_time, TraceEvent.id)
    packs: dict[str, int | None] = {}
    for epc, enterprise_id in session.execute(also):
        packs.setdefault(epc, enterprise_id)
    return packs


@dataclass
class Scope:
    """Every pack of a batch, one row each: ``pack``, ``maker_id``, ``holder_id`` and ``status``
    (when the recall started), ``returned`` (by an event after it started); and the holding
    enterprises by id. A frame, not a record per pack: a batch is 100,000 packs."""

    packs: pl.DataFrame
    enterprises: dict[int, Enterprise] = field(default_factory=dict)

    @property
    def held(self) -> pl.DataFrame:
        return self.packs.filter(~pl.col("status").is_in(sorted(GONE)))

    @property
    def dispensed(self) -> pl.DataFrame:
        return self.packs.filter(pl.col("status") == "dispensed")

    def holders(self) -> dict[int | None, tuple[int, int]]:
        """(packs held, of which returned) per holder; ``None`` for packs with no known holder."""
        counts = self.held.group_by("holder_id").agg(
            held=pl.len(), returned=pl.col("returned").sum()
        )
        return {h: (n, r) for h, n, r in counts.iter_rows()}

    def makers(self) -> Counter[int]:
        counts = self.packs.drop_nulls("maker_id").group_by("maker_id").agg(n=pl.len())
        return Counter(dict(counts.iter_rows()))


def _is_return_step(event: ChainEvent, maker_id: int | None) -> bool:
    """An event that sends a pack back: a return disposition, or a return step at its maker."""
    if event.disposition in RETURN_DISPOSITIONS:
        return True
    return (
        event.biz_step in RETURN_STEPS and maker_id is not None and event.enterprise_id == maker_id
    )


def assess(session: Session, batch: ParsedCode, at: dt.datetime) -> Scope:
    """Each pack of the batch: holder and status as known at ``at``, returned after it."""
    states = pack_states(session, batch_packs(session, batch), at, RETURN_DISPOSITIONS,
                         RETURN_STEPS)  # fmt: skip
    return _scope(session, states)


def assess_now(session: Session, batch: ParsedCode) -> Scope:
    """:func:`assess` as the events stand now, from the pack register: the scope a recall
    starts with, in a few bulk reads however many packs the batch has."""
    assert batch.gtin is not None and batch.lot is not None
    states = pack_states_now(session, batch.gtin, batch.lot, quantity_packs(session, batch),
                             RETURN_DISPOSITIONS, RETURN_STEPS)  # fmt: skip
    return _scope(session, states)


def _scope(session: Session, states: pl.DataFrame) -> Scope:
    holder_ids = states["holder_id"].drop_nulls().unique().to_list()
    holders = {
        e.id: e for e in session.scalars(select(Enterprise).where(Enterprise.id.in_(holder_ids)))
    }
    return Scope(states, holders)


def _registry_batch(session: Session, batch: ParsedCode) -> tuple[Batch | None, str]:
    products = session.scalars(select(Product).where(Product.udi_di == batch.gtin)).all()
    if len(products) != 1:
        return None, f"registry batch not marked: {len(products)} products have UDI-DI {batch.gtin}"
    found = session.scalars(
        select(Batch).where(Batch.product_id == products[0].id, Batch.batch_number == batch.lot)
    ).first()
    if found is None:
        return None, f"registry batch not marked: product {products[0].id} has no batch {batch.lot}"
    return found, f"registry batch {found.id} marked recalled"


def start_recall(
    session: Session,
    actor: Actor,
    batch: ParsedCode,
    reason: str = "",
    level: RecallLevel = RecallLevel.LEVEL_2,
) -> TraceRecall:
    """Open a recall of the batch: scope it, mark the registry batch, a task per holder."""
    assert batch.gtin is not None and batch.lot is not None
    registry_batch, note = _registry_batch(session, batch)
    now = utcnow()
    scope = assess_now(session, batch)
    makers = scope.makers()
    maker_id = registry_batch.enterprise_id if registry_batch else None
    if maker_id is None and makers:
        maker_id = makers.most_common(1)[0][0]
    maker = session.get(Enterprise, maker_id) if maker_id else None
    if maker is None and not actor.is_province_wide:
        authorize(actor, Action.TRACE_RECALL)
        raise Forbidden("no recalling party is known for this batch: a province recall")
    authorize(actor, Action.TRACE_RECALL, maker.region_code if maker else None)
    existing = session.scalars(
        select(TraceRecall.id).where(
            TraceRecall.gtin == batch.gtin,
            TraceRecall.lot == batch.lot,
            TraceRecall.status == RecallStatus.OPEN,
        )
    ).first()
    if existing is not None:
        raise Conflict(f"batch {batch.gtin} lot {batch.lot} is under recall {existing}", "code")
    recall = TraceRecall(
        gtin=batch.gtin,
        lot=batch.lot,
        reason=reason,
        level=level,
        created_at=now,
        created_by=actor.audit_label(),
        status=RecallStatus.OPEN,
        enterprise_id=maker.id if maker else None,
        region_code=maker.region_code if maker else None,
        batch_id=registry_batch.id if registry_batch else None,
        registry_note=note,
    )
    recall.tasks = [
        TraceRecallTask(enterprise_id=holder, packs_held=held, packs_returned=0)
        for holder, (held, _) in sorted(scope.holders().items(), key=lambda h: h[0] or 0)
        if holder is not None
    ]
    session.add(recall)
    session.flush()
    record(session, actor, "trace.recall", "trace_recall", recall.id, None, _recall_audit(recall))
    if registry_batch is not None and registry_batch.release_status is not ReleaseStatus.RECALLED:
        before = snapshot(registry_batch)
        registry_batch.release_status = ReleaseStatus.RECALLED
        session.flush()
        record(
            session, actor, "batch.recall", "batch", registry_batch.id, before,
            snapshot(registry_batch),
        )  # fmt: skip
    return recall


def _recall_audit(recall: TraceRecall) -> dict[str, Any]:
    return snapshot(recall) | {
        "tasks": [
            {"enterprise_id": t.enterprise_id, "packs_held": t.packs_held} for t in recall.tasks
        ]
    }


@dataclass
class RecallReport:
    recall: TraceRecall
    scope: Scope


def recall_progress(session: Session, actor: Actor, recall_id: int) -> RecallReport:
    """The recall as the events now show it; task counts and statuses move with the returns.

    Updating the counts is the platform's own derivation, audited under the system actor.
    """
    recall = get_visible(session, actor, TraceRecall, recall_id, "recall")
    scope = assess(session, parse_lot(gtin=recall.gtin, lot=recall.lot), recall.created_at)
    holders = scope.holders()
    before = _recall_audit(recall)
    changed = False
    for task in recall.tasks:
        _, returned = holders.get(task.enterprise_id, (0, 0))
        status = RecallStatus.DONE if returned >= task.packs_held else RecallStatus.OPEN
        if (task.packs_returned, task.status) != (returned, status):
            task.packs_returned, task.status = returned, status
            changed = True
    status = (
        RecallStatus.DONE
        # A recall whose packs no event shows yet stays open: they may not be reported yet.
        if recall.tasks and all(t.status is RecallStatus.DONE for t in recall.tasks)
        else RecallStatus.OPEN
    )
    if recall.status is not status:
        recall.status, changed = status, True
    if changed:
        session.flush()
        record(
            session, system_actor("trace.recall"), "trace.recall_progress", "trace_recall",
            recall.id, before, _recall_audit(recall),
        )  # fmt: skip
    return RecallReport(recall, scope)


def recall_json(report: RecallReport) -> dict[str, Any]:
    recall, scope = report.recall, report.scope
    by_enterprise = []
    counties: dict[str, dict[str, Any]] = {}
    for task in recall.tasks:
        enterprise = scope.enterprises.get(task.enterprise_id)
        by_enterprise.append(
            {
                "enterprise": enterprise_json(enterprise) or {"id": task.enterprise_id},
                "packs_held": task.packs_held,
                "packs_returned": task.packs_returned,
                "status": task.status.value,
            }
        )
        if enterprise is not None:
            county = counties.setdefault(
                enterprise.region_code,
                {"region_code": enterprise.region_code, "county": enterprise.region.name,
                 "packs_held": 0, "packs_returned": 0},
            )  # fmt: skip
            county["packs_held"] += task.packs_held
            county["packs_returned"] += task.packs_returned
    held = sum(t.packs_held for t in recall.tasks)
    returned = sum(t.packs_returned for t in recall.tasks)
    return {
        "id": recall.id,
        "gtin": recall.gtin,
        "lot": recall.lot,
        "reason": recall.reason,
        "level": recall.level.value,
        "level_label": recall.level.zh,
        "status": recall.status.value,
        "created_at": recall.created_at.isoformat(),
        "created_by": recall.created_by,
        "registry_batch_id": recall.batch_id,
        "registry_note": recall.registry_note,
        "packs_total": scope.packs.height,
        "packs_held": held,
        "packs_returned": returned,
        "progress": round(returned / held, 4) if held else 1.0,
        "unlocated": scope.held.filter(pl.col("holder_id").is_null())["pack"].to_list(),
        "dispensed": [
            {"epc": pack, "enterprise": enterprise_json(scope.enterprises.get(holder_id or 0))}
            for pack, holder_id in scope.dispensed.select("pack", "holder_id").iter_rows()
        ],
        "holders": by_enterprise,
        "counties": sorted(counties.values(), key=lambda c: str(c["region_code"])),
    }
