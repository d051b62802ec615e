"""The edge of a unit of work: all or nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from tests.builders import ADMIN, credit_code
from yaojian.audit.models import AuditEntry
from yaojian.db import any_of, list_param, session_factory, unit_of_work
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


def test_a_bound_list_matches_exactly_its_values_whatever_they_contain(session: Session) -> None:
    # GS1 serials may hold commas, quotes and percent signs; a list may be empty or long.
    codes = ["urn:epc:id:sgtin:0614141.107346.a,b", "it's", '"quoted"', "50%", "中文"]
    listed = "SELECT 1 WHERE " + any_of(session, ":probe", "codes")
    for probe, expected in [*((c, 1) for c in codes), ("a,b", None), ("", None)]:
        found = session.execute(
            text(listed), {"probe": probe, "codes": list_param(session, codes)}
        ).scalar()
        assert found == expected, probe
    ids = list(range(0, 200_000, 7))
    number = "SELECT count(*) FROM (SELECT 14 AS n UNION ALL SELECT 15) x WHERE " + any_of(
        session, "x.n", "ids", "bigint"
    )
    assert session.execute(text(number), {"ids": list_param(session, ids)}).scalar() == 1
    nothing = "SELECT count(*) FROM (SELECT 'x' AS c) x WHERE " + any_of(session, "x.c", "codes")
    assert session.execute(text(nothing), {"codes": list_param(session, [])}).scalar() == 0


def test_a_value_holding_the_list_separator_is_refused(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite binds the list as JSON")
    with pytest.raises(ValueError, match="separator"):
        list_param(session, ["a\x1fb"])


def test_a_list_with_an_empty_string_is_refused(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite binds the list as JSON")
    with pytest.raises(ValueError, match="empty"):
        list_param(session, ["a", ""])
