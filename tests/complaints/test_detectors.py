"""Complaints that cluster about one enterprise or one product become one risk signal."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import make_drug, make_enterprise
from tests.complaints.builders import KNOWN_NOW, make_complaint
from yaojian.complaints.detectors import detect_all
from yaojian.signals.models import RiskSignal


def _signals(session: Session) -> list[RiskSignal]:
    return list(
        session.scalars(
            select(RiskSignal).where(RiskSignal.source == "complaints").order_by(RiskSignal.id)
        )
    )


def test_three_complaints_about_one_enterprise_in_thirty_days_emit_one_signal_not_two(
    session: Session,
) -> None:
    pharmacy = make_enterprise(session, region_code="330108")
    days = (0, 9, 20)
    for day in days[:2]:
        make_complaint(session, pharmacy, now=KNOWN_NOW + dt.timedelta(days=day))
    assert _signals(session) == []
    third = make_complaint(session, pharmacy, now=KNOWN_NOW + dt.timedelta(days=days[2]))
    (signal,) = _signals(session)
    assert (signal.subject_type.value, signal.subject_id) == ("enterprise", str(pharmacy.id))
    assert (signal.region_code, signal.enterprise_id) == ("330108", pharmacy.id)
    assert signal.evidence["count"] == 3
    assert third.number in signal.evidence["numbers"]
    make_complaint(session, pharmacy, now=KNOWN_NOW + dt.timedelta(days=21))
    (again,) = _signals(session)
    assert again.id == signal.id and again.occurrences == 2 and again.evidence["count"] == 4
    reported, new = detect_all(session, (KNOWN_NOW + dt.timedelta(days=21)).date())
    assert (reported, new) == (1, 0)


def test_complaints_spread_wider_than_the_window_raise_nothing(session: Session) -> None:
    pharmacy = make_enterprise(session)
    for day in (0, 20, 40, 60):
        make_complaint(session, pharmacy, now=KNOWN_NOW + dt.timedelta(days=day))
    assert _signals(session) == []
    assert detect_all(session, (KNOWN_NOW + dt.timedelta(days=60)).date()) == (0, 0)


def test_complaints_about_one_product_at_different_pharmacies_cluster_on_the_product(
    session: Session,
) -> None:
    maker = make_enterprise(session, region_code="330106")
    drug = make_drug(session, maker)
    for n in range(3):
        seller = make_enterprise(session, region_code="330212")
        make_complaint(
            session, seller, now=KNOWN_NOW + dt.timedelta(days=n), product=drug.approval_number
        )
    (signal,) = _signals(session)
    assert (signal.subject_type.value, signal.subject_id) == ("product", str(drug.id))
    # The product signal goes to the holder's desk, where the holder is supervised.
    assert signal.region_code == "330106"


def test_the_cli_pass_finds_a_cluster_the_per_complaint_check_would_have_found(
    session: Session,
) -> None:
    pharmacy = make_enterprise(session)
    for day in range(7):
        make_complaint(session, pharmacy, now=KNOWN_NOW + dt.timedelta(days=day))
    session.execute(RiskSignal.__table__.delete().where(RiskSignal.source == "complaints"))
    reported, new = detect_all(session, (KNOWN_NOW + dt.timedelta(days=6)).date())
    assert (reported, new) == (1, 1)
    (signal,) = _signals(session)
    assert signal.severity == 3  # seven in the window: at or past the high threshold (6)
