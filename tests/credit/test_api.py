"""The credit API: grades and history by role."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import ADMIN, bearer, machine_token, make_enterprise
from yaojian.auth.models import Role
from yaojian.credit import service


def test_each_role_reads_the_grades_it_may_see(client: TestClient, session: Session) -> None:
    xihu = make_enterprise(session, region_code="330106")
    ningbo = make_enterprise(session, region_code="330212")
    service.grade_all(session, ADMIN)
    token = machine_token(session, xihu)
    session.commit()
    county = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    province = bearer(client, session, Role.PROVINCE_REGULATOR, "330000")

    def ids(headers: dict[str, str]) -> set[int]:
        body = client.get("/api/v1/credit/grades", params={"page_size": 200}, headers=headers)
        assert body.status_code == 200, body.text
        return {g["enterprise_id"] for g in body.json()["items"]}

    assert {xihu.id, ningbo.id} <= ids(province)
    assert xihu.id in ids(county) and ningbo.id not in ids(county)
    assert ids({"Authorization": f"Bearer {token}"}) == {xihu.id}
    assert client.get("/api/v1/credit/grades").status_code == 401
    history = client.get(f"/api/v1/credit/enterprises/{xihu.id}/grades",
                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert history.status_code == 200
    (row,) = history.json()
    assert row["grade"] == "A" and row["score"] == 100.0 and row["deductions"] == []
    other = client.get(f"/api/v1/credit/enterprises/{ningbo.id}/grades", headers=county)
    assert other.status_code == 404
