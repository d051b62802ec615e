"""The chain of a pack: direct events, events on its case while packed, custodian, status."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_enterprise, make_user
from tests.trace import flows
from yaojian.auth.models import Role
from yaojian.trace.service import add_location


def _setup(client: TestClient, session: Session) -> dict[str, str]:
    names = {}
    for uri, kind, county in (
        (flows.MAKER, "drug_manufacturer", "330106"),
        (flows.WHOLESALER, "drug_wholesaler", "330212"),
        (flows.PHARMACY, "retail_pharmacy", "330212"),
    ):
        enterprise = make_enterprise(session, kind=kind, region_code=county)
        add_location(session, ADMIN, uri, enterprise.id)
        names[uri] = enterprise.name
    user = make_user(session, Role.PROVINCE_ADMIN, region_code="330000")
    session.commit()
    token = client.post(
        "/api/v1/auth/token", data={"username": user.username, "password": "secret-pass"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/v1/epcis/capture", content=flows.pack_journey(), headers=headers)
    assert response.status_code == 202, response.text
    return headers | {"_pharmacy": names[flows.PHARMACY], "_wholesaler": names[flows.WHOLESALER]}


def test_a_pack_inherits_its_cases_events_while_packed_and_ends_dispensed(
    client: TestClient, session: Session
) -> None:
    headers = _setup(client, session)
    pharmacy, wholesaler = headers.pop("_pharmacy"), headers.pop("_wholesaler")
    body = client.get(f"/api/v1/trace/codes/{flows.PACKS[0]}", headers=headers).json()
    steps = [(e["biz_step"], e["via"]) for e in body["events"]]
    assert steps == [
        ("commissioning", None),
        ("packing", None),
        ("shipping", flows.CASE),
        ("receiving", flows.CASE),
        ("unpacking", None),
        ("shipping", None),
        ("receiving", None),
        ("dispensing", None),
    ]  # the empty case's later shipment is not the pack's
    assert body["status"] == "dispensed" and body["custodian"]["name"] == pharmacy
    other = client.get(f"/api/v1/trace/codes/{flows.PACKS[1]}", headers=headers).json()
    assert other["status"] == "active" and other["custodian"]["name"] == wholesaler


def test_the_same_pack_is_found_from_its_barcode_text(client: TestClient, session: Session) -> None:
    headers = _setup(client, session)
    headers.pop("_pharmacy"), headers.pop("_wholesaler")
    urn = client.get(f"/api/v1/trace/codes/{flows.PACKS[0]}", headers=headers).json()
    gtin = urn["code"]["gtin"]
    hri = client.get(f"/api/v1/trace/codes/(01){gtin}(21)101", headers=headers).json()
    assert len(hri["events"]) == len(urn["events"]) == 8
    bad = client.get(f"/api/v1/trace/codes/(01){gtin[:-1]}0(21)101", headers=headers)
    assert bad.status_code == 422 and bad.json()["invalid-params"][0]["name"] == "code"


def test_the_chain_page_names_steps_and_dispositions_in_the_readers_language(
    client: TestClient, session: Session
) -> None:
    headers = _setup(client, session)
    pharmacy = headers.pop("_pharmacy")
    client.cookies.clear()
    user = make_user(session, Role.PROVINCE_REGULATOR, region_code="330000")
    session.commit()
    client.post("/login", data={"username": user.username, "password": "secret-pass"})
    page = client.get("/trace/codes", params={"code": flows.PACKS[0]}).text
    for words in (
        "赋码",
        "装箱 · 装入",
        "发货",
        "收货",
        "拆箱 · 拆出",
        "调配/售出",
        "已售出/已使用",
    ):
        assert words in page, words
    assert pharmacy in page and "commissioning" not in page
    unreadable = client.get("/trace/codes", params={"code": "(01)12345"}).text
    assert "无法识别该码" in unreadable
    english = client.get("/trace/codes", params={"code": flows.PACKS[0], "lang": "en"}).text
    assert "commissioning" in english and "packing · 装入" not in english
