"""A small sampling world built through the real services: a maker in Ningbo whose essential
drug is sampled at pharmacies in Xihu and Binjiang (both Hangzhou)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_drug, make_enterprise
from yaojian.auth.actor import Actor
from yaojian.registry import service as registry
from yaojian.registry.choices import EnterpriseKind
from yaojian.registry.models import Batch, Drug, Enterprise
from yaojian.registry.schemas import BatchCreate
from yaojian.sampling import service
from yaojian.sampling.models import Programme, Sample, SamplingPlan, SamplingStage
from yaojian.sampling.schemas import (
    LabReceipt,
    PlanCreate,
    ResultCreate,
    SampleCreate,
    TestItemIn,
)

GTIN = "80614141123458"  # the GTIN of tests/trace/flows.PACKS
LOT = "260301A"  # the lot tests/trace/test_verify.py gives the journey
# Dates inside one calendar year and never in the future, whenever the suite runs.
SAMPLED_ON = dt.date.today() - dt.timedelta(days=10)
YEAR = SAMPLED_ON.year
_reports = itertools.count(1)


@dataclass
class World:
    maker: Enterprise
    xihu: Enterprise
    binjiang: Enterprise
    drug: Drug
    plain_drug: Drug
    batch: Batch
    plain_batch: Batch
    special: SamplingPlan
    routine: SamplingPlan


def make_batch(session: Session, maker: Enterprise, drug: Drug, number: str) -> Batch:
    return registry.add_batch(
        session, ADMIN, maker.id,
        BatchCreate(product_id=drug.id, batch_number=number, manufactured_on=dt.date(2026, 3, 1),
                    expires_on=dt.date(2028, 2, 28), quantity=10_000, release_status="released"),
    )  # fmt: skip


def make_plan(session: Session, programme: Programme, region_code: str = "330000") -> SamplingPlan:
    data = PlanCreate(
        year=YEAR, title=f"{YEAR}年药品抽检计划（{programme.zh}）", programme=programme,
        region_code=region_code,
    )  # fmt: skip
    return service.create_plan(session, ADMIN, data)


def world(session: Session) -> World:
    maker = make_enterprise(session, region_code="330212", name="宁波抽检制药有限公司")
    pharmacy = EnterpriseKind.RETAIL_PHARMACY
    xihu = make_enterprise(session, region_code="330106", name="西湖抽检大药房", kind=pharmacy)
    binjiang = make_enterprise(session, region_code="330108", name="滨江抽检大药房", kind=pharmacy)
    drug = make_drug(
        session, maker, name="阿莫西林胶囊", gtin=GTIN, is_essential=True,
        is_centrally_procured=True,
    )  # fmt: skip
    plain = make_drug(session, maker, name="复方甘草片")
    return World(
        maker=maker, xihu=xihu, binjiang=binjiang, drug=drug, plain_drug=plain,
        batch=make_batch(session, maker, drug, LOT),
        plain_batch=make_batch(session, maker, plain, "250101"),
        special=make_plan(session, Programme.ESSENTIAL_CENTRAL),
        routine=make_plan(session, Programme.ROUTINE),
    )  # fmt: skip


def take(
    session: Session,
    plan: SamplingPlan,
    batch: Batch,
    at: Enterprise,
    actor: Actor = ADMIN,
    **overrides: Any,
) -> Sample:
    data = {
        "plan_id": plan.id, "batch_id": batch.id, "enterprise_id": at.id,
        "stage": SamplingStage.DISTRIBUTION, "sampled_by": "张三、李四", "sampled_on": SAMPLED_ON,
        "quantity": 6,
    } | overrides  # fmt: skip
    return service.create_sample(session, actor, SampleCreate(**data))


def to_lab(session: Session, sample: Sample, actor: Actor = ADMIN) -> Sample:
    receipt = LabReceipt(
        lab="浙江省食品药品检验研究院", received_on=SAMPLED_ON + dt.timedelta(days=2)
    )
    return service.receive_at_lab(session, actor, sample.id, receipt)


def report(passed: bool = True, failing_item: str = "溶出度") -> ResultCreate:
    looks = TestItemIn(item="性状", standard="内容物为白色粉末", result="符合规定", passed=True)
    measured = "92%" if passed else "68%"
    dissolves = TestItemIn(
        item=failing_item, standard="限度为标示量的80%", result=measured, passed=passed
    )
    items = [looks, dissolves]
    return ResultCreate(
        report_number=f"ZJ{YEAR}-{next(_reports):05d}",
        reported_on=SAMPLED_ON + dt.timedelta(days=5),
        items=items,
    )


def reported(
    session: Session, plan: SamplingPlan, batch: Batch, at: Enterprise, passed: bool = True
) -> Sample:
    sample = to_lab(session, take(session, plan, batch, at))
    return service.record_result(session, ADMIN, sample.id, report(passed))
