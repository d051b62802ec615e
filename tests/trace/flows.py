"""Build EPCIS 2.0 documents of a supply chain, as enterprise systems would send them."""

from __future__ import annotations

import json
from typing import Any

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
MAKER = "urn:epc:id:sgln:0614141.00001.0"
WHOLESALER = "urn:epc:id:sgln:0614141.00002.0"
PHARMACY = "urn:epc:id:sgln:0614141.00003.0"
CASE = "urn:epc:id:sscc:0614141.1234567890"
PACKS = [f"urn:epc:id:sgtin:0614141.812345.{n}" for n in (101, 102)]


def event(
    kind: str,
    when: str,
    location: str,
    *,
    action: str = "OBSERVE",
    biz_step: str | None = None,
    disposition: str | None = None,
    epcs: list[str] | None = None,
    parent: str | None = None,
    children: list[str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": kind,
        "eventTime": f"2026-{when}:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "action": action,
        "readPoint": {"id": location},
        "bizLocation": {"id": location},
    }
    if biz_step:
        body["bizStep"] = biz_step
    if disposition:
        body["disposition"] = disposition
    if epcs is not None:
        body["epcList"] = epcs
    if parent is not None:
        body["parentID"] = parent
    if children is not None:
        body["childEPCs"] = children
    return body


def document(*events: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "@context": [CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-11-01T00:00:00Z",
            "epcisBody": {"eventList": list(events)},
        }
    ).encode()


def pack_journey() -> bytes:
    """Two packs made, cased, shipped to a wholesaler, unpacked; one goes on to be dispensed."""
    return document(
        event("ObjectEvent", "03-01T08:00", MAKER, action="ADD", biz_step="commissioning",
              disposition="active", epcs=PACKS),
        event("AggregationEvent", "03-01T09:00", MAKER, action="ADD", biz_step="packing",
              disposition="in_progress", parent=CASE, children=PACKS),
        event("ObjectEvent", "03-02T10:00", MAKER, biz_step="shipping", disposition="in_transit",
              epcs=[CASE]),
        event("ObjectEvent", "03-03T11:00", WHOLESALER, biz_step="receiving",
              disposition="in_progress", epcs=[CASE]),
        event("AggregationEvent", "03-04T09:00", WHOLESALER, action="DELETE",
              biz_step="unpacking", disposition="in_progress", parent=CASE, children=PACKS),
        event("ObjectEvent", "03-05T09:00", WHOLESALER, biz_step="shipping",
              disposition="in_transit", epcs=[PACKS[0]]),
        event("ObjectEvent", "03-06T09:00", PHARMACY, biz_step="receiving",
              disposition="sellable_accessible", epcs=[PACKS[0]]),
        event("ObjectEvent", "03-10T15:00", PHARMACY, biz_step="dispensing",
              disposition="dispensed", epcs=[PACKS[0]]),
        # After unpacking, the case is shipped again empty: that must not apply to the packs.
        event("ObjectEvent", "03-07T09:00", WHOLESALER, biz_step="shipping",
              disposition="in_transit", epcs=[CASE]),
    )  # fmt: skip


# A batch of three packs (lot L1) for recall and detector tests: two go to a wholesaler in
# another county, one of them on to a pharmacy that dispenses it; the third stays at the maker.
GTIN = "80614141123458"
LOT = "L1"
LGTIN = f"urn:epc:class:lgtin:0614141.812345.{LOT}"
BATCH = [f"urn:epc:id:sgtin:0614141.812345.{n}" for n in (201, 202, 203)]
CASE2 = "urn:epc:id:sscc:0614141.1234567891"


def commissioning(
    when: str, location: str, epcs: list[str], lot: str = LOT, expires: str = "2028-12-31"
) -> dict[str, Any]:
    body = event("ObjectEvent", when, location, action="ADD", biz_step="commissioning",
                 disposition="active", epcs=epcs)  # fmt: skip
    body["ilmd"] = {"cbvmda:lotNumber": lot, "cbvmda:itemExpirationDate": expires}
    return body


def move(when: str, location: str, step: str, epcs: list[str], **kw: Any) -> dict[str, Any]:
    """A shipping/receiving/dispensing/returning ObjectEvent OBSERVE with its usual disposition."""
    usual = {"shipping": "in_transit", "receiving": "in_progress", "dispensing": "dispensed",
             "returning": "returned"}  # fmt: skip
    return event("ObjectEvent", when, location, biz_step=step,
                 disposition=kw.pop("disposition", usual.get(step)), epcs=epcs, **kw)  # fmt: skip


def batch_journey(expires: str = "2028-12-31") -> list[dict[str, Any]]:
    """The clean journey of the batch: every detector stays quiet on it."""
    return [
        commissioning("04-01T08:00", MAKER, BATCH, expires=expires),
        event("AggregationEvent", "04-01T09:00", MAKER, action="ADD", biz_step="packing",
              disposition="in_progress", parent=CASE2, children=BATCH[:2]),
        move("04-02T10:00", MAKER, "shipping", [CASE2]),
        move("04-03T11:00", WHOLESALER, "receiving", [CASE2]),
        event("AggregationEvent", "04-04T09:00", WHOLESALER, action="DELETE",
              biz_step="unpacking", disposition="in_progress", parent=CASE2, children=BATCH[:2]),
        move("04-05T09:00", WHOLESALER, "shipping", [BATCH[0]]),
        move("04-06T09:00", PHARMACY, "receiving", [BATCH[0]],
             disposition="sellable_accessible"),
        move("04-10T15:00", PHARMACY, "dispensing", [BATCH[0]]),
    ]  # fmt: skip
