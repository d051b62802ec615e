"""The edge of a unit of work: all or nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from tests.builders import ADMIN, credit_code
from yaojian.audit.models import AuditEntry
from yaojian.db import session_factory, unit_of_work
from yaojian.kit.errors import Conflict
from yaojian.registry import service
from yaojian.registry.models import Enterprise
from yaojian.registry.schemas import EnterpriseCreate


def test_a_unit_of_work_that_fails_part_way_stores_nothing(engine: Engine) -> None:
    factory = session_factory(engine)
    code = credit_code("330212")
    with factory() as session:
        before = (
            session.scalar(select(func.count()).select_from(Enterprise)),
            session.scalar(select(func.count()).select_from(AuditEntry)),
        )
    first = EnterpriseCreate(
        credit_code=code, name="宁波第一药房", kind="retail_pharmacy", region_code="330212"
    )
    with pytest.raises(Conflict), unit_of_work(factory) as session:
        service.create_enterprise(session, ADMIN, first)  # flushed and audited
        service.create_enterprise(session, ADMIN, first.model_copy(update={"name": "重复"}))
    with factory() as session:
        after = (
            session.scalar(select(func.count()).select_from(Enterprise)),
            session.scalar(select(func.count()).select_from(AuditEntry)),
        )
        assert after == before
        assert session.scalar(select(Enterprise).where(Enterprise.credit_code == code)) is None
