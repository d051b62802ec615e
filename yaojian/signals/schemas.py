"""API shapes of risk signals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from yaojian.signals.models import SignalStatus, SubjectType


class SignalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    kind: str
    subject_type: SubjectType
    subject_id: str
    enterprise_id: int | None
    region_code: str | None
    severity: int
    title: str
    evidence: dict[str, Any]
    detected_at: dt.datetime
    last_detected_at: dt.datetime
    occurrences: int
    status: SignalStatus
    status_note: str


class SignalStatusUpdate(BaseModel):
    status: SignalStatus
    note: str = Field("", max_length=1000)
