"""The JSON API: county scoping, problem+json for illegal steps, the enterprise's and the
public's view of decisions, bans refusing a key position, evidence hashes."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, bearer, machine_token, make_enterprise
from tests.enforcement.builders import decided, open_case, to_legal_review
from yaojian.audit.chain import verify
from yaojian.audit.models import AuditEntry
from yaojian.auth.models import Role
from yaojian.enforcement.evidence import blob_path
from yaojian.registry import service as registry
from yaojian.registry.choices import EnterpriseKind, PositionRole
from yaojian.registry.schemas import KeyPositionCreate
from yaojian.settings import Settings

ID_NUMBER = "11010519491231002X"


def county(client: TestClient, session: Session, code: str = "330106") -> dict[str, str]:
    return bearer(client, session, Role.COUNTY_REGULATOR, region_code=code)


def test_a_county_regulator_opens_and_sees_only_cases_of_their_county(
    client: TestClient, session: Session
) -> None:
    xihu = make_enterprise(session, region_code="330106")
    binjiang = make_enterprise(session, region_code="330108")
    theirs = open_case(session, binjiang)
    headers = county(client, session)
    body = {"lead_kind": "complaint", "lead_ref": "TS-9", "enterprise_id": xihu.id,
            "summary": "群众投诉药店销售过期药品"}  # fmt: skip
    created = client.post("/api/v1/cases", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["stage"] == "lead"
    assert created.json()["deadlines"][0]["clock"] == "lead_check"
    listed = client.get("/api/v1/cases", headers=headers).json()
    assert [c["id"] for c in listed["items"]] == [created.json()["id"]]
    assert client.get(f"/api/v1/cases/{theirs.id}", headers=headers).status_code == 404
    elsewhere = body | {"enterprise_id": binjiang.id}
    assert client.post("/api/v1/cases", json=elsewhere, headers=headers).status_code == 404
    step = client.post(f"/api/v1/cases/{theirs.id}/file", json={}, headers=headers)
    assert step.status_code == 404


def test_an_illegal_step_is_a_409_problem_naming_the_rule(
    client: TestClient, session: Session
) -> None:
    case = to_legal_review(session, make_enterprise(session))
    response = client.post(
        f"/api/v1/cases/{case.id}/close", json={}, headers=county(client, session)
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["invalid-params"][0]["name"] == "close_requires_decision"


def test_a_decision_outside_the_recommendation_without_a_reason_is_a_422_naming_the_field(
    client: TestClient, session: Session
) -> None:
    case = to_legal_review(session, make_enterprise(session))
    headers = county(client, session)
    recommended = client.post(
        "/api/v1/cases/discretion", json={"violation_code": "dal-126"}, headers=headers
    ).json()
    assert (recommended["fine_min"], recommended["fine_max"]) == (220_000, 380_000)
    decision = {"violation_code": "dal-126", "review_opinion": "同意", "fine_amount": 120_000,
                "warning": True}  # fmt: skip
    refused = client.post(f"/api/v1/cases/{case.id}/decision", json=decision, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["invalid-params"][0]["name"] == "departure_reason"
    reason = "当事人主动召回全部涉事产品并整改到位，危害后果轻微。"
    accepted = client.post(
        f"/api/v1/cases/{case.id}/decision",
        json=decision | {"departure_reason": reason},
        headers=headers,
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["departure_reason"] == reason
    assert accepted.json()["stage"] == "decided"


def test_an_enterprise_sees_its_own_decisions_and_nothing_else(
    client: TestClient, session: Session
) -> None:
    mine = make_enterprise(session)
    other = make_enterprise(session)
    my_decision = decided(session, mine)
    my_open_case = open_case(session, mine)
    decided(session, other)
    headers = {"Authorization": f"Bearer {machine_token(session, mine)}"}
    session.commit()
    assert client.get("/api/v1/cases", headers=headers).status_code == 403
    assert client.get(f"/api/v1/cases/{my_decision.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/cases/{my_open_case.id}", headers=headers).status_code == 404
    seen = client.get("/api/v1/cases/decisions", headers=headers).json()["items"]
    assert [d["case_id"] for d in seen] == [my_decision.id]
    assert "findings" not in seen[0]


def test_public_penalties_show_only_decided_penalties_with_names_masked(
    client: TestClient, session: Session
) -> None:
    enterprise = make_enterprise(session)
    registry.appoint(session, ADMIN, enterprise.id, KeyPositionCreate(
        name="王建国", id_number=ID_NUMBER, role=PositionRole.LEGAL_REPRESENTATIVE))  # fmt: skip
    person_id = registry.list_positions(session, ADMIN, enterprise.id)[0].person_id
    case = decided(
        session, enterprise, violation_code="dal-126", circumstances=["serious"],
        fine_amount=1_000_000, bans=[{"person_id": person_id, "years": 10}],
    )  # fmt: skip
    to_legal_review(session, make_enterprise(session))
    session.commit()
    api = client.get("/api/v1/public/penalties").json()
    assert [d["case_id"] for d in api["items"]] == [case.id]
    row = api["items"][0]
    assert row["legal_representative"] == "王建国"  # public for an enterprise
    assert row["banned_persons"] == ["王**"]
    page = client.get("/public/penalties")
    assert page.status_code == 200
    assert case.decision_number in page.text and ID_NUMBER not in page.text


def test_a_banned_person_is_refused_a_key_position_naming_the_ban(
    client: TestClient, session: Session
) -> None:
    enterprise = make_enterprise(session)
    registry.appoint(session, ADMIN, enterprise.id, KeyPositionCreate(
        name="李质量", id_number=ID_NUMBER, role=PositionRole.QUALITY_HEAD))  # fmt: skip
    person_id = registry.list_positions(session, ADMIN, enterprise.id)[0].person_id
    decided(
        session, enterprise, violation_code="dal-116", goods_value=50_000,
        fine_amount=2_000_000, confiscation=True, bans=[{"person_id": person_id, "lifetime": True}],
    )  # fmt: skip
    pharmacy = make_enterprise(session, kind=EnterpriseKind.RETAIL_PHARMACY)
    hospital = make_enterprise(session, kind=EnterpriseKind.MEDICAL_INSTITUTION)
    session.commit()
    headers = county(client, session)
    body = {"name": "李质量", "id_number": ID_NUMBER, "role": "principal"}
    refused = client.post(
        f"/api/v1/enterprises/{pharmacy.id}/positions", json=body, headers=headers
    )
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["invalid-params"][0]["name"] == "person_ban"
    assert "市监药罚" in problem["detail"] and "终身" in problem["detail"]
    # The ban covers drug production and trade; a hospital is not a drug enterprise.
    allowed = client.post(
        f"/api/v1/enterprises/{hospital.id}/positions", json=body, headers=headers
    )
    assert allowed.status_code == 201, allowed.text


def test_evidence_is_stored_by_its_hash_audited_and_checked_on_download(
    client: TestClient, session: Session, settings: Settings
) -> None:
    case = open_case(session, make_enterprise(session))
    headers = county(client, session)
    content = "现场检查笔录：冷库温度记录缺失。".encode()
    digest = hashlib.sha256(content).hexdigest()
    uploaded = client.post(
        f"/api/v1/cases/{case.id}/evidence",
        files={"file": ("笔录.txt", content, "text/plain")},
        data={"description": "现场检查笔录"},
        headers=headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["sha256"] == digest
    assert blob_path(settings.var_dir, digest).read_bytes() == content
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "evidence.add")).one()
    assert entry.after is not None and entry.after["sha256"] == digest
    evidence_id = uploaded.json()["id"]
    download = client.get(f"/api/v1/cases/evidence/{evidence_id}", headers=headers)
    assert download.status_code == 200 and download.content == content
    assert download.headers["x-content-sha256"] == digest
    blob_path(settings.var_dir, digest).write_bytes(content + b" altered")
    tampered = client.get(f"/api/v1/cases/evidence/{evidence_id}", headers=headers)
    assert tampered.status_code == 409
    assert tampered.json()["invalid-params"][0]["name"] == "evidence_altered"
    assert verify(session).ok


def test_an_inspector_handles_but_does_not_decide(client: TestClient, session: Session) -> None:
    case = open_case(session, make_enterprise(session))
    headers = bearer(client, session, Role.INSPECTOR, region_code="330100")
    assert client.get(f"/api/v1/cases/{case.id}", headers=headers).status_code == 200
    assert client.post(f"/api/v1/cases/{case.id}/file", json={}, headers=headers).status_code == 403
