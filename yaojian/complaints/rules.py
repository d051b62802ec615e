"""The desk's statutory deadlines and clustering thresholds, read from rules.toml and validated.

Working-day arithmetic lives here too, because every deadline is "N working days after a day".
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

import holidays
from pydantic import BaseModel, ConfigDict, Field

RULES_FILE = Path(__file__).parent / "rules.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComplaintRules(_Strict):
    accept_within: int = Field(ge=1, le=60)
    reply_within_after_acceptance: int = Field(ge=1, le=120)


class ReportRules(_Strict):
    decide_within: int = Field(ge=1, le=60)
    extension: int = Field(ge=0, le=60)
    reply_within_after_decision: int = Field(ge=1, le=60)


class ClusterRules(_Strict):
    window_days: int = Field(ge=1, le=366)
    threshold: int = Field(ge=2)
    severity: int = Field(ge=1, le=4)
    high_threshold: int = Field(ge=2)


class PublicRules(_Strict):
    submissions_per_hour: int = Field(ge=1)


class Rules(_Strict):
    calendar: Literal["china", "weekends"]
    near_working_days: int = Field(ge=0, le=10)
    complaint: ComplaintRules
    report: ReportRules
    cluster: ClusterRules
    public: PublicRules


def load_rules(path: Path = RULES_FILE) -> Rules:
    with path.open("rb") as handle:
        return Rules.model_validate(tomllib.load(handle))


@lru_cache
def rules() -> Rules:
    return load_rules()


@lru_cache
def _china() -> holidays.HolidayBase:
    return holidays.country_holidays("CN")


def is_working_day(day: dt.date, calendar: str | None = None) -> bool:
    if (calendar or rules().calendar) == "weekends":
        return day.weekday() < 5
    return bool(_china().is_working_day(day))


def add_working_days(start: dt.date, n: int, calendar: str | None = None) -> dt.date:
    """The n-th working day after ``start`` (the day of receipt itself is not counted).

    行政 deadlines "自收到之日起 N 个工作日内" are counted from the next day, as periods are
    in the Civil Code (第二百零一条: the starting day is not counted).
    """
    day = start
    counted = 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_working_day(day, calendar):
            counted += 1
    return day


def working_days_between(start: dt.date, end: dt.date, calendar: str | None = None) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is before."""
    if end < start:
        return -working_days_between(end, start, calendar)
    return sum(
        1
        for k in range(1, (end - start).days + 1)
        if is_working_day(start + dt.timedelta(days=k), calendar)
    )
