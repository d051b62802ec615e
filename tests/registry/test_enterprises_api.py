"""The enterprise API: creating, listing, filtering, and refusing bad input without storing it."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.builders import bearer as login
from tests.builders import credit_code, make_enterprise, make_licence
from yaojian.audit.models import AuditEntry
from yaojian.auth.models import Role
from yaojian.registry.models import Enterprise, Licence


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_province_regulator_registers_an_enterprise_and_the_write_is_audited(
    client: TestClient, session: Session
) -> None:
    headers = login(client, session, Role.PROVINCE_REGULATOR, region_code="330000")
    audit_before = count(session, AuditEntry)
    code = credit_code("330212")
    response = client.post(
        "/api/v1/enterprises",
        headers=headers,
        json={
            "credit_code": code,
            "name": "宁波甬康医药有限公司",
            "kind": "drug_wholesaler",
            "region_code": "330212",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["credit_code"] == code and body["kind"] == "drug_wholesaler"
    fetched = client.get(f"/api/v1/enterprises/{body['id']}", headers=headers).json()
    assert fetched["name"] == "宁波甬康医药有限公司"
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert count(session, AuditEntry) == audit_before + 1
    assert entry is not None and entry.action == "enterprise.create"
    assert entry.after is not None and entry.after["credit_code"] == code


def _assert_problem(response, status: int, field: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert field in [p["name"] for p in body["invalid-params"]], body


def test_an_invalid_credit_code_is_refused_naming_the_field_and_nothing_is_stored(
    client: TestClient, session: Session
) -> None:
    headers = login(client, session, Role.PROVINCE_ADMIN, region_code="330000")
    before = count(session, Enterprise), count(session, AuditEntry)
    response = client.post(
        "/api/v1/enterprises",
        headers=headers,
        json={
            "credit_code": "91330100799655058A",
            "name": "错误代码有限公司",
            "kind": "retail_pharmacy",
            "region_code": "330106",
        },
    )
    _assert_problem(response, 422, "credit_code")
    assert (count(session, Enterprise), count(session, AuditEntry)) == before


def test_an_unknown_region_code_is_refused_naming_the_field(
    client: TestClient, session: Session
) -> None:
    headers = login(client, session, Role.PROVINCE_ADMIN, region_code="330000")
    for region in ("330199", "110101", "330100"):  # not in Zhejiang's list, elsewhere, a city
        response = client.post(
            "/api/v1/enterprises",
            headers=headers,
            json={
                "credit_code": credit_code(),
                "name": "某某药房",
                "kind": "retail_pharmacy",
                "region_code": region,
            },
        )
        _assert_problem(response, 422, "region_code")


def test_an_unknown_kind_and_a_missing_name_are_named(client: TestClient, session: Session) -> None:
    headers = login(client, session, Role.PROVINCE_ADMIN, region_code="330000")
    response = client.post(
        "/api/v1/enterprises",
        headers=headers,
        json={"credit_code": credit_code(), "kind": "pharmacy", "region_code": "330106"},
    )
    assert response.status_code == 422
    names = {p["name"] for p in response.json()["invalid-params"]}
    assert names == {"kind", "name"}


def test_a_duplicate_credit_code_is_a_conflict(client: TestClient, session: Session) -> None:
    headers = login(client, session, Role.PROVINCE_ADMIN, region_code="330000")
    existing = make_enterprise(session)
    session.commit()
    response = client.post(
        "/api/v1/enterprises",
        headers=headers,
        json={
            "credit_code": existing.credit_code,
            "name": "重复有限公司",
            "kind": "retail_pharmacy",
            "region_code": "330106",
        },
    )
    _assert_problem(response, 409, "credit_code")


def test_an_invalid_licence_date_is_refused_and_nothing_is_stored(
    client: TestClient, session: Session
) -> None:
    headers = login(client, session, Role.PROVINCE_ADMIN, region_code="330000")
    enterprise = make_enterprise(session)
    session.commit()
    before = count(session, Licence)
    url = f"/api/v1/enterprises/{enterprise.id}/licences"
    bad_date = {
        "licence_type": "drug_manufacturing",
        "number": "浙20260001",
        "valid_from": "2026-02-30",
        "valid_to": "2031-01-01",
    }
    _assert_problem(client.post(url, headers=headers, json=bad_date), 422, "valid_from")
    reversed_dates = bad_date | {"valid_from": "2031-01-02"}
    _assert_problem(client.post(url, headers=headers, json=reversed_dates), 422, "valid_to")
    assert count(session, Licence) == before


def test_an_invalid_approval_number_is_refused(client: TestClient, session: Session) -> None:
    headers = login(client, session, Role.PROVINCE_ADMIN, region_code="330000")
    enterprise = make_enterprise(session)
    session.commit()
    response = client.post(
        f"/api/v1/enterprises/{enterprise.id}/drugs",
        headers=headers,
        json={"name": "测试片", "approval_number": "国药准字H3302", "dosage_form": "片剂"},
    )
    _assert_problem(response, 422, "approval_number")


def test_the_list_filters_by_region_kind_and_search_and_pages(
    client: TestClient, session: Session
) -> None:
    headers = login(client, session, Role.PROVINCE_ADMIN, region_code="330000")
    ningbo = make_enterprise(
        session, region_code="330212", kind="retail_pharmacy", name="宁波鄞州海曙路大药房"
    )
    make_enterprise(session, region_code="330106", kind="retail_pharmacy")
    make_enterprise(session, region_code="330212", kind="drug_wholesaler")
    session.commit()

    def ids(**params: object) -> list[int]:
        body = client.get("/api/v1/enterprises", headers=headers, params=params).json()
        return [e["id"] for e in body["items"]]

    assert ningbo.id in ids(region_code="330200", kind="retail_pharmacy")
    assert all(
        e["region_code"].startswith("3302")
        for e in client.get(
            "/api/v1/enterprises", headers=headers, params={"region_code": "330200"}
        ).json()["items"]
    )
    assert ids(q="海曙路大药房") == [ningbo.id]
    assert ids(q=ningbo.credit_code.lower()) == [ningbo.id]
    page = client.get("/api/v1/enterprises", headers=headers, params={"page_size": 1}).json()
    assert len(page["items"]) == 1 and page["total"] >= 3
    bad = client.get("/api/v1/enterprises", headers=headers, params={"region_code": "33"})
    _assert_problem(bad, 422, "region_code")


def test_the_enterprise_detail_computes_licence_expiry(
    client: TestClient, session: Session
) -> None:
    headers = login(client, session, Role.PROVINCE_ADMIN, region_code="330000")
    enterprise = make_enterprise(session)
    today = dt.date.today()
    make_licence(session, enterprise, today - dt.timedelta(days=3))
    make_licence(session, enterprise, today + dt.timedelta(days=10))
    make_licence(session, enterprise, today + dt.timedelta(days=400))
    session.commit()
    detail = client.get(f"/api/v1/enterprises/{enterprise.id}", headers=headers).json()
    assert [lic["expiry_state"] for lic in detail["licences"]] == ["expired", "expiring", "current"]


def test_regions_list_the_province_its_cities_and_counties(client: TestClient) -> None:
    regions = client.get("/api/v1/regions").json()
    levels = [r["level"] for r in regions]
    assert levels.count("province") == 1 and levels.count("city") == 11
    assert levels.count("county") == 90
    hangzhou = next(r for r in regions if r["code"] == "330100")
    assert hangzhou["name"] == "杭州市" and hangzhou["population"] == 11936010
    assert {
        r["parent_code"] for r in regions if r["code"].startswith("3301") and r["level"] == "county"
    } == {"330100"}
