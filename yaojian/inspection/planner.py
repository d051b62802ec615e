"""The annual plan: which enterprises are due a visit, when, and for what.

Per enterprise: every rule of ``rules.toml`` it matches (by kind and by what it makes), each
rule's minimum interval tightened by the enterprise's inherent risk, credit grade and open
signals, then rounded down to a step of ``plan.interval_steps``. The visits of the year are as
many as the most frequent rule needs, evenly spaced; every item due on an occasion is merged
into that one visit (综合查一次). Rules of more than a year are due when the last visit is that
many years old, or — never visited — in a rotation by enterprise id, so that a three-year rule
covers a third of the enterprises each year. A severe open signal adds one unannounced visit.

:func:`plan_year` is pure (facts in, visits out); :func:`load_facts` reads the facts.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor
from yaojian.auth.scope import scoped
from yaojian.inspection.choices import VisitKind
from yaojian.inspection.config import RiskLevel, Rule, RuleTable
from yaojian.inspection.credit import credit_grades
from yaojian.inspection.models import InspectionVisit
from yaojian.registry.choices import EnterpriseKind, EnterpriseStatus
from yaojian.registry.models import Batch, Enterprise, Product
from yaojian.signals.models import RiskSignal, SignalStatus

_RISK_ORDER = {"low": 0, "medium": 1, "high": 2}
OPEN_SIGNAL_STATUSES = (SignalStatus.OPEN, SignalStatus.ACKNOWLEDGED)


@dataclass(frozen=True)
class OpenSignal:
    id: int
    severity: int
    title: str


@dataclass
class EnterpriseFacts:
    id: int
    kind: EnterpriseKind
    region_code: str
    flags: set[str] = field(default_factory=set)
    signals: list[OpenSignal] = field(default_factory=list)
    grade: str = "B"
    last_visit: dt.date | None = None


@dataclass
class PlannedVisit:
    enterprise_id: int
    region_code: str
    kind: VisitKind
    planned_on: dt.date
    domains: list[str]
    items: list[dict[str, Any]]
    team_size: int
    reason: str = ""
    signal_id: int | None = None

    @property
    def month(self) -> int:
        return self.planned_on.month


def matching_rules(table: RuleTable, facts: EnterpriseFacts) -> list[Rule]:
    hits = [
        r
        for r in table.rules
        if facts.kind in r.kinds and (not r.any_product or facts.flags & set(r.any_product))
    ]
    specific = [r for r in hits if not r.otherwise]
    return specific or hits


def multiplier(table: RuleTable, facts: EnterpriseFacts, rules: Sequence[Rule]) -> float:
    """How much more often than the legal minimum: inherent risk × credit × open signals."""
    risk: RiskLevel = max((r.risk for r in rules), key=_RISK_ORDER.__getitem__, default="low")
    m = table.plan.inherent_risk.multiplier(risk) * table.credit[facts.grade]
    if facts.signals:
        severe = max(s.severity for s in facts.signals) >= table.plan.unannounced_signal_severity
        m *= table.plan.open_signals.severe if severe else table.plan.open_signals.any
    return m


def tightened(table: RuleTable, interval_months: int, factor: float) -> int:
    """The largest step not longer than ``interval / factor`` (the shortest step if none is)."""
    target = interval_months / factor
    steps = sorted(table.plan.interval_steps)
    fitting = [s for s in steps if s <= target + 1e-9]
    return fitting[-1] if fitting else steps[0]


def _due_this_year(facts: EnterpriseFacts, interval_months: int, year: int) -> bool:
    years = max(1, round(interval_months / 12))
    if facts.last_visit is not None:
        return facts.last_visit.year + years <= year
    return facts.id % years == year % years


def _item(rule: Rule, interval: int) -> dict[str, Any]:
    return {
        "rule": rule.code,
        "name": rule.name,
        "interval_months": interval,
        "legal_interval_months": rule.interval_months,
        "legal": rule.legal,
        "source": rule.source,
    }


def _spread(enterprise_id: int, n: int) -> int:
    """A stable pseudo-random 0 … n-1 per enterprise. Not ``id % n``: the rotation of multi-year
    rules already selects ids by residue, and the same residue would pile visits on a few months.
    """
    return zlib.crc32(str(enterprise_id).encode()) % n


def _date(year: int, month: int, enterprise_id: int) -> dt.date:
    # Spread visits over the working days of the month; weekends move to the next Monday.
    day = 1 + _spread(enterprise_id * 31, 26)
    date = dt.date(year, month, day)
    while date.weekday() >= 5:
        date += dt.timedelta(days=1)
    return date


def plan_enterprise(
    table: RuleTable, facts: EnterpriseFacts, year: int, first_month: int = 1
) -> list[PlannedVisit]:
    rules = matching_rules(table, facts)
    visits: list[PlannedVisit] = []
    factor = multiplier(table, facts, rules)
    due: list[tuple[Rule, int, int]] = []  # rule, interval, occasions per year
    for rule in rules:
        interval = tightened(table, rule.interval_months, factor)
        if interval <= 12:
            due.append((rule, interval, 12 // interval))
        elif _due_this_year(facts, interval, year):
            due.append((rule, interval, 1))
    months_left = 12 - first_month + 1
    if due:
        occasions = max(n for _, _, n in due)
        spacing = 12 // occasions
        start = first_month + _spread(facts.id, max(1, min(spacing, months_left)))
        for k in range(occasions):
            month = start + k * spacing
            if month > 12:
                break
            items = [
                (rule, interval)
                for rule, interval, n in due
                if k == 0 or (k * n) // occasions != ((k - 1) * n) // occasions
            ]
            visits.append(merged_visit(table, facts, year, month, items, VisitKind.ROUTINE))
    severe = [s for s in facts.signals if s.severity >= table.plan.unannounced_signal_severity]
    if severe:
        worst = max(severe, key=lambda s: (s.severity, -s.id))
        items = [(r, tightened(table, r.interval_months, factor)) for r in rules]
        visit = merged_visit(table, facts, year, first_month, items, VisitKind.UNANNOUNCED)
        visit.reason = f"有因检查：{worst.title}"[:500]
        visit.signal_id = worst.id
        visit.items.insert(0, {"rule": "for_cause", "name": visit.reason, "signal_id": worst.id})
        visits.append(visit)
    return visits


def merged_visit(
    table: RuleTable,
    facts: EnterpriseFacts,
    year: int,
    month: int,
    items: Sequence[tuple[Rule, int]],
    kind: VisitKind,
) -> PlannedVisit:
    domains: list[str] = []
    for rule, _ in items:
        domains.extend(d.value for d in rule.domains if d.value not in domains)
    if not domains:  # an unannounced visit to an enterprise that no rule covers
        domains = ["drug_gsp"]
    team = max(
        (r.team_size or table.plan.default_team_size for r, _ in items),
        default=table.plan.default_team_size,
    )
    return PlannedVisit(
        enterprise_id=facts.id,
        region_code=facts.region_code,
        kind=kind,
        planned_on=_date(year, month, facts.id),
        domains=domains,
        items=[_item(r, i) for r, i in items],
        team_size=team,
    )


def plan_year(
    table: RuleTable, facts: Iterable[EnterpriseFacts], year: int, first_month: int = 1
) -> list[PlannedVisit]:
    visits: list[PlannedVisit] = []
    for f in facts:
        visits.extend(plan_enterprise(table, f, year, first_month))
    return visits


def summarise(visits: Sequence[PlannedVisit], enterprises: int) -> dict[str, Any]:
    by_rule: Counter[str] = Counter()
    for v in visits:
        for item in v.items:
            by_rule[str(item["rule"])] += 1
    return {
        "visits": len(visits),
        "enterprises_considered": enterprises,
        "enterprises_visited": len({v.enterprise_id for v in visits}),
        "unannounced": sum(1 for v in visits if v.kind is VisitKind.UNANNOUNCED),
        "by_rule": dict(sorted(by_rule.items())),
        "by_month": {str(m): n for m, n in sorted(Counter(v.month for v in visits).items())},
        "items_merged": sum(len(v.items) for v in visits) - len(visits),
    }


# ------------------------------------------------------------------ reading the facts

_FLAG_COLUMNS: dict[str, Any] = {
    "is_narcotic": Product.is_narcotic,
    "is_psychotropic": Product.is_psychotropic,
    "is_precursor": Product.is_precursor,
    "is_vaccine": Product.is_vaccine,
    "is_blood_product": Product.is_blood_product,
    "is_radiopharmaceutical": Product.is_radiopharmaceutical,
    "is_toxic": Product.is_toxic,
    "sterile": Product.sterile,
    "implantable": Product.implantable,
    "device_class_2": Product.device_class == 2,
    "device_class_3": Product.device_class == 3,
    "for_children": Product.for_children,
    "special_use": Product.special_use,
}


def _flag_sums(owner: Any, *joins: Any) -> Any:
    cols = [func.sum(case((cond, 1), else_=0)).label(name) for name, cond in _FLAG_COLUMNS.items()]
    stmt = select(owner, *cols)
    for target, on in joins:
        stmt = stmt.join(target, on)
    return stmt.group_by(owner)


def load_facts(
    session: Session, actor: Actor, region_prefix_filter: ColumnElement[bool] | None = None
) -> list[EnterpriseFacts]:
    """The active enterprises the actor oversees, with what they make and their open signals."""
    stmt = scoped(
        select(Enterprise.id, Enterprise.kind, Enterprise.region_code), actor, Enterprise
    ).where(Enterprise.status == EnterpriseStatus.ACTIVE)
    if region_prefix_filter is not None:
        stmt = stmt.where(region_prefix_filter)
    facts = {
        eid: EnterpriseFacts(eid, kind, region)
        for eid, kind, region in session.execute(stmt.order_by(Enterprise.id))
    }
    held = _flag_sums(Product.holder_id)
    made = _flag_sums(Batch.enterprise_id, (Product, Product.id == Batch.product_id))
    for stmt_flags in (held, made):
        for row in session.execute(stmt_flags):
            f = facts.get(row[0])
            if f is not None:
                f.flags.update(name for name in _FLAG_COLUMNS if getattr(row, name))
    signals = select(
        RiskSignal.enterprise_id, RiskSignal.id, RiskSignal.severity, RiskSignal.title
    ).where(RiskSignal.status.in_(OPEN_SIGNAL_STATUSES), RiskSignal.enterprise_id.is_not(None))
    for eid, sid, severity, title in session.execute(signals):
        f = facts.get(eid or 0)
        if f is not None:
            f.signals.append(OpenSignal(sid, severity, title))
    last = (
        select(InspectionVisit.enterprise_id, func.max(InspectionVisit.concluded_at))
        .where(InspectionVisit.concluded_at.is_not(None))
        .group_by(InspectionVisit.enterprise_id)
    )
    for eid, at in session.execute(last):
        f = facts.get(eid)
        if f is not None and at is not None:
            f.last_visit = at.date()
    grades = credit_grades(session, facts)
    for eid, grade in grades.items():
        facts[eid].grade = grade
    return list(facts.values())
