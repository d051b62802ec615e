"""Pharmacovigilance pages and the review workflow."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import sign_in as _login
from tests.pv.builders import make_report
from yaojian.audit.models import AuditEntry
from yaojian.auth.models import Role
from yaojian.pv.models import ReportCategory, ReviewState, SignalReview


def test_the_quality_page_shows_density_and_shares_per_city(
    client: TestClient, session: Session
) -> None:
    make_report(session, region_code="330106", serious=True)
    make_report(session, region_code="330212")
    _login(client, session, Role.PROVINCE_REGULATOR, "330000")
    page = client.get("/pv/quality", params={"category": "drug"}).text
    table = page.split('id="indicator-table"')[1]
    assert "杭州市" in table and "宁波市" in table and "全部" in table
    assert 'id="density-chart"' in page


def test_a_report_page_is_scoped_to_the_jurisdiction(client: TestClient, session: Session) -> None:
    own = make_report(session, region_code="330106", narrative="患者用药后出现皮疹。")
    other = make_report(session, region_code="330212")
    _login(client, session, Role.COUNTY_REGULATOR, "330106")
    assert "患者用药后出现皮疹" in client.get(f"/pv/reports/{own.id}").text
    assert client.get(f"/pv/reports/{other.id}", headers={"accept": "text/html"}).status_code == 404


def test_signal_review_is_for_the_province_centre(client: TestClient, session: Session) -> None:
    _login(client, session, Role.CITY_REGULATOR, "330100")
    assert client.get("/pv/signals", headers={"accept": "text/html"}).status_code == 403


def test_an_assessor_moves_a_review_along_and_every_step_is_audited(
    client: TestClient, session: Session
) -> None:
    review = SignalReview(category=ReportCategory.DRUG, drug="瑞舒伐他汀钙片", event="横纹肌溶解")
    session.add(review)
    session.commit()
    _login(client, session, Role.PROVINCE_REGULATOR, "330000")
    for state, notes in (("under_assessment", "调取病例"), ("confirmed", "说明书增加警示")):
        response = client.post(f"/pv/reviews/{review.id}", data={"state": state, "notes": notes})
        assert response.status_code == 200 and "已保存" in response.text
    session.expire_all()
    stored = session.get(SignalReview, review.id)
    assert stored is not None and stored.state is ReviewState.CONFIRMED
    assert stored.notes == "说明书增加警示"
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == str(review.id))
    ).all()
    assert actions.count("pv.review.update") == 2
    back = client.post(f"/pv/reviews/{review.id}", data={"state": "new", "notes": ""})
    assert back.status_code == 422


def test_an_assessor_uploads_an_e2b_file_and_sees_it_in_the_list(
    client: TestClient, session: Session
) -> None:
    from pathlib import Path

    _login(client, session, Role.PROVINCE_REGULATOR, "330000")
    xml = (Path(__file__).parents[1] / "data/pv/e2b-r3/FAERS2022Scenario1.xml").read_bytes()
    response = client.post(
        "/pv/reports/upload",
        files={"file": ("FAERS2022Scenario1.xml", xml, "application/xml")},
        data={"category": "drug", "region_code": "330106"},
    )
    assert response.status_code == 200 and "新报告 1" in response.text
    assert "US-APHARMA-8744554B" in response.text.split('id="report-table"')[1]


def test_a_broken_upload_names_the_problem_and_stores_nothing(
    client: TestClient, session: Session
) -> None:
    _login(client, session, Role.PROVINCE_REGULATOR, "330000")
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    response = client.post(
        "/pv/reports/upload", files={"file": ("bomb.xml", bomb, "application/xml")}
    )
    assert response.status_code == 422 and "未保存" in response.text
    csv = b"not,a,template\n1,2,3\n"
    response = client.post("/pv/reports/upload", files={"file": ("rows.csv", csv, "text/csv")})
    assert response.status_code == 422
    listed = client.get("/pv/reports").text.split('id="report-total">')[1]
    assert listed.startswith("0<")


def test_the_template_downloads_as_a_spreadsheet(client: TestClient, session: Session) -> None:
    _login(client, session, Role.COUNTY_REGULATOR, "330106")
    response = client.get("/pv/template.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
