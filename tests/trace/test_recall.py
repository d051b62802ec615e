"""Recall of a batch: scope by holder and county, dispensed packs, tasks, progress on returns."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_drug, make_user
from tests.trace import flows, parties
from yaojian.audit.models import AuditEntry
from yaojian.auth.models import Role
from yaojian.registry import service as registry
from yaojian.registry.choices import ReleaseStatus
from yaojian.registry.models import Batch
from yaojian.registry.schemas import BatchCreate


def _recall(client: TestClient, headers: dict[str, str], **body: str) -> dict[str, object]:
    response = client.post("/api/v1/trace/recalls", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_it_scopes_a_recall_by_holder_and_county_and_lists_dispensed_packs(
    client: TestClient, session: Session
) -> None:
    p = parties.setup(client, session)
    parties.capture(client, p.headers, *flows.batch_journey())
    body = _recall(client, p.headers, code=flows.LGTIN, reason="溶出度不合格", level="1")
    assert body["packs_total"] == 3 and body["packs_held"] == 2 and body["status"] == "open"
    held = {h["enterprise"]["id"]: h["packs_held"] for h in body["holders"]}  # type: ignore[attr-defined]
    assert held == {p.maker.id: 1, p.wholesaler.id: 1}
    counties = {c["region_code"]: c["packs_held"] for c in body["counties"]}  # type: ignore[attr-defined]
    assert counties == {"330106": 1, "330212": 1}
    assert [d["epc"] for d in body["dispensed"]] == [flows.BATCH[0]]  # type: ignore[attr-defined]
    assert body["dispensed"][0]["enterprise"]["id"] == p.pharmacy.id  # type: ignore[index]
    assert body["level_label"] == "一级" and "not marked" in str(body["registry_note"])
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "trace.recall")).one()
    assert entry.object_id == str(body["id"])


def test_the_same_batch_is_found_from_gtin_and_lot_and_only_once_while_open(
    client: TestClient, session: Session
) -> None:
    p = parties.setup(client, session)
    parties.capture(client, p.headers, *flows.batch_journey())
    body = _recall(client, p.headers, gtin=flows.GTIN, lot=flows.LOT)
    assert body["packs_total"] == 3
    again = client.post("/api/v1/trace/recalls", json={"code": f"(01){flows.GTIN}(10)L1"},
                        headers=p.headers)  # fmt: skip
    assert again.status_code == 409
    other_lot = _recall(client, p.headers, gtin=flows.GTIN, lot="L2")
    assert other_lot["packs_total"] == 0
    bad = client.post("/api/v1/trace/recalls", json={"code": flows.BATCH[0]}, headers=p.headers)
    assert bad.status_code == 422 and bad.json()["invalid-params"][0]["name"] == "code"


def test_progress_moves_as_return_events_arrive_and_the_recall_closes(
    client: TestClient, session: Session
) -> None:
    p = parties.setup(client, session)
    parties.capture(client, p.headers, *flows.batch_journey())
    recall_id = _recall(client, p.headers, code=flows.LGTIN)["id"]
    # The wholesaler sends its pack back; the maker receives it.
    parties.capture(
        client, p.headers,
        flows.move("04-20T09:00", flows.WHOLESALER, "shipping", [flows.BATCH[1]]),
        flows.move("04-21T09:00", flows.MAKER, "receiving", [flows.BATCH[1]]),
    )  # fmt: skip
    body = client.get(f"/api/v1/trace/recalls/{recall_id}", headers=p.headers).json()
    tasks = {h["enterprise"]["id"]: (h["packs_returned"], h["status"]) for h in body["holders"]}
    assert tasks == {p.maker.id: (0, "open"), p.wholesaler.id: (1, "done")}
    assert body["progress"] == 0.5 and body["status"] == "open"
    # The maker quarantines the one it never shipped.
    parties.capture(client, p.headers, flows.event(
        "ObjectEvent", "04-22T09:00", flows.MAKER, biz_step="holding", disposition="recalled",
        epcs=[flows.BATCH[2]]))  # fmt: skip
    body = client.get(f"/api/v1/trace/recalls/{recall_id}", headers=p.headers).json()
    assert body["progress"] == 1.0 and body["status"] == "done"
    assert {h["status"] for h in body["holders"]} == {"done"}


def test_a_recall_marks_the_registry_batch_when_one_product_carries_the_gtin(
    client: TestClient, session: Session
) -> None:
    p = parties.setup(client, session)
    drug = make_drug(session, p.maker)
    drug.udi_di = flows.GTIN
    batch = registry.add_batch(session, ADMIN, p.maker.id, BatchCreate(
        product_id=drug.id, batch_number=flows.LOT, manufactured_on=dt.date(2026, 3, 1),
        expires_on=dt.date(2028, 12, 31), quantity=3))  # fmt: skip
    session.commit()
    parties.capture(client, p.headers, *flows.batch_journey())
    body = _recall(client, p.headers, code=flows.LGTIN)
    assert body["registry_batch_id"] == batch.id
    session.expire_all()
    assert session.get(Batch, batch.id).release_status is ReleaseStatus.RECALLED  # type: ignore[union-attr]


def test_only_the_province_or_the_makers_regulators_may_recall(
    client: TestClient, session: Session
) -> None:
    p = parties.setup(client, session)
    parties.capture(client, p.headers, *flows.batch_journey())
    elsewhere = make_user(session, Role.COUNTY_REGULATOR, region_code="330212")
    home = make_user(session, Role.COUNTY_REGULATOR, region_code="330106")
    session.commit()
    refused = client.post("/api/v1/trace/recalls", json={"code": flows.LGTIN},
                          headers=parties.login(client, elsewhere.username))  # fmt: skip
    assert refused.status_code == 403
    body = _recall(client, parties.login(client, home.username), code=flows.LGTIN)
    assert body["packs_held"] == 2
    hidden = client.get(f"/api/v1/trace/recalls/{body['id']}",
                        headers=parties.login(client, elsewhere.username))  # fmt: skip
    assert hidden.status_code == 404


def test_a_regulator_starts_a_recall_from_the_page_and_sees_its_scope(
    client: TestClient, session: Session
) -> None:
    p = parties.setup(client, session)
    parties.capture(client, p.headers, *flows.batch_journey())
    user = make_user(session, Role.PROVINCE_REGULATOR, region_code="330000")
    session.commit()
    form = {"username": user.username, "password": "secret-pass"}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    response = client.post(
        "/trace/recalls", data={"code": flows.LGTIN, "reason": "含量不合格", "level": "1"}
    )
    assert response.status_code == 200 and "/trace/recalls/" in str(response.url)
    assert p.maker.name in response.text and p.wholesaler.name in response.text
    assert 'id="recall-held">2<' in response.text
    again = client.post("/trace/recalls", data={"code": flows.LGTIN, "reason": "重复"})
    assert again.status_code == 409 and 'role="alert"' in again.text
