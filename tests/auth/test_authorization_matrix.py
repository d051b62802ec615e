"""Every list and detail endpoint × every role: who sees which enterprise's data.

The world: enterprise A in Xihu (330106, Hangzhou), B in Binjiang (330108, Hangzhou),
C in Yinzhou (330212, Ningbo). Each has a licence, a drug, a batch, a key person and a signal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import ADMIN, machine_token, make_drug, make_enterprise, make_licence, make_user
from yaojian.auth.models import Role
from yaojian.registry import service
from yaojian.registry.models import Enterprise
from yaojian.registry.schemas import BatchCreate, KeyPositionCreate
from yaojian.signals.models import SubjectType
from yaojian.signals.service import SignalReport, emit

ROLES = [
    "province_admin", "province_regulator", "city_regulator", "county_regulator", "inspector",
    "enterprise_user", "enterprise_token", "public",
]  # fmt: skip
SEES = {
    "province_admin": {"A", "B", "C"},
    "province_regulator": {"A", "B", "C"},
    "city_regulator": {"A", "B"},
    "county_regulator": {"A"},
    "inspector": {"A", "B"},
    "enterprise_user": {"A"},
    "enterprise_token": {"A"},
}
ID_NUMBERS = {"A": "11010519491231002X", "B": "110105194912310038", "C": "330106199003070022"}


@dataclass
class World:
    enterprises: dict[str, Enterprise]
    products: dict[str, int]
    headers: dict[str, dict[str, str]]


@pytest.fixture
def world(client: TestClient, session: Session) -> World:
    enterprises: dict[str, Enterprise] = {}
    products: dict[str, int] = {}
    for key, county in (("A", "330106"), ("B", "330108"), ("C", "330212")):
        e = make_enterprise(session, region_code=county)
        make_licence(session, e, dt.date.today() + dt.timedelta(days=365))
        drug = make_drug(session, e)
        service.add_batch(
            session, ADMIN, e.id,
            BatchCreate(product_id=drug.id, batch_number=f"B{key}01",
                        manufactured_on=dt.date(2026, 1, 5), expires_on=dt.date(2028, 1, 4),
                        quantity=1000),
        )  # fmt: skip
        service.appoint(
            session, ADMIN, e.id,
            KeyPositionCreate(name=f"负责人{key}", id_number=ID_NUMBERS[key], role="quality_head"),
        )  # fmt: skip
        emit(
            session, ADMIN,
            SignalReport(source="test", kind="test", subject_type=SubjectType.ENTERPRISE,
                         subject_id=str(e.id), enterprise_id=e.id, severity=2,
                         title=f"signal of {key}", dedupe_key=f"matrix:{key}:{e.id}"),
        )  # fmt: skip
        enterprises[key], products[key] = e, drug.id
    users = {
        "province_admin": make_user(session, Role.PROVINCE_ADMIN, region_code="330000"),
        "province_regulator": make_user(session, Role.PROVINCE_REGULATOR, region_code="330000"),
        "city_regulator": make_user(session, Role.CITY_REGULATOR, region_code="330100"),
        "county_regulator": make_user(session, Role.COUNTY_REGULATOR, region_code="330106"),
        "inspector": make_user(session, Role.INSPECTOR, region_code="330100"),
        "enterprise_user": make_user(session, Role.ENTERPRISE, enterprise=enterprises["A"]),
    }
    token = machine_token(session, enterprises["A"])
    session.commit()
    headers: dict[str, dict[str, str]] = {
        "public": {},
        "enterprise_token": {"Authorization": f"Bearer {token}"},
    }
    for role, user in users.items():
        response = client.post(
            "/api/v1/auth/token", data={"username": user.username, "password": "secret-pass"}
        )
        headers[role] = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return World(enterprises, products, headers)


DETAILS = [
    "/api/v1/enterprises/{eid}",
    "/api/v1/enterprises/{eid}/licences",
    "/api/v1/enterprises/{eid}/products",
    "/api/v1/enterprises/{eid}/positions",
    "/api/v1/products/{pid}",
    "/api/v1/products/{pid}/batches",
]


@pytest.mark.parametrize("role", ROLES)
def test_detail_endpoints_show_only_what_the_role_may_see(
    client: TestClient, world: World, role: str
) -> None:
    for key, enterprise in world.enterprises.items():
        for template in DETAILS:
            url = template.format(eid=enterprise.id, pid=world.products[key])
            response = client.get(url, headers=world.headers[role])
            if role == "public":
                # Public registers (enterprises, licences, approved products) are open;
                # batches need an account; key persons are not public.
                if "batches" in url:
                    assert response.status_code == 401, url
                elif "positions" in url:
                    assert response.status_code == 200 and response.json() == [], url
                else:
                    assert response.status_code == 200, url
                continue
            expected = 200 if key in SEES[role] else 404
            assert response.status_code == expected, (role, url, response.text)
            if expected == 404:
                body = response.json()
                assert response.headers["content-type"].startswith("application/problem+json")
                assert enterprise.name not in response.text and body["status"] == 404
            elif template.endswith("/positions") or template.endswith("/batches"):
                assert len(response.json()) == 1, (role, url)


@pytest.mark.parametrize("role", ROLES)
def test_list_endpoints_contain_only_what_the_role_may_see(
    client: TestClient, world: World, role: str
) -> None:
    ids = {key: e.id for key, e in world.enterprises.items()}
    listed = {
        e["id"]
        for e in client.get(
            "/api/v1/enterprises", headers=world.headers[role], params={"page_size": 200}
        ).json()["items"]
    }
    signals = client.get("/api/v1/signals", headers=world.headers[role], params={"page_size": 200})
    if role == "public":
        assert set(ids.values()) <= listed
        assert signals.status_code == 401
        return
    assert {key for key, eid in ids.items() if eid in listed} == SEES[role]
    signal_enterprises = {s["enterprise_id"] for s in signals.json()["items"]}
    assert {key for key, eid in ids.items() if eid in signal_enterprises} == SEES[role]
    regions = client.get("/api/v1/regions", headers=world.headers[role]).json()
    assert len(regions) == 102


def test_a_county_regulator_cannot_register_an_enterprise_in_another_county(
    client: TestClient, world: World
) -> None:
    from tests.builders import credit_code

    response = client.post(
        "/api/v1/enterprises",
        headers=world.headers["county_regulator"],
        json={
            "credit_code": credit_code("330108"),
            "name": "滨江某药房",
            "kind": "retail_pharmacy",
            "region_code": "330108",
        },
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("role", ["enterprise_user", "enterprise_token", "inspector", "public"])
def test_only_regulators_register_enterprises(client: TestClient, world: World, role: str) -> None:
    from tests.builders import credit_code

    response = client.post(
        "/api/v1/enterprises",
        headers=world.headers[role],
        json={
            "credit_code": credit_code(),
            "name": "某某大药房",
            "kind": "retail_pharmacy",
            "region_code": "330106",
        },
    )
    assert response.status_code == (401 if role == "public" else 403)


def test_a_bad_or_expired_token_is_refused(client: TestClient, world: World) -> None:
    for header in ("Bearer yj_not-a-token", "Basic abc", "Bearer"):
        response = client.get("/api/v1/enterprises", headers={"Authorization": header})
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
    wrong = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})
    assert wrong.status_code == 401
