"""A county regulator opens, runs and closes a case from the web pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import make_enterprise, sign_in
from tests.enforcement.builders import decided, open_case
from yaojian.auth.models import Role

HTML = {"Accept": "text/html"}


def case_id_of(location: str) -> int:
    match = re.fullmatch(r"/cases/(\d+)", location)
    assert match, location
    return int(match.group(1))


def test_a_county_regulator_runs_a_case_from_lead_to_closure_on_the_pages(
    client: TestClient, session: Session
) -> None:
    enterprise = make_enterprise(session, region_code="330106")
    sign_in(client, session, Role.COUNTY_REGULATOR, region_code="330106")
    opened = client.post(
        "/cases",
        data={"lead_kind": "inspection_finding", "lead_ref": "JC-7",
              "credit_code": enterprise.credit_code, "summary": "飞行检查发现未按GSP储存"},
        follow_redirects=False,
    )  # fmt: skip
    assert opened.status_code == 303, opened.text
    case_id = case_id_of(opened.headers["location"])
    page = client.get(f"/cases/{case_id}")
    assert "线索核查" in page.text and "核查决定是否立案" in page.text

    def act(step: str, **form: str) -> None:
        response = client.post(f"/cases/{case_id}/act/{step}", data=form, follow_redirects=False)
        assert response.status_code == 303, response.text

    act("file", note="同意立案")
    uploaded = client.post(
        f"/cases/{case_id}/evidence",
        files={"file": ("photo.jpg", b"\xff\xd8jpeg-bytes", "image/jpeg")},
        data={"description": "冷库现场照片"},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    act("submit-review", findings="经查，当事人冷库温度超标未采取措施，违反GSP。")
    fragment = client.post(
        f"/cases/{case_id}/discretion",
        data={"violation_code": "dal-126", "circumstances": ["eliminated_harm"]},
    )
    assert "从轻处罚" in fragment.text and "100,000 – 220,000" in fragment.text
    decision = client.post(
        f"/cases/{case_id}/decision",
        data={"violation_code": "dal-126", "circumstances": ["eliminated_harm"],
              "review_opinion": "事实清楚，同意", "decision_kind": "penalty",
              "fine_amount": "150000", "warning": "true"},
        follow_redirects=False,
    )  # fmt: skip
    assert decision.status_code == 303, decision.text
    page = client.get(f"/cases/{case_id}")
    assert "罚款150,000元" in page.text and "photo.jpg" in page.text
    act("serve", note="直接送达")
    act("execute", note="罚款已缴清")
    act("close")
    page = client.get(f"/cases/{case_id}")
    assert 'id="case-stage">结案' in page.text
    assert "处罚执行完毕" in page.text


def test_a_refused_step_on_the_page_names_the_rule(client: TestClient, session: Session) -> None:
    case = open_case(session, make_enterprise(session))
    sign_in(client, session, Role.COUNTY_REGULATOR, region_code="330106")
    response = client.post(f"/cases/{case.id}/act/close", data={}, headers=HTML)
    assert response.status_code == 409
    assert "close_requires_decision" in response.text
    missing = client.post(
        f"/cases/{case.id}/decision", data={"violation_code": "dal-126"}, headers=HTML
    )
    assert missing.status_code == 409 and "decide_after_legal_review" in missing.text


def test_the_case_list_shows_the_stage_and_days_left_in_colour(
    client: TestClient, session: Session
) -> None:
    import datetime as dt

    from yaojian.kit.timeutil import today_local

    long_ago = today_local() - dt.timedelta(days=40)
    lapsed = open_case(session, make_enterprise(session), discovered_on=long_ago)
    fresh = open_case(session, make_enterprise(session))
    sign_in(client, session, Role.COUNTY_REGULATOR, region_code="330106")
    page = client.get("/cases")
    assert page.status_code == 200
    assert lapsed.number in page.text and fresh.number in page.text
    assert "days-over" in page.text and "days-ok" in page.text
    english = client.get("/cases?lang=en")
    assert "Cases" in english.text and "lead check" in english.text


def test_an_enterprise_user_sees_only_its_decisions_on_the_pages(
    client: TestClient, session: Session
) -> None:
    mine = make_enterprise(session)
    done = decided(session, mine)
    pending = open_case(session, mine)
    other = decided(session, make_enterprise(session))
    sign_in(client, session, Role.ENTERPRISE, enterprise=mine)
    page = client.get("/cases")
    assert done.decision_number and done.decision_number in page.text
    assert other.decision_number and other.decision_number not in page.text
    assert pending.number not in page.text
    assert client.get(f"/cases/{done.id}", headers=HTML).status_code == 404


def test_the_discretion_helper_waits_for_the_goods_value_instead_of_flagging_it(
    client: TestClient, session: Session
) -> None:
    enterprise = make_enterprise(session, region_code="330106")
    sign_in(client, session, Role.COUNTY_REGULATOR, region_code="330106")
    case_id = case_id_of(
        client.post(
            "/cases",
            data={"lead_kind": "other", "credit_code": enterprise.credit_code,
                  "summary": "销售劣药线索"},
            follow_redirects=False,
        ).headers["location"]
    )  # fmt: skip
    # On page load the helper posts the first violation (a multiple of 货值金额) with no amount.
    blank = client.post(f"/cases/{case_id}/discretion", data={"violation_code": "dal-116"})
    assert 'role="alert"' not in blank.text and "needs-value" in blank.text
    wrong = client.post(
        f"/cases/{case_id}/discretion", data={"violation_code": "dal-116", "goods_value": "-5"}
    )
    assert 'role="alert"' in wrong.text
