"""Working days (工作日) for statutory time limits: one calendar arithmetic for every area.

``china`` counts the State Council's public holidays and swapped working days (调休) as the
``holidays`` package publishes them for each announced year (later years fall back to its
rules for the fixed holidays); ``weekends`` counts Monday to Friday only. Periods "within N
working days of receipt" start the next day, as the Civil Code counts periods (第二百零一条:
the starting day is not counted).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Literal

import holidays

Calendar = Literal["china", "weekends"]


@lru_cache
def _china() -> holidays.HolidayBase:
    return holidays.country_holidays("CN")


def is_working_day(day: dt.date, calendar: Calendar = "china") -> bool:
    if calendar == "weekends":
        return day.weekday() < 5
    return bool(_china().is_working_day(day))


def add_working_days(start: dt.date, n: int, calendar: Calendar = "china") -> dt.date:
    """The n-th working day after ``start`` (``start`` itself is not counted)."""
    day = start
    counted = 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_working_day(day, calendar):
            counted += 1
    return day


def working_days_between(start: dt.date, end: dt.date, calendar: Calendar = "china") -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is before."""
    if end < start:
        return -working_days_between(end, start, calendar)
    return sum(
        1
        for k in range(1, (end - start).days + 1)
        if is_working_day(start + dt.timedelta(days=k), calendar)
    )
