"""The grading run on facts recorded through sampling, enforcement and complaints."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_enterprise
from tests.complaints.builders import make_complaint
from tests.credit.builders import current, failed_samples, listed, penalty
from tests.enforcement.builders import open_case
from tests.sampling.builders import world
from yaojian.audit.models import AuditEntry
from yaojian.auth.actor import Actor
from yaojian.auth.models import Role
from yaojian.complaints.choices import ComplaintKind
from yaojian.credit import service
from yaojian.credit.config import config
from yaojian.credit.models import CreditGrade, Grade
from yaojian.enforcement import service as cases
from yaojian.enforcement.choices import LeadKind
from yaojian.enforcement.schemas import StepNote
from yaojian.kit.errors import Forbidden, InvalidInput
from yaojian.kit.timeutil import today_local
from yaojian.registry.choices import EnterpriseKind
from yaojian.signals.models import RiskSignal

TODAY = today_local()


def test_two_failed_samples_and_a_penalty_grade_a_pharmacy_c_with_its_reasons(
    session: Session,
) -> None:
    w = world(session)
    failed_samples(session, w, w.xihu, 2)
    penalty(session, w.xihu)
    service.grade_all(session, ADMIN)
    grade = current(session, w.xihu)
    assert (grade.grade, grade.score) == (Grade.C, 72.0)
    assert {k: n for k, n in grade.inputs.items() if n} == {"sampling_failure": 2, "penalty": 1}
    assert set(grade.inputs) == set(config().deductions)  # every input, zeros included
    assert [d["deducted"] for d in grade.deductions] == [20.0, 8.0]
    assert current(session, w.binjiang).grade is Grade.A  # nothing against it
    assert current(session, w.maker).grade is Grade.A  # the sample was failed at the pharmacy


def test_a_penalty_for_substandard_drugs_caps_the_maker_at_c(session: Session) -> None:
    maker = make_enterprise(session)
    penalty(session, maker, violation_code="dal-117", fine_amount=500_000, goods_value=100_000)
    service.grade_all(session, ADMIN)
    grade = current(session, maker)
    assert grade.score == 80.0 and grade.grade is Grade.C
    assert grade.overrides == [{"rule": "counterfeit_substandard", "grade": "C"}]


def test_a_revocation_in_the_window_makes_d(session: Session) -> None:
    maker = make_enterprise(session)
    penalty(session, maker, revocation=True)
    service.grade_all(session, ADMIN)
    assert current(session, maker).grade is Grade.D


def test_a_listing_on_the_serious_violation_list_makes_d(session: Session) -> None:
    maker = make_enterprise(session)
    listed(session, maker, TODAY - dt.timedelta(days=30))
    service.grade_all(session, ADMIN)
    grade = current(session, maker)
    assert (grade.score, grade.grade) == (100.0, Grade.D)
    assert grade.overrides == [{"rule": "blacklisted", "grade": "D"}]


def test_a_report_that_led_to_a_filed_case_counts_as_upheld(session: Session) -> None:
    pharmacy = make_enterprise(session, kind=EnterpriseKind.RETAIL_PHARMACY)
    ignored = make_complaint(session, pharmacy)  # no case: not upheld
    report = make_complaint(session, pharmacy, kind=ComplaintKind.REPORT.value)
    case = open_case(session, pharmacy, lead_kind=LeadKind.COMPLAINT, lead_ref=report.number)
    cases.file_case(session, ADMIN, case.id, StepNote())
    assert ignored.number != report.number
    service.grade_all(session, ADMIN)
    grade = current(session, pharmacy)
    assert grade.inputs["complaint_upheld"] == 1
    assert grade.score == 96.0


def test_facts_older_than_the_window_no_longer_count(session: Session) -> None:
    w = world(session)
    failed_samples(session, w, w.xihu, 1)
    run = service.grade_all(session, ADMIN)
    assert current(session, w.xihu).score == 90.0
    # The same facts graded as of a day 25 months before the sample's report: not yet there.
    early = service.grade_all(session, ADMIN, TODAY - dt.timedelta(days=25 * 31))
    assert early.window_start < early.as_of < run.window_start
    assert current(session, w.xihu).score == 100.0


def test_only_manufacturers_and_distributors_are_graded(session: Session) -> None:
    hospital = make_enterprise(session, kind=EnterpriseKind.MEDICAL_INSTITUTION)
    wholesaler = make_enterprise(session, kind=EnterpriseKind.DRUG_WHOLESALER)
    service.grade_all(session, ADMIN)
    graded = set(session.scalars(select(CreditGrade.enterprise_id)))
    assert wholesaler.id in graded and hospital.id not in graded


def test_history_gets_a_row_only_when_the_grade_or_score_changes(session: Session) -> None:
    w = world(session)
    first = service.grade_all(session, ADMIN)
    again = service.grade_all(session, ADMIN)
    assert first.changed == first.graded and again.changed == 0
    failed_samples(session, w, w.xihu, 2)
    penalty(session, w.xihu)
    third = service.grade_all(session, ADMIN)
    assert third.changed == 1
    rows = service.history(session, ADMIN, w.xihu.id)
    assert [(g.grade, g.previous_grade, g.current) for g in rows] == [
        (Grade.C, Grade.A, True),
        (Grade.A, None, False),
    ]


def test_a_drop_to_c_emits_one_signal_per_enterprise_grade_and_month(session: Session) -> None:
    w = world(session)
    service.grade_all(session, ADMIN)
    failed_samples(session, w, w.xihu, 2)
    penalty(session, w.xihu)
    run = service.grade_all(session, ADMIN)
    assert run.signals == 1
    (signal,) = session.scalars(select(RiskSignal).where(RiskSignal.source == "credit"))
    assert signal.enterprise_id == w.xihu.id and signal.kind == "credit_grade_c"
    assert signal.evidence["previous_grade"] == "A" and signal.evidence["score"] == 72.0
    assert signal.dedupe_key == f"credit:{w.xihu.id}:C:{TODAY:%Y-%m}"
    # A rerun that leaves the grade at C raises nothing new.
    assert service.grade_all(session, ADMIN).signals == 0


def test_each_run_is_audited_with_its_counts(session: Session) -> None:
    make_enterprise(session)
    run = service.grade_all(session, ADMIN)
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "credit.grade").order_by(AuditEntry.seq)
    ).all()[-1]
    assert entry.object_id == str(run.id)
    assert entry.after is not None and entry.after["graded"] == run.graded == 1


def test_only_the_province_may_run_the_grading(session: Session) -> None:
    county = Actor(name="xihu", role=Role.COUNTY_REGULATOR, region_code="330106",
                   jurisdiction_prefix="330106")  # fmt: skip
    with pytest.raises(Forbidden):
        service.grade_all(session, county)


def test_a_grading_date_in_the_future_is_refused_naming_the_field(session: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        service.grade_all(session, ADMIN, TODAY + dt.timedelta(days=1))
    assert caught.value.invalid_params[0].name == "as_of"
