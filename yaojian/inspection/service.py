"""Services of the inspector pool and the plan: each checks permission and writes the audit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor
from yaojian.auth.models import Role, User
from yaojian.auth.permissions import Action, authorize
from yaojian.auth.scope import get_visible, within_region
from yaojian.inspection.config import RuleTable, load_rules
from yaojian.inspection.models import InspectionPlan, InspectionVisit, Inspector
from yaojian.inspection.planner import load_facts, plan_year, summarise
from yaojian.inspection.schemas import InspectorCreate
from yaojian.kit.errors import Conflict, InvalidInput
from yaojian.kit.timeutil import today_local
from yaojian.registry.models import Enterprise, Region
from yaojian.registry.service import require_county, require_region

_CHUNK = 5000


# ------------------------------------------------------------------ the pool


def add_inspector(session: Session, actor: Actor, data: InspectorCreate) -> Inspector:
    require_county(session, data.home_region_code, "home_region_code")
    authorize(actor, Action.INSPECTION_POOL, data.home_region_code)
    if data.user_id is not None:
        user = session.get(User, data.user_id)
        if user is None or user.role is not Role.INSPECTOR:
            raise InvalidInput("user_id", "must be an existing account with the inspector role")
    known = set(
        session.scalars(select(Enterprise.id).where(Enterprise.id.in_(data.former_employer_ids)))
    )
    missing = sorted(set(data.former_employer_ids) - known)
    if missing:
        raise InvalidInput("former_employer_ids", f"no enterprise {missing}")
    inspector = Inspector(
        name=data.name,
        employment=data.employment,
        grade=data.grade,
        home_region_code=data.home_region_code,
        qualifications=[d.value for d in data.qualifications],
        former_employer_ids=sorted(set(data.former_employer_ids)),
        capacity=data.capacity,
        unavailable_months=sorted(set(data.unavailable_months)),
        active=True,
        user_id=data.user_id,
    )
    session.add(inspector)
    session.flush()
    record(
        session,
        actor,
        "inspection.inspector.add",
        "inspector",
        inspector.id,
        None,
        snapshot(inspector),
    )
    return inspector


# ------------------------------------------------------------------ the plan


def plan_region_for(session: Session, actor: Actor, region_code: str | None) -> Region:
    """The region a plan covers: the one given, or the actor's own jurisdiction."""
    code = region_code or actor.region_code
    if code is None:
        raise InvalidInput("region_code", "name the region the plan covers")
    return require_region(session, code, "region_code")


def generate_plan(
    session: Session,
    actor: Actor,
    year: int,
    region_code: str | None = None,
    table: RuleTable | None = None,
    today: dt.date | None = None,
) -> InspectionPlan:
    """Plan ``year`` for a region (default: the actor's). One plan per region and year, and
    plans of the same year never overlap (a county plan inside a city plan would visit twice)."""
    table = table or load_rules()
    region = plan_region_for(session, actor, region_code)
    authorize(actor, Action.INSPECTION_PLAN, region.code)
    today = today or today_local()
    if year < today.year or year > today.year + 1:
        raise InvalidInput(
            "year", f"plan the current or the next year ({today.year}/{today.year + 1})"
        )
    prefix = region.jurisdiction_prefix
    for other in session.scalars(select(InspectionPlan).where(InspectionPlan.year == year)):
        other_prefix = other.region.jurisdiction_prefix
        if other_prefix.startswith(prefix) or prefix.startswith(other_prefix):
            raise Conflict(
                f"plans must not overlap: plan #{other.id} for {other.region.name} already "
                f"covers {year}",
                "region_code",
            )
    first_month = today.month if year == today.year else 1
    facts = load_facts(session, actor, within_region(Enterprise.region_code, prefix))
    visits = plan_year(table, facts, year, first_month)
    plan = InspectionPlan(
        year=year,
        region_code=region.code,
        created_by=actor.audit_label(),
        summary=summarise(visits, len(facts)),
        assignment=None,
    )
    session.add(plan)
    session.flush()
    rows = [
        {
            "plan_id": plan.id,
            "enterprise_id": v.enterprise_id,
            "region_code": v.region_code,
            "kind": v.kind,
            "planned_on": v.planned_on,
            "domains": v.domains,
            "items": v.items,
            "team_size": v.team_size,
            "reason": v.reason,
            "signal_id": v.signal_id,
        }
        for v in visits
    ]
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(InspectionVisit), rows[start : start + _CHUNK])
    session.flush()
    record(
        session, actor, "inspection.plan.generate", "inspection_plan", plan.id, None, snapshot(plan)
    )
    return plan


def delete_plan(session: Session, actor: Actor, plan_id: int) -> None:
    """Only a plan none of whose visits has started may be withdrawn."""
    plan = get_visible(session, actor, InspectionPlan, plan_id, "plan")
    authorize(actor, Action.INSPECTION_PLAN, plan.region_code)
    started = session.scalar(
        select(InspectionVisit.id).where(
            InspectionVisit.plan_id == plan.id, InspectionVisit.started_at.is_not(None)
        )
    )
    if started is not None:
        raise Conflict(f"visit {started} of plan {plan.id} has started; the plan stays", "plan_id")
    before = snapshot(plan)
    session.execute(delete(InspectionVisit).where(InspectionVisit.plan_id == plan.id))
    session.delete(plan)
    session.flush()
    record(session, actor, "inspection.plan.delete", "inspection_plan", plan_id, before, None)
