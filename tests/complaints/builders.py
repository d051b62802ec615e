"""Builders for complaints: they go through the public's own submit service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from yaojian.auth.actor import PUBLIC
from yaojian.complaints import service
from yaojian.complaints.choices import ComplaintKind
from yaojian.complaints.models import Complaint
from yaojian.complaints.schemas import ComplaintCreate
from yaojian.registry.models import Enterprise

# Wednesday 2 December 2026, 10:00 in Hangzhou.
KNOWN_NOW = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)


def complaint_data(enterprise: Enterprise | str, **overrides: Any) -> dict[str, Any]:
    name = enterprise if isinstance(enterprise, str) else enterprise.name
    return {
        "kind": ComplaintKind.COMPLAINT.value,
        "enterprise": name,
        "description": "购买的药品包装破损，药片受潮变色，要求退货。",
        "contact_name": "张三",
        "contact_phone": "13812345678",
        "contact_address": "杭州市西湖区文三路1号",
    } | overrides


def make_complaint(
    session: Session,
    enterprise: Enterprise | str,
    now: dt.datetime | None = None,
    **overrides: Any,
) -> Complaint:
    data = ComplaintCreate.model_validate(complaint_data(enterprise, **overrides))
    return service.submit(session, PUBLIC, data, now=now)
