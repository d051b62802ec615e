from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, actor_of, bearer, make_enterprise, make_user
from tests.inspection.builders import (
    GMP,
    ON,
    close_the_loop,
    staffed_visit,
    token_for,
)
from yaojian.audit.models import AuditEntry
from yaojian.auth.models import Role
from yaojian.inspection import workflow
from yaojian.inspection.choices import (
    Conclusion,
    Disposition,
    RectificationStatus,
    VisitStatus,
)
from yaojian.inspection.schemas import (
    ConclusionCreate,
    EvidenceCreate,
    VerificationCreate,
)
from yaojian.kit.errors import Conflict
from yaojian.registry.choices import EnterpriseKind
from yaojian.registry.models import Enterprise


def test_an_assigned_inspector_runs_a_visit_to_a_verified_rectification(
    session: Session,
) -> None:
    visit, user = staffed_visit(session)
    inspector = actor_of(user)
    order_id = close_the_loop(session, visit, inspector)
    enterprise = session.get(Enterprise, visit.enterprise_id)
    assert enterprise is not None
    owner = actor_of(make_user(session, Role.ENTERPRISE, enterprise=enterprise))
    workflow.submit_evidence(session, owner, order_id, EvidenceCreate(evidence="温度记录已补齐"))
    order = workflow.verify(session, inspector, order_id, VerificationCreate(accepted=True))
    assert order.status is RectificationStatus.VERIFIED
    assert visit.status is VisitStatus.CLOSED and visit.closed_at is not None
    (finding,) = workflow.findings_of(session, visit.id)
    assert finding.disposition is Disposition.RECTIFICATION
    actions = set(
        session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.startswith("inspection."))
        )
    )
    assert {
        "inspection.visit.start",
        "inspection.finding.add",
        "inspection.visit.conclude",
        "inspection.rectification.order",
        "inspection.rectification.submit",
        "inspection.rectification.verify",
    } <= actions


def test_verifying_a_rectification_never_submitted_is_a_409_naming_the_rule(
    client: TestClient, session: Session
) -> None:
    visit, user = staffed_visit(session)
    order_id = close_the_loop(session, visit, actor_of(user))
    session.commit()
    response = client.post(
        f"/api/v1/inspection/rectifications/{order_id}/verification",
        json={"accepted": True},
        headers=token_for(client, user),
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["invalid-params"][0]["name"] == "verify_requires_submitted_evidence"


def test_findings_are_refused_before_the_visit_starts(session: Session) -> None:
    visit, user = staffed_visit(session)
    with pytest.raises(Conflict) as info:
        workflow.add_finding(session, actor_of(user), visit.id, GMP)
    assert info.value.invalid_params[0].name == "findings_only_during_visit"


def test_a_compliant_conclusion_with_findings_on_record_is_refused(session: Session) -> None:
    visit, user = staffed_visit(session)
    inspector = actor_of(user)
    workflow.start_visit(session, inspector, visit.id)
    workflow.add_finding(session, inspector, visit.id, GMP)
    with pytest.raises(Conflict) as info:
        workflow.conclude(
            session, inspector, visit.id, ConclusionCreate(conclusion=Conclusion.COMPLIANT)
        )
    assert info.value.invalid_params[0].name == "conclusion_contradicts_findings"


def test_an_inspector_sees_only_the_visits_they_are_assigned_to(
    client: TestClient, session: Session
) -> None:
    mine, user = staffed_visit(session)
    other_shop = make_enterprise(session, kind=EnterpriseKind.DRUG_WHOLESALER)
    other = workflow.order_unannounced(session, ADMIN, other_shop.id, "另一家", ON)
    session.commit()
    headers = token_for(client, user)
    listed = client.get("/api/v1/inspection/visits", headers=headers).json()
    assert [v["id"] for v in listed["items"]] == [mine.id]
    assert client.get(f"/api/v1/inspection/visits/{other.id}", headers=headers).status_code == 404
    started = client.post(f"/api/v1/inspection/visits/{other.id}/start", headers=headers)
    assert started.status_code == 404


def test_an_enterprise_sees_its_findings_and_order_but_no_visit(
    client: TestClient, session: Session
) -> None:
    visit, user = staffed_visit(session)
    order_id = close_the_loop(session, visit, actor_of(user))
    enterprise = session.get(Enterprise, visit.enterprise_id)
    neighbour = make_enterprise(session, kind=EnterpriseKind.DRUG_WHOLESALER)
    session.commit()
    own = bearer(client, session, Role.ENTERPRISE, enterprise=enterprise)
    other = bearer(client, session, Role.ENTERPRISE, enterprise=neighbour)
    assert client.get("/api/v1/inspection/visits", headers=own).json()["total"] == 0
    assert client.get(f"/api/v1/inspection/visits/{visit.id}", headers=own).status_code == 404
    findings = client.get("/api/v1/inspection/findings", headers=own).json()
    assert [f["description"] for f in findings] == ["冷库温度记录缺失"]
    orders = client.get("/api/v1/inspection/rectifications", headers=own).json()
    assert [o["id"] for o in orders] == [order_id]
    assert client.get("/api/v1/inspection/findings", headers=other).json() == []
    submitted = client.post(
        f"/api/v1/inspection/rectifications/{order_id}/evidence",
        json={"evidence": "不是我的"},
        headers=other,
    )
    assert submitted.status_code == 404
    again = client.post(
        f"/api/v1/inspection/rectifications/{order_id}/evidence",
        json={"evidence": "已整改"},
        headers=own,
    )
    assert again.status_code == 200
    twice = client.post(
        f"/api/v1/inspection/rectifications/{order_id}/evidence",
        json={"evidence": "再交一次"},
        headers=own,
    )
    assert twice.status_code == 409
    assert twice.json()["invalid-params"][0]["name"] == "evidence_only_for_issued_order"


def test_a_county_regulator_works_only_within_their_county(
    client: TestClient, session: Session
) -> None:
    visit, _ = staffed_visit(session, county="330106")
    session.commit()
    xihu = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    binjiang = bearer(client, session, Role.COUNTY_REGULATOR, "330108")
    assert client.get(f"/api/v1/inspection/visits/{visit.id}", headers=xihu).status_code == 200
    url = f"/api/v1/inspection/visits/{visit.id}"
    assert client.get(url, headers=binjiang).status_code == 404
    assert client.post(url + "/start", headers=binjiang).status_code == 404
    assert client.post(url + "/start", headers=xihu).status_code == 200
    shop = session.scalar(select(func.max(Enterprise.id)))
    ordered = client.post(
        "/api/v1/inspection/visits",
        json={"enterprise_id": shop, "reason": "x", "planned_on": ON.isoformat()},
        headers=binjiang,
    )
    assert ordered.status_code == 404
