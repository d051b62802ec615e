"""Who sees which grade, and indicators 8 and 9 (信用等级管理覆盖率)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_enterprise
from yaojian.auth.actor import Actor
from yaojian.auth.models import Role
from yaojian.credit import service
from yaojian.credit.indicators import coverage
from yaojian.kit.errors import NotFound
from yaojian.kit.pagination import PageParams
from yaojian.registry.choices import EnterpriseKind, EnterpriseStatus

XIHU = Actor(name="xihu", role=Role.COUNTY_REGULATOR, region_code="330106",
             jurisdiction_prefix="330106")  # fmt: skip


def test_a_county_regulator_sees_the_grades_of_its_county_only(session: Session) -> None:
    own = make_enterprise(session, region_code="330106")
    other = make_enterprise(session, region_code="330212")
    service.grade_all(session, ADMIN)
    rows, _ = service.list_grades(session, XIHU, PageParams(page_size=200))
    ids = {g.enterprise_id for g in rows}
    assert own.id in ids and other.id not in ids
    assert {g.region_code for g in rows} == {"330106"}
    with pytest.raises(NotFound):
        service.history(session, XIHU, other.id)


def test_an_enterprise_sees_its_own_grade_and_no_other(session: Session) -> None:
    own = make_enterprise(session)
    neighbour = make_enterprise(session)
    service.grade_all(session, ADMIN)
    me = Actor(name="erp", role=Role.ENTERPRISE, enterprise_id=own.id)
    rows, total = service.list_grades(session, me, PageParams())
    assert total == 1 and rows[0].enterprise_id == own.id
    assert len(service.history(session, me, own.id)) == 1
    with pytest.raises(NotFound):
        service.history(session, me, neighbour.id)


def _row(frame: list[dict[str, Any]], code: str) -> dict[str, Any]:
    return next(r for r in frame if r["code"] == code)


def test_coverage_counts_graded_producers_and_distributors_per_city(session: Session) -> None:
    before = {n: f.to_dicts() for n, f in coverage(session, ADMIN).items()}
    make_enterprise(session, region_code="330106", kind=EnterpriseKind.DRUG_MANUFACTURER)
    make_enterprise(session, region_code="330212", kind=EnterpriseKind.COSMETICS_MANUFACTURER)
    make_enterprise(session, region_code="330106", kind=EnterpriseKind.RETAIL_PHARMACY)
    make_enterprise(session, region_code="330106", kind=EnterpriseKind.MEDICAL_INSTITUTION)
    closed = make_enterprise(session, region_code="330106", kind=EnterpriseKind.DRUG_WHOLESALER)
    closed.status = EnterpriseStatus.CLOSED
    session.flush()
    ungraded = {n: f.to_dicts() for n, f in coverage(session, ADMIN).items()}
    hangzhou_8 = _row(ungraded[8], "330100")
    base_8 = _row(before[8], "330100")
    assert hangzhou_8["total"] == base_8["total"] + 1
    # The deregistered wholesaler and the hospital are in neither population.
    assert _row(ungraded[9], "330100")["total"] == _row(before[9], "330100")["total"] + 1
    service.grade_all(session, ADMIN)
    graded = {n: f.to_dicts() for n, f in coverage(session, ADMIN).items()}
    for number in (8, 9):
        province = graded[number][0]
        assert province["code"] == "330000"
        assert province["graded"] == province["total"] and province["rate"] == 1.0
        assert province["meets_target"] is True
    assert _row(graded[8], "330200")["graded"] >= 1


def test_a_county_regulator_gets_one_coverage_row_for_its_county(session: Session) -> None:
    make_enterprise(session, region_code="330106")
    make_enterprise(session, region_code="330106", kind=EnterpriseKind.RETAIL_PHARMACY)
    frames = coverage(session, XIHU)
    for number in (8, 9):
        rows = frames[number].to_dicts()
        assert [r["code"] for r in rows] == ["330106"]
        assert rows[0]["graded"] == 0 and rows[0]["rate"] == 0.0
