"""The pages a county regulator works with: register a sample, send it to the laboratory, enter a
failing report, close the follow-up; the list, its spreadsheet, the plans and the indicator."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from io import BytesIO

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests.builders import sign_in
from tests.sampling.builders import LOT, SAMPLED_ON, YEAR, reported, take, world
from yaojian.auth.models import Role


def test_a_county_regulator_does_the_whole_sampling_from_the_pages(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    sign_in(client, session, Role.COUNTY_REGULATOR, "330106")
    form = client.get("/sampling/samples/new").text
    assert w.xihu.name in form and w.binjiang.name not in form and w.special.title in form
    created = client.post(
        "/sampling/samples",
        data={"plan_id": w.special.id, "enterprise_id": w.xihu.id,
              "approval_number": w.drug.approval_number, "batch_number": LOT,
              "stage": "distribution", "sampled_by": "张三", "sampled_on": str(SAMPLED_ON),
              "quantity": 6, "unit": "盒"},
        follow_redirects=False,
    )  # fmt: skip
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    page = client.get(url).text
    assert "已抽样" in page and 'id="receipt-form"' in page and 'id="result-form"' not in page

    receipt = {
        "lab": "浙江省食品药品检验研究院",
        "received_on": str(SAMPLED_ON + dt.timedelta(days=1)),
    }
    client.post(f"{url}/lab-receipt", data=receipt)
    page = client.get(url).text
    assert "检验中" in page and 'id="result-form"' in page
    reported_on = str(SAMPLED_ON + dt.timedelta(days=4))
    result = {
        "report_number": "ZJYJ-2026-0101", "reported_on": reported_on,
        "item": ["性状", "溶出度", "", ""], "standard": ["白色粉末", "不低于80%", "", ""],
        "outcome": ["符合规定", "61%", "", ""], "verdict": ["pass", "fail", "pass", "pass"],
    }  # fmt: skip
    done = client.post(f"{url}/result", data=result)
    assert done.status_code == 200
    assert "不合格" in done.text and "不符合规定" in done.text and "控制中" in done.text
    assert 'id="close-form"' in done.text and "sampling:" in done.text

    again = client.post(f"{url}/result", data=result)
    assert again.status_code == 409 and "one-report-per-sample" in again.text

    follow_up = re.search(r"/sampling/follow-ups/(\d+)/close", done.text).group(1)  # type: ignore[union-attr]
    closed = client.post(f"/sampling/follow-ups/{follow_up}/close", data={"note": "已责令停售"})
    assert "已办结" in closed.text and "已责令停售" in closed.text


def test_a_refused_sample_form_says_why_and_keeps_what_was_typed(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    sign_in(client, session, Role.COUNTY_REGULATOR, "330106")
    refused = client.post(
        "/sampling/samples",
        data={"plan_id": w.special.id, "enterprise_id": w.xihu.id,
              "approval_number": w.drug.approval_number, "batch_number": "NO-SUCH",
              "stage": "distribution", "sampled_by": "张三", "sampled_on": str(SAMPLED_ON),
              "quantity": 6},
    )  # fmt: skip
    assert (
        refused.status_code == 422
        and "NO-SUCH" in refused.text
        and "not registered" in refused.text
    )


def test_the_list_filters_by_status_and_exports_what_it_shows(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    failed = reported(session, w.special, w.batch, w.xihu, passed=False)
    reported(session, w.special, w.batch, w.xihu, passed=True)
    take(session, w.special, w.batch, w.binjiang)
    sign_in(client, session, Role.COUNTY_REGULATOR, "330106")
    page = client.get("/sampling/samples", params={"status": "failed"}).text
    assert failed.sample_number in page and 'id="sample-total">1<' in page
    assert 'id="follow-ups"' in page  # the open follow-up is on the county's desk
    sheet = client.get("/sampling/samples.xlsx")
    assert sheet.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(sheet.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][0] == "抽样编号" and len(rows) == 1 + 2  # Binjiang's sample is not Xihu's
    assert {r[14] for r in rows[1:]} == {"合格", "不合格"} and "溶出度" in {r[19] for r in rows[1:]}


def test_the_plan_page_allocates_quotas_and_shows_progress(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    take(session, w.special, w.batch, w.xihu)
    sign_in(client, session, Role.PROVINCE_REGULATOR, "330000")
    client.post(
        f"/sampling/plans/{w.special.id}/allocate", data={"total": 20, "risk_weighted": "true"}
    )
    page = client.get(f"/sampling/plans/{w.special.id}").text
    table = page.split('id="quota-table"')[1].split("</table>")[0]
    assert (
        "西湖区" in table and "滨江区" in table and "鄞州区" in table
    )  # counties with enterprises
    assert "按风险加权" in page
    plans = client.get("/sampling/plans").text
    assert w.special.title in plans and 'id="plan-form"' in plans


def test_the_indicator_page_charts_the_pass_rate_by_city(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    reported(session, w.special, w.batch, w.xihu, passed=True)
    reported(session, w.special, w.batch, w.binjiang, passed=False)
    sign_in(client, session, Role.PROVINCE_ADMIN, "330000")
    page = client.get("/sampling/indicator", params={"year": YEAR}).text
    assert "/static/sampling.js" in page and "99.5%" in page
    attribute = re.search(r"data-rows='([^']*)'", page).group(1)  # type: ignore[union-attr]
    chart = {r["name"]: r for r in json.loads(html.unescape(attribute))}
    assert len(chart) == 11 and chart["杭州市"]["rate"] == 0.5 and chart["宁波市"]["rate"] is None
    assert "50.00%" in page


def test_the_sampling_pages_speak_english(client: TestClient, session: Session) -> None:
    world(session)
    sign_in(client, session, Role.PROVINCE_ADMIN, "330000")
    client.get("/lang/en", headers={"referer": "http://testserver/sampling/samples"})
    english = client.get("/sampling/indicator").text
    assert "pass rate of essential and centrally procured drugs" in english.lower()
    assert "Supervisory sampling" in client.get("/sampling/samples").text


def test_an_enterprise_reads_its_results_but_not_the_follow_up(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    failed = reported(session, w.special, w.batch, w.xihu, passed=False)
    other = take(session, w.special, w.batch, w.binjiang)
    sign_in(client, session, Role.ENTERPRISE, enterprise=w.xihu)
    listing = client.get("/sampling/samples").text
    assert failed.sample_number in listing and other.sample_number not in listing
    page = client.get(f"/sampling/samples/{failed.id}").text
    assert "不符合规定" in page and "不合格后续处置" not in page and 'id="receipt-form"' not in page
    assert (
        client.get(f"/sampling/samples/{other.id}", headers={"accept": "text/html"}).status_code
        == 404
    )
    assert client.get("/sampling/samples/new", headers={"accept": "text/html"}).status_code == 403


def test_a_county_regulator_plans_for_the_county_and_allocates_it(
    client: TestClient, session: Session
) -> None:
    world(session)
    sign_in(client, session, Role.COUNTY_REGULATOR, "330106")
    form = client.get("/sampling/plans").text.split('name="region_code"')[1].split("</select>")[0]
    assert "西湖区" in form and "杭州市" not in form
    made = client.post(
        "/sampling/plans",
        data={"year": YEAR, "title": "西湖区零售药店专项抽检", "programme": "targeted",
              "category": "drug", "region_code": "330106"},
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303
    plan_url = made.headers["location"]
    client.post(f"{plan_url}/allocate", data={"total": 3})
    table = client.get(plan_url).text.split('id="quota-table"')[1].split("</table>")[0]
    assert "西湖区" in table and "滨江区" not in table and ">3<" in table
