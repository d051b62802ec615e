"""Provincial dispatch (统一调派): who staffs a city's visits when its own corps is short, and the
hard rules that hold whoever comes — 回避, ≥ 2 with a leader, capacity."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import ADMIN
from tests.inspection.builders import make_inspector, make_narcotics_maker
from yaojian.inspection.assign import PoolMember, VisitNeed, assign_teams
from yaojian.inspection.choices import InspectorGrade, TeamRole
from yaojian.inspection.config import load_rules
from yaojian.inspection.models import InspectionVisit, TeamMember
from yaojian.inspection.service import generate_plan
from yaojian.inspection.staffing import assign_plan
from yaojian.registry.models import Region

SETTINGS = load_rules().assign
TODAY = dt.date(2026, 12, 2)
# County centres (the shared region data has none): Huzhou's two districts, Hangzhou's Xihu.
CENTRES = {"330502": (30.87, 120.09), "330503": (30.88, 120.42), "330106": (30.26, 120.13)}


def _place_counties(session: Session) -> None:
    for code, (lat, lon) in CENTRES.items():
        region = session.get(Region, code)
        assert region is not None
        region.center_lat, region.center_lon = lat, lon
    session.flush()


def test_a_city_short_of_leaders_is_staffed_from_the_next_city_and_avoidance_holds(
    session: Session,
) -> None:
    _place_counties(session)
    maker = make_narcotics_maker(session, region_code="330502", latitude=30.87, longitude=120.09)
    # Huzhou's own leaders: one from the maker's county (回避), one who used to work there (回避),
    # one with room for a single visit. Its members are many and near.
    home = make_inspector(
        session, home_region_code="330502", grade=InspectorGrade.TEAM_LEADER, capacity=60
    )
    former = make_inspector(
        session,
        home_region_code="330503",
        grade=InspectorGrade.TEAM_LEADER,
        former_employer_ids=[maker.id],
    )
    short = make_inspector(
        session, home_region_code="330503", grade=InspectorGrade.TEAM_LEADER, capacity=1
    )
    for _ in range(2):
        make_inspector(session, home_region_code="330503")
    hangzhou = make_inspector(session, home_region_code="330106", grade=InspectorGrade.TEAM_LEADER)
    plan = generate_plan(session, ADMIN, 2027, "330500", today=TODAY)
    result = assign_plan(session, ADMIN, plan.id)
    assert result.feasible, result.problems

    visits = session.scalars(
        select(InspectionVisit).where(InspectionVisit.enterprise_id == maker.id)
    ).all()
    assert len(visits) == 4  # quarterly: narcotics
    leaders: Counter[int] = Counter()
    for v in visits:
        team = session.scalars(select(TeamMember).where(TeamMember.visit_id == v.id)).all()
        ids = {m.inspector_id for m in team}
        assert len(team) >= 2 and home.id not in ids and former.id not in ids
        (lead,) = [m for m in team if m.role is TeamRole.LEADER]
        leaders[lead.inspector_id] += 1
    # The near leader leads the one visit they have room for; Hangzhou's leads the rest.
    assert leaders == {short.id: 1, hangzhou.id: 3}
    stored = session.get(type(plan), plan.id)
    assert stored is not None and stored.assignment is not None
    assert stored.assignment["dispatched_places"] >= 3


def _pool(rng: random.Random) -> list[PoolMember]:
    counties = ["330102", "330106", "330108", "330502", "330503", "330602"]
    out = []
    for i in range(1, 61):
        county = counties[i % len(counties)]
        out.append(
            PoolMember(
                id=i,
                home_region_code=county,
                lat=30.0 + counties.index(county) / 5 + rng.random() / 50,
                lon=120.0 + rng.random() / 5,
                leader=i % 3 == 0,
                qualifications=frozenset(rng.sample(["drug_gsp", "device", "vaccine"], 2)),
                former_employer_ids=frozenset({rng.randint(1, 40)}) if i % 4 == 0 else frozenset(),
                capacity=rng.choice([12, 20, 30]),
                unavailable_months=frozenset({rng.randint(1, 12)}) if i % 5 == 0 else frozenset(),
            )
        )
    return out


def test_every_team_keeps_the_hard_rules_and_nobody_goes_over_capacity() -> None:
    rng = random.Random(7)
    pool = _pool(rng)
    counties = ["330102", "330106", "330502", "330602"]
    visits = []
    for k in range(240):
        county = counties[k % len(counties)]
        domains = ("drug_gsp",) if k % 3 else ("device", "vaccine")
        visits.append(
            VisitNeed(
                1000 + k,
                1 + k % 40,
                county,
                30.0 + rng.random(),
                120.0 + rng.random() / 5,
                1 + k % 12,
                domains,
                3 if k % 10 == 0 else 2,
            )
        )
    result = assign_teams(visits, pool, SETTINGS)
    assert result.feasible, result.problems
    by_id = {p.id: p for p in pool}
    loads: Counter[int] = Counter()
    for v in visits:
        team = result.teams[v.id]
        members = [by_id[i] for i, _, _ in team]
        assert len({m.id for m in members}) == len(team) == v.team_size
        assert sum(1 for _, lead, _ in team if lead) == 1
        assert all(by_id[i].leader for i, lead, _ in team if lead)
        for m in members:
            assert m.home_region_code != v.region_code
            assert v.enterprise_id not in m.former_employer_ids
            assert v.month not in m.unavailable_months
            assert m.qualifications & set(v.domains)
        for d in v.domains:
            assert any(d in m.qualifications for m in members)
        loads.update(m.id for m in members)
    assert all(loads[i] <= by_id[i].capacity for i in loads)
    summary = result.summary()
    assert 0 <= summary["bound"] <= summary["objective"]
    assert summary["utilisation"]["max"] <= 1.0


def test_the_nearest_inspectors_are_paced_over_the_year_not_used_up_by_june() -> None:
    near = [
        PoolMember(i, "330102", 30.2, 120.1, True, frozenset({"drug_gmp"}), frozenset(), 12,
                   frozenset())
        for i in (1, 2)
    ]  # fmt: skip
    far = [
        PoolMember(i, "330602", 30.0, 120.6, True, frozenset({"drug_gmp"}), frozenset(), 100,
                   frozenset())
        for i in (3, 4)
    ]  # fmt: skip
    visits = [
        VisitNeed(100 + k, 1, "330106", 30.2, 120.1, 1 + k // 2, ("drug_gmp",), 2)
        for k in range(24)
    ]
    result = assign_teams(visits, near + far, SETTINGS)
    assert result.feasible, result.problems
    month = {v.id: v.month for v in visits}
    near_by_june = sum(
        1 for vid, team in result.teams.items() for i, _, _ in team if i in (1, 2) and
        month[vid] <= 6
    )  # fmt: skip
    near_after_june = sum(
        1 for vid, team in result.teams.items() for i, _, _ in team if i in (1, 2) and
        month[vid] > 6
    )  # fmt: skip
    # Their 24 places would all be gone by June if travel alone decided.
    pace = 2 * int(12 * 6 / 12 * SETTINGS.pace_slack)
    assert near_by_june <= pace < 24
    assert near_after_june >= 24 - pace


def test_leaders_used_up_by_capacity_are_named_as_the_failing_rule() -> None:
    pool = [
        PoolMember(1, "330102", 30.2, 120.1, True, frozenset({"drug_gmp"}), frozenset(), 1,
                   frozenset()),
        *[PoolMember(i, "330108", 30.2, 120.2, False, frozenset({"drug_gmp"}), frozenset(), 10,
                     frozenset()) for i in (2, 3, 4)],
    ]  # fmt: skip
    visits = [VisitNeed(k, 1, "330106", 30.2, 120.1, 5, ("drug_gmp",), 2) for k in (1, 2, 3)]
    result = assign_teams(visits, pool, SETTINGS)
    assert not result.feasible
    (problem,) = result.problems
    assert problem.rule == "team_leader" and problem.subproblem == "330100/05"
    assert "3 visits need a team leader, the eligible leaders have 1 places left" in problem.detail
