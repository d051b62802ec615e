"""The synthetic inspector corps and a year of inspections.

The corps is sized to the province (about 1,500 inspectors at full scale, spread over the
counties in proportion to their enterprises), with the seeds' mix of 专职 / 兼职 / 购买服务,
half of them graded team leader (every visit needs one; leaders are 专职 or 兼职),
qualifications weighted by what the visits need (most visits are to pharmacies, medical
institutions and device distributors), some former employers (回避) and some months away. The
year's plan is generated and staffed by the real services; the most recent past visits (up to
MAX_RUN_VISITS) are run through the workflow, with findings more likely at unannounced visits
and high-risk makers, so that the indicators have data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor, system_actor
from yaojian.auth.models import Role, User
from yaojian.inspection import workflow
from yaojian.inspection.choices import (
    Conclusion,
    Disposition,
    Domain,
    Employment,
    FindingSeverity,
    InspectorGrade,
    VisitKind,
    VisitStatus,
)
from yaojian.inspection.config import load_rules
from yaojian.inspection.models import InspectionVisit, Inspector
from yaojian.inspection.schemas import (
    ConclusionCreate,
    EvidenceCreate,
    FindingCreate,
    RectificationCreate,
    VerificationCreate,
)
from yaojian.inspection.service import generate_plan
from yaojian.inspection.staffing import assign_plan
from yaojian.kit.errors import Conflict
from yaojian.registry.choices import EnterpriseKind
from yaojian.registry.models import Enterprise

PROVINCE_INSPECTORS = 1500
_DOMAIN_WEIGHTS = {
    Domain.DRUG_GSP: 0.40,
    Domain.DEVICE: 0.40,
    Domain.VACCINE: 0.09,
    Domain.DRUG_GMP: 0.07,
    Domain.COSMETICS: 0.04,
}
# (employment, share among leaders, share among members, visits a year). The corps is half
# 专职, 30 % 兼职, 20 % 购买服务 overall; team leaders are the regulator's own staff (专职 mostly,
# some 兼职): a purchased-service expert supports an inspection but does not lead it.
_EMPLOYMENT = [(Employment.FULL_TIME, 0.8, 0.2, 100), (Employment.PART_TIME, 0.2, 0.4, 40),
               (Employment.CONTRACTED, 0.0, 0.4, 60)]  # fmt: skip
_MANUFACTURERS = (
    EnterpriseKind.DRUG_MANUFACTURER,
    EnterpriseKind.DEVICE_MANUFACTURER,
    EnterpriseKind.COSMETICS_MANUFACTURER,
)
# How many past visits the demo runs through the workflow, one audited step at a time.
MAX_RUN_VISITS = 400


def generate_inspections(
    session: Session, rng: random.Random, *, divisor: int, as_of: dt.date
) -> dict[str, int]:
    """The corps and the year; the demo generator's one call into this module."""
    counts = {"inspectors": generate_inspectors(session, rng, divisor)}
    _link_demo_inspector(session)
    counts |= generate_inspection_year(session, system_actor("demo"), rng, as_of)
    return counts


def _link_demo_inspector(session: Session) -> None:
    """The demo's inspector account becomes the first Hangzhou inspector, so that signing in as
    it shows what an inspector sees: their own visits and nothing else."""
    user = session.scalar(select(User).where(User.role == Role.INSPECTOR).order_by(User.id))
    if user is None or user.region_code is None:
        return
    prefix = user.region_code[:4]
    inspector = session.scalar(
        select(Inspector)
        .where(Inspector.home_region_code.startswith(prefix), Inspector.user_id.is_(None))
        .order_by(Inspector.id)
    )
    if inspector is not None:
        inspector.user_id = user.id
        session.flush()


def generate_inspectors(session: Session, rng: random.Random, divisor: int) -> int:
    """Insert the corps; returns how many inspectors."""
    total = max(48, round(PROVINCE_INSPECTORS / divisor))
    per_county = Counter(code for (code,) in session.execute(select(Enterprise.region_code)))
    makers: dict[str, list[int]] = defaultdict(list)
    for eid, region in session.execute(
        select(Enterprise.id, Enterprise.region_code).where(Enterprise.kind.in_(_MANUFACTURERS))
    ):
        makers[region[:4]].append(eid)
    counties = sorted(per_county)
    weights = [per_county[c] for c in counties]
    domains = list(_DOMAIN_WEIGHTS)
    rows: list[dict[str, Any]] = []
    for n in range(total):
        county = (
            counties[n % len(counties)] if n < len(counties) else rng.choices(counties, weights)[0]
        )
        # Every visit needs a team leader, so half the corps is graded to lead.
        # The first three of every five also go round the domains, so that even the small demo
        # has three inspectors per domain who are never away.
        leader = n % 2 == 0
        shares = [lead if leader else member for _, lead, member, _ in _EMPLOYMENT]
        employment, _, _, capacity = rng.choices(_EMPLOYMENT, shares)[0]
        rota = n % 5 < 3
        grade = InspectorGrade.TEAM_LEADER if leader else InspectorGrade.INSPECTOR
        quals = {domains[(n // 5) % len(domains)]} if rota else set()
        if leader:  # and a second domain, so that each domain has leaders in two places
            quals.add(domains[(n // 5 + 2) % len(domains)])
        quals.add(rng.choices(domains, list(_DOMAIN_WEIGHTS.values()))[0])
        if rng.random() < 0.4:
            quals.add(rng.choices(domains, list(_DOMAIN_WEIGHTS.values()))[0])
        former = []
        if makers[county[:4]] and rng.random() < 0.2:
            former = sorted(set(rng.sample(makers[county[:4]], min(2, len(makers[county[:4]])))))
        away = [rng.randint(1, 12)] if not rota and rng.random() < 0.3 else []
        rows.append(
            {
                "name": f"检查员{n + 1:04d}",
                "employment": employment,
                "grade": grade,
                "home_region_code": county,
                "qualifications": sorted(d.value for d in quals),
                "former_employer_ids": former,
                "capacity": capacity,
                "unavailable_months": away,
                "active": True,
            }
        )
    session.execute(insert(Inspector), rows)
    session.flush()
    return total


def generate_inspection_year(
    session: Session, actor: Actor, rng: random.Random, as_of: dt.date
) -> dict[str, int]:
    """Plan and staff the year of ``as_of`` for the province; run the visits already due."""
    plan = generate_plan(session, actor, as_of.year, "330000", today=dt.date(as_of.year, 1, 1))
    try:
        assign_plan(session, actor, plan.id, load_rules())
    except Conflict:
        # The plan keeps the explanation (plan.assignment); the demo stays usable without teams.
        return {"inspection_visits": int(plan.summary["visits"]), "inspection_visits_run": 0,
                "inspection_visits_closed": 0}  # fmt: skip
    due = list(
        session.scalars(
            select(InspectionVisit)
            .where(InspectionVisit.plan_id == plan.id, InspectionVisit.planned_on < as_of)
            .order_by(InspectionVisit.planned_on.desc(), InspectionVisit.id)
            .limit(MAX_RUN_VISITS)
        )
    )
    ran = closed = 0
    for visit in due:
        _run(session, actor, rng, visit, as_of)
        ran += 1
        closed += visit.status is VisitStatus.CLOSED
    return {"inspection_visits": int(plan.summary["visits"]), "inspection_visits_run": ran,
            "inspection_visits_closed": closed}  # fmt: skip


def _run(
    session: Session, actor: Actor, rng: random.Random, visit: InspectionVisit, as_of: dt.date
) -> None:
    workflow.start_visit(session, actor, visit.id)
    risky = visit.kind is VisitKind.UNANNOUNCED or any(
        i.get("rule") in ("controlled_drug_maker", "high_risk_drug_maker") for i in visit.items
    )
    defects = rng.random() < (0.7 if risky else 0.3)
    if not defects:
        workflow.conclude(
            session, actor, visit.id, ConclusionCreate(conclusion=Conclusion.COMPLIANT)
        )
        return
    items = [item for _, lst in workflow.checklist(visit) for item in lst]
    for _ in range(rng.randint(1, 3)):
        item = rng.choice(items)
        severity = rng.choices(list(FindingSeverity), [0.1, 0.3, 0.6])[0]
        workflow.add_finding(
            session,
            actor,
            visit.id,
            FindingCreate(
                item_code=item.code,
                clause=item.clause,
                severity=severity,
                description=f"{item.text}存在缺陷",
            ),
        )
    workflow.conclude(session, actor, visit.id, ConclusionCreate(conclusion=Conclusion.RECTIFY))
    # The workflow stamps real times, so the whole demo year is concluded on the day it is
    # generated; deadlines are counted from that day.
    deadline = as_of + dt.timedelta(days=30)
    order = workflow.order_rectification(
        session, actor, visit.id, RectificationCreate(requirements="限期整改", deadline=deadline),
        today=as_of,
    )  # fmt: skip
    if rng.random() < 0.85:
        # The demo answers as the enterprise itself, as its own account would.
        enterprise = Actor(
            name=f"demo:enterprise:{visit.enterprise_id}",
            role=Role.ENTERPRISE,
            enterprise_id=visit.enterprise_id,
        )
        workflow.submit_evidence(
            session, enterprise, order.id, EvidenceCreate(evidence="整改报告及照片")
        )
        if rng.random() < 0.9:
            workflow.verify(session, actor, order.id, VerificationCreate(accepted=True))
    if rng.random() < 0.1:
        finding = workflow.findings_of(session, visit.id)[0]
        workflow.set_disposition(session, actor, finding.id, Disposition.CASE_REFERRAL)
