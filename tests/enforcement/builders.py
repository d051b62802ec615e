"""Builders for enforcement tests: cases moved along the workflow through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from tests.builders import ADMIN
from yaojian.auth.actor import Actor
from yaojian.enforcement import decisions, service
from yaojian.enforcement.choices import LeadKind
from yaojian.enforcement.models import Case
from yaojian.enforcement.schemas import CaseOpen, DecisionCreate, Findings, StepNote
from yaojian.registry.models import Enterprise

DAY = dt.timedelta(days=1)


def open_case(
    session: Session, enterprise: Enterprise, actor: Actor = ADMIN, **overrides: Any
) -> Case:
    data = {
        "lead_kind": LeadKind.INSPECTION_FINDING,
        "lead_ref": "INS-1",
        "enterprise_id": enterprise.id,
        "summary": "日常检查发现冷库温度记录缺失",
    } | overrides
    return service.open_case(session, actor, CaseOpen(**data))


def to_legal_review(
    session: Session, enterprise: Enterprise, actor: Actor = ADMIN, **overrides: Any
) -> Case:
    case = open_case(session, enterprise, actor, **overrides)
    service.file_case(session, actor, case.id, StepNote())
    return service.submit_for_review(
        session, actor, case.id, Findings(findings="经查，当事人未按规定记录冷库温度三个月。")
    )


def decide(session: Session, case: Case, actor: Actor = ADMIN, **overrides: Any) -> Case:
    data = {
        "violation_code": "dal-126",
        "circumstances": [],
        "review_opinion": "事实清楚，证据确凿，同意。",
        "fine_amount": 260_000,
        "warning": True,
    } | overrides
    return decisions.decide(session, actor, case.id, DecisionCreate(**data))


def decided(session: Session, enterprise: Enterprise, **overrides: Any) -> Case:
    return decide(session, to_legal_review(session, enterprise), **overrides)
