from __future__ import annotations

import datetime as dt
from io import BytesIO

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import make_user
from tests.inspection.builders import make_corps, make_narcotics_maker
from yaojian.auth.models import Role
from yaojian.inspection.choices import VisitStatus
from yaojian.inspection.models import InspectionPlan, InspectionVisit

YEAR = dt.date.today().year + 1


def _sign_in(client: TestClient, session: Session, role: Role, region: str) -> None:
    user = make_user(session, role, region_code=region)
    session.commit()
    form = {"username": user.username, "password": "secret-pass", "next": "/"}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def test_a_county_regulator_plans_assigns_runs_and_closes_a_visit_from_the_pages(
    client: TestClient, session: Session
) -> None:
    make_narcotics_maker(session, region_code="330106")
    make_corps(session, ["330102", "330108"])
    _sign_in(client, session, Role.COUNTY_REGULATOR, "330106")
    created = client.post("/inspection/plans", data={"year": YEAR}, follow_redirects=False)
    assert created.status_code == 303
    plan_url = created.headers["location"]
    page = client.get(plan_url)
    assert page.status_code == 200
    assert "麻醉药品" in page.text
    assigned = client.post(plan_url + "/assign", follow_redirects=False)
    assert assigned.status_code == 303
    assert "组长" in client.get(plan_url).text
    plan = session.scalars(select(InspectionPlan)).one()
    sheet = load_workbook(BytesIO(client.get(plan_url + "/export.xlsx").content)).active
    assert sheet is not None and sheet.max_row == 1 + plan.summary["visits"]

    visit = session.scalars(
        select(InspectionVisit).where(InspectionVisit.plan_id == plan.id)
    ).first()
    assert visit is not None
    url = f"/inspection/visits/{visit.id}"
    assert client.post(url + "/start", follow_redirects=False).status_code == 303
    finding = {"item_code": "GMP-4", "clause": "GMP 第四章", "severity": "major",
               "description": "洁净区压差记录不全"}  # fmt: skip
    assert client.post(url + "/findings", data=finding, follow_redirects=False).status_code == 303
    wrong = client.post(url + "/conclusion", data={"conclusion": "compliant"})
    assert wrong.status_code == 409 and "compliant" in wrong.text
    client.post(url + "/conclusion", data={"conclusion": "non_compliant"})
    refused = client.post(url + "/close")
    assert refused.status_code == 409
    finding_id = client.get("/api/v1/inspection/findings").json()[0]["id"]
    client.post(
        f"/inspection/findings/{finding_id}/disposition",
        data={"visit_id": visit.id, "disposition": "case_referral"},
    )
    # The referred finding leads to the case form, filled in with the finding and the party.
    link = f"/cases?lead_kind=inspection_finding&amp;lead_ref=F{finding_id}"
    assert link in client.get(url).text
    form = client.get(link.replace("&amp;", "&")).text
    assert f'value="F{finding_id}"' in form
    assert '<option value="inspection_finding" selected>' in form
    assert client.post(url + "/close", follow_redirects=False).status_code == 303
    session.refresh(visit)
    assert visit.status is VisitStatus.CLOSED
    assert "检查指标" in client.get("/inspection").text
    indicators = client.get("/inspection/indicators")
    assert indicators.status_code == 200 and "100.0%" in indicators.text
