from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import ADMIN, actor_of, bearer, make_user
from tests.inspection.builders import close_the_loop, staffed_visit
from yaojian.auth.models import Role
from yaojian.inspection import workflow
from yaojian.inspection.choices import Disposition
from yaojian.inspection.indicators import indicators
from yaojian.inspection.schemas import EvidenceCreate, VerificationCreate

TODAY = dt.date.today()
PERIOD = (TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=2))


def test_flying_rectification_and_disposal_rates_count_what_happened(session: Session) -> None:
    done, user = staffed_visit(session, county="330106")
    pending, _ = staffed_visit(session, county="330106")
    inspector = actor_of(user)
    order_done = close_the_loop(session, done, inspector)
    close_the_loop(session, pending, ADMIN)  # ordered, never answered
    owner = actor_of(make_user(session, Role.ENTERPRISE, enterprise=done.enterprise))
    workflow.submit_evidence(session, owner, order_done, EvidenceCreate(evidence="已整改"))
    workflow.verify(session, inspector, order_done, VerificationCreate(accepted=True))
    result = indicators(session, ADMIN, *PERIOD, by="county")
    (xihu,) = [r for r in result.rows if r["region_code"] == "330106"]
    assert xihu["defective_enterprises"] == 2 and xihu["rectified_enterprises"] == 1
    assert xihu["rectification_rate"] == 50.0
    assert xihu["findings"] == 2 and xihu["disposal_rate"] == 100.0
    by_city = indicators(session, ADMIN, *PERIOD, by="city")
    assert [r["region_code"] for r in by_city.rows] == ["330100"]
    later = indicators(session, ADMIN, TODAY + dt.timedelta(days=5), TODAY + dt.timedelta(days=9))
    assert later.rows == [] and later.total["rectification_rate"] is None


def test_a_finding_without_a_disposition_lowers_the_disposal_rate(session: Session) -> None:
    visit, user = staffed_visit(session)
    inspector = actor_of(user)
    close_the_loop(session, visit, inspector)
    (finding,) = workflow.findings_of(session, visit.id)
    workflow.set_disposition(session, inspector, finding.id, Disposition.NONE)
    assert indicators(session, ADMIN, *PERIOD).total["disposal_rate"] == 0.0
    workflow.set_disposition(session, inspector, finding.id, Disposition.CASE_REFERRAL)
    assert indicators(session, ADMIN, *PERIOD).total["disposal_rate"] == 100.0


def test_the_indicators_api_is_scoped_to_the_county(client: TestClient, session: Session) -> None:
    visit, user = staffed_visit(session, county="330106")
    close_the_loop(session, visit, actor_of(user))
    session.commit()
    params = {"start": PERIOD[0].isoformat(), "end": PERIOD[1].isoformat()}
    xihu = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    binjiang = bearer(client, session, Role.COUNTY_REGULATOR, "330108")
    mine = client.get("/api/v1/inspection/indicators", params=params, headers=xihu).json()
    assert mine["total"]["defective_enterprises"] == 1
    theirs = client.get("/api/v1/inspection/indicators", params=params, headers=binjiang).json()
    assert theirs["total"]["defective_enterprises"] == 0
