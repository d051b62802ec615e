"""The parties of the flows in ``flows``: enterprises with locations and licences, a token."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_enterprise, make_licence, make_user
from tests.trace import flows
from yaojian.auth.models import Role
from yaojian.registry.choices import LicenceType
from yaojian.registry.models import Enterprise
from yaojian.trace.service import add_location

FAR = dt.date(2099, 12, 31)


@dataclass
class Parties:
    maker: Enterprise
    wholesaler: Enterprise
    pharmacy: Enterprise
    headers: dict[str, str]


def setup(client: TestClient, session: Session) -> Parties:
    """Maker in Xihu (330106), wholesaler in Ninghai (330212), pharmacy in Shangcheng (330102),
    each with a current licence of its kind; a province administrator's bearer headers."""
    made = []
    for uri, kind, county, licence in (
        (flows.MAKER, "drug_manufacturer", "330106", LicenceType.DRUG_MANUFACTURING),
        (flows.WHOLESALER, "drug_wholesaler", "330212", LicenceType.DRUG_WHOLESALE),
        (flows.PHARMACY, "retail_pharmacy", "330102", LicenceType.DRUG_RETAIL),
    ):
        enterprise = make_enterprise(session, kind=kind, region_code=county)
        add_location(session, ADMIN, uri, enterprise.id)
        make_licence(session, enterprise, FAR, licence_type=licence,
                     valid_from=dt.date(2020, 1, 1))  # fmt: skip
        made.append(enterprise)
    user = make_user(session, Role.PROVINCE_ADMIN, region_code="330000")
    session.commit()
    return Parties(*made, headers=login(client, user.username))


def login(client: TestClient, username: str) -> dict[str, str]:
    token = client.post(
        "/api/v1/auth/token", data={"username": username, "password": "secret-pass"}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def capture(client: TestClient, headers: dict[str, str], *events: dict[str, Any]) -> None:
    response = client.post(
        "/api/v1/epcis/capture", content=flows.document(*events), headers=headers
    )
    assert response.status_code == 202, response.text
