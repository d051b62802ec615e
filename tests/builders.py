"""Plain builders for test data. They go through the real services, as a regulator would."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

from sqlalchemy.orm import Session
from stdnum.cn import uscc

from yaojian.auth.actor import Actor, system_actor
from yaojian.auth.models import Role, User
from yaojian.auth.service import actor_for_user, create_machine_token, create_user
from yaojian.registry import service
from yaojian.registry.choices import EnterpriseKind, LicenceType
from yaojian.registry.models import Drug, Enterprise, Licence
from yaojian.registry.schemas import DrugCreate, EnterpriseCreate, LicenceCreate

ADMIN = system_actor("tests")
_serial = itertools.count(1)
_rng = random.Random(7)


def credit_code(county: str = "330106") -> str:
    """A valid unified social credit code that no other test uses."""
    stem = f"91{county}MA{next(_serial):07d}"
    return stem + uscc.calc_check_digit(stem)


def make_enterprise(session: Session, actor: Actor = ADMIN, **overrides: Any) -> Enterprise:
    n = next(_serial)
    data = {
        "credit_code": credit_code(overrides.get("region_code", "330106")),
        "name": f"测试{n}号药业有限公司",
        "kind": EnterpriseKind.DRUG_MANUFACTURER,
        "region_code": "330106",
        "address": f"浙江省杭州市西湖区测试路{n}号",
    } | overrides
    return service.create_enterprise(session, actor, EnterpriseCreate(**data))


def make_licence(
    session: Session, enterprise: Enterprise, valid_to: dt.date, **overrides: Any
) -> Licence:
    data = {
        "licence_type": LicenceType.DRUG_MANUFACTURING,
        "number": f"浙T{next(_serial):07d}",
        "valid_from": valid_to - dt.timedelta(days=5 * 365),
        "valid_to": valid_to,
    } | overrides
    return service.add_licence(session, ADMIN, enterprise.id, LicenceCreate(**data))


def make_drug(session: Session, enterprise: Enterprise, **overrides: Any) -> Drug:
    data = {
        "name": "阿莫西林胶囊",
        "approval_number": f"国药准字H3302{next(_serial):04d}",
        "dosage_form": "胶囊剂",
    } | overrides
    return service.add_drug(session, ADMIN, enterprise.id, DrugCreate(**data))


def make_user(
    session: Session,
    role: Role,
    *,
    region_code: str | None = None,
    enterprise: Enterprise | None = None,
    password: str = "secret-pass",
) -> User:
    return create_user(
        session,
        ADMIN,
        username=f"user{next(_serial)}",
        password=password,
        role=role,
        region_code=region_code,
        enterprise_id=enterprise.id if enterprise else None,
    )


def actor_of(user: User) -> Actor:
    return actor_for_user(user)


def machine_token(session: Session, enterprise: Enterprise) -> str:
    _, secret = create_machine_token(session, ADMIN, enterprise.id, "erp")
    return secret


def bearer(
    client: Any, session: Session, role: Role, region_code: str | None = None, **kw: Any
) -> dict[str, str]:
    """A new user of ``role`` signed in through the OAuth2 password flow; their bearer header."""
    user = make_user(session, role, region_code=region_code, **kw)
    session.commit()
    response = client.post(
        "/api/v1/auth/token", data={"username": user.username, "password": "secret-pass"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    return {"Authorization": f"Bearer {body['access_token']}"}


def sign_in(
    client: Any, session: Session, role: Role, region_code: str | None = None, **kw: Any
) -> None:
    """A new user of ``role`` signed in to the web pages (the client keeps the cookie)."""
    user = make_user(session, role, region_code=region_code, **kw)
    session.commit()
    form = {"username": user.username, "password": "secret-pass", "next": "/"}
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
