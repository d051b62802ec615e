"""The batch scope (all packs at once) agrees with each pack's own chain, on tangled flows."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import ADMIN
from tests.trace import flows, parties
from yaojian.kit.timeutil import utcnow
from yaojian.trace.batch_scope import pack_states
from yaojian.trace.chain import chain_of
from yaojian.trace.recall import (
    RETURN_DISPOSITIONS,
    RETURN_STEPS,
    _is_return_step,
    batch_packs,
    parse_lot,
)

PLACES = [flows.MAKER, flows.WHOLESALER, flows.PHARMACY]


def _tangled_flow(rng: random.Random) -> list[dict[str, Any]]:
    """Packs cased, cases palletised, pallets and cases moved and unpacked — whole or in part,
    by naming the children or none — repacked, moved loose, dispensed, returned."""
    packs = [f"urn:epc:id:sgtin:0614141.812345.{n}" for n in range(300, 340)]
    cases = [f"urn:epc:id:sscc:0614141.{2000000000 + n}" for n in range(8)]
    pallets = [f"urn:epc:id:sscc:0614141.{3000000000 + n}" for n in range(2)]
    clock = dt.datetime(2026, 5, 1, 8, 0)

    def when() -> str:
        nonlocal clock
        clock += dt.timedelta(minutes=rng.randint(20, 600))
        return clock.strftime("%m-%dT%H:%M")

    events = [flows.commissioning(when(), flows.MAKER, packs)]
    for i, case in enumerate(cases):
        events.append(flows.event("AggregationEvent", when(), flows.MAKER, action="ADD",
                                  biz_step="packing", parent=case,
                                  children=packs[i * 5 : i * 5 + 5]))  # fmt: skip
    for i, pallet in enumerate(pallets):
        events.append(flows.event("AggregationEvent", when(), flows.MAKER, action="ADD",
                                  biz_step="packing", parent=pallet,
                                  children=cases[i * 4 : i * 4 + 4]))  # fmt: skip
    for _ in range(60):
        place = rng.choice(PLACES)
        roll = rng.random()
        if roll < 0.25:
            step = rng.choice(["shipping", "receiving"])
            events.append(flows.move(when(), place, step, [rng.choice(pallets + cases)]))
        elif roll < 0.4:
            parent = rng.choice(pallets + cases)
            inside = cases if parent in pallets else packs
            named = rng.sample(inside, k=rng.randint(0, 2))
            unpack = flows.event("AggregationEvent", when(), place, action="DELETE",
                                 biz_step="unpacking", parent=parent, children=named)  # fmt: skip
            events.append(unpack)
        elif roll < 0.5:
            parent = rng.choice(cases)
            events.append(flows.event("AggregationEvent", when(), place, action="ADD",
                                      biz_step="packing", parent=parent,
                                      children=rng.sample(packs, k=2)))  # fmt: skip
        elif roll < 0.6:  # sent back
            events.append(flows.move(when(), place, "shipping", [rng.choice(packs)],
                                     disposition="returned"))  # fmt: skip
        else:
            step = rng.choice(["shipping", "receiving", "dispensing"])
            events.append(flows.move(when(), place, step, [rng.choice(packs)]))
    return events


def test_holder_status_and_return_of_every_pack_match_its_own_chain(
    client: TestClient, session: Session
) -> None:
    p = parties.setup(client, session)
    events = _tangled_flow(random.Random(11))
    # A recall starts between two documents: the first is what it knows, the second what
    # arrives afterwards (returns among it).
    parties.capture(client, p.headers, *events[:45])
    started = utcnow()
    parties.capture(client, p.headers, *events[45:])
    makers = batch_packs(session, parse_lot(code=flows.LGTIN))
    assert len(makers) == 40
    seen: set[tuple[object, ...]] = set()
    for at in (started, dt.datetime(2099, 1, 1, tzinfo=dt.UTC)):
        states = pack_states(session, makers, at, RETURN_DISPOSITIONS, RETURN_STEPS)
        assert states.height == 40
        seen |= {(r["holder_id"], r["status"], r["returned"]) for r in states.iter_rows(named=True)}
        for pack, maker, holder, status, returned in states.iter_rows():
            chain = chain_of(session, ADMIN, pack)
            before = chain.known_before(at)
            custodian = before.custodian
            assert holder == (custodian.id if custodian else None), pack
            assert status == before.status[0], pack
            expected = any(
                (s.event.record_time >= at or s.event.event_time >= at)
                and _is_return_step(s.event, maker)
                for s in chain.steps
            )
            assert returned == expected, pack
    # The flow is tangled enough to tell the implementations apart.
    assert len({h for h, _, _ in seen}) >= 3 and len({s for _, s, _ in seen}) >= 3
    assert {r for _, _, r in seen} == {True, False}
