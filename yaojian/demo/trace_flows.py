"""Supply-chain flows for the synthetic province: manufacturer → wholesaler → pharmacy/hospital.

For a few drugs of each manufacturer in the demo, one batch of serialised packs is
commissioned (lot and expiry in ILMD), packed into cases (SSCC), shipped to a wholesaler in
another county, unpacked, shipped on pack by pack to pharmacies and hospitals, and some packs
are dispensed. Everything goes through the real capture service, so the events are validated,
hashed and stored exactly as an enterprise's would be. Locations get SGLNs under a made-up
company prefix (0690000), one per enterprise.

Injected anomalies with kept ground truth (for detector precision and recall) are not generated
yet; see docs/trace.md.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.auth.actor import system_actor
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


def sgln(enterprise_id: int) -> str:
    return f"urn:epc:id:sgln:0690000.{enterprise_id % 100000:05d}.0"


def _sscc(serial: int) -> str:
    body = f"0690000{serial:010d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return f"https://id.gs1.org/00/{body}{(10 - total % 10) % 10}"


def _pack(gtin: str, serial: int) -> str:
    return f"https://id.gs1.org/01/{gtin}/21/{serial:08d}"


def _time(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _event(kind: str, when: dt.datetime, place: str, **fields: Any) -> dict[str, Any]:
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


def generate_flows(session: Session, rng: random.Random, *, as_of: dt.date, scale: int) -> int:
    """Capture the flows; returns the number of events stored."""
    actor = system_actor("demo")
    # Goods move between parties licensed for the whole period of the flows, so that the
    # licence detector has nothing to find in a clean flow.
    licensed = select(Licence.enterprise_id).where(
        Licence.status == LicenceStatus.VALID,
        Licence.valid_from <= as_of - dt.timedelta(days=CASE_WINDOW_DAYS),
        Licence.valid_to >= as_of,
    )
    active = (Enterprise.status == EnterpriseStatus.ACTIVE) & Enterprise.id.in_(licensed)

    def of_kind(kind: EnterpriseKind) -> list[Enterprise]:
        return list(
            session.scalars(
                select(Enterprise).where(Enterprise.kind == kind, active).order_by(Enterprise.id)
            )
        )

    wholesalers = of_kind(EnterpriseKind.DRUG_WHOLESALER)
    outlets = (
        of_kind(EnterpriseKind.RETAIL_PHARMACY)[:200]
        + of_kind(EnterpriseKind.MEDICAL_INSTITUTION)[:100]
    )
    drugs = list(
        session.scalars(
            select(Product)
            .join(Enterprise, Enterprise.id == Product.holder_id)
            .where(Product.category == ProductCategory.DRUG, Product.gtin.is_not(None), active)
            .order_by(Product.id)
        )
    )
    if not (wholesalers and outlets and drugs):
        return 0
    # Key products (vaccines, blood products, controlled drugs) first, then a sample of others.
    key = [
        d for d in drugs if d.is_vaccine or d.is_blood_product or d.is_narcotic or d.is_psychotropic
    ]
    others = [d for d in drugs if d not in key]
    chosen = key[: max(1, len(key) * 2 // 3)] + rng.sample(
        others, k=min(len(others), max(5, 40 // scale))
    )
    places = {e.id for e in wholesalers + outlets} | {d.holder_id for d in chosen}
    session.add_all(
        TraceLocation(uri=sgln(i), enterprise_id=i, name="demo") for i in sorted(places)
    )
    session.flush()

    def move(t: dt.datetime, place: str, step: str, disposition: str, epc: str) -> dict[str, Any]:
        return _event("ObjectEvent", t, place, bizStep=step, disposition=disposition, epcList=[epc])

    def aggregate(
        t: dt.datetime, place: str, add: bool, case: str, content: list[str]
    ) -> dict[str, Any]:
        return _event(
            "AggregationEvent", t, place, action="ADD" if add else "DELETE",
            bizStep="packing" if add else "unpacking", disposition="in_progress",
            parentID=case, childEPCs=content,
        )  # fmt: skip

    stored = 0
    serial = 0
    case_serial = 0
    zone = dt.timezone(dt.timedelta(hours=8))
    for drug in chosen:
        maker = sgln(drug.holder_id)
        wholesaler = sgln(rng.choice(wholesalers).id)
        day = as_of - dt.timedelta(days=rng.randint(40, 200))  # every step before as_of
        start = dt.datetime.combine(day, dt.time(8), zone)
        lot = f"{start:%y%m%d}{rng.randint(1, 9):02d}"
        expiry = (start + dt.timedelta(days=730)).date().isoformat()
        packs = []
        for _ in range(CASE_SIZE * rng.randint(1, 3)):
            serial += 1
            packs.append(_pack(drug.gtin or "", serial))
        ilmd = {"cbvmda:lotNumber": lot, "cbvmda:itemExpirationDate": expiry}
        events = [
            _event("ObjectEvent", start, maker, action="ADD", bizStep="commissioning",
                   disposition="active", epcList=packs, ilmd=ilmd),
        ]  # fmt: skip
        for c in range(0, len(packs), CASE_SIZE):
            case_serial += 1
            case = _sscc(case_serial)
            content = packs[c : c + CASE_SIZE]
            t = start + dt.timedelta(hours=1 + c)
            events += [
                aggregate(t, maker, True, case, content),
                move(t + dt.timedelta(days=1), maker, "shipping", "in_transit", case),
                move(t + dt.timedelta(days=2), wholesaler, "receiving", "in_progress", case),
                aggregate(t + dt.timedelta(days=3), wholesaler, False, case, content),
            ]
        for n, pack in enumerate(packs):
            if rng.random() < 0.3:
                continue  # still at the wholesaler
            outlet = sgln(rng.choice(outlets).id)
            t = start + dt.timedelta(days=5 + n % 7, hours=n % 9)
            events += [
                move(t, wholesaler, "shipping", "in_transit", pack),
                move(t + dt.timedelta(days=1), outlet, "receiving", "sellable_accessible", pack),
            ]
            if rng.random() < 0.5:
                when = t + dt.timedelta(days=rng.randint(2, 15))
                events.append(move(when, outlet, "dispensing", "dispensed", pack))
        document = {
            "@context": [CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": _time(start),
            "epcisBody": {"eventList": events},
        }
        job = capture(session, actor, json.dumps(document).encode())
        stored += job.events_stored
    return stored
