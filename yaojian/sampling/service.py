"""Sampling services: plans, samples and their workflow, the consequences of a failure.

Every read is scoped (yaojian/auth/scope.py), every write authorised and audited. A failing
test report, in the same transaction: puts the batch under control in the registry, emits a
risk signal about the batch, and opens a follow-up owned by the sample's county.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor, jurisdiction_prefix
from yaojian.auth.permissions import Action, authorize
from yaojian.auth.scope import get_visible, scoped, within_region
from yaojian.kit.errors import Conflict, InvalidInput, NotFound
from yaojian.kit.pagination import PageParams, paginate
from yaojian.kit.timeutil import today_local, utcnow
from yaojian.registry.choices import EnterpriseKind, RegionLevel
from yaojian.registry.models import Batch, Enterprise, Product, Region
from yaojian.registry.service import get_enterprise, quarantine_batch, require_region
from yaojian.sampling.models import (
    FollowUp,
    FollowUpStatus,
    Programme,
    Sample,
    SampleStatus,
    SamplingPlan,
    SamplingQuota,
    SamplingStage,
    TestItem,
    plan_visibility,
)
from yaojian.sampling.risk import county_weights, largest_remainder
from yaojian.sampling.schemas import (
    AllocateRequest,
    FollowUpClose,
    LabReceipt,
    PlanCreate,
    ResultCreate,
    SampleCreate,
)
from yaojian.signals.models import SubjectType
from yaojian.signals.service import SignalReport, emit

# Days the owner county has to report the follow-up of a failing sample. A platform default:
# the 办法 asks for control measures "及时" without one number for every case.
FOLLOW_UP_DAYS = 30
SIGNAL_KIND = "sampling_failure"

# Which kinds of enterprise a sample may be taken from at each stage (抽样环节).
STAGE_KINDS: dict[SamplingStage, set[EnterpriseKind]] = {
    SamplingStage.PRODUCTION: {
        EnterpriseKind.DRUG_MANUFACTURER,
        EnterpriseKind.DEVICE_MANUFACTURER,
        EnterpriseKind.COSMETICS_MANUFACTURER,
    },
    SamplingStage.DISTRIBUTION: {
        EnterpriseKind.DRUG_WHOLESALER,
        EnterpriseKind.RETAIL_CHAIN,
        EnterpriseKind.RETAIL_PHARMACY,
        EnterpriseKind.DEVICE_DISTRIBUTOR,
        EnterpriseKind.ECOMMERCE_PLATFORM,
    },
    SamplingStage.USE: {EnterpriseKind.MEDICAL_INSTITUTION, EnterpriseKind.VACCINATION_SITE},
}


def _rule(rule: str, text: str) -> Conflict:
    """A 409 whose detail starts with the workflow rule's name."""
    return Conflict(f"workflow rule '{rule}': {text}", "status")


# ---------------------------------------------------------------- plans


def create_plan(session: Session, actor: Actor, data: PlanCreate) -> SamplingPlan:
    region_code = data.region_code or actor.region_code or "330000"
    region = require_region(session, region_code)
    authorize(actor, Action.SAMPLING_PLAN, region.code)
    plan = SamplingPlan(
        year=data.year,
        title=data.title.strip(),
        programme=data.programme,
        category=data.category,
        region_code=region.code,
        risk_weighted=False,
        created_by=actor.audit_label(),
    )
    plan.quotas = _quotas(session, region, [q.model_dump() for q in data.quotas])
    session.add(plan)
    session.flush()
    record(
        session, actor, "sampling.plan_create", "sampling_plan", plan.id, None, _plan_audit(plan)
    )
    return plan


def _quotas(session: Session, region: Region, rows: list[dict[str, Any]]) -> list[SamplingQuota]:
    seen: set[tuple[str | None, EnterpriseKind | None]] = set()
    quotas = []
    for index, row in enumerate(rows):
        code, kind = row.get("region_code"), row.get("enterprise_kind")
        where = f"quotas.{index}.region_code"
        if code is None and kind is None:
            raise InvalidInput(where, "a quota names a county, an enterprise kind, or both")
        if code is not None:
            county = require_region(session, code, where)
            if county.level is not RegionLevel.COUNTY:
                raise InvalidInput(where, f"{code} is not a county")
            if not code.startswith(region.jurisdiction_prefix):
                raise InvalidInput(where, f"{code} is outside the plan's region {region.code}")
        if (code, kind) in seen:
            raise InvalidInput(where, "the same county and kind appear twice")
        seen.add((code, kind))
        quotas.append(SamplingQuota(region_code=code, enterprise_kind=kind, target=row["target"]))
    return quotas


def _plan_audit(plan: SamplingPlan) -> dict[str, Any]:
    return snapshot(plan) | {
        "quotas": [
            {"region_code": q.region_code, "enterprise_kind": q.enterprise_kind, "target": q.target}
            for q in plan.quotas
        ]
    }


def plan_query(actor: Actor, year: int | None = None) -> Select[Any]:
    stmt = select(SamplingPlan).order_by(
        SamplingPlan.year.desc(), SamplingPlan.region_code, SamplingPlan.id
    )
    if year is not None:
        stmt = stmt.where(SamplingPlan.year == year)
    return stmt.where(plan_visibility(actor))


def list_plans(session: Session, actor: Actor, year: int | None = None) -> list[SamplingPlan]:
    stmt = plan_query(actor, year).options(selectinload(SamplingPlan.quotas))
    return list(session.scalars(stmt))


def get_plan(session: Session, actor: Actor, plan_id: int) -> SamplingPlan:
    stmt = select(SamplingPlan).where(SamplingPlan.id == plan_id, plan_visibility(actor))
    plan = session.scalars(stmt).first()
    if plan is None:
        raise NotFound("sampling plan", plan_id)
    return plan


def allocate(session: Session, actor: Actor, plan_id: int, data: AllocateRequest) -> SamplingPlan:
    """Replace the plan's county quotas by ``total`` split over its counties.

    The split is proportional to each county's summed enterprise risk weight
    (yaojian/sampling/risk.py, docs/sampling.md); unweighted, every enterprise counts 1.
    """
    plan = get_plan(session, actor, plan_id)
    authorize(actor, Action.SAMPLING_PLAN, plan.region_code)
    before = _plan_audit(plan)
    weights = county_weights(
        session,
        actor,
        plan.region.jurisdiction_prefix,
        plan.category,
        plan.year,
        kinds=set(data.enterprise_kinds) or None,
        risk_weighted=data.risk_weighted,
    )
    if not weights:
        raise InvalidInput("total", "no enterprise of these kinds in the plan's region")
    floor = data.minimum_per_county
    if floor * len(weights) > data.total:
        raise InvalidInput(
            "minimum_per_county",
            f"{len(weights)} counties × {floor} is more than the total of {data.total}",
        )
    rest = largest_remainder(
        data.total - floor * len(weights), {c: w.total for c, w in weights.items()}
    )
    targets = {c: floor + n for c, n in rest.items()}
    plan.quotas = [
        SamplingQuota(region_code=code, target=targets[code], weight=round(w.mean, 4))
        for code, w in sorted(weights.items())
    ]
    plan.risk_weighted = data.risk_weighted
    session.flush()
    record(
        session, actor, "sampling.plan_allocate", "sampling_plan", plan.id, before,
        _plan_audit(plan),
    )  # fmt: skip
    return plan


def quota_progress(session: Session, actor: Actor, plan: SamplingPlan) -> dict[str, int]:
    """Samples the actor can see taken under the plan, per county."""
    stmt = scoped(
        select(Sample.region_code, func.count())
        .where(Sample.plan_id == plan.id)
        .group_by(Sample.region_code),
        actor,
        Sample,
    )
    return {code: n for code, n in session.execute(stmt)}


# ---------------------------------------------------------------- samples


def create_sample(session: Session, actor: Actor, data: SampleCreate) -> Sample:
    plan = get_plan(session, actor, data.plan_id)
    enterprise = get_enterprise(session, actor, data.enterprise_id)
    authorize(actor, Action.SAMPLING_SAMPLE, enterprise.region_code)
    # The batch may be made anywhere: it is a registry fact, not the sampled unit's data.
    batch = session.get(Batch, data.batch_id)
    if batch is None:
        raise InvalidInput("batch_id", f"batch {data.batch_id} is not in the registry")
    product = session.get(Product, batch.product_id)
    assert product is not None
    _check_sample(plan, enterprise, product, data)
    sample = Sample(
        sample_number=_next_number(session, plan.year, enterprise.region_code),
        plan_id=plan.id,
        product_id=product.id,
        batch_id=batch.id,
        enterprise_id=enterprise.id,
        region_code=enterprise.region_code,
        stage=data.stage,
        sampled_by=data.sampled_by.strip(),
        sampled_on=data.sampled_on,
        quantity=data.quantity,
        unit=data.unit,
        essential=product.is_essential,
        centrally_procured=product.is_centrally_procured,
        status=SampleStatus.SAMPLED,
        lab="",
        created_by=actor.audit_label(),
    )
    session.add(sample)
    session.flush()
    record(session, actor, "sampling.sample", "sampling_sample", sample.id, None, snapshot(sample))
    return sample


def _check_sample(
    plan: SamplingPlan, enterprise: Enterprise, product: Product, data: SampleCreate
) -> None:
    if product.category is not plan.category:
        raise InvalidInput(
            "batch_id", f"the plan samples {plan.category.value}s, this is a {product.category}"
        )
    if plan.programme is Programme.ESSENTIAL_CENTRAL and not (
        product.is_essential or product.is_centrally_procured
    ):
        raise InvalidInput(
            "batch_id",
            "the special programme samples essential or centrally procured drugs only",
        )
    if enterprise.kind not in STAGE_KINDS[data.stage]:
        raise InvalidInput(
            "stage", f"a {enterprise.kind.en} is not sampled at the {data.stage.value} stage"
        )
    if data.sampled_on > today_local():
        raise InvalidInput("sampled_on", "the sample date is in the future")
    if data.sampled_on.year != plan.year:
        raise InvalidInput("sampled_on", f"the plan is for {plan.year}")


def _next_number(session: Session, year: int, county: str) -> str:
    """CY + year + county + a 4-digit sequence per county and year, e.g. CY20263301060007."""
    prefix = f"CY{year}{county}"
    last = session.scalar(
        select(func.max(Sample.sample_number)).where(Sample.sample_number.startswith(prefix))
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def find_batch(session: Session, approval_number: str, batch_number: str) -> Batch:
    """The registry batch of a drug's approval number and batch number, as printed on the pack."""
    product_id = session.scalar(
        select(Product.id).where(Product.approval_number == approval_number.strip())
    )
    if product_id is None:
        raise InvalidInput("approval_number", f"{approval_number} is not in the product registry")
    batch = session.scalars(
        select(Batch).where(
            Batch.product_id == product_id, Batch.batch_number == batch_number.strip()
        )
    ).first()
    if batch is None:
        raise InvalidInput("batch_number", f"batch {batch_number} of this drug is not registered")
    return batch


def get_sample(session: Session, actor: Actor, sample_id: int) -> Sample:
    return get_visible(session, actor, Sample, sample_id, "sample")


def receive_at_lab(session: Session, actor: Actor, sample_id: int, data: LabReceipt) -> Sample:
    sample = get_sample(session, actor, sample_id)
    authorize(actor, Action.SAMPLING_SAMPLE, sample.region_code)
    if sample.status is not SampleStatus.SAMPLED:
        raise _rule(
            "lab-receipt-once",
            f"sample {sample.sample_number} was received by {sample.lab} on {sample.received_on}",
        )
    if data.received_on < sample.sampled_on:
        raise InvalidInput(
            "received_on", "the laboratory cannot receive a sample before it is taken"
        )
    if data.received_on > today_local():
        raise InvalidInput("received_on", "the date is in the future")
    before = snapshot(sample)
    sample.lab, sample.received_on = data.lab.strip(), data.received_on
    sample.status = SampleStatus.AT_LAB
    session.flush()
    record(session, actor, "sampling.lab_receipt", "sampling_sample", sample.id, before,
           snapshot(sample))  # fmt: skip
    return sample


def record_result(session: Session, actor: Actor, sample_id: int, data: ResultCreate) -> Sample:
    """Store the test report; a failing one puts the batch under control, signals, follows up."""
    sample = get_sample(session, actor, sample_id)
    authorize(actor, Action.SAMPLING_RESULT, sample.region_code)
    if sample.status is SampleStatus.SAMPLED:
        raise _rule(
            "result-after-lab-receipt",
            "a test report needs the laboratory's receipt of the sample first",
        )
    if sample.status is not SampleStatus.AT_LAB:
        raise _rule(
            "one-report-per-sample",
            f"sample {sample.sample_number} already has report {sample.report_number}",
        )
    assert sample.received_on is not None
    if data.reported_on < sample.received_on:
        raise InvalidInput("reported_on", "the report predates the laboratory's receipt")
    if data.reported_on > today_local():
        raise InvalidInput("reported_on", "the date is in the future")
    number = data.report_number.strip()
    if session.scalar(select(Sample.id).where(Sample.report_number == number)):
        raise Conflict(f"report {number} is already recorded for another sample", "report_number")
    before = snapshot(sample)
    sample.items = [TestItem(**item.model_dump()) for item in data.items]
    sample.report_number, sample.reported_on = number, data.reported_on
    failed = [i for i in sample.items if not i.passed]
    sample.status = SampleStatus.FAILED if failed else SampleStatus.PASSED
    session.flush()
    after = snapshot(sample) | {"items": [snapshot(i) for i in sample.items]}
    record(session, actor, "sampling.result", "sampling_sample", sample.id, before, after)
    if failed:
        _consequences_of_failure(session, actor, sample, [i.item for i in failed])
    return sample


def _consequences_of_failure(
    session: Session, actor: Actor, sample: Sample, failed_items: list[str]
) -> FollowUp:
    items = "、".join(failed_items)
    batch = quarantine_batch(
        session, actor, sample.batch_id,
        f"监督抽检不合格（{items}，检验报告 {sample.report_number}）",
        region_code=sample.region_code,
    )  # fmt: skip
    product = sample.product
    emit(
        session,
        actor,
        SignalReport(
            source="sampling",
            kind=SIGNAL_KIND,
            subject_type=SubjectType.BATCH,
            subject_id=str(batch.id),
            severity=3,
            title=f"{product.name} 批号 {batch.batch_number} 监督抽检不合格：{items}",
            # One finding per batch: a second failing sample of it counts as an occurrence.
            dedupe_key=f"sampling:failed-batch:{batch.id}",
            evidence={
                "sample_id": sample.id,
                "sample_number": sample.sample_number,
                "report_number": sample.report_number,
                "failed_items": failed_items,
                "sampled_enterprise_id": sample.enterprise_id,
                "sampled_region_code": sample.region_code,
            },
            # The maker answers for the batch's quality; the signal goes to its county.
            enterprise_id=batch.enterprise_id,
        ),
    )
    follow_up = FollowUp(
        sample_id=sample.id,
        region_code=sample.region_code,
        enterprise_id=sample.enterprise_id,
        batch_id=batch.id,
        opened_at=utcnow(),
        due_on=(sample.reported_on or today_local()) + dt.timedelta(days=FOLLOW_UP_DAYS),
        status=FollowUpStatus.OPEN,
        note="",
    )
    session.add(follow_up)
    session.flush()
    record(session, actor, "sampling.follow_up_open", "sampling_follow_up", follow_up.id, None,
           snapshot(follow_up))  # fmt: skip
    return follow_up


def sample_query(
    actor: Actor,
    *,
    plan_id: int | None = None,
    status: SampleStatus | None = None,
    region_code: str | None = None,
    enterprise_id: int | None = None,
    year: int | None = None,
    q: str | None = None,
    with_relations: bool = False,
) -> Select[Any]:
    """The samples the actor may see, newest first; ``with_relations`` loads what a list shows."""
    stmt = select(Sample).order_by(Sample.sampled_on.desc(), Sample.id.desc())
    if with_relations:
        stmt = stmt.options(
            selectinload(Sample.plan), selectinload(Sample.product), selectinload(Sample.batch),
            selectinload(Sample.enterprise), selectinload(Sample.items),
            selectinload(Sample.follow_up),
        )  # fmt: skip
    if plan_id is not None:
        stmt = stmt.where(Sample.plan_id == plan_id)
    if status is not None:
        stmt = stmt.where(Sample.status == status)
    if region_code:
        stmt = stmt.where(within_region(Sample.region_code, jurisdiction_prefix(region_code)))
    if enterprise_id is not None:
        stmt = stmt.where(Sample.enterprise_id == enterprise_id)
    if year is not None:
        stmt = stmt.where(Sample.sampled_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    if q:
        term = q.strip()
        products = select(Product.id).where(Product.name.contains(term, autoescape=True))
        stmt = stmt.where(
            or_(
                Sample.sample_number == term.upper(),
                Sample.report_number == term,
                Sample.product_id.in_(products),
            )
        )
    return scoped(stmt, actor, Sample)


def list_samples(
    session: Session, actor: Actor, params: PageParams, **filters: Any
) -> tuple[list[Sample], int]:
    return paginate(session, sample_query(actor, with_relations=True, **filters), params)


# ---------------------------------------------------------------- follow-ups


def get_follow_up(session: Session, actor: Actor, follow_up_id: int) -> FollowUp:
    return get_visible(session, actor, FollowUp, follow_up_id, "follow-up")


def list_follow_ups(
    session: Session, actor: Actor, status: FollowUpStatus | None = None
) -> list[FollowUp]:
    stmt = select(FollowUp).order_by(FollowUp.due_on, FollowUp.id)
    if status is not None:
        stmt = stmt.where(FollowUp.status == status)
    return list(session.scalars(scoped(stmt, actor, FollowUp)))


def close_follow_up(
    session: Session, actor: Actor, follow_up_id: int, data: FollowUpClose
) -> FollowUp:
    follow_up = get_follow_up(session, actor, follow_up_id)
    authorize(actor, Action.SAMPLING_FOLLOW_UP, follow_up.region_code)
    if follow_up.status is FollowUpStatus.CLOSED:
        raise _rule("follow-up-closed-once", f"follow-up {follow_up.id} is already closed")
    before = snapshot(follow_up)
    follow_up.status = FollowUpStatus.CLOSED
    follow_up.note = data.note.strip()
    follow_up.closed_at, follow_up.closed_by = utcnow(), actor.audit_label()
    session.flush()
    record(session, actor, "sampling.follow_up_close", "sampling_follow_up", follow_up.id,
           before, snapshot(follow_up))  # fmt: skip
    return follow_up
