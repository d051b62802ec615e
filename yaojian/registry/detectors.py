"""Signals the registry raises itself: licences expired or expiring while the enterprise
is active."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.auth.actor import system_actor
from yaojian.kit.timeutil import today_local
from yaojian.registry.choices import EnterpriseStatus, ExpiryState, LicenceStatus
from yaojian.registry.models import EXPIRY_WARNING_DAYS, Enterprise, Licence
from yaojian.signals.models import SubjectType
from yaojian.signals.service import SignalReport, emit

SOURCE = "registry"


def detect_licence_expiry(session: Session, today: dt.date | None = None) -> tuple[int, int]:
    """Emit a signal per valid licence of an active enterprise that expired or expires soon.

    Returns (signals reported, of which new). The dedupe key contains the licence's end date and
    the state, so a renewed licence that lapses again is a new finding, and "expiring" turning
    into "expired" is reported as its own, more severe, signal.
    """
    today = today or today_local()
    actor = system_actor("registry.licence_expiry")
    horizon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    stmt = (
        select(Licence, Enterprise)
        .join(Enterprise, Enterprise.id == Licence.enterprise_id)
        .where(
            Enterprise.status == EnterpriseStatus.ACTIVE,
            Licence.status == LicenceStatus.VALID,
            Licence.valid_to <= horizon,
        )
        .order_by(Licence.id)
    )
    reported = new = 0
    for licence, enterprise in session.execute(stmt):
        state = licence.expiry_state(today)
        if state not in (ExpiryState.EXPIRED, ExpiryState.EXPIRING):
            continue
        expired = state is ExpiryState.EXPIRED
        days = (licence.valid_to - today).days
        what = f"{licence.licence_type.zh} {licence.number}"
        title = (
            f"{what} 已于 {licence.valid_to} 过期，企业仍在业"
            if expired
            else f"{what} 将于 {licence.valid_to} 到期（剩 {days} 天）"
        )
        _, created = emit(
            session,
            actor,
            SignalReport(
                source=SOURCE,
                kind="licence_expired" if expired else "licence_expiring",
                subject_type=SubjectType.ENTERPRISE,
                subject_id=str(enterprise.id),
                enterprise_id=enterprise.id,
                region_code=enterprise.region_code,
                severity=3 if expired else 1,
                title=title,
                dedupe_key=f"licence-{state.value}:{licence.id}:{licence.valid_to.isoformat()}",
                evidence={
                    "licence_id": licence.id,
                    "licence_type": licence.licence_type.value,
                    "number": licence.number,
                    "valid_to": licence.valid_to.isoformat(),
                    "days_left": days,
                    "checked_on": today.isoformat(),
                },
            ),
        )
        reported += 1
        new += created
    return reported, new
