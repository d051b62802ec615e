"""Public scan-to-verify: genuine or not, product and batch, a plain status, no custody."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_drug, make_enterprise
from tests.trace import flows
from yaojian.settings import Settings
from yaojian.trace.capture import capture
from yaojian.web.app import create_app

GTIN = "80614141123458"  # the GTIN of flows.PACKS (urn:epc:id:sgtin:0614141.812345.*)


def _journey_with_lot(expiry: str = "2028-02-28") -> bytes:
    document = json.loads(flows.pack_journey())
    first = document["epcisBody"]["eventList"][0]
    first["ilmd"] = {"cbvmda:lotNumber": "260301A", "cbvmda:itemExpirationDate": expiry}
    return json.dumps(document).encode()


def _world(session: Session, expiry: str = "2028-02-28") -> None:
    maker = make_enterprise(session, name="浙江验真制药有限公司")
    make_drug(session, maker, name="阿莫西林胶囊", gtin=GTIN)
    capture(session, ADMIN, _journey_with_lot(expiry))
    session.commit()


def test_a_dispensed_pack_is_genuine_and_says_so_without_custody(
    client: TestClient, session: Session
) -> None:
    _world(session)
    body = client.get("/api/v1/public/verify", params={"code": f"(01){GTIN}(21)101"}).json()
    assert body["genuine"] is True and body["status"] == "dispensed"
    assert body["product"] == "阿莫西林胶囊" and body["holder"] == "浙江验真制药有限公司"
    assert body["batch"] == "260301A" and body["expiry"] == "2028-02-28"
    assert "sgln" not in json.dumps(body)  # no read points, no business locations
    unsold = client.get("/api/v1/public/verify", params={"code": flows.PACKS[1]}).json()
    assert unsold["status"] == "normal"


def test_an_unknown_or_expired_pack_is_suspect(client: TestClient, session: Session) -> None:
    _world(session, expiry="2026-01-31")
    unknown = client.get("/api/v1/public/verify", params={"code": f"(01){GTIN}(21)999"}).json()
    assert unknown["genuine"] is False and unknown["status"] == "suspect"
    expired = client.get("/api/v1/public/verify", params={"code": flows.PACKS[1]}).json()
    assert expired["status"] == "suspect" and "过期" in expired["reason"]
    bad = client.get("/api/v1/public/verify", params={"code": "(01)80614141123457(21)1"})
    assert bad.status_code == 422 and bad.json()["invalid-params"][0]["name"] == "code"


def test_the_verify_page_needs_no_account(client: TestClient, session: Session) -> None:
    _world(session)
    page = client.get("/verify", params={"code": flows.PACKS[0]})
    assert page.status_code == 200 and "已售出" in page.text and "阿莫西林胶囊" in page.text


def test_verification_is_rate_limited_per_client(session: Session, factory) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(secret_key="t", verify_per_minute=2)
    with TestClient(create_app(settings, factory)) as client:
        codes = {"code": flows.PACKS[0]}
        assert [
            client.get("/api/v1/public/verify", params=codes).status_code for _ in range(2)
        ] == [200, 200]
        limited = client.get("/api/v1/public/verify", params=codes)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


def test_coverage_counts_traced_key_drugs_and_class_three_devices_with_udi(
    client: TestClient, session: Session
) -> None:
    from tests.builders import make_user
    from yaojian.auth.models import Role
    from yaojian.registry.schemas import DeviceCreate
    from yaojian.registry.service import add_device

    maker = make_enterprise(session, region_code="330106")
    make_drug(session, maker, name="乙肝疫苗", gtin=GTIN, is_vaccine=True)  # traced below
    make_drug(session, maker, name="人血白蛋白", is_blood_product=True)  # never seen
    make_drug(session, maker, name="维生素C片")  # not a key product
    for n, udi in ((1, "06901234567892"), (2, None)):
        number = f"国械注准2021313000{n}"
        device = DeviceCreate(
            name=f"支架{n}", device_class=3, registration_number=number, udi_di=udi
        )
        add_device(session, ADMIN, maker.id, device)
    capture(session, ADMIN, _journey_with_lot())
    user = make_user(session, Role.PROVINCE_REGULATOR, region_code="330000")
    session.commit()
    token = client.post(
        "/api/v1/auth/token", data={"username": user.username, "password": "secret-pass"}
    ).json()["access_token"]
    rows = client.get("/api/v1/trace/coverage", headers={"Authorization": f"Bearer {token}"}).json()
    hangzhou = next(r for r in rows if r["name"] == "杭州市")
    assert (hangzhou["key_drugs"], hangzhou["key_drugs_traced"]) == (2, 1)
    assert hangzhou["traceability_rate"] == 0.5
    assert (hangzhou["class3_devices"], hangzhou["class3_with_udi"], hangzhou["udi_rate"]) == (
        2,
        1,
        0.5,
    )


def test_coverage_with_no_key_drugs_shows_a_dash_not_nan(
    client: TestClient, session: Session
) -> None:
    from tests.builders import make_user
    from yaojian.auth.models import Role

    maker = make_enterprise(session, region_code="330106")
    make_drug(session, maker, name="维生素C片")  # not a key product: nothing to count
    user = make_user(session, Role.PROVINCE_REGULATOR, region_code="330000")
    session.commit()
    client.post("/login", data={"username": user.username, "password": "secret-pass"})
    page = client.get("/trace/coverage")
    assert page.status_code == 200
    assert "nan" not in page.text and "—" in page.text
    token = client.post(
        "/api/v1/auth/token", data={"username": user.username, "password": "secret-pass"}
    ).json()["access_token"]
    rows = client.get("/api/v1/trace/coverage", headers={"Authorization": f"Bearer {token}"}).json()
    assert all(r["traceability_rate"] is None for r in rows)
