"""Supervisory sampling (监督抽检): plans with quotas, samples and their test results, follow-ups.

The workflow of a sample follows 药品质量抽查检验管理办法 (国家药监局, 2019): it is taken
(已抽样), received by the testing laboratory (检验中), and gets one test report whose conclusion
is 合格 or 不合格. A failing report puts the batch under control and opens a follow-up
(核查处置) owned by the county where the sample was taken.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yaojian.auth.actor import Actor
from yaojian.auth.scope import ScopeRule, register_scope, visibility_clause
from yaojian.db import Base
from yaojian.kit.choices import LabelledChoice, enum_column
from yaojian.kit.timeutil import utcnow
from yaojian.registry.choices import EnterpriseKind, ProductCategory
from yaojian.registry.models import Batch, Enterprise, Product, Region

# A follow-up is a lead an enforcement case may cite as ("sampling", follow-up id).
LEAD_KIND = "sampling"


class Programme(LabelledChoice):
    ROUTINE = ("routine", "常规抽检", "routine sampling")
    ESSENTIAL_CENTRAL = (
        "essential_central",
        "基本药物和集采品种专项",
        "essential drugs & centrally procured special programme",
    )
    TARGETED = ("targeted", "有因（靶向）抽检", "targeted sampling for cause")


class SamplingStage(LabelledChoice):
    """Where in the supply chain the sample is taken (抽样环节)."""

    PRODUCTION = ("production", "生产环节", "production")
    DISTRIBUTION = ("distribution", "经营环节", "distribution")
    USE = ("use", "使用环节", "use")


class SampleStatus(LabelledChoice):
    SAMPLED = ("sampled", "已抽样", "sampled")
    AT_LAB = ("at_lab", "检验中", "at the laboratory")
    PASSED = ("passed", "合格", "passed")
    FAILED = ("failed", "不合格", "failed")


class FollowUpStatus(LabelledChoice):
    OPEN = ("open", "处置中", "open")
    CLOSED = ("closed", "已办结", "closed")


class SamplingPlan(Base):
    """A year's sampling plan of one authority (``region_code``: province, city or county)."""

    __tablename__ = "sampling_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    programme: Mapped[Programme] = mapped_column(enum_column(Programme, 24), index=True)
    category: Mapped[ProductCategory] = mapped_column(enum_column(ProductCategory, 16))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    risk_weighted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))

    region: Mapped[Region] = relationship(lazy="joined")
    quotas: Mapped[list[SamplingQuota]] = relationship(
        cascade="all, delete-orphan",
        order_by="(SamplingQuota.region_code, SamplingQuota.enterprise_kind)",
    )


class SamplingQuota(Base):
    """How many samples the plan asks of a county, of an enterprise kind, or of both."""

    __tablename__ = "sampling_quota"
    __table_args__ = (
        UniqueConstraint("plan_id", "region_code", "enterprise_kind"),
        CheckConstraint("target >= 0", name="target"),
        CheckConstraint(
            "region_code IS NOT NULL OR enterprise_kind IS NOT NULL", name="county_or_kind"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("sampling_plan.id", ondelete="CASCADE"), index=True
    )
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    enterprise_kind: Mapped[EnterpriseKind | None] = mapped_column(enum_column(EnterpriseKind))
    target: Mapped[int] = mapped_column(Integer)
    # The risk weight behind a weighted target (docs/sampling.md); 1.0 for a plain quota.
    weight: Mapped[float] = mapped_column(Float, default=1.0)


class Sample(Base):
    """One sample (一个抽检批次) of a registry batch, taken from one enterprise."""

    __tablename__ = "sampling_sample"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_number: Mapped[str] = mapped_column(String(30), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("sampling_plan.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    # The sampled unit (被抽样单位) and its county: who sees the sample.
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    stage: Mapped[SamplingStage] = mapped_column(enum_column(SamplingStage, 16))
    sampled_by: Mapped[str] = mapped_column(String(120))
    sampled_on: Mapped[dt.date] = mapped_column(Date, index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(20), default="盒")
    # The product's list memberships when the sample was taken: the lists change every year
    # (a new 集采 round), and the indicator must count what was on them then.
    essential: Mapped[bool] = mapped_column(Boolean, default=False)
    centrally_procured: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[SampleStatus] = mapped_column(
        enum_column(SampleStatus, 16), default=SampleStatus.SAMPLED, index=True
    )
    lab: Mapped[str] = mapped_column(String(200), default="")
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    report_number: Mapped[str | None] = mapped_column(String(60), unique=True)
    reported_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))

    plan: Mapped[SamplingPlan] = relationship()
    product: Mapped[Product] = relationship()
    batch: Mapped[Batch] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
    items: Mapped[list[TestItem]] = relationship(
        cascade="all, delete-orphan", order_by="TestItem.id"
    )
    follow_up: Mapped[FollowUp | None] = relationship(back_populates="sample")


class TestItem(Base):
    """One line of the test report: item, the standard's requirement, the result, pass/fail.

    Read only through its sample, which carries the scope.
    """

    __tablename__ = "sampling_test_item"
    __test__ = False  # not a pytest class, despite the name

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(
        ForeignKey("sampling_sample.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str] = mapped_column(String(100))
    standard: Mapped[str] = mapped_column(String(300), default="")
    result: Mapped[str] = mapped_column(String(300))
    passed: Mapped[bool] = mapped_column(Boolean)


class FollowUp(Base):
    """The follow-up of a failing sample (核查处置), owned by the sample's county."""

    __tablename__ = "sampling_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("sampling_sample.id"), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[FollowUpStatus] = mapped_column(
        enum_column(FollowUpStatus, 16), default=FollowUpStatus.OPEN, index=True
    )
    note: Mapped[str] = mapped_column(String(2000), default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    closed_by: Mapped[str | None] = mapped_column(String(120))

    sample: Mapped[Sample] = relationship(back_populates="follow_up")

    @property
    def lead(self) -> tuple[str, int]:
        """How another area cites this follow-up: (kind, id)."""
        return LEAD_KIND, self.id


# Plans are the regulators' working papers (sampling is unannounced): no enterprise or public
# rows. A regulator sees the plans of their jurisdiction and, see plan_visibility, the plans
# of the authorities above them that they carry out.
register_scope(SamplingPlan, ScopeRule(region=SamplingPlan.region_code))
register_scope(Sample, ScopeRule(region=Sample.region_code, enterprise=Sample.enterprise_id))
register_scope(FollowUp, ScopeRule(region=FollowUp.region_code))


def enclosing_regions(prefix: str) -> list[str]:
    """The province and city codes above a jurisdiction prefix ("330106" → 330000, 330100)."""
    codes = []
    if len(prefix) > 2:
        codes.append(prefix[:2] + "0000")
    if len(prefix) > 4:
        codes.append(prefix[:4] + "00")
    return codes


def plan_visibility(actor: Actor) -> ColumnElement[bool]:
    """Plans of the actor's jurisdiction (the scope rule) plus those of the enclosing authorities.

    A county carries out the province's and its city's plans, so it must read them; the
    scope rule alone (prefix match) only looks downwards.
    """
    own = visibility_clause(actor, SamplingPlan)
    if not actor.is_regulator or actor.is_province_wide or not actor.jurisdiction_prefix:
        return own
    above = enclosing_regions(actor.jurisdiction_prefix)
    return or_(own, SamplingPlan.region_code.in_(above))
