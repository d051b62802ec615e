"""The inputs of the credit model: one function per source, each returning per-enterprise counts
of the facts dated inside the window ``start <= day <= end``.

A function reads its source area's tables directly (credit is a reader of their records, as
the risk engine is of signals) and counts in the database: a grading run of the province is a
handful of GROUP BY queries, not 130,000 lookups.

Inspection findings are dated by when they were recorded, rectification orders by their
deadline (docs/credit.md, "The model").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from yaojian.complaints.models import Complaint
from yaojian.enforcement.choices import DecisionKind, LeadKind
from yaojian.enforcement.models import Case
from yaojian.inspection.choices import FindingSeverity, RectificationStatus
from yaojian.inspection.models import Finding, Rectification
from yaojian.kit.timeutil import SHANGHAI, to_local
from yaojian.registry.choices import EnterpriseStatus
from yaojian.registry.models import Enterprise
from yaojian.sampling.models import Sample, SampleStatus

Counts = dict[int, int]
InputFn = Callable[[Session, dt.date, dt.date, list[str]], Counts]


def _counts(session: Session, stmt: Select[*tuple[Any, ...]]) -> Counts:
    return {enterprise_id: n for enterprise_id, n in session.execute(stmt) if enterprise_id}


def sampling_failures(session: Session, start: dt.date, end: dt.date, _: list[str]) -> Counts:
    """Samples taken from the enterprise whose test report says 不合格, by report date."""
    stmt = (
        select(Sample.enterprise_id, func.count())
        .where(Sample.status == SampleStatus.FAILED, Sample.reported_on.between(start, end))
        .group_by(Sample.enterprise_id)
    )
    return _counts(session, stmt)


def _penalties(start: dt.date, end: dt.date) -> Select[*tuple[Any, ...]]:
    return (
        select(Case.enterprise_id, func.count())
        .where(
            Case.enterprise_id.is_not(None),
            Case.decision_kind == DecisionKind.PENALTY,
            Case.decided_on.between(start, end),
        )
        .group_by(Case.enterprise_id)
    )


def penalties(session: Session, start: dt.date, end: dt.date, codes: list[str]) -> Counts:
    """Penalty decisions (给予行政处罚) against the enterprise, except counterfeit/substandard."""
    not_cs = Case.violation_code.is_(None) | Case.violation_code.not_in(codes)
    return _counts(session, _penalties(start, end).where(not_cs))


def counterfeit_substandard(
    session: Session, start: dt.date, end: dt.date, codes: list[str]
) -> Counts:
    """Penalty decisions for producing or selling counterfeit (假药) or substandard (劣药) drugs."""
    return _counts(session, _penalties(start, end).where(Case.violation_code.in_(codes)))


def complaints_upheld(session: Session, start: dt.date, end: dt.date, _: list[str]) -> Counts:
    """Complaints and reports about the enterprise that an enforcement case cites as its lead
    (lead kind 投诉举报, lead reference = the complaint's tracking number) and that was filed
    (立案), counted on the filing date. The complaints model records no outcome of its own, so a
    filed case is the one record that the complaint was found to hold against the enterprise.
    """
    stmt = (
        select(Complaint.enterprise_id, func.count(func.distinct(Complaint.id)))
        .join(
            Case,
            and_(Case.lead_kind == LeadKind.COMPLAINT, Case.lead_ref == Complaint.number),
        )
        .where(Complaint.enterprise_id.is_not(None), Case.filed_on.between(start, end))
        .group_by(Complaint.enterprise_id)
    )
    return _counts(session, stmt)


def _local_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants of the window's first local midnight and of the one after its last day."""
    begin = dt.datetime.combine(start, dt.time(0), tzinfo=SHANGHAI)
    stop = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)
    return begin.astimezone(dt.UTC), stop.astimezone(dt.UTC)


def _findings(severity: FindingSeverity) -> InputFn:
    def count(session: Session, start: dt.date, end: dt.date, _: list[str]) -> Counts:
        begin, stop = _local_bounds(start, end)
        stmt = (
            select(Finding.enterprise_id, func.count())
            .where(
                Finding.severity == severity, Finding.created_at >= begin, Finding.created_at < stop
            )
            .group_by(Finding.enterprise_id)
        )
        return _counts(session, stmt)

    count.__doc__ = f"Inspection findings of severity {severity.value} ({severity.zh})."
    return count


def _rectifications(session: Session, start: dt.date, end: dt.date) -> list[tuple[int, bool]]:
    """(enterprise, late?) of each order due in the window that was not answered on time;
    ``late`` False means overdue (no evidence standing at the grading date ``end``)."""
    rows = session.execute(
        select(
            Rectification.enterprise_id,
            Rectification.deadline,
            Rectification.status,
            Rectification.submitted_at,
        ).where(Rectification.deadline.between(start, end))
    )
    out = []
    for enterprise_id, deadline, status, submitted_at in rows:
        if status is RectificationStatus.ISSUED:
            # No evidence (or evidence sent back) and the deadline has passed.
            if deadline < end:
                out.append((enterprise_id, False))
        elif submitted_at is not None and to_local(submitted_at).date() > deadline:
            out.append((enterprise_id, True))
    return out


def rectifications_late(session: Session, start: dt.date, end: dt.date, _: list[str]) -> Counts:
    """Rectification orders due in the window whose standing evidence came after the deadline."""
    counts: Counts = {}
    for enterprise_id, late in _rectifications(session, start, end):
        if late:
            counts[enterprise_id] = counts.get(enterprise_id, 0) + 1
    return counts


def rectifications_overdue(session: Session, start: dt.date, end: dt.date, _: list[str]) -> Counts:
    """Rectification orders past their deadline with no evidence standing on the grading date."""
    counts: Counts = {}
    for enterprise_id, late in _rectifications(session, start, end):
        if not late:
            counts[enterprise_id] = counts.get(enterprise_id, 0) + 1
    return counts


# Input name → function; the names are the keys of [deductions] in credit.toml.
INPUTS: dict[str, InputFn] = {
    "finding_critical": _findings(FindingSeverity.CRITICAL),
    "finding_major": _findings(FindingSeverity.MAJOR),
    "finding_minor": _findings(FindingSeverity.MINOR),
    "rectification_late": rectifications_late,
    "rectification_overdue": rectifications_overdue,
    "sampling_failure": sampling_failures,
    "penalty": penalties,
    "penalty_counterfeit_substandard": counterfeit_substandard,
    "complaint_upheld": complaints_upheld,
}


def revoked(session: Session, start: dt.date, end: dt.date) -> set[int]:
    """Enterprises whose licence was revoked: by a decision in the window, or per the registry."""
    decided = select(Case.enterprise_id).where(
        Case.enterprise_id.is_not(None),
        Case.revocation.is_(True),
        Case.decision_kind == DecisionKind.PENALTY,
        Case.decided_on.between(start, end),
    )
    registry = select(Enterprise.id).where(Enterprise.status == EnterpriseStatus.REVOKED)
    return {i for i in session.scalars(decided.union(registry)) if i is not None}


def blacklisted(session: Session, on: dt.date) -> set[int]:
    """Enterprises with an entry of the serious-violation list standing on ``on``."""
    from yaojian.credit.models import BlacklistEntry

    stmt = select(BlacklistEntry.enterprise_id).where(
        BlacklistEntry.listed_on <= on,
        BlacklistEntry.expires_on > on,
        BlacklistEntry.removed_on.is_(None) | (BlacklistEntry.removed_on > on),
    )
    return set(session.scalars(stmt))
