"""Detectors over the trace events; each finding goes out through ``signals.service.emit``.

Every detector reads the whole history (a finding depends on what came before) and reports the
events recorded at or after ``since`` (all when ``None``); the dedupe keys make running them
again harmless. They read as the platform (``system:trace.detect``), never as a user.

Clone interval: a serial seen at two enterprises is a clone when getting from one to the other
in the time between would need more than ``CLONE_SPEED_KMH`` (150 km/h: above the 120 km/h
motorway limit, so no lorry or van does it; air freight of single packs between pharmacies
does not happen), measured between the enterprises' coordinates as the crow flies. When either
enterprise has no coordinates, the fall-back is ``CLONE_MIN_GAP`` (15 minutes): no two
premises of different enterprises are nearer than that by road with unloading and scanning.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from yaojian.auth.actor import Actor, system_actor
from yaojian.kit.errors import InvalidInput
from yaojian.kit.timeutil import to_local
from yaojian.registry.choices import LicenceStatus, LicenceType
from yaojian.registry.models import Device, Enterprise, Licence
from yaojian.signals.models import SubjectType
from yaojian.signals.service import SignalReport, emit
from yaojian.trace.chain import chain_for, contents_at
from yaojian.trace.codes import parse_code
from yaojian.trace.models import TraceEvent, TraceRecall
from yaojian.trace.pack_state import ilmd_value
from yaojian.trace.recall import RETURN_DISPOSITIONS

SOURCE = "trace"
CLONE_SPEED_KMH = 150.0
CLONE_MIN_GAP = dt.timedelta(minutes=15)
MOVES = frozenset({"shipping", "receiving", "dispensing"})
# Who may receive what. Hospitals (医疗机构执业许可证) and vaccination sites receive drugs for
# use, so their licences count beside manufacturing, wholesale and retail.
DRUG_LICENCES = frozenset(
    {
        LicenceType.DRUG_MANUFACTURING,
        LicenceType.DRUG_WHOLESALE,
        LicenceType.DRUG_RETAIL,
        LicenceType.MEDICAL_PRACTICE,
        LicenceType.VACCINATION,
    }
)
DEVICE_LICENCES = frozenset(
    {
        LicenceType.DEVICE_MANUFACTURING,
        LicenceType.DEVICE_DISTRIBUTION,
        LicenceType.MEDICAL_PRACTICE,
    }
)
_INSTANCE = ("urn:epc:id:sgtin:", "urn:epc:id:sscc:", "cn:drug:", "gtin:", "sscc:")
_DIRECT = ("epc", "child", "parent", "input", "output")


class _Run:
    """One pass: the events in time order, the emitting actor, and the counts."""

    def __init__(self, session: Session, since: dt.datetime | None) -> None:
        self.session = session
        self.since = since
        self.actor: Actor = system_actor("trace.detect")
        self.events: list[TraceEvent] = list(
            session.scalars(
                select(TraceEvent)
                .options(selectinload(TraceEvent.epcs))
                .order_by(TraceEvent.event_time, TraceEvent.id)
            )
        )

    def fresh(self, event: TraceEvent) -> bool:
        return self.since is None or event.record_time >= self.since

    def emit(self, kind: str, subject: tuple[SubjectType, str], severity: int, title: str,
             key: str, evidence: dict[str, Any], enterprise_id: int | None) -> None:  # fmt: skip
        emit(
            self.session,
            self.actor,
            SignalReport(
                source=SOURCE, kind=kind, subject_type=subject[0], subject_id=subject[1][:80],
                severity=severity, title=title[:300], dedupe_key=key[:200], evidence=evidence,
                enterprise_id=enterprise_id,
            ),
        )  # fmt: skip


def _named(event: TraceEvent, roles: Iterable[str] = _DIRECT) -> list[str]:
    return [r.epc for r in event.epcs if r.role in roles]


def _is_instance(epc: str) -> bool:
    return epc.startswith(_INSTANCE) and (not epc.startswith("gtin:") or ":ser:" in epc)


def _brief(event: TraceEvent) -> dict[str, Any]:
    return {
        "event_hash": event.event_hash,
        "event_time": event.event_time.isoformat(),
        "biz_step": event.biz_step,
        "disposition": event.disposition,
        "biz_location": event.biz_location,
        "enterprise_id": event.enterprise_id,
    }


def detect_clones(run: _Run) -> int:
    """A serial dispensed twice, or seen at two enterprises closer in time than travel allows."""
    found = 0
    dispensed: dict[str, list[TraceEvent]] = defaultdict(list)
    seen: dict[str, list[TraceEvent]] = defaultdict(list)
    for event in run.events:
        for epc in _named(event, ("epc",)):
            if event.biz_step == "dispensing" and _is_instance(epc):
                dispensed[epc].append(event)
        for epc in _named(event):
            if event.enterprise_id is not None and _is_instance(epc):
                seen[epc].append(event)
    for epc, events in dispensed.items():
        if len(events) > 1 and any(run.fresh(e) for e in events):
            found += 1
            run.emit("serial_dispensed_twice", (SubjectType.CODE, epc), 4,
                     f"追溯码 {epc} 被售出/使用 {len(events)} 次（疑似克隆码）",
                     f"trace-dispensed-twice:{epc}", {"events": [_brief(e) for e in events]},
                     events[-1].enterprise_id)  # fmt: skip
    places = {e.id: e for e in run.session.scalars(select(Enterprise))}
    for epc, events in seen.items():
        for first, second in itertools.pairwise(events):
            if first.enterprise_id == second.enterprise_id or not run.fresh(second):
                continue
            a, b = places[first.enterprise_id or 0], places[second.enterprise_id or 0]
            if _possible(a, b, second.event_time - first.event_time):
                continue
            found += 1
            run.emit("serial_in_two_places", (SubjectType.CODE, epc), 4,
                     f"追溯码 {epc} 在 {a.name} 与 {b.name} 之间的出现间隔不可能（疑似克隆码）",
                     f"trace-clone:{epc}:{second.event_hash}",
                     {"first": _brief(first), "second": _brief(second),
                      "rule": f">{CLONE_SPEED_KMH:g} km/h, <{CLONE_MIN_GAP} if no coordinates"},
                     second.enterprise_id)  # fmt: skip
    return found


def _possible(a: Enterprise, b: Enterprise, gap: dt.timedelta) -> bool:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return gap >= CLONE_MIN_GAP
    km = distance_km(a.latitude or 0.0, a.longitude or 0.0, b.latitude or 0.0, b.longitude or 0.0)
    hours = gap.total_seconds() / 3600
    return km <= 1.0 or (hours > 0 and km / hours <= CLONE_SPEED_KMH)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def detect_uncommissioned(run: _Run) -> int:
    """A pack or case code named by events but never brought into being: no ObjectEvent ADD
    (commissioning), no TransformationEvent output, and for a container no packing ADD."""
    born: set[str] = set()
    first: dict[str, TraceEvent] = {}
    for event in run.events:
        if event.event_type == "ObjectEvent" and event.action == "ADD":
            born.update(_named(event, ("epc",)))
        elif event.event_type == "TransformationEvent":
            born.update(_named(event, ("output",)))
        elif event.event_type == "AggregationEvent" and event.action == "ADD":
            born.update(_named(event, ("parent",)))
        for epc in _named(event):
            if _is_instance(epc) and (epc not in first or not run.fresh(first[epc])):
                first.setdefault(epc, event)
                if run.fresh(event):
                    first[epc] = event
    found = 0
    for epc, event in first.items():
        if epc in born or not run.fresh(event):
            continue
        found += 1
        run.emit("code_not_commissioned", (SubjectType.CODE, epc), 3,
                 f"追溯码 {epc} 出现在流通记录中，但从未赋码（commissioning）",
                 f"trace-uncommissioned:{epc}", {"seen_in": _brief(event)},
                 event.enterprise_id)  # fmt: skip
    return found


def _pack_batches(run: _Run) -> dict[str, tuple[str, str, dt.date | None]]:
    """SGTIN → (GTIN, lot, expiry) from the commissioning events' ILMD."""
    out: dict[str, tuple[str, str, dt.date | None]] = {}
    for event in run.events:
        if event.event_type != "ObjectEvent" or event.action != "ADD":
            continue
        lot, expiry = (
            ilmd_value(event.ilmd, "lotNumber"),
            ilmd_value(event.ilmd, "itemExpirationDate"),
        )
        if lot is None and expiry is None:
            continue
        try:
            expires = dt.date.fromisoformat(expiry[:10]) if expiry else None
        except ValueError:
            expires = None
        for epc in _named(event, ("epc",)):
            gtin = _gtin(epc)
            if gtin is not None:
                out.setdefault(epc, (gtin, lot or "", expires))
    return out


def _gtin(epc: str) -> str | None:
    try:
        return parse_code(epc).gtin
    except InvalidInput:
        return None


def _affected(run: _Run, event: TraceEvent) -> set[str]:
    """The packs an event happened to: those it names and those inside what it names."""
    packs: set[str] = set()
    for epc in _named(event, ("epc",)):
        packs.add(epc)
        packs |= contents_at(run.session, run.actor, epc, event.event_time)
    return packs


def detect_bad_batch_moved(run: _Run) -> int:
    """An expired batch (ILMD expiry before the event's local date) or a batch under recall
    (started before the event) shipped, received or dispensed — returns excepted."""
    batches = _pack_batches(run)
    recalls: dict[tuple[str, str], TraceRecall] = {}
    for recall in run.session.scalars(select(TraceRecall).order_by(TraceRecall.created_at)):
        recalls.setdefault((recall.gtin, recall.lot), recall)
    found = 0
    for event in run.events:
        if event.biz_step not in MOVES or not run.fresh(event):
            continue
        if event.disposition in RETURN_DISPOSITIONS:
            continue
        flagged: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        day = to_local(event.event_time).date()
        for pack in sorted(_affected(run, event)):
            if pack not in batches:
                continue
            gtin, lot, expires = batches[pack]
            if expires is not None and expires < day:
                flagged[("expired", gtin, lot)].append(pack)
            # Moves at the recalling party itself are the returns.
            under = recalls.get((gtin, lot))
            if (
                under is not None
                and under.created_at <= event.event_time
                and under.enterprise_id != event.enterprise_id
            ):
                flagged[("recalled", gtin, lot)].append(pack)
        for (why, gtin, lot), packs in flagged.items():
            found += 1
            dispensed = event.biz_step == "dispensing"
            what = "已过期" if why == "expired" else "已召回"
            run.emit(f"{why}_batch_moved", (SubjectType.BATCH, f"(01){gtin}(10){lot}"),
                     4 if dispensed or why == "recalled" else 3,
                     f"{what}批次 (01){gtin}(10){lot} 仍在{event.biz_step}（{len(packs)} 件）",
                     f"trace-{why}-moved:{event.event_hash}:{gtin}:{lot}",
                     {"event": _brief(event), "packs": packs[:100], "packs_count": len(packs),
                      "expires_on": str(batches[packs[0]][2])},
                     event.enterprise_id)  # fmt: skip
    return found


def detect_unlicensed_receipts(run: _Run) -> int:
    """Receiving at an enterprise with no valid licence, current on the day, of a type that
    covers the product class (devices when a received GTIN is a registered device's UDI-DI)."""
    device_dis = set(
        run.session.scalars(select(Device.udi_di).where(Device.udi_di.is_not(None))).all()
    )
    licences: dict[int, list[Licence]] = defaultdict(list)
    for licence in run.session.scalars(
        select(Licence).where(Licence.status == LicenceStatus.VALID)
    ):
        licences[licence.enterprise_id].append(licence)
    found = 0
    for event in run.events:
        if event.biz_step != "receiving" or event.enterprise_id is None or not run.fresh(event):
            continue
        gtins = {_gtin(p) for p in _affected(run, event)}
        is_device = bool(gtins & device_dis)
        wanted = DEVICE_LICENCES if is_device else DRUG_LICENCES
        day = to_local(event.event_time).date()
        if any(
            lic.licence_type in wanted and lic.valid_from <= day <= lic.valid_to
            for lic in licences[event.enterprise_id]
        ):
            continue
        found += 1
        kind = "医疗器械" if is_device else "药品"
        run.emit("receipt_without_licence", (SubjectType.ENTERPRISE, str(event.enterprise_id)), 3,
                 f"企业在无有效{kind}经营/使用资质的情况下收货",
                 f"trace-unlicensed:{event.event_hash}",
                 {"event": _brief(event), "product_class": "device" if is_device else "drug",
                  "accepted_licences": sorted(t.value for t in wanted)},
                 event.enterprise_id)  # fmt: skip
    return found


def detect_broken_chain(run: _Run) -> int:
    """A receipt of a code with no shipping of it, or of a container it was in, since its
    previous receipt."""
    found = 0
    for event in run.events:
        if event.biz_step != "receiving" or not run.fresh(event):
            continue
        for epc in _named(event, ("epc",)):
            try:
                code = parse_code(epc)
            except InvalidInput:
                continue
            shipped = False  # a shipping since the last receipt before this one
            for step in chain_for(run.session, run.actor, code).steps:
                if step.event.id == event.id or step.event.event_time > event.event_time:
                    break
                if step.event.biz_step in ("shipping", "receiving"):
                    shipped = step.event.biz_step == "shipping"
            if shipped:
                continue
            found += 1
            run.emit("receipt_without_shipment", (SubjectType.CODE, epc), 2,
                     f"收货无对应发货记录（追溯链断裂）：{epc}",
                     f"trace-broken-chain:{event.event_hash}:{epc}", {"receipt": _brief(event)},
                     event.enterprise_id)  # fmt: skip
    return found


def detect_aggregation(run: _Run) -> int:
    """A child packed into a second parent while still in the first; a DELETE (unpacking) of
    a child that is not in the parent.

    A child packed into a second parent is counted in both from then on: the second packing is
    the one error, and unpacking the child from either parent later agrees with the record.
    """
    parents_of: dict[str, set[str]] = defaultdict(set)
    found = 0
    for event in run.events:
        if event.event_type != "AggregationEvent":
            continue
        parent = next(iter(_named(event, ("parent",))), None)
        if parent is None:
            continue
        children = _named(event, ("child",))
        for child in children:
            held = parents_of[child]
            if event.action == "ADD":
                others = sorted(held - {parent})
                if others and run.fresh(event):
                    found += 1
                    run.emit("child_in_two_parents", (SubjectType.CODE, child), 3,
                             f"{child} 装入 {parent} 时仍在 {others[0]} 中",
                             f"trace-aggregation-two-parents:{event.event_hash}:{child}",
                             {"event": _brief(event), "still_in": others[0], "added_to": parent},
                             event.enterprise_id)  # fmt: skip
                held.add(parent)
            elif event.action == "DELETE":
                if parent in held:
                    held.discard(parent)
                elif run.fresh(event):
                    found += 1
                    run.emit("delete_of_absent_child", (SubjectType.CODE, child), 2,
                             f"从 {parent} 拆出 {child}，但它不在其中",
                             f"trace-aggregation-absent-child:{event.event_hash}:{child}",
                             {"event": _brief(event), "in": min(held, default=None)},
                             event.enterprise_id)  # fmt: skip
        if event.action == "DELETE" and not children:
            for held in parents_of.values():
                held.discard(parent)
    return found


# Every kind of signal the detectors emit, in the order the evaluation reports them.
KINDS = (
    "serial_dispensed_twice",
    "serial_in_two_places",
    "code_not_commissioned",
    "expired_batch_moved",
    "recalled_batch_moved",
    "receipt_without_licence",
    "receipt_without_shipment",
    "child_in_two_parents",
    "delete_of_absent_child",
)
DETECTORS: dict[str, Callable[[_Run], int]] = {
    "clone": detect_clones,
    "not_commissioned": detect_uncommissioned,
    "bad_batch_moved": detect_bad_batch_moved,
    "unlicensed_receipt": detect_unlicensed_receipts,
    "broken_chain": detect_broken_chain,
    "aggregation": detect_aggregation,
}


def run_trace_detectors(session: Session, since: dt.datetime | None = None) -> dict[str, int]:
    """Run every trace detector; the findings reported by each (new or seen again)."""
    run = _Run(session, since)
    return {name: detector(run) for name, detector in DETECTORS.items()}
