"""The pack register that capture keeps says what each pack's own chain says."""

from __future__ import annotations

import random

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import ADMIN
from tests.trace import flows, parties
from tests.trace.test_batch_scope import _tangled_flow
from yaojian.kit.timeutil import utcnow
from yaojian.trace.batch_scope import pack_states, pack_states_now
from yaojian.trace.chain import STATUS, chain_of
from yaojian.trace.models import TracePackState
from yaojian.trace.pack_state import PackState, effective, needs_chain, read_states, rebuild
from yaojian.trace.recall import RETURN_DISPOSITIONS, RETURN_STEPS, batch_packs, parse_lot
from yaojian.trace.verify import verify


def _register(session: Session) -> dict[str, tuple[object, ...]]:
    rows = session.scalars(select(TracePackState)).all()
    return {r.epc: tuple(getattr(r, c) for c in PackState.__slots__) for r in rows}


def _assert_matches_chains(session: Session, identifiers: list[str]) -> set[tuple[object, ...]]:
    """Every identifier the register can answer for agrees with its chain; returns what the
    register said (status word, holder, container), to show the flow was varied enough."""
    states = read_states(session, identifiers)
    seen: set[tuple[object, ...]] = set()
    answered = 0
    for epc in identifiers:
        around = read_states(session, [epc])
        if needs_chain(around, epc):
            continue
        answered += 1
        chain = chain_of(session, ADMIN, epc)
        state = effective(around, epc)
        assert state is not None, epc
        word = STATUS[state.status][0] if state.status else "active"
        assert word == chain.status[0], epc
        custodian = chain.custodian
        assert state.holder_id == (custodian.id if custodian else None), epc
        assert state.holder_region == (custodian.region_code if custodian else None), epc
        seen.add((word, state.holder_id, states[epc].parent))
    # Only packs in two containers at once (and what is inside them) are left to the chain.
    assert answered >= 0.6 * len(identifiers)
    return seen


@pytest.mark.parametrize("seed", [11, 12, 13, 14, 15, 16])
def test_every_pack_and_container_has_the_holder_and_status_of_its_chain(
    client: TestClient, session: Session, seed: int
) -> None:
    p = parties.setup(client, session)
    rng = random.Random(seed)
    events = _tangled_flow(rng)
    # In several documents, so that each capture reads back what the last one wrote.
    cuts = sorted(rng.sample(range(1, len(events)), k=4))
    for lo, hi in zip([0, *cuts], [*cuts, len(events)], strict=True):
        parties.capture(client, p.headers, *events[lo:hi])
    register = _register(session)
    assert len(register) == 40 + 8 + 2  # every pack, case and pallet
    seen = _assert_matches_chains(session, sorted(register))
    # Tangled enough to tell a wrong register apart: several holders, statuses, containers.
    assert len({w for w, _, _ in seen}) >= 3 and len({h for _, h, _ in seen}) >= 3
    assert len({c for _, _, c in seen}) >= 2
    # And the public answer, register or chain, is the chain's for every pack.
    plain = {"dispensed": "dispensed", "recalled": "recalled", "active": "normal",
             "in_transit": "normal", "returned": "normal", "unknown": "suspect"}  # fmt: skip
    for epc in sorted(register):
        if "sgtin" in epc:
            expected = plain.get(chain_of(session, ADMIN, epc).status[0], "suspect")
            assert verify(session, epc).status == expected, epc


def test_commissioning_gives_lot_expiry_and_genuineness(
    client: TestClient, session: Session
) -> None:
    p = parties.setup(client, session)
    parties.capture(client, p.headers, flows.commissioning("05-01T08:00", flows.MAKER,
                                                           flows.BATCH[:2]))  # fmt: skip
    parties.capture(client, p.headers, flows.move("05-02T08:00", flows.MAKER, "shipping",
                                                  [flows.BATCH[2]]))  # fmt: skip
    states = read_states(session, flows.BATCH)
    made = states[flows.BATCH[0]]
    assert made.commissioned and made.lot == flows.LOT and str(made.expiry) == "2028-12-31"
    stray = states[flows.BATCH[2]]
    assert not stray.commissioned and stray.lot is None


def test_rebuilding_from_the_stored_events_gives_the_register_capture_kept(
    client: TestClient, session: Session
) -> None:
    p = parties.setup(client, session)
    parties.capture(client, p.headers, *_tangled_flow(random.Random(21)))
    kept = _register(session)
    assert rebuild(session, chunk=7) > 60  # small chunks: the replay crosses many of them
    session.expire_all()
    assert _register(session) == kept


def test_sending_a_document_again_leaves_the_register_as_it_was(
    client: TestClient, session: Session
) -> None:
    p = parties.setup(client, session)
    events = _tangled_flow(random.Random(31))
    parties.capture(client, p.headers, *events)
    kept = _register(session)
    parties.capture(client, p.headers, *events[10:30])
    session.expire_all()
    assert _register(session) == kept


@pytest.mark.parametrize("seed", [41, 42, 43])
def test_a_batch_read_from_the_register_has_the_holders_and_statuses_of_the_replay(
    client: TestClient, session: Session, seed: int
) -> None:
    p = parties.setup(client, session)
    parties.capture(client, p.headers, *_tangled_flow(random.Random(seed)))
    makers = batch_packs(session, parse_lot(code=flows.LGTIN))
    batch = parse_lot(code=flows.LGTIN)
    assert batch.gtin and batch.lot
    now = pack_states_now(session, batch.gtin, batch.lot, {}, RETURN_DISPOSITIONS, RETURN_STEPS)
    replayed = pack_states(session, makers, utcnow(), RETURN_DISPOSITIONS, RETURN_STEPS)
    columns = ["pack", "maker_id", "holder_id", "status"]
    assert now.height == 40
    assert now.select(columns).to_dicts() == replayed.select(columns).to_dicts()
    assert now["status"].n_unique() >= 3 and now["holder_id"].n_unique() >= 3
