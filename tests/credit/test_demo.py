"""The demo's grades follow from its samplings, cases and complaints."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import ADMIN
from yaojian.credit.indicators import coverage
from yaojian.credit.models import BlacklistEntry, CreditGrade, Grade
from yaojian.demo.generator import generate
from yaojian.inspection.models import Finding
from yaojian.sampling.models import Sample, SampleStatus

AS_OF = dt.date(2026, 11, 23)


def test_the_demo_grades_everyone_consistently_with_its_records(session: Session) -> None:
    result = generate(session, scale="small", seed=4, as_of=AS_OF, password="demo")
    grades = {g.enterprise_id: g for g in session.scalars(select(CreditGrade))}
    assert result.counts["credit_grades"] == len(grades) > 1000
    (day,) = {g.as_of for g in grades.values()}  # one run: the demo's last step
    assert day >= AS_OF and all(g.current for g in grades.values())
    # A graded enterprise with a failed sample in the window lost at least 10 points for it.
    (window_start,) = {g.run.window_start for g in grades.values()}
    failed = set(
        session.scalars(
            select(Sample.enterprise_id).where(
                Sample.status == SampleStatus.FAILED, Sample.reported_on >= window_start
            )
        )
    ) & set(grades)
    assert failed
    for enterprise_id in failed:
        grade = grades[enterprise_id]
        assert grade.inputs["sampling_failure"] >= 1 and grade.score <= 90
    # And so did each one with a finding on an inspection.
    found = set(session.scalars(select(Finding.enterprise_id))) & set(grades)
    assert found
    for enterprise_id in found:
        inputs = grades[enterprise_id].inputs
        assert inputs["finding_critical"] + inputs["finding_major"] + inputs["finding_minor"] >= 1
    entries = list(session.scalars(select(BlacklistEntry)))
    assert 1 <= len(entries) == result.counts["blacklist_entries"] <= 6
    # Listed parties that are graded (hospitals are listed but not graded) are D.
    graded_entries = [e for e in entries if e.enterprise_id in grades]
    assert graded_entries
    assert all(grades[e.enterprise_id].grade is Grade.D for e in graded_entries)
    assert {g.grade for g in grades.values()} >= {Grade.A, Grade.B, Grade.D}
    for frame in coverage(session, ADMIN).values():
        assert frame.row(0, named=True)["rate"] == 1.0
