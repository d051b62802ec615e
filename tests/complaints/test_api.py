"""The JSON API: the public files and tracks without an account; a county desk handles its own."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import bearer, credit_code, machine_token, make_drug, make_enterprise
from tests.complaints.builders import complaint_data
from yaojian.audit.models import AuditEntry
from yaojian.auth.models import Role
from yaojian.complaints.models import Complaint

SUBMIT = "/api/v1/public/complaints"


def _submit(client: TestClient, session: Session, **data: object) -> dict[str, object]:
    response = client.post(SUBMIT, json=data)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _complaint(session: Session, number: object) -> Complaint:
    found = session.scalars(select(Complaint).where(Complaint.number == number)).one()
    session.refresh(found)
    return found


def test_the_public_files_a_complaint_without_an_account_and_it_goes_to_the_enterprises_county(
    client: TestClient, session: Session
) -> None:
    pharmacy = make_enterprise(session, region_code="330108")
    session.commit()
    body = _submit(client, session, **complaint_data(pharmacy))
    assert str(body["number"]).startswith("TS")
    assert str(body["tracking_url"]).endswith(f"/complaints/track/{body['number']}")
    complaint = _complaint(session, body["number"])
    assert complaint.region_code == "330108"
    assert complaint.enterprise_id == pharmacy.id
    assert complaint.routing.value == "enterprise"


def test_an_enterprise_named_by_credit_code_is_found_too(
    client: TestClient, session: Session
) -> None:
    pharmacy = make_enterprise(session, region_code="330212")
    session.commit()
    body = _submit(client, session, **complaint_data(pharmacy.credit_code.lower()))
    assert _complaint(session, body["number"]).region_code == "330212"


def test_an_unknown_enterprise_goes_to_the_county_the_complainant_names_or_the_province(
    client: TestClient, session: Session
) -> None:
    named = _submit(client, session, **complaint_data("某某不存在的大药房", region_code="330212"))
    assert _complaint(session, named["number"]).region_code == "330212"
    unnamed = _submit(client, session, **complaint_data("某某不存在的大药房"))
    complaint = _complaint(session, unnamed["number"])
    assert (complaint.region_code, complaint.routing.value) == ("330000", "province")


def test_a_pack_code_or_approval_number_finds_the_product(
    client: TestClient, session: Session
) -> None:
    maker = make_enterprise(session)
    drug = make_drug(session, maker, gtin="06901234567892")
    other = make_drug(session, maker)
    session.commit()
    by_code = _submit(
        client, session,
        **complaint_data(maker, pack_code="(01)06901234567892(17)271231(10)A213B1(21)1234"),
    )  # fmt: skip
    complaint = _complaint(session, by_code["number"])
    assert (complaint.product_id, complaint.batch_number) == (drug.id, "A213B1")
    by_number = _submit(client, session, **complaint_data(maker, product=other.approval_number))
    assert _complaint(session, by_number["number"]).product_id == other.id


def test_bad_input_is_problem_json_naming_the_field(client: TestClient, session: Session) -> None:
    valid = credit_code()
    wrong_check = valid[:-1] + ("1" if valid[-1] != "1" else "2")
    cases = {
        "contact_phone": complaint_data("某药房", contact_phone=""),
        "enterprise": complaint_data(wrong_check),
        "pack_code": complaint_data("某药房", pack_code="not a code"),
        "description": complaint_data("某药房", description="太短"),
        "region_code": complaint_data("某药房", region_code="330100"),
        "kind": complaint_data("某药房", kind="praise"),
    }
    for field, data in cases.items():
        response = client.post(SUBMIT, json=data)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        names = [p["name"] for p in response.json()["invalid-params"]]
        assert field in names, (field, names)


def test_an_anonymous_report_is_accepted(client: TestClient, session: Session) -> None:
    body = _submit(
        client,
        session,
        **complaint_data("某药房", kind="report", contact_name="", contact_phone=""),
    )
    assert str(body["number"]).startswith("JB")


def test_a_county_regulator_of_another_county_gets_404(
    client: TestClient, session: Session
) -> None:
    pharmacy = make_enterprise(session, region_code="330106")
    session.commit()
    body = _submit(client, session, **complaint_data(pharmacy))
    complaint_id = _complaint(session, body["number"]).id
    xihu = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    binjiang = bearer(client, session, Role.COUNTY_REGULATOR, "330108")
    assert client.get(f"/api/v1/complaints/{complaint_id}", headers=xihu).status_code == 200
    assert client.get(f"/api/v1/complaints/{complaint_id}", headers=binjiang).status_code == 404
    accept = {"accept": True}
    response = client.post(
        f"/api/v1/complaints/{complaint_id}/decision", json=accept, headers=binjiang
    )
    assert response.status_code == 404
    listed = client.get("/api/v1/complaints", headers=binjiang).json()
    assert body["number"] not in [c["number"] for c in listed["items"]]
    mine = client.get("/api/v1/complaints", headers=xihu).json()["items"]
    assert [c["number"] for c in mine] == [body["number"]]
    assert mine[0]["masked_contact"] == "张* · 138****5678"
    assert "contact_phone" not in mine[0]
    assert client.get("/api/v1/complaints", headers={}).status_code == 401
    # Not even the enterprise complained about reads it: it names the complainant.
    token = {"Authorization": f"Bearer {machine_token(session, pharmacy)}"}
    session.commit()
    assert client.get(f"/api/v1/complaints/{complaint_id}", headers=token).status_code == 404
    assert client.get("/api/v1/complaints", headers=token).json()["total"] == 0
    inspector = bearer(client, session, Role.INSPECTOR, "330100")
    assert client.get(f"/api/v1/complaints/{complaint_id}", headers=inspector).status_code == 200
    refused = client.post(
        f"/api/v1/complaints/{complaint_id}/decision", json=accept, headers=inspector
    )
    assert refused.status_code == 403


def test_the_desk_receives_handles_replies_and_closes_and_every_step_is_audited(
    client: TestClient, session: Session
) -> None:
    pharmacy = make_enterprise(session, region_code="330106")
    session.commit()
    number = _submit(client, session, **complaint_data(pharmacy))["number"]
    cid = _complaint(session, number).id
    desk = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    base = f"/api/v1/complaints/{cid}"

    def post(path: str, body: dict[str, object]) -> dict[str, object]:
        response = client.post(base + path, json=body, headers=desk)
        assert response.status_code == 200, response.text
        return dict(response.json())

    assert post("/decision", {"accept": True})["status"] == "accepted"
    assert post("/records", {"text": "电话联系双方，组织调解"})["status"] == "handling"
    assert post("/reply", {"text": "经调解，药房同意退货并赔偿。"})["status"] == "replied"
    closed = post("/close", {"note": ""})
    assert closed["status"] == "closed"
    assert [e["kind"] for e in closed["entries"]] == [  # type: ignore[union-attr]
        "received", "accepted", "record", "replied", "closed",
    ]  # fmt: skip
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.object_type == "complaint", AuditEntry.object_id == str(cid))
        .order_by(AuditEntry.seq)
    ).all()
    assert actions == [
        "complaint.submit", "complaint.decide", "complaint.record", "complaint.reply",
        "complaint.close",
    ]  # fmt: skip


def test_illegal_steps_are_409_naming_the_rule(client: TestClient, session: Session) -> None:
    pharmacy = make_enterprise(session, region_code="330106")
    session.commit()
    cid = _complaint(session, _submit(client, session, **complaint_data(pharmacy))["number"]).id
    desk = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    base = f"/api/v1/complaints/{cid}"

    def refused(path: str, body: dict[str, object], rule: str) -> None:
        response = client.post(base + path, json=body, headers=desk)
        assert response.status_code == 409, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert f"rule workflow.{rule}" in response.json()["detail"]

    refused("/reply", {"text": "已处理"}, "reply-after-acceptance")
    refused("/close", {"note": ""}, "close-after-decision")
    refused("/extension", {"note": "需检验"}, "extend-reports-only")
    client.post(base + "/decision", json={"accept": True}, headers=desk)
    refused("/decision", {"accept": False, "reason": "not_consumer"}, "decide-once")
    refused("/close", {"note": ""}, "reply-before-close")
    refused(
        "/transfer", {"region_code": "330108", "reason": "不属本辖区"}, "transfer-before-decision"
    )


def test_not_accepting_needs_a_ground_and_tells_the_complainant(
    client: TestClient, session: Session
) -> None:
    pharmacy = make_enterprise(session, region_code="330106")
    session.commit()
    number = _submit(client, session, **complaint_data(pharmacy))["number"]
    cid = _complaint(session, number).id
    desk = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    response = client.post(
        f"/api/v1/complaints/{cid}/decision", json={"accept": False}, headers=desk
    )
    assert response.status_code == 422
    assert response.json()["invalid-params"][0]["name"] == "reason"
    response = client.post(
        f"/api/v1/complaints/{cid}/decision",
        json={"accept": False, "reason": "handled_elsewhere", "note": "消保委已受理"},
        headers=desk,
    )
    assert response.json()["status"] == "not_accepted"
    tracked = client.get(f"{SUBMIT}/{number}").json()
    assert tracked["public_reply"].startswith("不予受理：法院、仲裁机构")
    assert "消保委已受理" in tracked["public_reply"]
    closed = client.post(f"/api/v1/complaints/{cid}/close", json={"note": ""}, headers=desk)
    assert closed.json()["status"] == "closed"


def test_a_transfer_moves_the_complaint_to_the_other_desk_with_its_reason(
    client: TestClient, session: Session
) -> None:
    number = _submit(client, session, **complaint_data("某某不存在的大药房", region_code="330106"))[
        "number"
    ]
    cid = _complaint(session, number).id
    xihu = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    yinzhou = bearer(client, session, Role.COUNTY_REGULATOR, "330212")
    response = client.post(
        f"/api/v1/complaints/{cid}/transfer",
        json={"region_code": "330212", "reason": "经查该药房位于鄞州区"},
        headers=xihu,
    )
    assert response.status_code == 200, response.text
    assert client.get(f"/api/v1/complaints/{cid}", headers=xihu).status_code == 404
    moved = client.get(f"/api/v1/complaints/{cid}", headers=yinzhou).json()
    assert (moved["region_code"], moved["routing"]) == ("330212", "transfer")
    entry = moved["entries"][-1]
    assert (entry["kind"], entry["from_region"], entry["to_region"]) == (
        "transferred", "330106", "330212",
    )  # fmt: skip
    assert entry["text"] == "经查该药房位于鄞州区"
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "complaint.transfer")
    ).one()
    assert audit.before is not None and audit.after is not None
    assert (audit.before["region_code"], audit.after["region_code"]) == ("330106", "330212")


def test_public_submissions_are_rate_limited_per_client(
    client: TestClient, session: Session
) -> None:
    statuses = [client.post(SUBMIT, json=complaint_data("某药房")).status_code for _ in range(11)]
    assert statuses == [201] * 10 + [429]
    refused = client.post(SUBMIT, json=complaint_data("某药房"))
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert int(refused.headers["retry-after"]) > 0


def test_a_cross_site_form_post_to_the_json_endpoint_is_refused(client: TestClient) -> None:
    # A form on another site can send text/plain or form bodies without a CORS preflight, but
    # not application/json: the endpoint reads only JSON, so such a post stores nothing.
    body = (
        '{"kind": "report", "enterprise": "某药房", "description": "该店无执业药师在岗销售处方药"}'
    )
    response = client.post(SUBMIT, content=body, headers={"content-type": "text/plain"})
    assert response.status_code == 422
