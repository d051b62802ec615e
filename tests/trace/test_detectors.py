"""Each trace detector fires on its anomaly, through signals, and stays quiet on a clean journey."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_enterprise
from tests.trace import flows, parties
from yaojian.kit.timeutil import utcnow
from yaojian.signals.models import RiskSignal
from yaojian.trace.detectors import run_trace_detectors
from yaojian.trace.recall import parse_lot, start_recall
from yaojian.trace.service import add_location

ELSEWHERE = "urn:epc:id:sgln:0614141.00004.0"


def _kinds(session: Session) -> dict[str, list[RiskSignal]]:
    out: dict[str, list[RiskSignal]] = {}
    for signal in session.scalars(select(RiskSignal).where(RiskSignal.source == "trace")):
        out.setdefault(signal.kind, []).append(signal)
    return out


def _detect(
    client: TestClient, session: Session, *extra: dict[str, Any]
) -> dict[str, list[RiskSignal]]:
    p = parties.setup(client, session)
    parties.capture(client, p.headers, *flows.batch_journey(), *extra)
    run_trace_detectors(session)
    return _kinds(session)


def test_it_stays_quiet_on_the_clean_journey(client: TestClient, session: Session) -> None:
    p = parties.setup(client, session)
    parties.capture(client, p.headers, *flows.batch_journey())
    counts = run_trace_detectors(session)
    assert set(counts) == {"clone", "not_commissioned", "bad_batch_moved", "unlicensed_receipt",
                           "broken_chain", "aggregation"}  # fmt: skip
    assert counts == dict.fromkeys(counts, 0) and _kinds(session) == {}


def test_it_flags_a_serial_dispensed_twice(client: TestClient, session: Session) -> None:
    kinds = _detect(client, session, flows.move("04-12T10:00", flows.PHARMACY, "dispensing",
                                                [flows.BATCH[0]]))  # fmt: skip
    (signal,) = kinds["serial_dispensed_twice"]
    assert signal.subject_id == flows.BATCH[0] and signal.severity == 4
    assert signal.dedupe_key == f"trace-dispensed-twice:{flows.BATCH[0]}"
    assert len(signal.evidence["events"]) == 2


def test_it_flags_a_serial_seen_at_two_enterprises_five_minutes_apart(
    client: TestClient, session: Session
) -> None:
    seen = flows.event("ObjectEvent", "04-06T09:05", flows.MAKER, biz_step="inspecting",
                       epcs=[flows.BATCH[0]])  # fmt: skip
    kinds = _detect(client, session, seen)
    (signal,) = kinds["serial_in_two_places"]
    assert signal.subject_id == flows.BATCH[0]
    assert signal.evidence["first"]["biz_step"] == "receiving"


def test_it_flags_a_code_that_was_never_commissioned(client: TestClient, session: Session) -> None:
    stranger = "urn:epc:id:sgtin:0614141.812345.999"
    kinds = _detect(client, session, flows.move("04-06T09:00", flows.PHARMACY, "receiving",
                                                [stranger]))  # fmt: skip
    (signal,) = kinds["code_not_commissioned"]
    assert signal.subject_id == stranger and signal.severity == 3
    assert "receipt_without_shipment" in kinds  # nor was it ever shipped


def test_it_flags_an_expired_batch_shipped_and_dispensed(
    client: TestClient, session: Session
) -> None:
    p = parties.setup(client, session)
    parties.capture(client, p.headers, *flows.batch_journey(expires="2026-04-04"))
    run_trace_detectors(session)
    signals = _kinds(session)["expired_batch_moved"]
    steps = sorted(s.evidence["event"]["biz_step"] for s in signals)
    assert steps == ["dispensing", "receiving", "shipping"]  # from the wholesaler on, 04-05…
    assert {s.subject_id for s in signals} == {f"(01){flows.GTIN}(10){flows.LOT}"}
    assert max(s.severity for s in signals) == 4  # dispensing an expired pack


def test_it_flags_a_recalled_batch_moved_but_not_its_return(
    client: TestClient, session: Session
) -> None:
    p = parties.setup(client, session)
    parties.capture(client, p.headers, *flows.batch_journey())
    start_recall(session, ADMIN, parse_lot(flows.LGTIN))
    session.commit()
    onward = flows.move("04-20T09:00", flows.WHOLESALER, "shipping", [flows.BATCH[1]])
    back = flows.move("04-20T09:00", flows.MAKER, "receiving", [flows.BATCH[1]])
    now = utcnow()
    onward["eventTime"] = (now + dt.timedelta(seconds=1)).isoformat()
    back["eventTime"] = (now + dt.timedelta(days=1)).isoformat()
    parties.capture(client, p.headers, onward, back)
    run_trace_detectors(session)
    (signal,) = _kinds(session)["recalled_batch_moved"]
    assert signal.evidence["packs"] == [flows.BATCH[1]] and signal.enterprise_id == p.wholesaler.id


def test_it_flags_goods_received_by_a_party_without_a_licence(
    client: TestClient, session: Session
) -> None:
    p = parties.setup(client, session)
    clinic = make_enterprise(session, kind="retail_pharmacy", region_code="330102")
    add_location(session, ADMIN, ELSEWHERE, clinic.id)
    session.commit()
    parties.capture(
        client, p.headers, *flows.batch_journey(),
        flows.move("04-07T09:00", flows.WHOLESALER, "shipping", [flows.BATCH[1]]),
        flows.move("04-08T09:00", ELSEWHERE, "receiving", [flows.BATCH[1]]),
    )  # fmt: skip
    run_trace_detectors(session)
    (signal,) = _kinds(session)["receipt_without_licence"]
    assert signal.enterprise_id == clinic.id and signal.region_code == "330102"
    assert signal.evidence["product_class"] == "drug"


def test_it_flags_a_receipt_with_no_matching_shipment(client: TestClient, session: Session) -> None:
    kinds = _detect(client, session, flows.move("04-08T09:00", flows.PHARMACY, "receiving",
                                                [flows.BATCH[1]]))  # fmt: skip
    (signal,) = kinds["receipt_without_shipment"]
    assert signal.subject_id == flows.BATCH[1] and "not_commissioned" not in kinds


def test_it_flags_aggregation_inconsistencies(client: TestClient, session: Session) -> None:
    case3 = "urn:epc:id:sscc:0614141.1234567892"
    kinds = _detect(
        client, session,
        flows.event("AggregationEvent", "04-01T10:00", flows.MAKER, action="ADD",
                    biz_step="packing", parent=case3, children=[flows.BATCH[0]]),
        flows.event("AggregationEvent", "04-04T10:00", flows.WHOLESALER, action="DELETE",
                    biz_step="unpacking", parent=flows.CASE2, children=[flows.BATCH[2]]),
    )  # fmt: skip
    (two,) = kinds["child_in_two_parents"]
    assert two.subject_id == flows.BATCH[0] and two.evidence["still_in"] == flows.CASE2
    (absent,) = kinds["delete_of_absent_child"]
    # BATCH[2] was never packed. BATCH[0], packed into case3 while in CASE2, counts in both:
    # its unpacking from CASE2 agrees with the record, so the one error is reported once.
    assert absent.subject_id == flows.BATCH[2] and absent.evidence["in"] is None


def test_running_again_reports_the_same_findings_once(client: TestClient, session: Session) -> None:
    _detect(client, session, flows.move("04-12T10:00", flows.PHARMACY, "dispensing",
                                        [flows.BATCH[0]]))  # fmt: skip
    before = session.scalar(select(func.count()).select_from(RiskSignal))
    assert run_trace_detectors(session, since=utcnow())["clone"] == 0
    run_trace_detectors(session)
    assert session.scalar(select(func.count()).select_from(RiskSignal)) == before
