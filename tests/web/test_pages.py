"""Pages as a user meets them: login, the map, the enterprise list and detail, language, errors."""

from __future__ import annotations

import html
import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import make_enterprise, make_licence, make_user
from tests.builders import sign_in as _login
from yaojian.auth.models import Role


def test_pages_need_a_login_and_send_the_user_back_after_it(
    client: TestClient, session: Session
) -> None:
    response = client.get("/enterprises", headers={"accept": "text/html"}, follow_redirects=False)
    assert (
        response.status_code == 303 and response.headers["location"] == "/login?next=/enterprises"
    )
    user = make_user(session, Role.CITY_REGULATOR, region_code="330100")
    session.commit()
    wrong = client.post("/login", data={"username": user.username, "password": "nope"})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    form = {"username": user.username, "password": "secret-pass", "next": "/enterprises"}
    ok = client.post("/login", data=form, follow_redirects=False)
    assert ok.headers["location"] == "/enterprises"


def test_login_never_redirects_to_another_site(client: TestClient, session: Session) -> None:
    user = make_user(session, Role.CITY_REGULATOR, region_code="330100")
    session.commit()
    for target in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)"):
        response = client.post(
            "/login", data={"username": user.username, "password": "secret-pass", "next": target},
            follow_redirects=False,
        )  # fmt: skip
        assert response.headers["location"] == "/"


def test_the_home_map_counts_only_the_users_jurisdiction(
    client: TestClient, session: Session
) -> None:
    make_enterprise(session, region_code="330106")
    make_enterprise(session, region_code="330212")
    _login(client, session, Role.CITY_REGULATOR, region_code="330100")
    page = client.get("/").text
    assert 'id="zj-map"' in page and "/static/vendor/echarts.min.js" in page
    attribute = re.search(r"data-series='([^']*)'", page).group(1)  # type: ignore[union-attr]
    series = json.loads(html.unescape(attribute))
    by_code = {row["code"]: row["value"] for row in series}
    assert len(by_code) == 11 and by_code["330100"] >= 1 and by_code["330200"] == 0


def test_the_enterprise_list_filters_and_answers_htmx_with_rows_only(
    client: TestClient, session: Session
) -> None:
    wanted = make_enterprise(
        session, region_code="330106", name="西湖龙井大药房", kind="retail_pharmacy"
    )
    make_enterprise(session, region_code="330106", name="西湖某某制药有限公司")
    _login(client, session, Role.COUNTY_REGULATOR, region_code="330106")
    full = client.get("/enterprises", params={"q": "龙井大药房"})
    assert "<html" in full.text and wanted.name in full.text and "西湖某某制药" not in full.text
    partial = client.get(
        "/enterprises", params={"kind": "retail_pharmacy"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in partial.text and wanted.name in partial.text


def test_the_enterprise_page_shows_licences_with_their_expiry(
    client: TestClient, session: Session
) -> None:
    import datetime as dt

    enterprise = make_enterprise(session, region_code="330106")
    make_licence(session, enterprise, dt.date.today() - dt.timedelta(days=2), number="浙EXPIRED01")
    _login(client, session, Role.COUNTY_REGULATOR, region_code="330106")
    page = client.get(f"/enterprises/{enterprise.id}").text
    assert enterprise.credit_code in page and "浙EXPIRED01" in page and "已过期" in page


def test_an_enterprise_outside_the_jurisdiction_is_a_404_page(
    client: TestClient, session: Session
) -> None:
    ningbo = make_enterprise(session, region_code="330212")
    _login(client, session, Role.COUNTY_REGULATOR, region_code="330106")
    response = client.get(f"/enterprises/{ningbo.id}", headers={"accept": "text/html"})
    assert response.status_code == 404 and ningbo.name not in response.text


def test_the_interface_speaks_english_when_asked(client: TestClient, session: Session) -> None:
    _login(client, session, Role.PROVINCE_ADMIN, region_code="330000")
    chinese = client.get("/enterprises").text
    assert "企业名录" in chinese
    client.get("/lang/en", headers={"referer": "http://testserver/enterprises"})
    english = client.get("/enterprises").text
    assert "Enterprise register" in english and "企业名录" not in english
    assert "province administrator" in english


def test_health_openapi_and_unknown_api_paths(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/enterprises" in spec["paths"] and "/api/v1/auth/token" in spec["paths"]
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_a_city_regulator_sees_a_breakdown_by_county(client: TestClient, session: Session) -> None:
    make_enterprise(session, region_code="330106")
    make_enterprise(session, region_code="330108")
    _login(client, session, Role.CITY_REGULATOR, region_code="330100")
    page = client.get("/").text
    table = page.split('id="breakdown"')[1].split("</table>")[0]
    assert "西湖区" in table and "滨江区" in table and "宁波市" not in table
    assert table.count("<tr>") == 1 + 13  # header and Hangzhou's 13 counties


def test_the_region_filter_offers_only_the_users_jurisdiction(
    client: TestClient, session: Session
) -> None:
    _login(client, session, Role.COUNTY_REGULATOR, region_code="330106")
    select = client.get("/enterprises").text.split('name="region_code"')[1].split("</select>")[0]
    assert "西湖区" in select and "杭州市" in select
    assert "滨江区" not in select and "宁波市" not in select
