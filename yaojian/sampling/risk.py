"""The risk weight of an enterprise for sampling targets, and the split of a total over counties.

An enterprise weighs ``1 + 0.5 × min(open signals, 4) + 1 × min(failed samples in the two
previous years, 2)``: between 1 (nothing known against it) and 5. A county's share of a plan's
total is its enterprises' summed weight over the region's (largest remainder, so the targets
add up to the total). docs/sampling.md gives the reasons for the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor
from yaojian.auth.scope import scoped, within_region
from yaojian.registry.choices import EnterpriseKind, EnterpriseStatus, ProductCategory
from yaojian.registry.models import Batch, Enterprise
from yaojian.sampling.models import Sample, SampleStatus, SamplingPlan
from yaojian.signals.models import RiskSignal, SignalStatus

SIGNAL_WEIGHT, SIGNAL_CAP = 0.5, 4
FAILURE_WEIGHT, FAILURE_CAP = 1.0, 2
FAILURE_YEARS = 2

# The kinds of enterprise a plan of each category samples, unless it names its own.
SAMPLED_KINDS: dict[ProductCategory, set[EnterpriseKind]] = {
    ProductCategory.DRUG: {
        EnterpriseKind.DRUG_MANUFACTURER,
        EnterpriseKind.DRUG_WHOLESALER,
        EnterpriseKind.RETAIL_CHAIN,
        EnterpriseKind.RETAIL_PHARMACY,
        EnterpriseKind.MEDICAL_INSTITUTION,
    },
    ProductCategory.DEVICE: {EnterpriseKind.DEVICE_MANUFACTURER, EnterpriseKind.DEVICE_DISTRIBUTOR},
    ProductCategory.COSMETIC: {EnterpriseKind.COSMETICS_MANUFACTURER},
}


@dataclass(frozen=True)
class CountyWeight:
    enterprises: int
    total: float

    @property
    def mean(self) -> float:
        return self.total / self.enterprises if self.enterprises else 0.0


def enterprise_weight(open_signals: int, past_failures: int) -> float:
    return (
        1.0
        + SIGNAL_WEIGHT * min(open_signals, SIGNAL_CAP)
        + FAILURE_WEIGHT * min(past_failures, FAILURE_CAP)
    )


def enterprise_risk(
    session: Session, actor: Actor, prefix: str, year: int
) -> tuple[dict[int, int], dict[int, int]]:
    """Open signals and past failures per enterprise of the region, as the actor sees them.

    A failure counts against the sampled unit and against the batch's maker (when different).
    """
    open_statuses = (SignalStatus.OPEN, SignalStatus.ACKNOWLEDGED)
    signal_stmt = scoped(
        select(RiskSignal.enterprise_id, func.count())
        .where(
            RiskSignal.enterprise_id.is_not(None),
            RiskSignal.status.in_(open_statuses),
            RiskSignal.region_code.is_not(None),
            within_region(RiskSignal.region_code, prefix),
        )
        .group_by(RiskSignal.enterprise_id),
        actor,
        RiskSignal,
    )
    signals = {int(e): int(n) for e, n in session.execute(signal_stmt) if e is not None}
    past = (
        select(Sample.enterprise_id, Batch.enterprise_id)
        .join(Batch, Batch.id == Sample.batch_id)
        .join(SamplingPlan, SamplingPlan.id == Sample.plan_id)
        .where(
            Sample.status == SampleStatus.FAILED,
            SamplingPlan.year.between(year - FAILURE_YEARS, year - 1),
            or_(
                within_region(Sample.region_code, prefix),
                Batch.enterprise_id.in_(
                    select(Enterprise.id).where(within_region(Enterprise.region_code, prefix))
                ),
            ),
        )
    )
    # Not scoped to the actor's samples on purpose: a maker's failures found in other counties
    # count against it, and only counts per enterprise of the actor's region come out.
    failures: dict[int, int] = {}
    for sampled, maker in session.execute(past):
        for enterprise_id in {sampled, maker}:
            failures[enterprise_id] = failures.get(enterprise_id, 0) + 1
    return signals, failures


def county_weights(
    session: Session,
    actor: Actor,
    prefix: str,
    category: ProductCategory,
    year: int,
    *,
    kinds: set[EnterpriseKind] | None = None,
    risk_weighted: bool = True,
) -> dict[str, CountyWeight]:
    """Summed enterprise weights per county under ``prefix`` (active enterprises only)."""
    kinds = kinds or SAMPLED_KINDS[category]
    stmt = scoped(
        select(Enterprise.id, Enterprise.region_code).where(
            within_region(Enterprise.region_code, prefix),
            Enterprise.kind.in_(kinds),
            Enterprise.status == EnterpriseStatus.ACTIVE,
        ),
        actor,
        Enterprise,
    )
    signals, failures = enterprise_risk(session, actor, prefix, year) if risk_weighted else ({}, {})
    counts: dict[str, int] = {}
    totals: dict[str, float] = {}
    for enterprise_id, county in session.execute(stmt):
        weight = enterprise_weight(signals.get(enterprise_id, 0), failures.get(enterprise_id, 0))
        counts[county] = counts.get(county, 0) + 1
        totals[county] = totals.get(county, 0.0) + weight
    return {c: CountyWeight(counts[c], totals[c]) for c in counts}


def largest_remainder(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` in proportion to ``weights`` into integers that add up to ``total``."""
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        return {k: 0 for k in weights}
    exact = {k: total * w / weight_sum for k, w in weights.items()}
    shares = {k: int(v) for k, v in exact.items()}
    leftover = total - sum(shares.values())
    for k in sorted(exact, key=lambda k: (shares[k] - exact[k], k))[:leftover]:
        shares[k] += 1
    return shares
