"""Anomalies planted in the synthetic flows, each of every trace detector kind, with the ground
truth kept in ``trace_planted_anomaly`` so that ``yaojian trace evaluate`` can report the
detectors' precision and recall.

Each kind gets its own host flows — ordinary batches built by
:func:`yaojian.demo.trace_flows.build_flow` — with the anomaly added as an enterprise system
would have sent it, and everything goes through the real capture service (and the recall
through the real recall service). A truth names the subject as the detector's signal would: the
pack code (canonical), the batch ``(01)GTIN(10)LOT`` or the enterprise id. What each anomaly
looks like is told in docs/trace.md, "Detector precision and recall".

The recalled batches are recalled when the generator runs (a recall starts now), so the moves
after a recall carry the generation time rather than a time before the as-of date.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor, system_actor
from yaojian.demo.trace_flows import (
    CASE_SIZE,
    CASE_WINDOW_DAYS,
    ZONE,
    Flow,
    Numbers,
    Parties,
    aggregate,
    build_flow,
    capture_events,
    ensure_locations,
    move,
    parties,
    sgln,
)
from yaojian.registry.choices import EnterpriseKind, EnterpriseStatus, LicenceStatus
from yaojian.registry.models import Enterprise, Licence
from yaojian.signals.models import SubjectType
from yaojian.trace.capture import canonical_epc
from yaojian.trace.detectors import CLONE_SPEED_KMH, DRUG_LICENCES, distance_km
from yaojian.trace.models import RecallLevel, TracePlantedAnomaly
from yaojian.trace.recall import parse_lot, start_recall

T = TypeVar("T")
# Serials of the planted flows start far above the clean flows' so that the two never meet.
FIRST_PACK = 50_000_000
FIRST_CASE = 5_000_000_000
FAR_KM = 100.0  # a clone is planted between enterprises at least this far apart


def plant_truth(
    session: Session,
    kind: str,
    subject: tuple[SubjectType, str],
    note: str,
    enterprise_id: int | None,
) -> TracePlantedAnomaly:
    """Keep the ground truth of one planted anomaly (the demo generator is its only writer)."""
    region = session.scalar(select(Enterprise.region_code).where(Enterprise.id == enterprise_id))
    truth = TracePlantedAnomaly(
        kind=kind, subject_type=subject[0], subject_id=subject[1][:80], note=note[:500],
        enterprise_id=enterprise_id, region_code=region,
    )  # fmt: skip
    session.add(truth)
    session.flush()
    return truth


def _code(uri: str) -> tuple[SubjectType, str]:
    return SubjectType.CODE, canonical_epc(uri)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), ZONE)


@dataclass
class _Planter:
    session: Session
    rng: random.Random
    as_of: dt.date
    per_kind: int
    actor: Actor = field(default_factory=lambda: system_actor("demo"))
    numbers: Numbers = field(default_factory=lambda: Numbers(FIRST_PACK, FIRST_CASE))
    counts: Counter[str] = field(default_factory=Counter)  # truths kept, by kind
    used: set[int] = field(default_factory=set)  # unlicensed enterprises planted already
    known: dict[int, Enterprise] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.who = parties(
            self.session, self.as_of - dt.timedelta(days=CASE_WINDOW_DAYS), self.as_of
        )

    def places(self, enterprise_id: int) -> Enterprise:
        if enterprise_id not in self.known:
            self.known[enterprise_id] = self.session.get_one(Enterprise, enterprise_id)
        return self.known[enterprise_id]

    def name(self, enterprise_id: int) -> str:
        return self.places(enterprise_id).name

    def host(
        self, *, cases: int = 3, hold: int = 0, who: Parties | None = None,
        start: dt.datetime | None = None,
    ) -> Flow:  # fmt: skip
        """An ordinary batch journey (not a vaccine: they have their own outlets) to plant in."""
        who = who or self.who
        drug = self.rng.choice([d for d in who.drugs if not d.is_vaccine] or who.drugs)
        wholesaler = self.rng.choice(who.wholesalers)
        outlets = who.outlets_for(drug)
        ensure_locations(self.session, {drug.holder_id, wholesaler, *outlets})
        if start is None:
            start = _at(self.as_of - dt.timedelta(days=self.rng.randint(40, 200)), 8)
        return build_flow(
            self.rng, self.numbers, drug, wholesaler, outlets, start, cases=cases, hold=hold
        )

    def capture(self, flow: Flow) -> None:
        capture_events(self.session, self.actor, flow.events)

    def truth(
        self, kind: str, subject: tuple[SubjectType, str], note: str, enterprise_id: int | None
    ) -> None:
        plant_truth(self.session, kind, subject, note, enterprise_id)
        self.counts[kind] += 1

    def pick(self, items: list[T], n: int) -> list[T]:
        return self.rng.sample(items, k=min(len(items), n))


def dispensed_twice(p: _Planter, want: int) -> None:
    """A pack dispensed at one pharmacy and, days later, again at another."""
    flow = p.host()
    sold = [pack for pack, d in flow.delivered.items() if d.dispensed_at is not None]
    for pack in p.pick(sold, want):
        first = flow.delivered[pack]
        assert first.dispensed_at is not None
        pharmacies = [
            o
            for o in p.who.outlets
            if o != first.outlet and p.places(o).kind is EnterpriseKind.RETAIL_PHARMACY
        ]
        other = p.rng.choice(pharmacies)
        when = first.dispensed_at + dt.timedelta(
            days=p.rng.randint(1, 4), hours=p.rng.randint(1, 8)
        )
        flow.events.append(move(when, sgln(other), "dispensing", "dispensed", pack))
        p.truth("serial_dispensed_twice", _code(pack),
                f"dispensed at {p.name(first.outlet)} on {first.dispensed_at:%Y-%m-%d}, "
                f"again at {p.name(other)} on {when:%Y-%m-%d}", other)  # fmt: skip
    p.capture(flow)


def seen_in_two_places(p: _Planter, want: int) -> None:
    """A pack received at one outlet and scanned minutes later at another ≥ 100 km away."""
    flow = p.host()
    for pack in p.pick(list(flow.delivered), want):
        got = flow.delivered[pack]
        here = p.places(got.outlet)
        if here.latitude is None or here.longitude is None:
            continue
        far = sorted(
            (km, o)
            for o in p.who.outlets
            if (there := p.places(o)).latitude is not None and there.longitude is not None
            and (km := distance_km(here.latitude, here.longitude, there.latitude,
                                   there.longitude)) >= FAR_KM
        )  # fmt: skip
        if not far:
            continue
        km, other = p.rng.choice(far)
        # Fast enough apart to be impossible by road, however far above FAR_KM they are.
        minutes = p.rng.randint(5, int(FAR_KM / CLONE_SPEED_KMH * 60) - 5)
        when = got.received_at + dt.timedelta(minutes=minutes)
        flow.events.append(move(when, sgln(other), "inspecting", "in_progress", pack))
        p.truth("serial_in_two_places", _code(pack),
                f"received at {p.name(got.outlet)}, scanned at {p.name(other)} {km:.0f} km away "
                f"{minutes} minutes later", other)  # fmt: skip
    p.capture(flow)


def never_commissioned(p: _Planter, want: int) -> None:
    """Packs of a real GTIN that no commissioning brought into being, shipped and received."""
    flow = p.host(cases=1)
    strays = [p.numbers.next_pack(flow.gtin) for _ in range(min(want, CASE_SIZE))]
    outlet = p.rng.choice(p.who.outlets_for(flow.drug))
    when = flow.unpacked_at + dt.timedelta(days=p.rng.randint(1, 5))
    flow.events += [
        move(when, sgln(flow.wholesaler), "shipping", "in_transit", *strays),
        move(when + dt.timedelta(days=1), sgln(outlet), "receiving", "sellable_accessible",
             *strays),
    ]  # fmt: skip
    for pack in strays:
        p.truth("code_not_commissioned", _code(pack),
                f"shipped by {p.name(flow.wholesaler)} to {p.name(outlet)} on {when:%Y-%m-%d}, "
                f"never commissioned", flow.wholesaler)  # fmt: skip
    p.capture(flow)


def expired_moved(p: _Planter, want: int) -> None:
    """Batches made two years ago whose last packs left the wholesaler after the expiry date."""
    for _ in range(want):
        start = _at(p.as_of - dt.timedelta(days=730 + p.rng.randint(20, 60)), 8)
        # Parties licensed over the whole two years, so that only the expiry is wrong.
        who = parties(p.session, start.date(), p.as_of)
        flow = p.host(cases=1, hold=2, start=start, who=who)
        late = flow.held[-2:]
        outlet = p.rng.choice(who.outlets_for(flow.drug))
        shipped = _at(flow.expiry + dt.timedelta(days=p.rng.randint(3, 10)), 9)
        received = shipped + dt.timedelta(days=1)
        sold = received + dt.timedelta(days=p.rng.randint(1, 3), hours=2)
        flow.events += [
            move(shipped, sgln(flow.wholesaler), "shipping", "in_transit", *late),
            move(received, sgln(outlet), "receiving", "sellable_accessible", *late),
            move(sold, sgln(outlet), "dispensing", "dispensed", late[0]),
        ]
        p.truth("expired_batch_moved", (SubjectType.BATCH, flow.batch),
                f"lot {flow.lot} of {flow.drug.name} expired on {flow.expiry}; "
                f"{p.name(flow.wholesaler)} shipped {len(late)} packs {shipped:%Y-%m-%d}, "
                f"{p.name(outlet)} dispensed one {sold:%Y-%m-%d}", flow.wholesaler)  # fmt: skip
        p.capture(flow)


def recalled_moved(p: _Planter, want: int) -> None:
    """Batches recalled through the recall service, then one pack still dispensed or shipped."""
    for _ in range(want):
        flow = p.host(cases=1, hold=1)
        p.capture(flow)
        recall = start_recall(
            p.session, p.actor, parse_lot(gtin=flow.gtin, lot=flow.lot),
            reason="演示数据：质量问题召回", level=RecallLevel.LEVEL_2,
        )  # fmt: skip
        after = recall.created_at.astimezone(ZONE) + dt.timedelta(minutes=p.rng.randint(2, 30))
        on_shelf = [pack for pack, d in flow.delivered.items() if d.dispensed_at is None]
        if on_shelf:
            pack = p.rng.choice(on_shelf)
            where = flow.delivered[pack].outlet
            late = move(after, sgln(where), "dispensing", "dispensed", pack)
            what = "dispensed"
        else:
            pack, where = flow.held[0], flow.wholesaler
            late = move(after, sgln(where), "shipping", "in_transit", pack)
            what = "shipped"
        capture_events(p.session, p.actor, [late])
        p.truth("recalled_batch_moved", (SubjectType.BATCH, flow.batch),
                f"lot {flow.lot} of {flow.drug.name} recalled; {p.name(where)} {what} a pack "
                f"after the recall started", where)  # fmt: skip


def unlicensed_receipts(p: _Planter, want: int) -> None:
    """Packs received by pharmacies or hospitals whose licence had lapsed or was suspended."""
    flow = p.host(cases=1, hold=min(want, CASE_SIZE))
    earliest = flow.unpacked_at.date() + dt.timedelta(days=2)
    latest = p.as_of - dt.timedelta(days=2)
    found: list[tuple[Enterprise, dt.date, str]] = []
    for enterprise, licences in _unlicensed(p):
        if enterprise.id in p.used:
            continue
        valid = [lic for lic in licences if lic.status is LicenceStatus.VALID]
        lapse = max((lic.valid_to for lic in valid), default=None)
        first = max(earliest, lapse + dt.timedelta(days=1)) if lapse else earliest
        if first > latest:
            continue
        day = first + dt.timedelta(days=p.rng.randint(0, min(20, (latest - first).days)))
        licence = max(licences, key=lambda lic: lic.valid_to)
        why = (
            f"expired on {licence.valid_to}"
            if licence.status is LicenceStatus.VALID
            else f"{licence.status.value}"
        )
        found.append((enterprise, day, f"licence {licence.number} {why}"))
    for pack, (enterprise, day, why) in zip(flow.held[-want:], p.pick(found, want), strict=False):
        p.used.add(enterprise.id)
        ensure_locations(p.session, {enterprise.id})
        flow.events += [
            move(_at(day - dt.timedelta(days=1), 14), sgln(flow.wholesaler), "shipping",
                 "in_transit", pack),
            move(_at(day, 10), sgln(enterprise.id), "receiving", "sellable_accessible", pack),
        ]  # fmt: skip
        p.truth("receipt_without_licence", (SubjectType.ENTERPRISE, str(enterprise.id)),
                f"{enterprise.name} ({why}) received a pack from {p.name(flow.wholesaler)} "
                f"on {day}", enterprise.id)  # fmt: skip
    p.capture(flow)


def _unlicensed(p: _Planter) -> list[tuple[Enterprise, list[Licence]]]:
    """Active outlets whose every drug licence has lapsed or is suspended, revoked or cancelled."""
    kinds = (EnterpriseKind.RETAIL_PHARMACY, EnterpriseKind.MEDICAL_INSTITUTION)
    rows = p.session.execute(
        select(Enterprise, Licence)
        .join(Licence, Licence.enterprise_id == Enterprise.id)
        .where(Enterprise.kind.in_(kinds), Enterprise.status == EnterpriseStatus.ACTIVE)
        .order_by(Enterprise.id, Licence.id)
    )
    licences: dict[int, tuple[Enterprise, list[Licence]]] = {}
    for enterprise, licence in rows:
        if licence.licence_type in DRUG_LICENCES:
            licences.setdefault(enterprise.id, (enterprise, []))[1].append(licence)
    cutoff = p.as_of - dt.timedelta(days=3)
    return [
        (enterprise, held)
        for enterprise, held in licences.values()
        if all(lic.status is not LicenceStatus.VALID or lic.valid_to < cutoff for lic in held)
    ]


def received_unshipped(p: _Planter, want: int) -> None:
    """Packs the wholesaler never recorded shipping, received by an outlet."""
    flow = p.host(cases=1, hold=min(want, CASE_SIZE))
    for pack in flow.held[-want:]:
        outlet = p.rng.choice(p.who.outlets_for(flow.drug))
        when = flow.unpacked_at + dt.timedelta(days=p.rng.randint(2, 10))
        flow.events.append(move(when, sgln(outlet), "receiving", "sellable_accessible", pack))
        p.truth("receipt_without_shipment", _code(pack),
                f"received at {p.name(outlet)} on {when:%Y-%m-%d}; "
                f"{p.name(flow.wholesaler)} never recorded shipping it", outlet)  # fmt: skip
    p.capture(flow)


def packed_twice(p: _Planter, want: int) -> None:
    """A pack scanned into a second case on the packing line while its first case was closed."""
    flow = p.host()
    for pack in p.pick(flow.packs, min(want, CASE_SIZE)):
        case = next(c for c in flow.cases if pack in c.packs)
        second = p.numbers.next_case()
        when = case.packed_at + dt.timedelta(minutes=p.rng.randint(10, 50))
        flow.events.append(aggregate(when, sgln(flow.maker), True, second, [pack]))
        p.truth("child_in_two_parents", _code(pack),
                f"packed into case {second} at {p.name(flow.maker)} while still in case "
                f"{case.code}", flow.maker)  # fmt: skip
    p.capture(flow)


def unpacked_stray(p: _Planter, want: int) -> None:
    """An unpacking at the wholesaler that lists a pack of another case among its contents."""
    flow = p.host()
    cases = flow.cases
    for n in range(min(want, len(cases))):
        case, other = cases[n], cases[(n + 1) % len(cases)]
        stray = other.packs[p.rng.randrange(len(other.packs))]
        case.unpacking["childEPCs"].append(stray)
        p.truth("delete_of_absent_child", _code(stray),
                f"the unpacking of case {case.code} at {p.name(flow.wholesaler)} lists it; it "
                f"was packed in case {other.code}", flow.wholesaler)  # fmt: skip
    p.capture(flow)


PLANTERS: dict[str, Callable[[_Planter, int], None]] = {
    "serial_dispensed_twice": dispensed_twice,
    "serial_in_two_places": seen_in_two_places,
    "code_not_commissioned": never_commissioned,
    "expired_batch_moved": expired_moved,
    "recalled_batch_moved": recalled_moved,
    "receipt_without_licence": unlicensed_receipts,
    "receipt_without_shipment": received_unshipped,
    "child_in_two_parents": packed_twice,
    "delete_of_absent_child": unpacked_stray,
}


def plant_anomalies(session: Session, rng: random.Random, *, as_of: dt.date, scale: int) -> int:
    """Plant a handful of anomalies of every kind (more at province scale); returns how many."""
    planter = _Planter(session, rng, as_of, per_kind=max(3, 30 // scale))
    if not (planter.who.wholesalers and planter.who.outlets and planter.who.drugs):
        return 0
    for kind, plant in PLANTERS.items():
        # A host flow may offer fewer places than wanted: another one, until none helps.
        while (want := planter.per_kind - planter.counts[kind]) > 0:
            plant(planter, want)
            if planter.per_kind - planter.counts[kind] == want:
                break
    return sum(planter.counts.values())
