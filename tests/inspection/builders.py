"""Builders of the inspection tests; they go through the real services."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_drug, make_enterprise, make_user
from yaojian.auth.models import Role, User
from yaojian.inspection import workflow
from yaojian.inspection.choices import (
    Conclusion,
    Domain,
    Employment,
    FindingSeverity,
    InspectorGrade,
)
from yaojian.inspection.models import InspectionVisit, Inspector
from yaojian.inspection.schemas import (
    ConclusionCreate,
    FindingCreate,
    InspectorCreate,
    RectificationCreate,
)
from yaojian.inspection.service import add_inspector
from yaojian.inspection.staffing import assign_visit
from yaojian.registry.choices import EnterpriseKind
from yaojian.registry.models import Enterprise

_n = itertools.count(1)


def make_inspector(session: Session, **overrides: Any) -> Inspector:
    data: dict[str, Any] = {
        "name": f"检查员{next(_n)}",
        "employment": Employment.FULL_TIME,
        "grade": InspectorGrade.INSPECTOR,
        "home_region_code": "330102",
        "qualifications": [Domain.DRUG_GMP],
        "capacity": 60,
    } | overrides
    return add_inspector(session, ADMIN, InspectorCreate(**data))


def make_corps(session: Session, counties: list[str], per_county: int = 2) -> list[Inspector]:
    """A leader and members qualified in every domain in each of ``counties``."""
    out = []
    for county in counties:
        for k in range(per_county):
            out.append(
                make_inspector(
                    session,
                    home_region_code=county,
                    grade=InspectorGrade.TEAM_LEADER if k == 0 else InspectorGrade.INSPECTOR,
                    qualifications=list(Domain),
                )
            )
    return out


def make_narcotics_maker(session: Session, **overrides: Any) -> Enterprise:
    data: dict[str, Any] = {"latitude": 30.26, "longitude": 120.13} | overrides
    enterprise = make_enterprise(session, kind=EnterpriseKind.DRUG_MANUFACTURER, **data)
    make_drug(session, enterprise, name="盐酸吗啡注射液", is_narcotic=True, sterile=True)
    return enterprise


ON = dt.date(2027, 3, 15)
DEADLINE = dt.date.today() + dt.timedelta(days=30)
GMP = FindingCreate(
    item_code="GSP-T",
    clause="药品经营质量管理规范 第二章第十节",
    severity=FindingSeverity.MAJOR,
    description="冷库温度记录缺失",
)


def token_for(client: TestClient, user: User) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", data={"username": user.username, "password": "secret-pass"}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def staffed_visit(session: Session, county: str = "330106") -> tuple[InspectionVisit, User]:
    """An unannounced visit to a wholesaler, staffed by the only two eligible inspectors; the
    leader logs in as ``user``."""
    shop = make_enterprise(session, kind=EnterpriseKind.DRUG_WHOLESALER, region_code=county)
    user = make_user(session, Role.INSPECTOR, region_code="330102")
    make_inspector(
        session,
        home_region_code="330102",
        grade=InspectorGrade.TEAM_LEADER,
        qualifications=[Domain.DRUG_GSP],
        user_id=user.id,
    )
    make_inspector(session, home_region_code="330108", qualifications=[Domain.DRUG_GSP])
    visit = workflow.order_unannounced(session, ADMIN, shop.id, "举报：冷链断链", ON)
    assign_visit(session, ADMIN, visit.id)
    session.commit()
    return visit, user


def close_the_loop(session: Session, visit: InspectionVisit, inspector: Any) -> int:
    workflow.start_visit(session, inspector, visit.id)
    workflow.add_finding(session, inspector, visit.id, GMP)
    workflow.conclude(session, inspector, visit.id, ConclusionCreate(conclusion=Conclusion.RECTIFY))
    order = workflow.order_rectification(
        session,
        inspector,
        visit.id,
        RectificationCreate(requirements="补齐温度记录", deadline=DEADLINE),
    )
    return order.id
