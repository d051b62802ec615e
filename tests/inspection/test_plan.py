from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, actor_of, bearer, make_drug, make_enterprise, make_user
from tests.inspection.builders import make_narcotics_maker
from yaojian.auth.models import Role
from yaojian.inspection.choices import VisitKind
from yaojian.inspection.config import load_rules
from yaojian.inspection.models import InspectionVisit
from yaojian.inspection.planner import EnterpriseFacts, OpenSignal, plan_enterprise, plan_year
from yaojian.inspection.service import generate_plan
from yaojian.kit.errors import Conflict, Forbidden
from yaojian.registry.choices import EnterpriseKind
from yaojian.signals.models import SubjectType
from yaojian.signals.service import SignalReport, emit

TODAY = dt.date(2026, 12, 2)
YEAR = 2027


def _visits(session: Session, plan_id: int, enterprise_id: int) -> list[InspectionVisit]:
    stmt = select(InspectionVisit).where(
        InspectionVisit.plan_id == plan_id, InspectionVisit.enterprise_id == enterprise_id
    )
    return list(session.scalars(stmt.order_by(InspectionVisit.planned_on)))


def test_a_narcotics_maker_is_visited_each_quarter_with_its_yearly_gmp_check_merged_in(
    session: Session,
) -> None:
    maker = make_narcotics_maker(session, region_code="330106")
    plan = generate_plan(session, ADMIN, YEAR, "330106", today=TODAY)
    visits = _visits(session, plan.id, maker.id)
    assert [v.kind for v in visits] == [VisitKind.ROUTINE] * 4
    assert sorted({v.planned_on.month for v in visits}) == [v.planned_on.month for v in visits]
    quarters = [(v.planned_on.month - 1) // 3 for v in visits]
    assert quarters == [0, 1, 2, 3]
    first, *rest = visits
    assert {i["rule"] for i in first.items} == {"controlled_drug_maker", "high_risk_drug_maker"}
    assert all({i["rule"] for i in v.items} == {"controlled_drug_maker"} for v in rest)
    assert first.domains == ["drug_gmp"]


def test_a_vaccine_maker_needs_a_vaccine_qualified_team_of_three(session: Session) -> None:
    maker = make_enterprise(session, kind=EnterpriseKind.DRUG_MANUFACTURER)
    make_drug(session, maker, name="流感疫苗", is_vaccine=True)
    plan = generate_plan(session, ADMIN, YEAR, "330106", today=TODAY)
    (visit,) = _visits(session, plan.id, maker.id)
    assert set(visit.domains) == {"drug_gmp", "vaccine"}
    assert visit.team_size == 3


def test_a_three_year_rule_covers_every_enterprise_exactly_once_in_three_years() -> None:
    table = load_rules()
    facts = [EnterpriseFacts(i, EnterpriseKind.COSMETICS_MANUFACTURER, "330106") for i in range(30)]
    seen: dict[int, int] = {}
    for year in (2027, 2028, 2029):
        for visit in plan_year(table, facts, year):
            seen[visit.enterprise_id] = seen.get(visit.enterprise_id, 0) + 1
    assert seen == dict.fromkeys(range(30), 1)


def test_a_severe_open_signal_adds_an_unannounced_visit_and_tightens_the_routine_ones() -> None:
    table = load_rules()
    calm = EnterpriseFacts(3, EnterpriseKind.DRUG_WHOLESALER, "330106")
    worried = EnterpriseFacts(
        3, EnterpriseKind.DRUG_WHOLESALER, "330106", signals=[OpenSignal(9, 4, "温控异常")]
    )
    assert len(plan_enterprise(table, calm, YEAR)) == 1
    visits = plan_enterprise(table, worried, YEAR)
    unannounced = [v for v in visits if v.kind is VisitKind.UNANNOUNCED]
    routine = [v for v in visits if v.kind is VisitKind.ROUTINE]
    assert len(unannounced) == 1 and unannounced[0].signal_id == 9
    assert "温控异常" in unannounced[0].reason
    assert len(routine) == 2  # yearly × 2.0 for a severe open signal → every six months


def test_an_open_signal_in_the_database_reaches_the_plan(session: Session) -> None:
    shop = make_enterprise(session, kind=EnterpriseKind.DRUG_WHOLESALER)
    emit(
        session,
        ADMIN,
        SignalReport(
            source="test",
            kind="cold_chain",
            subject_type=SubjectType.ENTERPRISE,
            subject_id=str(shop.id),
            enterprise_id=shop.id,
            severity=3,
            title="冷链断链",
            evidence={},
            dedupe_key=f"test:{shop.id}",
        ),
    )
    plan = generate_plan(session, ADMIN, YEAR, "330106", today=TODAY)
    kinds = sorted(v.kind.value for v in _visits(session, plan.id, shop.id))
    assert kinds == ["routine", "routine", "unannounced"]
    assert plan.summary["unannounced"] >= 1


def test_a_county_regulator_plans_their_county_but_not_the_next(session: Session) -> None:
    make_narcotics_maker(session, region_code="330106")
    regulator = actor_of(make_user(session, Role.COUNTY_REGULATOR, region_code="330106"))
    plan = generate_plan(session, regulator, YEAR, today=TODAY)
    assert plan.region_code == "330106" and plan.summary["visits"] >= 4
    with pytest.raises(Forbidden):
        generate_plan(session, regulator, YEAR, "330108", today=TODAY)


def test_a_second_plan_overlapping_the_first_is_refused(session: Session) -> None:
    generate_plan(session, ADMIN, YEAR, "330106", today=TODAY)
    with pytest.raises(Conflict, match="overlap"):
        generate_plan(session, ADMIN, YEAR, "330100", today=TODAY)


def test_the_api_plans_a_year_and_answers_an_overlap_with_problem_json(
    client: TestClient, session: Session
) -> None:
    make_narcotics_maker(session, region_code="330106")
    headers = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    year = dt.date.today().year + 1
    response = client.post("/api/v1/inspection/plans", json={"year": year}, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["summary"]["visits"] >= 4
    again = client.post("/api/v1/inspection/plans", json={"year": year}, headers=headers)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert "overlap" in again.json()["detail"]
