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
