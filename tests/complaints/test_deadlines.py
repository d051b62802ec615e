"""Statutory deadlines in working days, on known dates of China's 2026 calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_enterprise
from tests.complaints.builders import KNOWN_NOW, make_complaint
from yaojian.complaints import service
from yaojian.complaints.rules import RULES_FILE, add_working_days, load_rules
from yaojian.complaints.schemas import Decision


def test_working_days_skip_weekends_and_the_national_day_holiday_but_count_makeup_saturdays() -> (
    None
):
    # Mon 28 Sep 2026 + 7: 29, 30 Sep; 1–7 Oct off; 8, 9 Oct; Sat 10 Oct is a make-up working
    # day (调休); 12, 13 Oct.
    assert add_working_days(dt.date(2026, 9, 28), 7) == dt.date(2026, 10, 13)
    assert add_working_days(dt.date(2026, 9, 28), 7, calendar="weekends") == dt.date(2026, 10, 7)


def test_a_complaint_received_on_a_wednesday_must_be_decided_seven_working_days_later(
    session: Session,
) -> None:
    enterprise = make_enterprise(session)
    complaint = make_complaint(session, enterprise, now=KNOWN_NOW)
    # Wed 2 Dec 2026 → Thu 3, Fri 4, Mon 7 … Fri 11 December.
    assert complaint.due_on == dt.date(2026, 12, 11)
    assert complaint.due_rule == "complaint.accept_within"


def test_acceptance_starts_the_forty_five_working_day_mediation_period(session: Session) -> None:
    enterprise = make_enterprise(session)
    complaint = make_complaint(session, enterprise, now=KNOWN_NOW)
    accepted_at = KNOWN_NOW + dt.timedelta(days=1)  # Thu 3 Dec 2026
    service.decide(session, ADMIN, complaint.id, Decision(accept=True), now=accepted_at)
    assert complaint.due_on == add_working_days(dt.date(2026, 12, 3), 45)
    assert complaint.due_rule == "complaint.reply_within_after_acceptance"


def test_a_report_has_fifteen_working_days_extendable_once_by_fifteen(session: Session) -> None:
    enterprise = make_enterprise(session)
    report = make_complaint(
        session, enterprise, now=KNOWN_NOW, kind="report", contact_name="", contact_phone=""
    )
    # 2 Dec 2026 + 15 working days = Wed 23 Dec (weekends only in between).
    assert report.due_on == dt.date(2026, 12, 23)
    service.extend(session, ADMIN, report.id, "需检验，分管局长批准")
    assert report.due_on == add_working_days(dt.date(2026, 12, 23), 15)
    assert report.extended


def test_an_anonymous_report_owes_no_reply_once_decided(session: Session) -> None:
    enterprise = make_enterprise(session)
    report = make_complaint(session, enterprise, kind="report", contact_name="", contact_phone="")
    service.decide(session, ADMIN, report.id, Decision(accept=True))
    assert report.due_on is None
    service.close(session, ADMIN, report.id, "已立案查处")


def test_the_rules_file_is_validated(tmp_path: Path) -> None:
    assert load_rules().complaint.accept_within == 7
    broken = tmp_path / "rules.toml"
    broken.write_text(RULES_FILE.read_text().replace("threshold = 3", "threshold = 1"))
    with pytest.raises(ValidationError, match="threshold"):
        load_rules(broken)
