"""Statutory time limits per stage, and the warnings the detector raises before they lapse."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_enterprise
from tests.enforcement.builders import decided, open_case
from yaojian.enforcement import service
from yaojian.enforcement.deadlines import add_working_days, running, working_days_between
from yaojian.enforcement.detectors import detect_case_deadlines
from yaojian.enforcement.schemas import Extension, StepNote
from yaojian.kit.timeutil import today_local
from yaojian.signals.models import RiskSignal

MONDAY = dt.date(2026, 11, 2)


def test_working_days_skip_weekends() -> None:
    assert add_working_days(MONDAY, 5) == dt.date(2026, 11, 9)  # next Monday
    assert add_working_days(dt.date(2026, 11, 6), 1) == dt.date(2026, 11, 9)  # Friday → Monday
    assert add_working_days(MONDAY, 15) == dt.date(2026, 11, 23)
    assert working_days_between(MONDAY, dt.date(2026, 11, 23)) == 15
    assert working_days_between(dt.date(2026, 11, 23), MONDAY) == -15


def test_the_lead_check_runs_15_working_days_and_its_extension_15_more(session: Session) -> None:
    case = open_case(session, make_enterprise(session), discovered_on=MONDAY)
    [clock] = running(case, MONDAY)
    assert (clock.clock, clock.due_on, clock.days_left) == ("lead_check", dt.date(2026, 11, 23), 15)
    assert running(case, dt.date(2026, 11, 18))[0].level == "near"  # 3 working days left
    assert running(case, dt.date(2026, 11, 24))[0].level == "over"
    service.extend(session, ADMIN, case.id, Extension(clock="lead_check", reason="需异地核查"))
    assert running(case, MONDAY)[0].due_on == dt.date(2026, 12, 14)


def test_the_decision_is_due_90_days_after_filing_and_service_7_days_after_it(
    session: Session,
) -> None:
    case = open_case(session, make_enterprise(session), discovered_on=MONDAY)
    service.file_case(session, ADMIN, case.id, StepNote(on=dt.date(2026, 11, 5)))
    [clock] = running(case, dt.date(2026, 11, 5))
    assert (clock.clock, clock.due_on) == ("decision", dt.date(2027, 2, 3))
    service.extend(session, ADMIN, case.id, Extension(clock="decision", reason="案情复杂"))
    assert running(case, dt.date(2026, 11, 5))[0].due_on == dt.date(2027, 3, 5)
    other = decided(session, make_enterprise(session))
    [serve] = running(other, other.decided_on or today_local())
    assert serve.clock == "service" and serve.days_left == 7


def test_the_detector_warns_before_a_limit_lapses_and_again_when_it_has(
    session: Session,
) -> None:
    enterprise = make_enterprise(session)
    case = open_case(session, enterprise, discovered_on=MONDAY)
    assert detect_case_deadlines(session, dt.date(2026, 11, 10)) == (0, 0)  # 9 days left
    assert detect_case_deadlines(session, dt.date(2026, 11, 19)) == (1, 1)
    assert detect_case_deadlines(session, dt.date(2026, 11, 20)) == (1, 0)  # same warning
    assert detect_case_deadlines(session, dt.date(2026, 11, 25)) == (1, 1)  # now lapsed
    signals = session.scalars(
        select(RiskSignal).where(RiskSignal.source == "enforcement").order_by(RiskSignal.id)
    ).all()
    assert [s.kind for s in signals] == ["case_deadline_near", "case_deadline_over"]
    assert all(s.enterprise_id == enterprise.id and s.region_code == "330106" for s in signals)
    assert signals[1].dedupe_key == f"enforcement:{case.id}:lead_check:over"
    assert signals[1].severity > signals[0].severity
    service.file_case(session, ADMIN, case.id, StepNote(on=dt.date(2026, 11, 25)))
    assert detect_case_deadlines(session, dt.date(2026, 11, 26)) == (0, 0)
