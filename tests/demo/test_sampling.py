"""The demo's two years of sampling: consistent with the enterprises' risk, and its failures
carry their consequences like real ones."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.demo.generator import generate
from yaojian.registry.choices import EnterpriseStatus, ProductCategory, ReleaseStatus
from yaojian.registry.models import Batch, Enterprise
from yaojian.sampling.models import FollowUp, Programme, Sample, SampleStatus, SamplingPlan
from yaojian.sampling.risk import SAMPLED_KINDS
from yaojian.signals.models import RiskSignal

AS_OF = dt.date(2026, 11, 23)


def test_the_demo_samples_risky_enterprises_more_and_fails_them_more(session: Session) -> None:
    generate(session, scale="small", seed=3, as_of=AS_OF, password="demo")
    samples = list(session.scalars(select(Sample)))
    assert {s.sampled_on.year for s in samples} == {2025, 2026}
    assert max(s.sampled_on for s in samples) <= AS_OF
    programmes = {p.programme for p in session.scalars(select(SamplingPlan))}
    assert programmes == set(Programme)
    special = [s for s in samples if s.plan.programme is Programme.ESSENTIAL_CENTRAL]
    assert special and all(s.essential or s.centrally_procured for s in special)

    non_sampling = select(RiskSignal.enterprise_id).where(RiskSignal.source != "sampling")
    flagged = {e for e in session.scalars(non_sampling) if e is not None}
    done = [s for s in samples if s.status in (SampleStatus.PASSED, SampleStatus.FAILED)]

    def failure_rate(group: list[Sample]) -> float:
        return sum(s.status is SampleStatus.FAILED for s in group) / len(group)

    risky = [s for s in done if s.enterprise_id in flagged or s.batch.enterprise_id in flagged]
    clean = [s for s in done if s not in risky]
    assert risky and clean and failure_rate(risky) > failure_rate(clean)
    eligible = set(
        session.scalars(
            select(Enterprise.id).where(
                Enterprise.kind.in_(SAMPLED_KINDS[ProductCategory.DRUG]),
                Enterprise.status == EnterpriseStatus.ACTIVE,
            )
        )
    )
    visits = Counter(s.enterprise_id for s in samples)
    risky_units, clean_units = eligible & flagged, eligible - flagged
    per_risky = sum(visits[e] for e in risky_units) / len(risky_units)
    per_clean = sum(visits[e] for e in clean_units) / len(clean_units)
    assert per_risky > 2 * per_clean  # samples per enterprise

    failed = [s for s in samples if s.status is SampleStatus.FAILED]
    assert len(failed) >= 3 * 2  # at least three a year
    for sample in failed:
        batch = session.get(Batch, sample.batch_id)
        assert batch is not None and batch.release_status is ReleaseStatus.QUARANTINED
        assert session.scalars(select(FollowUp).where(FollowUp.sample_id == sample.id)).one()
    signal_batches = set(
        session.scalars(select(RiskSignal.subject_id).where(RiskSignal.source == "sampling"))
    )
    assert signal_batches == {str(s.batch_id) for s in failed}
    open_follow_ups = [f for f in session.scalars(select(FollowUp)) if f.status.value == "open"]
    assert all(f.sample.reported_on >= AS_OF - dt.timedelta(days=45) for f in open_follow_ups)  # type: ignore[operator]
