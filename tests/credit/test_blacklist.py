"""The serious-violation list: listing, the public search, removal after the minimum period."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, bearer, make_enterprise
from tests.credit.builders import listed
from yaojian.audit.models import AuditEntry
from yaojian.auth.actor import Actor
from yaojian.auth.models import Role
from yaojian.credit import service
from yaojian.credit.schemas import BlacklistRemove
from yaojian.kit.errors import Conflict, Forbidden
from yaojian.kit.timeutil import today_local

TODAY = today_local()
XIHU = Actor(name="xihu", role=Role.COUNTY_REGULATOR, region_code="330106",
             jurisdiction_prefix="330106")  # fmt: skip


def test_the_public_finds_a_listed_enterprise_by_name_or_credit_code_without_an_account(
    client: TestClient, session: Session
) -> None:
    fake = make_enterprise(session, name="假药制售有限公司")
    make_enterprise(session, name="守法药业有限公司")
    listed(session, fake, TODAY - dt.timedelta(days=10))
    session.commit()
    by_name = client.get("/api/v1/public/blacklist", params={"q": "假药制售"}).json()
    assert by_name["total"] == 1
    (item,) = by_name["items"]
    assert item["credit_code"] == fake.credit_code and item["name"] == "假药制售有限公司"
    assert "listed_by" not in item and "enterprise_id" not in item
    by_code = client.get("/api/v1/public/blacklist", params={"q": fake.credit_code.lower()})
    assert by_code.json()["total"] == 1
    assert client.get("/api/v1/public/blacklist", params={"q": "守法"}).json()["total"] == 0
    page = client.get("/public/blacklist", params={"q": "假药"}).text
    assert "假药制售有限公司" in page and fake.credit_code in page


def test_the_public_list_is_paged(client: TestClient, session: Session) -> None:
    for n in range(3):
        listed(session, make_enterprise(session, name=f"分页失信{n}号公司"), TODAY)
    session.commit()
    body = client.get("/api/v1/public/blacklist", params={"q": "分页失信", "page_size": 2}).json()
    assert body["total"] == 3 and len(body["items"]) == 2
    second = client.get(
        "/api/v1/public/blacklist", params={"q": "分页失信", "page_size": 2, "page": 2}
    ).json()
    assert len(second["items"]) == 1


def test_a_removal_before_the_minimum_period_is_refused_naming_the_rule(session: Session) -> None:
    entry = listed(session, make_enterprise(session), TODAY - dt.timedelta(days=100))
    assert entry.repair_from == entry.listed_on + dt.timedelta(days=365)
    with pytest.raises(Conflict, match="信用修复"):
        service.remove_from_blacklist(
            session, ADMIN, entry.id, BlacklistRemove(reason="已整改到位")
        )


def test_after_a_year_the_entry_is_removed_audited_and_gone_from_the_public_list(
    session: Session,
) -> None:
    from yaojian.auth.actor import PUBLIC
    from yaojian.kit.pagination import PageParams

    maker = make_enterprise(session, name="已修复信用药业")
    entry = listed(session, maker, TODAY - dt.timedelta(days=400))
    service.remove_from_blacklist(
        session, ADMIN, entry.id, BlacklistRemove(reason="整改到位，信用修复")
    )
    assert entry.removed_on == TODAY
    _, total = service.list_blacklist(session, PUBLIC, PageParams(), "已修复信用")
    assert total == 0
    staff, _ = service.list_blacklist(
        session, ADMIN, PageParams(), "已修复信用", standing_only=False
    )
    assert [e.id for e in staff] == [entry.id]
    audited = select(AuditEntry.action).where(
        AuditEntry.object_type == "credit_blacklist", AuditEntry.object_id == str(entry.id)
    )
    actions = set(session.scalars(audited))
    assert actions == {"credit.blacklist.add", "credit.blacklist.remove"}
    with pytest.raises(Conflict):
        service.remove_from_blacklist(session, ADMIN, entry.id, BlacklistRemove(reason="再次移出"))


def test_an_enterprise_is_not_listed_twice_at_once(session: Session) -> None:
    maker = make_enterprise(session)
    listed(session, maker, TODAY)
    with pytest.raises(Conflict, match="already listed"):
        listed(session, maker, TODAY)


def test_a_county_lists_an_enterprise_of_its_county_but_not_of_another(session: Session) -> None:
    own = make_enterprise(session, region_code="330106")
    other = make_enterprise(session, region_code="330108")
    assert listed(session, own, TODAY, actor=XIHU).region_code == "330106"
    with pytest.raises(Forbidden):
        listed(session, other, TODAY, actor=XIHU)


def test_an_enterprise_user_may_not_list_anyone(client: TestClient, session: Session) -> None:
    maker = make_enterprise(session)
    headers = bearer(client, session, Role.ENTERPRISE, enterprise=maker)
    response = client.post(
        "/api/v1/credit/blacklist",
        json={"enterprise_id": maker.id, "reason": "自行列入测试", "legal_basis": "总局令第44号"},
        headers=headers,
    )
    assert response.status_code == 403


def test_a_listing_dated_tomorrow_is_refused_naming_the_field(
    client: TestClient, session: Session
) -> None:
    maker = make_enterprise(session)
    headers = bearer(client, session, Role.PROVINCE_REGULATOR, "330000")
    response = client.post(
        "/api/v1/credit/blacklist",
        json={"enterprise_id": maker.id, "reason": "生产销售假药", "legal_basis": "总局令第44号",
              "listed_on": str(TODAY + dt.timedelta(days=1))},
        headers=headers,
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["invalid-params"][0]["name"] == "listed_on"
