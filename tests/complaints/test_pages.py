"""The pages: the public form and tracking page, and the county desk working a complaint."""

from __future__ import annotations

import datetime as dt
import html as html_module
import json
import re
from io import BytesIO

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_enterprise, sign_in
from tests.complaints.builders import complaint_data, make_complaint
from yaojian.auth.models import Role
from yaojian.complaints import service
from yaojian.complaints.models import Complaint
from yaojian.complaints.schemas import Decision


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form carries no token"
    return match.group(1)


def _file(client: TestClient, data: dict[str, str]) -> tuple[int, str]:
    form = client.get("/complaints/new")
    assert form.status_code == 200
    response = client.post("/complaints/new", data=data | {"csrf_token": _token(form.text)})
    return response.status_code, response.text


def test_the_public_form_needs_no_account_and_routes_to_the_enterprises_county(
    client: TestClient, session: Session
) -> None:
    pharmacy = make_enterprise(session, region_code="330108")
    session.commit()
    page = client.get("/complaints/new")
    assert "药品、医疗器械、化妆品投诉举报" in page.text and "退出" not in page.text
    status, html = _file(client, complaint_data(pharmacy))
    assert status == 200, html
    number = re.search(r'id="tracking-number">([^<]+)<', html)
    assert number
    complaint = session.scalars(select(Complaint).where(Complaint.number == number.group(1))).one()
    assert (complaint.region_code, complaint.channel) == ("330108", "web")


def test_the_public_form_speaks_english_when_asked_and_keeps_to_it(client: TestClient) -> None:
    page = client.get("/complaints/new?lang=en")
    assert "Complaints and reports on drugs, devices and cosmetics" in page.text
    data = complaint_data("某药房", csrf_token=_token(page.text))
    done = client.post("/complaints/new?lang=en", data=data)
    assert "Tracking number" in done.text


def test_a_post_without_the_forms_token_is_refused(client: TestClient, session: Session) -> None:
    response = client.post("/complaints/new", data=complaint_data("某药房"))
    assert response.status_code == 403
    other = TestClient(client.app)
    token = _token(other.get("/complaints/new").text)  # another visitor's token
    response = client.post("/complaints/new", data=complaint_data("某药房", csrf_token=token))
    assert response.status_code == 403
    assert session.scalars(select(Complaint)).first() is None


def test_bad_form_input_comes_back_with_the_field_named_and_the_text_kept(
    client: TestClient,
) -> None:
    status, html = _file(client, complaint_data("某药房", contact_phone=""))
    assert status == 422
    assert 'data-field="contact_phone"' in html
    assert "药片受潮变色" in html  # what was typed is not lost


def test_the_tracking_page_shows_status_and_reply_but_nothing_private(
    client: TestClient, session: Session
) -> None:
    pharmacy = make_enterprise(session, region_code="330106")
    complaint = make_complaint(
        session, pharmacy, contact_name="李小明", contact_phone="13900001111"
    )
    service.decide(session, ADMIN, complaint.id, Decision(accept=True))
    service.add_record(session, ADMIN, complaint.id, "内部记录：约谈药房负责人")
    service.reply(session, ADMIN, complaint.id, "经调解，药房同意退货。")
    session.commit()
    page = client.get(f"/complaints/track/{complaint.number}")
    assert page.status_code == 200
    assert "经调解，药房同意退货。" in page.text and "已答复" in page.text
    for private in ("李小明", "13900001111", "文三路", "药片受潮变色", "内部记录", pharmacy.name):
        assert private not in page.text, private
    api = client.get(f"/api/v1/public/complaints/{complaint.number}").json()
    assert set(api) == {
        "number", "kind", "status", "received_on", "desk", "public_reply", "replied_on",
        "closed_on",
    }  # fmt: skip
    guessed = complaint.number[:-1] + ("0" if complaint.number[-1] != "0" else "1")
    assert client.get(f"/complaints/track/{guessed}").status_code == 404


def test_a_county_regulator_receives_handles_and_closes_a_complaint_from_the_pages(
    client: TestClient, session: Session
) -> None:
    pharmacy = make_enterprise(session, region_code="330106")
    complaint = make_complaint(session, pharmacy)
    sign_in(client, session, Role.COUNTY_REGULATOR, "330106")
    desk = client.get("/complaints")
    assert complaint.number in desk.text and "张* · 138****5678" in desk.text
    assert "13812345678" not in desk.text
    page = client.get(f"/complaints/{complaint.id}")
    token = _token(page.text)
    base = f"/complaints/{complaint.id}"

    def step(action: str, **form: str) -> str:
        response = client.post(f"{base}/{action}", data=form | {"csrf_token": token})
        assert response.status_code == 200, response.text  # followed the redirect
        return response.text

    # Replying first is refused, the page says which rule.
    refused = client.post(f"{base}/reply", data={"text": "已处理", "csrf_token": token})
    assert refused.status_code == 409 and "workflow.reply-after-acceptance" in refused.text
    step("accept", text="")
    html = step("record", text="电话联系药房，组织调解")
    assert "电话联系药房，组织调解" in html and "处理中" in html
    step("reply", text="经调解，药房同意退货。")
    html = step("close", text="")
    assert 'id="complaint-status">已办结' in html


def test_a_regulator_of_another_county_gets_a_404_page(
    client: TestClient, session: Session
) -> None:
    complaint = make_complaint(session, make_enterprise(session, region_code="330106"))
    sign_in(client, session, Role.COUNTY_REGULATOR, "330108")
    assert client.get(f"/complaints/{complaint.id}").status_code == 404
    assert complaint.number not in client.get("/complaints").text


def test_the_desk_list_colours_overdue_complaints_and_exports_them(
    client: TestClient, session: Session
) -> None:
    pharmacy = make_enterprise(session, region_code="330106")
    old = make_complaint(session, pharmacy, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
    fresh = make_complaint(session, pharmacy)
    sign_in(client, session, Role.COUNTY_REGULATOR, "330106")
    overdue = client.get("/complaints?deadline=overdue").text
    assert old.number in overdue and fresh.number not in overdue
    assert 'class="deadline-overdue"' in overdue
    assert 'id="overdue-count">1<' in overdue
    response = client.get("/complaints/export.xlsx?deadline=overdue")
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and len(rows) == 2
    assert rows[1][0] == old.number and rows[1][9] == "超期" and rows[1][10] == "张* · 138****5678"


def test_the_desk_chart_counts_complaints_by_month_and_kind(
    client: TestClient, session: Session
) -> None:
    pharmacy = make_enterprise(session, region_code="330106")
    make_complaint(session, pharmacy)
    make_complaint(session, pharmacy, kind="report", contact_name="", contact_phone="")
    sign_in(client, session, Role.COUNTY_REGULATOR, "330106")
    html = client.get("/complaints").text
    match = re.search(r"data-rows='([^']+)'", html)
    assert match
    months = json.loads(html_module.unescape(match.group(1)))
    assert len(months) == 12
    assert (months[-1]["complaint"], months[-1]["report"]) == (1, 1)
