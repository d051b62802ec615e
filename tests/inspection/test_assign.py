from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import ADMIN
from tests.inspection.builders import make_corps, make_inspector, make_narcotics_maker
from yaojian.inspection.assign import PoolMember, VisitNeed, assign_teams
from yaojian.inspection.choices import Domain, InspectorGrade, TeamRole, VisitStatus
from yaojian.inspection.config import load_rules
from yaojian.inspection.models import InspectionPlan, InspectionVisit
from yaojian.inspection.service import generate_plan
from yaojian.inspection.staffing import assign_plan
from yaojian.kit.errors import Conflict

SETTINGS = load_rules().assign
TODAY = dt.date(2026, 12, 2)


def _member(i: int, county: str, leader: bool = False, **kw: object) -> PoolMember:
    data: dict[str, object] = {
        "id": i,
        "home_region_code": county,
        "lat": 30.0 + i / 100,
        "lon": 120.0,
        "leader": leader,
        "qualifications": frozenset({"drug_gmp"}),
        "former_employer_ids": frozenset(),
        "capacity": 10,
        "unavailable_months": frozenset(),
    } | kw
    return PoolMember(**data)  # type: ignore[arg-type]


def _need(i: int, county: str = "330106", enterprise: int = 1, month: int = 3) -> VisitNeed:
    return VisitNeed(i, enterprise, county, 30.2, 120.1, month, ("drug_gmp",), 2)


def test_every_team_has_a_leader_and_nobody_from_the_county_or_a_former_employer() -> None:
    pool = [
        _member(1, "330106", leader=True),  # home county of the visits
        _member(2, "330102", leader=True),
        _member(3, "330102", former_employer_ids=frozenset({1})),  # worked at enterprise 1
        _member(4, "330108"),
        _member(5, "330108"),
    ]
    visits = [_need(10 + k, enterprise=1 + k % 2) for k in range(6)]
    result = assign_teams(visits, pool, SETTINGS)
    assert result.feasible, result.problems
    for v in visits:
        team = result.teams[v.id]
        ids = {t[0] for t in team}
        assert len(team) == 2 and sum(1 for t in team if t[1]) == 1
        assert 1 not in ids
        if v.enterprise_id == 1:
            assert 3 not in ids
    summary = result.summary()
    assert summary["worst_gap"] >= 0 and summary["objective"] > 0


def test_workload_is_spread_instead_of_piled_on_the_nearest_inspector() -> None:
    pool = [_member(i, "330102", leader=True, capacity=12) for i in range(1, 7)]
    result = assign_teams([_need(100 + k) for k in range(12)], pool, SETTINGS)
    loads: dict[int, int] = {}
    for team in result.teams.values():
        for inspector_id, _, _ in team:
            loads[inspector_id] = loads.get(inspector_id, 0) + 1
    assert max(loads.values()) - min(loads.values()) <= 1


def test_a_visit_without_an_eligible_leader_is_named_with_the_rule_it_fails() -> None:
    pool = [_member(1, "330102"), _member(2, "330108"), _member(3, "330108")]
    result = assign_teams([_need(77)], pool, SETTINGS)
    assert not result.feasible
    (problem,) = result.problems
    assert problem.rule == "team_leader" and problem.visit_id == 77
    assert "visit 77" in problem.detail


def test_too_little_capacity_is_reported_by_sub_problem_with_its_counts() -> None:
    pool = [_member(i, "330102", leader=True, capacity=1) for i in range(1, 4)]
    result = assign_teams([_need(k) for k in range(1, 4)], pool, SETTINGS)
    assert not result.feasible
    problem = result.problems[0]
    assert problem.rule == "capacity" and problem.subproblem == "330100/03"
    assert "6 team places against 3" in problem.detail


def test_a_plan_is_staffed_and_its_visits_marked_assigned(session: Session) -> None:
    maker = make_narcotics_maker(session, region_code="330106")
    make_corps(session, ["330102", "330108", "330106"])
    plan = generate_plan(session, ADMIN, 2027, "330106", today=TODAY)
    result = assign_plan(session, ADMIN, plan.id)
    assert result.feasible
    visits = session.scalars(
        select(InspectionVisit).where(InspectionVisit.enterprise_id == maker.id)
    ).all()
    assert visits and all(v.status is VisitStatus.ASSIGNED for v in visits)
    for v in visits:
        session.refresh(v)
        assert len(v.team) == 2
        assert [m.role for m in v.team].count(TeamRole.LEADER) == 1
        assert all(m.inspector.home_region_code != "330106" for m in v.team)
    refreshed = session.get(InspectionPlan, plan.id)
    assert refreshed is not None and refreshed.assignment is not None
    assert refreshed.assignment["feasible"] is True


def test_a_plan_that_cannot_be_staffed_is_refused_with_the_failing_rule(session: Session) -> None:
    make_narcotics_maker(session, region_code="330106")
    make_inspector(
        session,
        home_region_code="330102",
        grade=InspectorGrade.TEAM_LEADER,
        qualifications=[Domain.DEVICE],
    )
    plan = generate_plan(session, ADMIN, 2027, "330106", today=TODAY)
    with pytest.raises(Conflict) as info:
        assign_plan(session, ADMIN, plan.id)
    assert info.value.invalid_params[0].name == "team_size"
    assert "qualified in drug_gmp" in info.value.detail
