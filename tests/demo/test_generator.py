"""The synthetic province: valid identifiers, every county covered, realistic shares,
deterministic."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc

from yaojian.audit.chain import verify
from yaojian.auth.actor import system_actor
from yaojian.auth.models import Role, User
from yaojian.complaints.models import Complaint
from yaojian.demo.generator import PROVINCE_COUNTS, generate
from yaojian.registry import identifiers
from yaojian.registry.choices import EnterpriseKind, ExpiryState, ProductCategory, RegionLevel
from yaojian.registry.models import Enterprise, Licence, Person, Product, Region
from yaojian.signals.models import RiskSignal, SubjectType
from yaojian.trace.detectors import KINDS
from yaojian.trace.evaluation import evaluate
from yaojian.trace.models import TraceLocation, TracePlantedAnomaly, TraceRecall

AS_OF = dt.date(2026, 11, 23)


def _digest(session: Session) -> str:
    rows = session.execute(
        select(
            Enterprise.credit_code, Enterprise.name, Enterprise.kind, Enterprise.region_code
        ).order_by(Enterprise.credit_code)
    ).all()
    licences = session.execute(
        select(Licence.number, Licence.valid_to).order_by(Licence.number)
    ).all()
    products = session.execute(
        select(Product.name, Product.approval_number).order_by(Product.id)
    ).all()
    # Enterprise ids differ between runs on PostgreSQL (sequences are not rolled back): the
    # planted enterprises are named in the notes.
    planted = session.execute(
        select(
            TracePlantedAnomaly.kind, TracePlantedAnomaly.subject_type,
            TracePlantedAnomaly.subject_id, TracePlantedAnomaly.note,
        ).order_by(TracePlantedAnomaly.kind, TracePlantedAnomaly.note)
    ).all()  # fmt: skip
    truths = [
        (kind, note, "" if subject_type is SubjectType.ENTERPRISE else subject)
        for kind, subject_type, subject, note in planted
    ]
    # Sorted whole, not only by the ORDER BY columns: rows that tie there (two anomalies with
    # one note) come back in any order on PostgreSQL.
    parts = [sorted(map(repr, part)) for part in (rows, licences, products, truths)]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def test_the_small_province_is_valid_realistic_and_covers_every_county(session: Session) -> None:
    result = generate(session, scale="small", seed=11, as_of=AS_OF, password="demo")
    enterprises = list(session.scalars(select(Enterprise)))
    counties = {
        r.code for r in session.scalars(select(Region).where(Region.level == RegionLevel.COUNTY))
    }

    assert {e.region_code for e in enterprises} == counties
    codes = [e.credit_code for e in enterprises]
    assert len(set(codes)) == len(codes) and all(uscc.is_valid(c) for c in codes)
    assert all(c[2:8] == e.region_code for c, e in zip(codes, enterprises, strict=True))

    kinds = Counter(e.kind for e in enterprises)
    for kind, province_count in PROVINCE_COUNTS.items():
        expected = max(1, round(province_count / 50))
        assert expected <= kinds[kind] <= expected + 90, kind  # floors per county add a few
    assert kinds[EnterpriseKind.DEVICE_DISTRIBUTOR] > kinds[EnterpriseKind.RETAIL_PHARMACY]

    by_city = Counter(e.region_code[:4] for e in enterprises)
    assert by_city["3301"] == max(by_city.values())  # Hangzhou, the most populous city
    assert by_city["3309"] == min(by_city.values())  # Zhoushan, the least

    for product in session.scalars(select(Product)):
        if product.category is ProductCategory.DRUG:
            assert identifiers.approval_number(product.approval_number or "")
        elif product.category is ProductCategory.DEVICE:
            assert identifiers.device_registration(
                product.registration_number or "", product.device_class or 0
            )
            assert identifiers.udi_di(product.udi_di or "")
        else:
            assert identifiers.cosmetic_number(product.filing_number or "", product.special_use)
    assert all(identifiers.resident_id(p.id_number) for p in session.scalars(select(Person)))

    states = Counter(lic.expiry_state(AS_OF) for lic in session.scalars(select(Licence)))
    assert states[ExpiryState.EXPIRED] > 0 and states[ExpiryState.EXPIRING] > 0
    assert states[ExpiryState.CURRENT] > 10 * states[ExpiryState.EXPIRED]
    assert result.signals == session.query(RiskSignal).count() > 0
    # A year of complaints, more at enterprises with other signals, some clustering into signals.
    complaints = list(session.scalars(select(Complaint)))
    assert len(complaints) == result.counts["complaints"] > 400
    clusters = session.scalars(select(RiskSignal).where(RiskSignal.source == "complaints")).all()
    flagged = {s.enterprise_id for s in session.scalars(select(RiskSignal)) if s not in clusters}
    at_flagged = sum(c.enterprise_id in flagged for c in complaints) / len(complaints)
    assert clusters and at_flagged > 3 * len(flagged) / len(enterprises)

    users = {u.username: u for u in session.scalars(select(User))}
    assert users["province"].role is Role.PROVINCE_ADMIN
    assert users["hangzhou"].region_code == "330100" and users["xihu"].region_code == "330106"
    assert users["inspector1"].role is Role.INSPECTOR
    ent1 = session.get(Enterprise, users["ent1"].enterprise_id)
    assert ent1 is not None and ent1.region_code == "330106"
    assert session.scalars(select(Product).where(Product.holder_id == ent1.id)).first() is not None
    # ent1 can capture its own events at once: its location is registered.
    assert session.scalars(
        select(TraceLocation).where(TraceLocation.enterprise_id == ent1.id)
    ).all()
    assert verify(session).ok

    # Every detector kind is planted a handful of times, and the detectors (run by the
    # generator) find exactly the planted anomalies.
    planted = Counter(session.scalars(select(TracePlantedAnomaly.kind)))
    assert planted == dict.fromkeys(KINDS, 3) and result.counts["trace_anomalies"] == 27
    scores = evaluate(session, system_actor("test"), detect=False)
    assert [(s.kind, s.planted, s.true_positives) for s in scores.kinds] == [
        (kind, 3, 3) for kind in KINDS
    ]
    assert (scores.overall.precision, scores.overall.recall) == (1.0, 1.0)
    assert session.scalar(select(func.count()).select_from(TraceRecall)) == 3


def test_the_same_seed_gives_the_same_province_and_another_seed_does_not(session: Session) -> None:
    generate(session, scale="small", seed=5, as_of=AS_OF, password="demo")
    first = _digest(session)
    session.rollback()
    generate(session, scale="small", seed=5, as_of=AS_OF, password="demo")
    assert _digest(session) == first
    session.rollback()
    generate(session, scale="small", seed=6, as_of=AS_OF, password="demo")
    assert _digest(session) != first
