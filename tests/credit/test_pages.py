"""The credit pages: the regulators' overview and its spreadsheet, the button, an enterprise's
history with its explanation (seen by the enterprise too), the public list."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from io import BytesIO

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_enterprise, sign_in
from tests.credit.builders import failed_samples, listed, penalty
from tests.sampling.builders import world
from yaojian.auth.models import Role
from yaojian.credit import service
from yaojian.kit.timeutil import today_local


def test_the_province_runs_the_grading_from_the_page_and_sees_the_distribution(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    failed_samples(session, w, w.xihu, 2)
    penalty(session, w.xihu)
    sign_in(client, session, Role.PROVINCE_REGULATOR, "330000")
    first = client.get("/credit").text
    assert 'id="run-form"' in first and "尚未评定" in first
    done = client.post("/credit/run", data={"as_of": ""}, follow_redirects=True)
    assert done.status_code == 200 and 'id="run-done"' in done.text
    page = client.get("/credit", params={"grade": "C"}).text
    rows = re.findall(r'<a href="/credit/enterprises/(\d+)">', page)
    assert rows == [str(w.xihu.id)]
    assert "监督抽检不合格 2次 −20" in page
    chart = re.search(r"data-rows='([^']*)'", page)
    assert chart is not None
    hangzhou = next(r for r in json.loads(html.unescape(chart.group(1))) if r["name"] == "杭州市")
    assert hangzhou["C"] >= 1
    assert 'id="coverage-8"' in page and 'id="coverage-9"' in page


def test_the_export_is_a_spreadsheet_of_the_filtered_grades(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    failed_samples(session, w, w.xihu, 2)
    penalty(session, w.xihu)
    service.grade_all(session, ADMIN)
    sign_in(client, session, Role.COUNTY_REGULATOR, "330106")
    response = client.get("/credit/grades.xlsx", params={"grade": "C"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "企业名称"
    assert [(r[0], r[4], r[5]) for r in rows[1:]] == [(w.xihu.name, "C", 72)]


def test_a_county_regulator_may_not_press_the_province_button(
    client: TestClient, session: Session
) -> None:
    sign_in(client, session, Role.COUNTY_REGULATOR, "330106")
    assert 'id="run-form"' not in client.get("/credit").text
    assert client.post("/credit/run", data={}).status_code == 403


def test_an_enterprise_sees_its_own_grade_explained_and_not_its_neighbours(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    failed_samples(session, w, w.xihu, 1)
    service.grade_all(session, ADMIN)
    sign_in(client, session, Role.ENTERPRISE, enterprise=w.xihu)
    own = client.get("/credit", follow_redirects=True)
    assert own.url.path == f"/credit/enterprises/{w.xihu.id}"
    assert "A级（守信）" in own.text and 'id="explanation"' in own.text
    assert "−10" in own.text and 'id="list-form"' not in own.text
    assert client.get(f"/credit/enterprises/{w.binjiang.id}").status_code == 404


def test_a_county_regulator_lists_an_enterprise_from_its_page(
    client: TestClient, session: Session
) -> None:
    pharmacy = make_enterprise(session, region_code="330106", name="页面列入药房")
    sign_in(client, session, Role.COUNTY_REGULATOR, "330106")
    url = f"/credit/enterprises/{pharmacy.id}"
    assert 'id="list-form"' in client.get(url).text
    form = {"listed_on": str(today_local()), "reason": "销售假药情节严重",
            "legal_basis": "《市场监督管理严重违法失信名单管理办法》"}  # fmt: skip
    done = client.post(f"{url}/blacklist", data=form, follow_redirects=True)
    assert done.status_code == 200 and "销售假药情节严重" in done.text
    again = client.post(f"{url}/blacklist", data=form)
    assert again.status_code == 409 and 'id="error"' in again.text
    public = client.get("/public/blacklist", params={"q": "页面列入"})
    assert "页面列入药房" in public.text


def test_the_removal_form_refuses_an_early_repair_with_the_rule(
    client: TestClient, session: Session
) -> None:
    pharmacy = make_enterprise(session, region_code="330106")
    entry = listed(session, pharmacy, today_local() - dt.timedelta(days=30))
    sign_in(client, session, Role.COUNTY_REGULATOR, "330106")
    response = client.post(
        f"/credit/blacklist/{entry.id}/remove",
        data={"enterprise_id": pharmacy.id, "reason": "已整改完毕",
              "removed_on": str(today_local())},
    )  # fmt: skip
    assert response.status_code == 409 and "信用修复" in response.text


def test_the_public_blacklist_page_needs_no_account_and_the_overview_does(
    client: TestClient,
) -> None:
    assert client.get("/public/blacklist").status_code == 200
    assert client.get("/credit", follow_redirects=False).status_code in (303, 401)
