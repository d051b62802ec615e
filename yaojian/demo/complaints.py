"""A year of complaints and reports, filed and handled through the desk's own services.

More of them fall on enterprises that already carry risk signals (a pharmacy whose licence
lapsed, a holder whose drug shows a reaction signal) and on the kinds the public meets
(pharmacies, clinics, device shops); a few enterprises get a burst that clusters into a signal.
Each one goes through submit → decide → record → reply → close as far as its age allows, with the
statutory deadlines of rules.toml, so that some are open, a few overdue, most closed.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yaojian.auth.actor import PUBLIC, Actor
from yaojian.auth.models import Role
from yaojian.complaints import service
from yaojian.complaints.choices import ComplaintKind, ComplaintStatus, NotAcceptedReason
from yaojian.complaints.detectors import SOURCE
from yaojian.complaints.rules import add_working_days
from yaojian.complaints.schemas import ComplaintCreate, Decision
from yaojian.kit.timeutil import SHANGHAI
from yaojian.registry.choices import EnterpriseKind, RegionLevel
from yaojian.registry.models import Enterprise, Product, Region
from yaojian.signals.models import RiskSignal

# Complaints and reports a year about drugs, devices and cosmetics in the whole province: an
# order of magnitude for the demo, not a published figure.
PROVINCE_PER_YEAR = 20_000
_KIND_WEIGHT = {
    EnterpriseKind.RETAIL_PHARMACY: 5.0,
    EnterpriseKind.MEDICAL_INSTITUTION: 1.5,
    EnterpriseKind.DEVICE_DISTRIBUTOR: 1.0,
    EnterpriseKind.ECOMMERCE_PLATFORM: 6.0,
    EnterpriseKind.RETAIL_CHAIN: 3.0,
    EnterpriseKind.COSMETICS_MANUFACTURER: 2.0,
    EnterpriseKind.DRUG_MANUFACTURER: 1.0,
    EnterpriseKind.DRUG_WHOLESALER: 0.5,
    EnterpriseKind.DEVICE_MANUFACTURER: 0.5,
    EnterpriseKind.VACCINATION_SITE: 0.3,
}
SIGNAL_WEIGHT = 6.0  # an enterprise with a signal draws this many times the complaints
_COMPLAINTS = [
    "购买的{p}包装破损，药片受潮变色，要求退货退款。",
    "药店销售的{p}已过有效期，店员拒绝退换。",
    "网上购买的{p}与页面宣传不符，商家不予退款。",
    "在该店购买{p}后被多收费用，小票价格与标价不一致。",
    "购买的{p}说明书缺失，无法确认用法用量，要求更换。",
]
_REPORTS = [
    "该店无执业药师在岗，销售处方药{p}未查验处方。",
    "怀疑该单位销售的{p}为假药，包装印刷模糊，追溯码扫不出。",
    "该单位在网上宣传{p}可以根治疾病，涉嫌虚假宣传。",
    "该企业仓库条件简陋，{p}存放在无温控的库房里。",
    "该店将{p}拆零销售，不提供说明书。",
]
_RECORDS = [
    "电话联系投诉举报人，核实诉求。",
    "联系被投诉企业负责人，调取销售记录。",
    "现场检查，调取监控和进货票据。",
    "组织双方电话调解。",
]
_REPLIES = [
    "经调解，企业同意退货退款，双方达成一致。",
    "经现场核查，企业已整改，相关问题已责令改正。",
    "经核查，未发现所反映的违法行为。",
    "经核查属实，已立案调查，处理结果将依法公示。",
]


@dataclass
class _Plan:
    at: dt.datetime
    enterprise: Enterprise
    kind: ComplaintKind
    product: str


def _local(day: dt.date, rng: random.Random) -> dt.datetime:
    at = dt.datetime.combine(day, dt.time(rng.randint(8, 20), rng.randint(0, 59)), SHANGHAI)
    return at.astimezone(dt.UTC)


def _desk(region: Region | None, code: str) -> Actor:
    name = region.name if region else code
    if region is not None and region.level is RegionLevel.PROVINCE:
        return Actor(name=f"{name}投诉举报分拨（演示）", role=Role.PROVINCE_REGULATOR,
                     region_code=code, jurisdiction_prefix=code[:2])  # fmt: skip
    return Actor(name=f"{name}投诉举报窗口（演示）", role=Role.COUNTY_REGULATOR,
                 region_code=code, jurisdiction_prefix=code)  # fmt: skip


def generate_complaints(
    session: Session, rng: random.Random, divisor: int, as_of: dt.date
) -> tuple[int, int]:
    """File a year of complaints up to ``as_of`` and handle them as far as their age allows.

    Returns (complaints filed, signals their clusters raised)."""
    enterprises = list(
        session.scalars(
            select(Enterprise)
            .where(Enterprise.kind.in_(list(_KIND_WEIGHT)))
            .order_by(Enterprise.id)
        )
    )
    if not enterprises:
        return 0, 0
    flagged = set(
        session.scalars(
            select(RiskSignal.enterprise_id).where(RiskSignal.enterprise_id.is_not(None))
        )
    )
    weights = [
        _KIND_WEIGHT[e.kind] * (SIGNAL_WEIGHT if e.id in flagged else 1.0) for e in enterprises
    ]
    drugs = list(
        session.execute(
            select(Product.name, Product.approval_number, Product.holder_id)
            .where(Product.approval_number.is_not(None))
            .order_by(Product.id)
        ).all()
    )
    own_drugs: dict[int, list[tuple[str, str]]] = {}
    for name, number, holder in drugs:
        own_drugs.setdefault(holder, []).append((name, number or ""))

    def product_for(enterprise: Enterprise) -> str:
        own = own_drugs.get(enterprise.id)
        if own and rng.random() < 0.8:
            return rng.choice(own)[1]
        if drugs and rng.random() < 0.5:
            return rng.choice(drugs)[1] or ""
        return ""

    total = max(60, round(PROVINCE_PER_YEAR / divisor))
    plans = []
    for enterprise in rng.choices(enterprises, weights=weights, k=total):
        day = as_of - dt.timedelta(days=rng.randint(0, 364))
        kind = ComplaintKind.COMPLAINT if rng.random() < 0.7 else ComplaintKind.REPORT
        plans.append(_Plan(_local(day, rng), enterprise, kind, product_for(enterprise)))
    # Bursts: a handful of flagged enterprises draw several complaints within a fortnight.
    flagged_list = [e for e in enterprises if e.id in flagged] or enterprises
    for enterprise in rng.sample(flagged_list, k=min(len(flagged_list), max(3, 60 // divisor))):
        start = as_of - dt.timedelta(days=rng.randint(5, 330))
        product = product_for(enterprise)
        for _ in range(rng.randint(3, 5)):
            day = min(as_of, start + dt.timedelta(days=rng.randint(0, 14)))
            plans.append(_Plan(_local(day, rng), enterprise, ComplaintKind.COMPLAINT, product))
    plans.sort(key=lambda p: p.at)

    regions = {r.code: r for r in session.scalars(select(Region))}
    end_of_day = dt.datetime.combine(as_of, dt.time(18), SHANGHAI).astimezone(dt.UTC)
    before = session.scalar(select(func.count()).where(RiskSignal.source == SOURCE)) or 0
    for plan in plans:
        _file_and_handle(session, rng, plan, regions, end_of_day)
    after = session.scalar(select(func.count()).where(RiskSignal.source == SOURCE)) or 0
    return len(plans), after - before


def _file_and_handle(
    session: Session,
    rng: random.Random,
    plan: _Plan,
    regions: dict[str, Region],
    end: dt.datetime,
) -> None:
    product = plan.product
    label = product or "药品"
    anonymous = plan.kind is ComplaintKind.REPORT and rng.random() < 0.4
    unknown = rng.random() < 0.04  # the complainant names a shop the registry does not know
    template = _COMPLAINTS if plan.kind is ComplaintKind.COMPLAINT else _REPORTS
    data = ComplaintCreate(
        kind=plan.kind,
        enterprise=f"{plan.enterprise.region.name}某药店" if unknown else plan.enterprise.name,
        product="" if unknown else product,
        description=rng.choice(template).format(p=label),
        contact_name=""
        if anonymous
        else rng.choice("王李张刘陈杨黄赵周吴") + rng.choice("伟芳娜敏静磊洋勇"),
        contact_phone="" if anonymous else f"13{rng.randint(100000000, 999999999)}",
        region_code=plan.enterprise.region_code if unknown and rng.random() < 0.6 else "",
    )
    channel = rng.choice(["web", "web", "api"])
    complaint = service.submit(session, PUBLIC, data, channel=channel, now=plan.at, rng=rng)
    desk = _desk(regions.get(complaint.region_code), complaint.region_code)
    day = plan.at.astimezone(SHANGHAI).date()

    def at(working_days: int) -> dt.datetime:
        return _local(add_working_days(day, working_days), rng)

    if complaint.routing.value == "province":
        moment = at(1)
        if moment > end:
            return
        county = plan.enterprise.region_code
        service.transfer(
            session, desk, complaint.id, county, "经核实企业位于该县（市、区）", now=moment
        )
        desk, day = _desk(regions.get(county), county), moment.astimezone(SHANGHAI).date()
    # Most desks decide within the period; about one in seven is late.
    decide_after = rng.randint(1, 6) if rng.random() > 0.15 else rng.randint(8, 14)
    if plan.kind is ComplaintKind.REPORT and rng.random() < 0.1:
        if at(3) > end:
            return
        service.extend(session, desk, complaint.id, "需抽样检验，经分管负责人批准延长", now=at(3))
        decide_after += 10
    decided = at(decide_after)
    if decided > end:
        return
    if rng.random() < 0.12:
        reason = rng.choice(list(NotAcceptedReason))
        service.decide(
            session, desk, complaint.id, Decision(accept=False, reason=reason), now=decided
        )
        if decided + dt.timedelta(days=2) <= end:
            service.close(session, desk, complaint.id, now=decided + dt.timedelta(days=2))
        return
    service.decide(session, desk, complaint.id, Decision(accept=True), now=decided)
    day = decided.astimezone(SHANGHAI).date()
    for n in range(rng.randint(1, 2)):
        moment = at(2 + 3 * n)
        if moment > end:
            return
        service.add_record(session, desk, complaint.id, rng.choice(_RECORDS), now=moment)
    if not service.reply_owed(complaint):
        if at(10) <= end:
            service.close(session, desk, complaint.id, "已移交稽查", now=at(10))
        return
    late = rng.random() < 0.05
    replied = at(rng.randint(3, 40) if plan.kind is ComplaintKind.COMPLAINT else rng.randint(1, 4))
    if late:
        replied = at(50)
    if replied > end:
        return
    service.reply(session, desk, complaint.id, rng.choice(_REPLIES), now=replied)
    if replied + dt.timedelta(days=3) <= end and complaint.status is ComplaintStatus.REPLIED:
        service.close(session, desk, complaint.id, now=replied + dt.timedelta(days=3))
