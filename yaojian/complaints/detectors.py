"""Complaints that cluster: several about one enterprise or one product in a short window.

The rule (rules.toml ``[cluster]``): at least ``threshold`` complaints and reports about the same
enterprise, or naming the same product (matched in the registry by pack code, approval number
or exact name), received within ``window_days`` rolling days. A finding is one signal per subject
per window period: the dedupe key carries the subject and the start of the fixed period of
``window_days`` days in which the latest complaint fell, so further complaints in the same
period raise the signal's occurrence count instead of adding signals, and a cluster that goes
on into the next period is reported again there.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from yaojian.auth.actor import system_actor
from yaojian.complaints.models import Complaint
from yaojian.complaints.rules import rules
from yaojian.kit.timeutil import SHANGHAI, to_local, today_local
from yaojian.registry.models import Enterprise, Product
from yaojian.signals.models import SubjectType
from yaojian.signals.service import SignalReport, emit

SOURCE = "complaints"
KIND = "complaint_cluster"
_EPOCH = dt.date(2020, 1, 1)  # the fixed periods of the dedupe key count from here
_MAX_EVIDENCE = 50


def _period_start(day: dt.date, window: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=((day - _EPOCH).days // window) * window)


def _window(end_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC bounds of the ``window_days`` local days ending with ``end_day``."""
    end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
    start = end - dt.timedelta(days=rules().cluster.window_days)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _check(
    session: Session,
    column: InstrumentedAttribute[int | None],
    subject_id: int,
    end_day: dt.date,
    detected_at: dt.datetime | None,
) -> tuple[bool, bool]:
    """Emit the cluster signal of one subject if the rule holds; returns (reported, new)."""
    cluster = rules().cluster
    start, end = _window(end_day)
    in_window: ColumnElement[bool] = (column == subject_id) & Complaint.received_at.between(
        start, end
    )
    rows = session.execute(
        select(Complaint.number, Complaint.kind)
        .where(in_window)
        .order_by(Complaint.received_at.desc())
    ).all()
    if len(rows) < cluster.threshold:
        return False, False
    if column is Complaint.enterprise_id:
        enterprise = session.get(Enterprise, subject_id)
        name = enterprise.name if enterprise else str(subject_id)
        subject_type = SubjectType.ENTERPRISE
        enterprise_id: int | None = subject_id
    else:
        product = session.get(Product, subject_id)
        name = product.name if product else str(subject_id)
        subject_type = SubjectType.PRODUCT
        enterprise_id = product.holder_id if product else None
    kinds = Counter(kind.zh for _, kind in rows)
    period = _period_start(end_day, cluster.window_days)
    _, new = emit(
        session,
        system_actor("complaints.cluster"),
        SignalReport(
            source=SOURCE,
            kind=KIND,
            subject_type=subject_type,
            subject_id=str(subject_id),
            severity=3 if len(rows) >= cluster.high_threshold else cluster.severity,
            title=f"{name}：{cluster.window_days} 天内收到投诉举报 {len(rows)} 件",
            dedupe_key=f"{SOURCE}:{KIND}:{subject_type.value}:{subject_id}:{period.isoformat()}",
            evidence={
                "count": len(rows),
                "window_days": cluster.window_days,
                "threshold": cluster.threshold,
                "window_end": end_day.isoformat(),
                "by_kind": dict(kinds),
                "numbers": [number for number, _ in rows[:_MAX_EVIDENCE]],
            },
            enterprise_id=enterprise_id,
            detected_at=detected_at,
        ),
    )
    return True, new


def detect_for(session: Session, complaint: Complaint) -> int:
    """Run the rule for the subjects of one new complaint; returns how many signals are new."""
    day = to_local(complaint.received_at).date()
    new = 0
    for column, subject_id in (
        (Complaint.enterprise_id, complaint.enterprise_id),
        (Complaint.product_id, complaint.product_id),
    ):
        if subject_id is not None:
            new += _check(session, column, subject_id, day, complaint.received_at)[1]
    return new


def detect_all(session: Session, as_of: dt.date | None = None) -> tuple[int, int]:
    """Run the rule for every subject over the window ending ``as_of``; (reported, new)."""
    day = as_of or today_local()
    start, end = _window(day)
    reported = new = 0
    for column in (Complaint.enterprise_id, Complaint.product_id):
        subjects = session.scalars(
            select(column)
            .where(column.is_not(None), Complaint.received_at.between(start, end))
            .group_by(column)
            .having(func.count() >= rules().cluster.threshold)
            .order_by(column)
        ).all()
        for subject_id in subjects:
            if subject_id is None:
                continue
            was_reported, was_new = _check(session, column, subject_id, day, None)
            reported += was_reported
            new += was_new
    return reported, new
