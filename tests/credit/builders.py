"""Builders for credit tests: facts made through the real services of their areas."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from tests.builders import ADMIN
from tests.enforcement.builders import decided
from tests.sampling.builders import World, reported
from yaojian.auth.actor import Actor
from yaojian.credit import service
from yaojian.credit.models import BlacklistEntry, CreditGrade
from yaojian.credit.schemas import BlacklistCreate
from yaojian.enforcement.models import Case
from yaojian.registry.models import Enterprise
from yaojian.sampling.models import Sample


def failed_samples(session: Session, w: World, at: Enterprise, n: int) -> list[Sample]:
    return [reported(session, w.special, w.batch, at, passed=False) for _ in range(n)]


def penalty(session: Session, enterprise: Enterprise, **overrides: Any) -> Case:
    return decided(
        session,
        enterprise,
        departure_reason="测试数据：依本案具体情节裁量，不按建议幅度",
        **overrides,
    )


def listed(
    session: Session, enterprise: Enterprise, listed_on: dt.date, actor: Actor = ADMIN
) -> BlacklistEntry:
    data = BlacklistCreate(
        enterprise_id=enterprise.id,
        reason="生产销售假药，情节严重",
        legal_basis="《市场监督管理严重违法失信名单管理办法》",
        listed_on=listed_on,
    )
    return service.add_to_blacklist(session, actor, data)


def current(session: Session, enterprise: Enterprise) -> CreditGrade:
    (grade,) = [g for g in service.history(session, ADMIN, enterprise.id) if g.current]
    return grade
