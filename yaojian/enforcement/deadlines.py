"""Which statutory clock runs for a case, when it lapses, and how many days are left.

Working days are Monday to Friday. Public holidays and the swapped working days (调休) that
the State Council announces each year are not modelled: a limit in working days may therefore
end a few days earlier than the legal one around a holiday, which errs on the side of warning
too early rather than too late. Periods paused by law (中止, 听证, 公告, 检验检测鉴定) are not
deducted either (docs/enforcement.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yaojian.enforcement.choices import CaseStage, DecisionKind, TransferStatus
from yaojian.enforcement.config import Clock, ClockName, limits
from yaojian.enforcement.models import Case
from yaojian.kit import workdays

# Monday to Friday (see the module docstring); yaojian.kit.workdays also has China's calendar.
CALENDAR: workdays.Calendar = "weekends"


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    return workdays.add_working_days(start, days, CALENDAR)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    return workdays.working_days_between(start, end, CALENDAR)


@dataclass(frozen=True)
class Deadline:
    clock: ClockName
    rule: Clock
    started_on: dt.date
    due_on: dt.date
    days_left: int  # working days for working-day clocks, else calendar days
    level: str  # "ok", "near" (within the clock's warn_days) or "over"

    @property
    def unit_zh(self) -> str:
        return "个工作日" if self.rule.working_days else "日"


def _deadline(clock: ClockName, started: dt.date, extra: int, today: dt.date) -> Deadline:
    rule = limits().clocks[clock]
    if rule.working_days:
        due = add_working_days(started, rule.days + extra)
        left = working_days_between(today, due)
    else:
        due = started + dt.timedelta(days=rule.days + extra)
        left = (due - today).days
    level = "over" if left < 0 else "near" if left <= rule.warn_days else "ok"
    return Deadline(clock, rule, started, due, left, level)


def running(case: Case, today: dt.date) -> list[Deadline]:
    """The clocks running for ``case`` on ``today``: at most the stage's own and the transfer's."""
    rules = limits().clocks
    found: list[Deadline] = []
    if case.stage is CaseStage.LEAD:
        extra = case.lead_extensions * rules["lead_check"].extension_days
        found.append(_deadline("lead_check", case.discovered_on, extra, today))
    elif case.stage in (CaseStage.INVESTIGATION, CaseStage.LEGAL_REVIEW) and case.filed_on:
        found.append(_deadline("decision", case.filed_on, case.decision_extra_days, today))
    elif case.stage is CaseStage.DECIDED and case.decided_on:
        found.append(_deadline("service", case.decided_on, 0, today))
    elif (
        case.stage is CaseStage.EXECUTION
        and case.served_on
        and case.decision_kind is DecisionKind.PENALTY
        and case.fine_amount
        and case.executed_on is None
    ):
        found.append(_deadline("execution", case.served_on, 0, today))
    if case.transfer_status is TransferStatus.PENDING and case.transferred_on:
        found.append(_deadline("transfer_reply", case.transferred_on, 0, today))
    return found


def most_urgent(case: Case, today: dt.date) -> Deadline | None:
    clocks = running(case, today)
    return min(clocks, key=lambda d: (d.due_on, d.clock)) if clocks else None
