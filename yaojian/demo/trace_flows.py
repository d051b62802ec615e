"""Supply-chain flows for the synthetic province: manufacturer → wholesaler → pharmacy, hospital
or vaccination site → patient.

For a few drugs of each manufacturer in the demo, one batch of serialised packs is
commissioned (lot and expiry in ILMD), packed into cases (SSCC), shipped to a wholesaler,
unpacked, shipped on pack by pack to pharmacies and hospitals — vaccines to vaccination sites
(预防接种单位) instead, when the demo has licensed ones — and some packs are dispensed. At a
vaccination site the dispensing is the vaccination: CBV 2.0 has no vaccinating step, and
``dispensing`` ("providing product to a consumer or patient") is what it means. Everything goes
through the real capture service, so the events are validated, hashed and stored exactly as an
enterprise's would be. Locations get SGLNs under a made-up company prefix (0690000), one per
enterprise.

:mod:`yaojian.demo.trace_anomalies` builds more flows with :func:`build_flow` and plants
anomalies in them, keeping the ground truth.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor, system_actor
from yaojian.registry.choices import (
    EnterpriseKind,
    EnterpriseStatus,
    LicenceStatus,
    ProductCategory,
)
from yaojian.registry.models import Enterprise, Licence, Product
from yaojian.trace.capture import capture
from yaojian.trace.models import TraceLocation

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
CASE_SIZE = 10
CASE_WINDOW_DAYS = 220  # flows start 40–200 days before the as-of date and last about 20 days
ZONE = dt.timezone(dt.timedelta(hours=8))


def sgln(enterprise_id: int) -> str:
    return f"urn:epc:id:sgln:0690000.{enterprise_id % 100000:05d}.0"


def sscc(serial: int) -> str:
    body = f"0690000{serial:010d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return f"https://id.gs1.org/00/{body}{(10 - total % 10) % 10}"


def pack_uri(gtin: str, serial: int) -> str:
    return f"https://id.gs1.org/01/{gtin}/21/{serial:08d}"


def _time(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def event(kind: str, when: dt.datetime, place: str, **fields: Any) -> dict[str, Any]:
    """An EPCIS 2.0 event at ``place`` (read point and business location alike)."""
    body: dict[str, Any] = {
        "type": kind,
        "eventTime": _time(when),
        "eventTimeZoneOffset": "+08:00",
        "action": fields.pop("action", "OBSERVE"),
        "readPoint": {"id": place},
        "bizLocation": {"id": place},
    }
    body.update(fields)
    return body


def move(t: dt.datetime, place: str, step: str, disposition: str, *epcs: str) -> dict[str, Any]:
    return event("ObjectEvent", t, place, bizStep=step, disposition=disposition, epcList=list(epcs))


def aggregate(
    t: dt.datetime, place: str, add: bool, case: str, content: list[str]
) -> dict[str, Any]:
    return event(
        "AggregationEvent", t, place, action="ADD" if add else "DELETE",
        bizStep="packing" if add else "unpacking", disposition="in_progress",
        parentID=case, childEPCs=list(content),
    )  # fmt: skip


@dataclass
class Numbers:
    """The next pack and case serials (packs are numbered across GTINs, cases globally)."""

    pack: int = 0
    case: int = 0

    def next_pack(self, gtin: str) -> str:
        self.pack += 1
        return pack_uri(gtin, self.pack)

    def next_case(self) -> str:
        self.case += 1
        return sscc(self.case)


@dataclass
class Case:
    code: str
    packs: list[str]
    packed_at: dt.datetime
    unpacking: dict[str, Any]  # the wholesaler's unpacking event, kept to plant errors in


@dataclass
class Delivery:
    outlet: int
    shipped_at: dt.datetime
    received_at: dt.datetime
    dispensed_at: dt.datetime | None


@dataclass
class Flow:
    """One batch's journey: the events to capture and what they did, for planting anomalies."""

    drug: Product
    lot: str
    expiry: dt.date
    start: dt.datetime
    wholesaler: int
    packs: list[str]
    cases: list[Case]
    delivered: dict[str, Delivery]
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def gtin(self) -> str:
        return self.drug.gtin or ""

    @property
    def batch(self) -> str:
        """The batch as a detector's signal names it."""
        return f"(01){self.gtin}(10){self.lot}"

    @property
    def maker(self) -> int:
        return self.drug.holder_id

    @property
    def held(self) -> list[str]:
        """Packs still at the wholesaler after the flow."""
        return [p for p in self.packs if p not in self.delivered]

    @property
    def unpacked_at(self) -> dt.datetime:
        return max(_parse(c.unpacking["eventTime"]) for c in self.cases)


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def build_flow(
    rng: random.Random,
    numbers: Numbers,
    drug: Product,
    wholesaler: int,
    outlets: list[int],
    start: dt.datetime,
    *,
    cases: int | None = None,
    hold: int = 0,
) -> Flow:
    """The events of one batch of ``drug`` from its maker through ``wholesaler`` to ``outlets``.

    ``hold`` packs (the last ones) always stay at the wholesaler, for anomalies to be planted in.
    """
    maker = sgln(drug.holder_id)
    at_wholesaler = sgln(wholesaler)
    lot = f"{start:%y%m%d}{rng.randint(1, 9):02d}"
    expiry = (start + dt.timedelta(days=730)).date()
    packs = [
        numbers.next_pack(drug.gtin or "") for _ in range(CASE_SIZE * (cases or rng.randint(1, 3)))
    ]
    ilmd = {"cbvmda:lotNumber": lot, "cbvmda:itemExpirationDate": expiry.isoformat()}
    flow = Flow(drug, lot, expiry, start, wholesaler, packs, [], {})
    flow.events = [
        event("ObjectEvent", start, maker, action="ADD", bizStep="commissioning",
              disposition="active", epcList=packs, ilmd=ilmd),
    ]  # fmt: skip
    for c in range(0, len(packs), CASE_SIZE):
        case = numbers.next_case()
        content = packs[c : c + CASE_SIZE]
        t = start + dt.timedelta(hours=1 + c)
        unpacking = aggregate(t + dt.timedelta(days=3), at_wholesaler, False, case, content)
        flow.cases.append(Case(case, content, t, unpacking))
        flow.events += [
            aggregate(t, maker, True, case, content),
            move(t + dt.timedelta(days=1), maker, "shipping", "in_transit", case),
            move(t + dt.timedelta(days=2), at_wholesaler, "receiving", "in_progress", case),
            unpacking,
        ]
    for n, pack in enumerate(packs[: len(packs) - hold]):
        if rng.random() < 0.3:
            continue  # still at the wholesaler
        outlet = rng.choice(outlets)
        t = start + dt.timedelta(days=5 + n % 7, hours=n % 9)
        received = t + dt.timedelta(days=1)
        flow.events += [
            move(t, at_wholesaler, "shipping", "in_transit", pack),
            move(received, sgln(outlet), "receiving", "sellable_accessible", pack),
        ]
        dispensed = None
        if rng.random() < 0.5:
            dispensed = t + dt.timedelta(days=rng.randint(2, 15))
            flow.events.append(move(dispensed, sgln(outlet), "dispensing", "dispensed", pack))
        flow.delivered[pack] = Delivery(outlet, t, received, dispensed)
    return flow


def capture_events(session: Session, actor: Actor, events: list[dict[str, Any]]) -> int:
    """Capture the events as one EPCIS document; returns the number stored."""
    document = {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": events[0]["eventTime"],
        "epcisBody": {"eventList": events},
    }
    return capture(session, actor, json.dumps(document).encode()).events_stored


def licensed_since(day: dt.date, until: dt.date) -> Any:
    """Active enterprises holding a valid licence from ``day`` through ``until``: goods move
    between these in a clean flow, so that the licence detector has nothing to find."""
    licensed = select(Licence.enterprise_id).where(
        Licence.status == LicenceStatus.VALID,
        Licence.valid_from <= day,
        Licence.valid_to >= until,
    )
    return (Enterprise.status == EnterpriseStatus.ACTIVE) & Enterprise.id.in_(licensed)


@dataclass
class Parties:
    wholesalers: list[int]
    outlets: list[int]  # pharmacies and hospitals
    vaccination_sites: list[int]
    drugs: list[Product]

    def outlets_for(self, drug: Product) -> list[int]:
        """Vaccines go to vaccination sites (疫苗管理法: not sold by pharmacies)."""
        if drug.is_vaccine and self.vaccination_sites:
            return self.vaccination_sites
        return self.outlets


def parties(session: Session, since: dt.date, until: dt.date) -> Parties:
    """Who may take part in flows from ``since`` to ``until``, in a stable order."""
    active = licensed_since(since, until)

    def of_kind(kind: EnterpriseKind) -> list[int]:
        return list(
            session.scalars(
                select(Enterprise.id).where(Enterprise.kind == kind, active).order_by(Enterprise.id)
            )
        )

    drugs = session.scalars(
        select(Product)
        .join(Enterprise, Enterprise.id == Product.holder_id)
        .where(Product.category == ProductCategory.DRUG, Product.gtin.is_not(None), active)
        .order_by(Product.id)
    )
    return Parties(
        wholesalers=of_kind(EnterpriseKind.DRUG_WHOLESALER),
        outlets=of_kind(EnterpriseKind.RETAIL_PHARMACY)[:200]
        + of_kind(EnterpriseKind.MEDICAL_INSTITUTION)[:100],
        vaccination_sites=of_kind(EnterpriseKind.VACCINATION_SITE)[:100],
        drugs=list(drugs),
    )


def ensure_locations(session: Session, enterprise_ids: set[int]) -> None:
    """Give each enterprise its demo SGLN, unless it has it already."""
    uris = {sgln(i): i for i in enterprise_ids}
    known = set(session.scalars(select(TraceLocation.uri).where(TraceLocation.uri.in_(uris))))
    session.add_all(
        TraceLocation(uri=uri, enterprise_id=i, name="demo")
        for uri, i in sorted(uris.items())
        if uri not in known
    )
    session.flush()


def generate_flows(session: Session, rng: random.Random, *, as_of: dt.date, scale: int) -> int:
    """Capture the flows; returns the number of events stored."""
    actor = system_actor("demo")
    who = parties(session, as_of - dt.timedelta(days=CASE_WINDOW_DAYS), as_of)
    if not (who.wholesalers and who.outlets and who.drugs):
        return 0
    drugs = who.drugs
    # Key products (vaccines, blood products, controlled drugs) first, then a sample of others.
    key = [
        d for d in drugs if d.is_vaccine or d.is_blood_product or d.is_narcotic or d.is_psychotropic
    ]
    others = [d for d in drugs if d not in key]
    chosen = key[: max(1, len(key) * 2 // 3)] + rng.sample(
        others, k=min(len(others), max(5, 40 // scale))
    )
    outlets = {o for d in chosen for o in who.outlets_for(d)}
    ensure_locations(session, set(who.wholesalers) | outlets | {d.holder_id for d in chosen})
    stored = 0
    numbers = Numbers()
    for drug in chosen:
        wholesaler = rng.choice(who.wholesalers)
        day = as_of - dt.timedelta(days=rng.randint(40, 200))  # every step before as_of
        start = dt.datetime.combine(day, dt.time(8), ZONE)
        flow = build_flow(rng, numbers, drug, wholesaler, who.outlets_for(drug), start)
        stored += capture_events(session, actor, flow.events)
    return stored
