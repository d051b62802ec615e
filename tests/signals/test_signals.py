"""Signals: one entry point, deduplicated findings, and the registry's licence-expiry detector."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_enterprise, make_licence, make_user
from yaojian.auth.models import Role
from yaojian.auth.service import actor_for_user
from yaojian.kit.errors import Forbidden, InvalidInput
from yaojian.registry.choices import EnterpriseStatus
from yaojian.registry.detectors import detect_licence_expiry
from yaojian.signals.models import RiskSignal, SignalStatus, SubjectType
from yaojian.signals.service import SignalReport, emit, set_status

TODAY = dt.date(2026, 11, 23)


def _report(enterprise_id: int, key: str = "k1", severity: int = 2) -> SignalReport:
    return SignalReport(
        source="test", kind="demo", subject_type=SubjectType.ENTERPRISE,
        subject_id=str(enterprise_id), enterprise_id=enterprise_id, severity=severity,
        title="发现问题", dedupe_key=key, evidence={"n": 1},
    )  # fmt: skip


def test_the_same_finding_reported_twice_is_one_signal(session: Session) -> None:
    enterprise = make_enterprise(session)
    first, created = emit(session, ADMIN, _report(enterprise.id, "dup-1"))
    again, created_again = emit(session, ADMIN, _report(enterprise.id, "dup-1"))
    assert created and not created_again
    assert first.id == again.id and again.occurrences == 2
    assert again.region_code == enterprise.region_code  # routed to the enterprise's county


def test_a_severity_outside_one_to_four_is_refused(session: Session) -> None:
    enterprise = make_enterprise(session)
    with pytest.raises(InvalidInput) as caught:
        emit(session, ADMIN, _report(enterprise.id, "sev", severity=5))
    assert caught.value.invalid_params[0].name == "severity"


def test_the_detector_flags_expired_and_expiring_licences_of_active_enterprises(
    session: Session,
) -> None:
    active = make_enterprise(session)
    expired = make_licence(session, active, TODAY - dt.timedelta(days=1))
    expiring = make_licence(session, active, TODAY + dt.timedelta(days=30))
    make_licence(session, active, TODAY + dt.timedelta(days=31))  # outside the window
    closed = make_enterprise(session, status=EnterpriseStatus.CLOSED)
    make_licence(session, closed, TODAY - dt.timedelta(days=10))  # closed: nothing to flag

    detect_licence_expiry(session, TODAY)
    signals = {
        s.evidence["licence_id"]: s
        for s in session.scalars(select(RiskSignal).where(RiskSignal.source == "registry"))
    }
    assert set(signals) == {expired.id, expiring.id}
    assert signals[expired.id].kind == "licence_expired" and signals[expired.id].severity == 3
    assert signals[expiring.id].kind == "licence_expiring"
    assert signals[expiring.id].evidence["days_left"] == 30

    reported, new = detect_licence_expiry(session, TODAY)
    assert reported == 2 and new == 0  # running again adds nothing


def test_an_expiring_licence_that_lapses_becomes_a_new_more_severe_signal(session: Session) -> None:
    enterprise = make_enterprise(session)
    make_licence(session, enterprise, TODAY + dt.timedelta(days=5))
    assert detect_licence_expiry(session, TODAY) == (1, 1)
    assert detect_licence_expiry(session, TODAY + dt.timedelta(days=6)) == (1, 1)
    kinds = session.scalars(
        select(RiskSignal.kind).where(RiskSignal.enterprise_id == enterprise.id)
    ).all()
    assert sorted(kinds) == ["licence_expired", "licence_expiring"]


def test_triage_is_limited_to_the_jurisdiction_and_audited(session: Session) -> None:
    ningbo = make_enterprise(session, region_code="330212")
    signal, _ = emit(session, ADMIN, _report(ningbo.id, "triage"))
    xihu = actor_for_user(make_user(session, Role.COUNTY_REGULATOR, region_code="330106"))
    ningbo_city = actor_for_user(make_user(session, Role.CITY_REGULATOR, region_code="330200"))
    from yaojian.kit.errors import NotFound

    with pytest.raises(NotFound):
        set_status(session, xihu, signal.id, SignalStatus.DISMISSED)
    updated = set_status(session, ningbo_city, signal.id, SignalStatus.ACKNOWLEDGED, "已派员核查")
    assert updated.status is SignalStatus.ACKNOWLEDGED
    enterprise_user = actor_for_user(make_user(session, Role.ENTERPRISE, enterprise=ningbo))
    with pytest.raises(Forbidden):
        set_status(session, enterprise_user, signal.id, SignalStatus.CLOSED)
