"""The desk's statutory deadlines and clustering thresholds, read from rules.toml and validated.

Every deadline is "N working days after a day": the arithmetic is yaojian.kit.workdays, in the
calendar the rules choose.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from yaojian.kit import workdays
from yaojian.kit.config import StrictConfig, read_toml
from yaojian.kit.workdays import Calendar

RULES_FILE = Path(__file__).parent / "rules.toml"


class ComplaintRules(StrictConfig):
    accept_within: int = Field(ge=1, le=60)
    reply_within_after_acceptance: int = Field(ge=1, le=120)


class ReportRules(StrictConfig):
    decide_within: int = Field(ge=1, le=60)
    extension: int = Field(ge=0, le=60)
    reply_within_after_decision: int = Field(ge=1, le=60)


class ClusterRules(StrictConfig):
    window_days: int = Field(ge=1, le=366)
    threshold: int = Field(ge=2)
    severity: int = Field(ge=1, le=4)
    high_threshold: int = Field(ge=2)


class PublicRules(StrictConfig):
    submissions_per_hour: int = Field(ge=1)


class Rules(StrictConfig):
    calendar: Literal["china", "weekends"]
    near_working_days: int = Field(ge=0, le=10)
    complaint: ComplaintRules
    report: ReportRules
    cluster: ClusterRules
    public: PublicRules


def load_rules(path: Path = RULES_FILE) -> Rules:
    return read_toml(path, Rules)


@lru_cache
def rules() -> Rules:
    return load_rules()


def _calendar(calendar: str | None) -> Calendar:
    return "weekends" if (calendar or rules().calendar) == "weekends" else "china"


def is_working_day(day: dt.date, calendar: str | None = None) -> bool:
    return workdays.is_working_day(day, _calendar(calendar))


def add_working_days(start: dt.date, n: int, calendar: str | None = None) -> dt.date:
    """The n-th working day after ``start`` in the desk's calendar (see yaojian.kit.workdays)."""
    return workdays.add_working_days(start, n, _calendar(calendar))


def working_days_between(start: dt.date, end: dt.date, calendar: str | None = None) -> int:
    return workdays.working_days_between(start, end, _calendar(calendar))
