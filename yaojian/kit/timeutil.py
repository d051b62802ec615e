"""Times are stored in UTC and shown in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today_local() -> dt.date:
    """The regulator's calendar day, which decides whether a licence has expired."""
    return dt.datetime.now(SHANGHAI).date()


def to_local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(SHANGHAI)
