"""Two years of supervisory sampling in the synthetic province: last year whole, this year to date.

Each year has the province's three drug plans (routine, the essential/centrally procured
special programme, targeted for cause). Quotas are allocated per county by the real,
risk-weighted service, and within a county the sampled units are drawn in proportion to
their risk weight, so enterprises with open signals are sampled more. They also fail more:
a sample fails with probability ``BASE_FAILURE + SIGNAL_FAILURE × min(signals, 3)``
(0.4 % to 4.9 %), counting
the signals of the sampled unit and of the batch's maker.

Passing and pending samples are bulk-inserted (one audit entry for them all, as the rest of
the generator does); every failing sample goes through the services, so that its batch is
quarantined, its signal emitted and its follow-up opened exactly as for a real one.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from yaojian.audit.chain import record
from yaojian.auth.actor import Actor, system_actor
from yaojian.auth.models import User
from yaojian.registry.choices import (
    EnterpriseKind,
    EnterpriseStatus,
    ProductCategory,
    ReleaseStatus,
)
from yaojian.registry.models import Batch, Enterprise, Product, Region
from yaojian.sampling import service
from yaojian.sampling.models import (
    Programme,
    Sample,
    SampleStatus,
    SamplingPlan,
    SamplingStage,
    TestItem,
)
from yaojian.sampling.risk import SAMPLED_KINDS, enterprise_weight, largest_remainder
from yaojian.sampling.schemas import (
    AllocateRequest,
    FollowUpClose,
    LabReceipt,
    PlanCreate,
    QuotaIn,
    ResultCreate,
    SampleCreate,
    TestItemIn,
)
from yaojian.signals.models import RiskSignal, SignalStatus

SAMPLES_PER_YEAR = 9_000  # the province's drug samples a year, all plans (order of magnitude)
MIN_PER_YEAR = 200
SPECIAL_SHARE = 0.4
BASE_FAILURE = 0.004
SIGNAL_FAILURE = 0.015
TARGETED_SHARE = 0.1
CLOSED_AFTER_DAYS = 45
MIN_FAILURES = 3  # per year, so that a small demo shows what a failure does
PROVINCE_LAB = "浙江省食品药品检验研究院"
DEMO_COUNTY = "330106"

STAGE_OF_KIND = {
    EnterpriseKind.DRUG_MANUFACTURER: SamplingStage.PRODUCTION,
    EnterpriseKind.DRUG_WHOLESALER: SamplingStage.DISTRIBUTION,
    EnterpriseKind.RETAIL_CHAIN: SamplingStage.DISTRIBUTION,
    EnterpriseKind.RETAIL_PHARMACY: SamplingStage.DISTRIBUTION,
    EnterpriseKind.MEDICAL_INSTITUTION: SamplingStage.USE,
}
# Test items per dosage form (Chinese Pharmacopoeia general requirements), with the item
# a failure most often names first.
_ITEMS: dict[str, list[tuple[str, str]]] = {
    "片剂": [("溶出度", "限度为标示量的80%"), ("含量测定", "应为标示量的93.0%～107.0%"),
             ("有关物质", "单个杂质不得过0.5%"), ("性状", "应为白色片")],
    "胶囊剂": [("溶出度", "限度为标示量的80%"), ("含量测定", "应为标示量的90.0%～110.0%"),
               ("装量差异", "应符合规定"), ("性状", "内容物应为白色粉末")],
    "注射剂": [("可见异物", "应符合规定"), ("细菌内毒素", "应符合规定"), ("无菌", "应符合规定"),
               ("含量测定", "应为标示量的95.0%～105.0%")],
}  # fmt: skip
CLOSING_NOTES = [
    "已责令企业暂停销售并召回，立案调查",
    "已控制在库产品，移交生产企业所在地监管部门核查",
    "企业已完成原因调查和整改，复检合格",
]
_DEFAULT_ITEMS = [("含量测定", "应符合规定"), ("微生物限度", "应符合规定"), ("性状", "应符合规定")]


@dataclass
class SamplingResult:
    samples: int = 0
    failures: int = 0
    signals: int = 0
    plans: list[int] = field(default_factory=list)


@dataclass
class _Draft:
    plan: SamplingPlan
    enterprise: Enterprise
    batch: Batch
    product: Product
    sampled_on: dt.date
    risk: int
    draw: float
    lab: str
    received_on: dt.date | None = None
    reported_on: dt.date | None = None

    @property
    def failure_chance(self) -> float:
        return BASE_FAILURE + SIGNAL_FAILURE * min(self.risk, 3)


def generate_samplings(
    session: Session, rng: random.Random, *, as_of: dt.date, divisor: int
) -> SamplingResult:
    actor = system_actor("demo")
    result = SamplingResult()
    per_year = max(MIN_PER_YEAR, SAMPLES_PER_YEAR // divisor)
    world = _World.load(session)
    for year in (as_of.year - 1, as_of.year):
        start = dt.date(year, 1, 1)
        end = min(dt.date(year, 12, 31), as_of)
        share = ((end - start).days + 1) / ((dt.date(year, 12, 31) - start).days + 1)
        drafts: list[_Draft] = []
        for plan, total in _plans(session, actor, world, year, per_year):
            result.plans.append(plan.id)
            drafts += _draw(rng, world, plan, round(total * share), start, end)
            if plan.programme is Programme.ROUTINE:
                drafts += _demo_enterprise_draft(rng, world, plan, drafts, start, end)
        for draft in drafts:
            _schedule(rng, draft, as_of)
        failing = _failing(drafts)
        _bulk_insert(session, rng, [d for d in drafts if id(d) not in failing], year)
        # The demo county's latest failure of the year stays open, whatever the as-of date, so
        # that its regulator always finds a follow-up on the desk.
        here = [d for d in drafts if id(d) in failing and d.enterprise.region_code == DEMO_COUNTY]
        latest = max(here, key=lambda d: (d.reported_on, d.sampled_on), default=None)
        for draft in drafts:
            if id(draft) in failing:
                keep = draft is latest and year == as_of.year
                result.signals += _fail(session, actor, rng, draft, as_of, keep_open=keep)
        result.failures += len(failing)
        result.samples += len(drafts)
    record(
        session, actor, "demo.sampling", "province", "330000",
        after={"samples": result.samples, "failures": result.failures, "plans": result.plans},
    )  # fmt: skip
    return result


@dataclass
class _World:
    """What the draws need, read once: eligible enterprises per county and the batches."""

    by_county: dict[str, list[Enterprise]]
    signals: dict[int, int]
    batches: list[Batch]
    listed: list[Batch]
    listed_ids: set[int]
    own_batches: dict[int, list[Batch]]
    products: dict[int, Product]
    region_names: dict[str, str]
    demo_enterprise: int | None

    def lab_of(self, county: str) -> str:
        return f"{self.region_names.get(county[:4] + '00', '')}食品药品检验研究院"

    @classmethod
    def load(cls, session: Session) -> _World:
        enterprises = session.scalars(
            select(Enterprise)
            .where(
                Enterprise.kind.in_(SAMPLED_KINDS[ProductCategory.DRUG]),
                Enterprise.status == EnterpriseStatus.ACTIVE,
            )
            .order_by(Enterprise.id)
        )
        by_county: dict[str, list[Enterprise]] = {}
        for e in enterprises:
            by_county.setdefault(e.region_code, []).append(e)
        open_signals = (
            select(RiskSignal.enterprise_id, func.count())
            .where(RiskSignal.enterprise_id.is_not(None), RiskSignal.status == SignalStatus.OPEN)
            .group_by(RiskSignal.enterprise_id)
        )
        signals = {int(e): int(n) for e, n in session.execute(open_signals) if e is not None}
        cities = {r.code: r.name for r in session.scalars(select(Region))}
        products = {
            p.id: p
            for p in session.scalars(
                select(Product).where(Product.category == ProductCategory.DRUG)
            )
        }
        batches = [
            b
            for b in session.scalars(
                select(Batch)
                .where(Batch.release_status == ReleaseStatus.RELEASED)
                .order_by(Batch.id)
            )
            if b.product_id in products
        ]
        own: dict[int, list[Batch]] = {}
        for b in batches:
            own.setdefault(b.enterprise_id, []).append(b)
        listed = [
            b
            for b in batches
            if products[b.product_id].is_essential or products[b.product_id].is_centrally_procured
        ]
        demo = session.scalar(select(User.enterprise_id).where(User.username == "ent1"))
        return cls(
            by_county, signals, batches, listed, {b.id for b in listed}, own, products, cities,
            demo,
        )  # fmt: skip


def _plans(
    session: Session, actor: Actor, world: _World, year: int, per_year: int
) -> list[tuple[SamplingPlan, int]]:
    special_total = round(per_year * SPECIAL_SHARE)
    routine_total = per_year - special_total
    made = []
    for programme, title, total in (
        (Programme.ROUTINE, f"{year}年全省药品质量抽查检验计划", routine_total),
        (Programme.ESSENTIAL_CENTRAL, f"{year}年国家基本药物和集采中选品种专项抽检", special_total),
    ):
        plan = service.create_plan(
            session, actor,
            PlanCreate(year=year, title=title, programme=programme, region_code="330000"),
        )  # fmt: skip
        # The special programme reaches every county; routine sampling follows the weights.
        floor = 1 if programme is Programme.ESSENTIAL_CENTRAL else 0
        total = max(total, floor * len(world.by_county))
        allocation = AllocateRequest(total=total, risk_weighted=True, minimum_per_county=floor)
        service.allocate(session, actor, plan.id, allocation)
        made.append((plan, total))
    # For cause: a tenth of the year's samples, split over the counties by how many of their
    # enterprises have open signals.
    flagged: dict[str, float] = {}
    for county, enterprises in sorted(world.by_county.items()):
        n = sum(1 for e in enterprises if world.signals.get(e.id))
        if n:
            flagged[county] = float(n)
    targets = largest_remainder(round(per_year * TARGETED_SHARE), flagged)
    quotas = [QuotaIn(region_code=c, target=n) for c, n in targets.items() if n]
    if quotas:
        targeted = service.create_plan(
            session, actor,
            PlanCreate(year=year, title=f"{year}年有因抽检（风险信号企业）",
                       programme=Programme.TARGETED, region_code="330000", quotas=quotas),
        )  # fmt: skip
        made.append((targeted, sum(q.target for q in quotas)))
    return made


def _draw(
    rng: random.Random,
    world: _World,
    plan: SamplingPlan,
    total: int,
    start: dt.date,
    end: dt.date,
) -> list[_Draft]:
    """Drafts for the plan's county quotas, scaled to ``total`` (the part of the year so far)."""
    planned = sum(q.target for q in plan.quotas) or 1
    drafts: list[_Draft] = []
    for quota in plan.quotas:
        county = quota.region_code or ""
        candidates = world.by_county.get(county, [])
        if plan.programme is Programme.TARGETED:
            candidates = [e for e in candidates if world.signals.get(e.id)]
        if not candidates:
            continue
        weights = [enterprise_weight(world.signals.get(e.id, 0), 0) for e in candidates]
        for _ in range(round(quota.target * total / planned)):
            for _attempt in range(6):
                enterprise = rng.choices(candidates, weights)[0]
                draft = _draft(rng, world, plan, enterprise, start, end)
                if draft is not None:
                    drafts.append(draft)
                    break
    return drafts


def _draft(
    rng: random.Random,
    world: _World,
    plan: SamplingPlan,
    enterprise: Enterprise,
    start: dt.date,
    end: dt.date,
) -> _Draft | None:
    special = plan.programme is Programme.ESSENTIAL_CENTRAL
    if STAGE_OF_KIND[enterprise.kind] is SamplingStage.PRODUCTION:
        pool = [
            b
            for b in world.own_batches.get(enterprise.id, [])
            if not special or b.id in world.listed_ids
        ]
    else:
        pool = world.listed if special else world.batches
    if not pool:
        return None
    batch = rng.choice(pool)
    first = max(start, batch.manufactured_on + dt.timedelta(days=7))
    if first > end:
        return None
    sampled_on = first + dt.timedelta(days=rng.randint(0, (end - first).days))
    risk = world.signals.get(enterprise.id, 0) + world.signals.get(batch.enterprise_id, 0)
    lab = PROVINCE_LAB if rng.random() < 0.6 else world.lab_of(enterprise.region_code)
    product = world.products[batch.product_id]
    return _Draft(plan, enterprise, batch, product, sampled_on, risk, rng.random(), lab)


def _demo_enterprise_draft(
    rng: random.Random,
    world: _World,
    plan: SamplingPlan,
    drafts: list[_Draft],
    start: dt.date,
    end: dt.date,
) -> list[_Draft]:
    """One sample at the demo enterprise account's plant, so that its user sees a result."""
    ent1 = next(
        (e for es in world.by_county.values() for e in es if e.id == world.demo_enterprise), None
    )
    if ent1 is None or any(d.enterprise.id == ent1.id for d in drafts):
        return []
    draft = _draft(rng, world, plan, ent1, start, end)
    return [draft] if draft is not None else []


def _schedule(rng: random.Random, draft: _Draft, as_of: dt.date) -> None:
    """Receipt 1–3 days after sampling, the report 12–35 days after receipt, none in the future."""
    received = draft.sampled_on + dt.timedelta(days=rng.randint(1, 3))
    if received > as_of:
        return
    draft.received_on = received
    reported = received + dt.timedelta(days=rng.randint(12, 35))
    if reported <= as_of:
        draft.reported_on = reported


def _failing(drafts: list[_Draft]) -> set[int]:
    """Reported drafts whose draw falls under their failure chance, one in the demo county, and
    at least MIN_FAILURES, taking the likeliest."""
    reported = [d for d in drafts if d.reported_on is not None]
    failing = {id(d) for d in reported if d.draw < d.failure_chance}
    ranked = sorted(reported, key=lambda d: (d.draw / d.failure_chance, d.sampled_on))
    # The demo county's latest report, so that its regulator finds an open follow-up.
    in_demo_county = [d for d in reported if d.enterprise.region_code == DEMO_COUNTY]
    if in_demo_county and not any(id(d) in failing for d in in_demo_county):
        failing.add(id(max(in_demo_county, key=lambda d: (d.reported_on, d.sampled_on))))
    for d in ranked:
        if len(failing) >= MIN_FAILURES:
            break
        failing.add(id(d))
    return failing


def _items(rng: random.Random, product: Product, failing: bool) -> list[TestItemIn]:
    tests = _ITEMS.get(product.dosage_form or "", _DEFAULT_ITEMS)
    chosen = tests[: rng.randint(2, len(tests))]
    bad = rng.randrange(len(chosen)) if failing else -1
    return [
        TestItemIn(
            item=item,
            standard=standard,
            result="不符合规定" if i == bad else "符合规定",
            passed=i != bad,
        )
        for i, (item, standard) in enumerate(chosen)
    ]


def _bulk_insert(session: Session, rng: random.Random, drafts: list[_Draft], year: int) -> None:
    drafts = sorted(drafts, key=lambda d: (d.sampled_on, d.enterprise.id, d.batch.id))
    sequence: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    items: list[list[TestItemIn]] = []
    for n, d in enumerate(drafts):
        county = d.enterprise.region_code
        sequence[county] = sequence.get(county, 0) + 1
        product = d.product
        status = SampleStatus.SAMPLED
        if d.reported_on is not None:
            status = SampleStatus.PASSED
        elif d.received_on is not None:
            status = SampleStatus.AT_LAB
        rows.append(
            {
                "sample_number": f"CY{year}{county}{sequence[county]:04d}",
                "plan_id": d.plan.id, "product_id": product.id, "batch_id": d.batch.id,
                "enterprise_id": d.enterprise.id, "region_code": county,
                "stage": STAGE_OF_KIND[d.enterprise.kind], "sampled_by": "抽样组（演示）",
                "sampled_on": d.sampled_on, "quantity": rng.randint(3, 12), "unit": "盒",
                "essential": product.is_essential,
                "centrally_procured": product.is_centrally_procured,
                "status": status, "lab": d.lab if d.received_on else "",
                "received_on": d.received_on,
                "report_number": f"JY{year}{n + 1:06d}" if d.reported_on else None,
                "reported_on": d.reported_on, "created_by": "system:demo",
            }
        )  # fmt: skip
        items.append(_items(rng, product, False) if d.reported_on else [])
    for start in range(0, len(rows), 2_000):
        chunk = rows[start : start + 2_000]
        stmt = insert(Sample).returning(Sample.id, sort_by_parameter_order=True)
        ids = list(session.scalars(stmt, chunk))
        item_rows = [
            {"sample_id": sid, **item.model_dump()}
            for sid, chunk_items in zip(ids, items[start : start + 2_000], strict=True)
            for item in chunk_items
        ]
        if item_rows:
            session.execute(insert(TestItem), item_rows)


def _fail(
    session: Session,
    actor: Actor,
    rng: random.Random,
    d: _Draft,
    as_of: dt.date,
    keep_open: bool = False,
) -> int:
    """A failing sample through the services; returns 1 if its signal is new. Its follow-up is
    closed when it is older than CLOSED_AFTER_DAYS, unless ``keep_open``."""
    assert d.received_on is not None and d.reported_on is not None
    before = session.scalar(select(func.count()).select_from(RiskSignal)) or 0
    sample = service.create_sample(
        session, actor,
        SampleCreate(plan_id=d.plan.id, batch_id=d.batch.id, enterprise_id=d.enterprise.id,
                     stage=STAGE_OF_KIND[d.enterprise.kind], sampled_by="抽样组（演示）",
                     sampled_on=d.sampled_on, quantity=rng.randint(3, 12)),
    )  # fmt: skip
    service.receive_at_lab(
        session, actor, sample.id, LabReceipt(lab=d.lab, received_on=d.received_on)
    )
    report = ResultCreate(
        report_number=f"JY{d.sampled_on.year}F{sample.id:06d}",
        reported_on=d.reported_on,
        items=_items(rng, d.product, True),
    )
    sample = service.record_result(session, actor, sample.id, report)
    after = session.scalar(select(func.count()).select_from(RiskSignal)) or 0
    # Older failures have been dealt with; the recent ones are still on the county's desk.
    old = (as_of - d.reported_on).days > CLOSED_AFTER_DAYS
    if sample.follow_up is not None and old and not keep_open:
        note = rng.choice(CLOSING_NOTES)
        service.close_follow_up(session, actor, sample.follow_up.id, FollowUpClose(note=note))
    return after - before
