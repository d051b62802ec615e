"""Assign the teams of a plan: read visits and pool, solve (assign.py), write teams, audit."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import delete, extract, func, insert, select, update
from sqlalchemy.orm import Session

from yaojian.audit.chain import record
from yaojian.auth.actor import Actor
from yaojian.auth.permissions import Action, authorize
from yaojian.auth.scope import get_visible
from yaojian.inspection.assign import Assignment, PoolMember, VisitNeed, assign_teams
from yaojian.inspection.choices import InspectorGrade, TeamRole, VisitStatus
from yaojian.inspection.config import RuleTable, load_rules
from yaojian.inspection.models import InspectionPlan, InspectionVisit, Inspector, TeamMember
from yaojian.kit.errors import Conflict
from yaojian.kit.timeutil import utcnow
from yaojian.registry.models import Enterprise, Region

_CHUNK = 5000


def county_centres(session: Session) -> dict[str, tuple[float, float]]:
    """County code → (lat, lon): the region's centre if recorded, else the mean position of its
    enterprises (the shared region data has no centres), else its city's."""
    centres: dict[str, tuple[float, float]] = {}
    mean = select(
        Enterprise.region_code, func.avg(Enterprise.latitude), func.avg(Enterprise.longitude)
    ).where(Enterprise.latitude.is_not(None), Enterprise.longitude.is_not(None))
    for code, lat, lon in session.execute(mean.group_by(Enterprise.region_code)):
        centres[code] = (float(lat), float(lon))
    regions = list(session.scalars(select(Region)))
    for r in regions:
        if r.center_lat is not None and r.center_lon is not None:
            centres[r.code] = (r.center_lat, r.center_lon)
    by_city: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for code, c in centres.items():
        by_city[code[:4]].append(c)
    for r in regions:
        if r.code not in centres:
            near = by_city.get(r.code[:4]) or [c for cs in by_city.values() for c in cs]
            if near:
                centres[r.code] = (
                    sum(c[0] for c in near) / len(near),
                    sum(c[1] for c in near) / len(near),
                )
    return centres


def load_pool(
    session: Session, year: int, exclude_plan: int, centres: dict[str, tuple[float, float]]
) -> list[PoolMember]:
    """The province's whole pool, unscoped on purpose: 回避 means a county's visits are done by
    inspectors from elsewhere (市级统一调派), so no jurisdiction's own pool would do."""
    carried = dict(
        session.execute(
            select(TeamMember.inspector_id, func.count())
            .join(InspectionVisit, InspectionVisit.id == TeamMember.visit_id)
            .where(
                extract("year", InspectionVisit.planned_on) == year,
                InspectionVisit.plan_id.is_distinct_from(exclude_plan),
            )
            .group_by(TeamMember.inspector_id)
        ).all()
    )
    pool = []
    for p in session.scalars(select(Inspector).where(Inspector.active).order_by(Inspector.id)):
        lat, lon = centres.get(p.home_region_code, (0.0, 0.0))
        pool.append(
            PoolMember(
                id=p.id,
                home_region_code=p.home_region_code,
                lat=lat,
                lon=lon,
                leader=p.grade is InspectorGrade.TEAM_LEADER,
                qualifications=frozenset(p.qualifications),
                former_employer_ids=frozenset(p.former_employer_ids),
                capacity=p.capacity,
                unavailable_months=frozenset(p.unavailable_months),
                carried=int(carried.get(p.id, 0)),
            )
        )
    return pool


def plan_needs(
    session: Session, plan_id: int, centres: dict[str, tuple[float, float]]
) -> list[VisitNeed]:
    stmt = (
        select(
            InspectionVisit.id,
            InspectionVisit.enterprise_id,
            InspectionVisit.region_code,
            InspectionVisit.planned_on,
            InspectionVisit.domains,
            InspectionVisit.team_size,
            Enterprise.latitude,
            Enterprise.longitude,
        )
        .join(Enterprise, Enterprise.id == InspectionVisit.enterprise_id)
        .where(InspectionVisit.plan_id == plan_id)
        .order_by(InspectionVisit.planned_on, InspectionVisit.id)
    )
    needs = []
    for vid, eid, region, on, domains, size, lat, lon in session.execute(stmt):
        if lat is None or lon is None:
            lat, lon = centres.get(region, (0.0, 0.0))
        needs.append(VisitNeed(vid, eid, region, lat, lon, on.month, tuple(domains), size))
    return needs


def assign_plan(
    session: Session, actor: Actor, plan_id: int, table: RuleTable | None = None
) -> Assignment:
    """Staff every visit of the plan; refuse (409, naming each failing rule) if any cannot be."""
    table = table or load_rules()
    plan = get_visible(session, actor, InspectionPlan, plan_id, "plan")
    authorize(actor, Action.INSPECTION_ASSIGN, plan.region_code)
    started = session.scalar(
        select(InspectionVisit.id).where(
            InspectionVisit.plan_id == plan.id, InspectionVisit.started_at.is_not(None)
        )
    )
    if started is not None:
        raise Conflict(
            f"visit {started} has started: teams of a running plan are changed visit by visit",
            "plan_id",
        )
    centres = county_centres(session)
    needs = plan_needs(session, plan.id, centres)
    pool = load_pool(session, plan.year, plan.id, centres)
    result = assign_teams(needs, pool, table.assign)
    summary = result.summary()
    if not result.feasible:
        plan.assignment = summary
        session.flush()
        first = "; ".join(p.detail for p in result.problems[:3])
        more = len(result.problems) - 3
        raise Conflict(
            f"the plan cannot be staffed ({result.problems[0].rule}): {first}"
            + (f"; and {more} more" if more > 0 else ""),
            result.problems[0].rule,
        )
    visit_ids = select(InspectionVisit.id).where(InspectionVisit.plan_id == plan.id)
    session.execute(delete(TeamMember).where(TeamMember.visit_id.in_(visit_ids)))
    region_of = {n.id: n.region_code for n in needs}
    rows: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for vid, team in result.teams.items():
        for inspector_id, leader, km in team:
            rows.append(
                {
                    "visit_id": vid,
                    "inspector_id": inspector_id,
                    "role": TeamRole.LEADER if leader else TeamRole.MEMBER,
                    "region_code": region_of[vid],
                    "travel_km": km,
                }
            )
        updates.append(
            {"id": vid, "status": VisitStatus.ASSIGNED, "travel_km": sum(t[2] for t in team)}
        )
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(TeamMember), rows[start : start + _CHUNK])
    for start in range(0, len(updates), _CHUNK):
        session.execute(update(InspectionVisit), updates[start : start + _CHUNK])
    plan.assignment = summary
    plan.assigned_at = utcnow()
    session.flush()
    record(session, actor, "inspection.plan.assign", "inspection_plan", plan.id, None, summary)
    return result


def assign_visit(
    session: Session, actor: Actor, visit_id: int, table: RuleTable | None = None
) -> InspectionVisit:
    """Staff one visit (an unannounced one ordered outside the plan) with the same rules."""
    table = table or load_rules()
    visit = get_visible(session, actor, InspectionVisit, visit_id, "visit")
    authorize(actor, Action.INSPECTION_ASSIGN, visit.region_code)
    if visit.status is not VisitStatus.PLANNED:
        raise Conflict(f"the visit is {visit.status.value}: its team is set", "team_already_set")
    centres = county_centres(session)
    lat = visit.enterprise.latitude
    lon = visit.enterprise.longitude
    if lat is None or lon is None:
        lat, lon = centres.get(visit.region_code, (0.0, 0.0))
    need = VisitNeed(
        visit.id,
        visit.enterprise_id,
        visit.region_code,
        lat,
        lon,
        visit.planned_on.month,
        tuple(visit.domains),
        visit.team_size,
    )
    result = assign_teams(
        [need], load_pool(session, visit.planned_on.year, -1, centres), table.assign
    )
    if not result.feasible:
        problem = result.problems[0]
        raise Conflict(f"the visit cannot be staffed: {problem.detail}", problem.rule)
    before = {"status": visit.status.value}
    for inspector_id, leader, km in result.teams[visit.id]:
        session.add(
            TeamMember(
                visit_id=visit.id,
                inspector_id=inspector_id,
                role=TeamRole.LEADER if leader else TeamRole.MEMBER,
                region_code=visit.region_code,
                travel_km=km,
            )
        )
    visit.status = VisitStatus.ASSIGNED
    visit.travel_km = sum(t[2] for t in result.teams[visit.id])
    session.flush()
    record(
        session,
        actor,
        "inspection.visit.assign",
        "inspection_visit",
        visit.id,
        before,
        {"status": visit.status.value, "team": result.teams[visit.id]},
    )
    return visit
