"""The sample's workflow over the API: illegal steps are 409s naming the rule, bad input is a 422
naming the field, and every party sees and writes only what is theirs."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import bearer
from tests.sampling.builders import SAMPLED_ON, YEAR, report, reported, take, to_lab, world
from yaojian.auth.models import Role

RECEIPT = {"lab": "杭州市食品药品检验研究院", "received_on": str(SAMPLED_ON + dt.timedelta(days=1))}


def _sample_body(w, plan, batch, at, **extra):  # type: ignore[no-untyped-def]
    return {
        "plan_id": plan.id, "batch_id": batch.id, "enterprise_id": at.id, "stage": "distribution",
        "sampled_by": "王五", "sampled_on": str(SAMPLED_ON), "quantity": 4,
    } | extra  # fmt: skip


def test_a_county_regulator_takes_a_sample_and_walks_it_through_to_a_result(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    xihu = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    created = client.post(
        "/api/v1/sampling/samples", json=_sample_body(w, w.special, w.batch, w.xihu), headers=xihu
    )
    assert created.status_code == 201, created.text
    sample = created.json()
    assert sample["status"] == "sampled" and sample["region_code"] == "330106"
    assert sample["sample_number"] == f"CY{YEAR}3301060001"
    assert sample["essential"] is True and sample["centrally_procured"] is True
    url = f"/api/v1/sampling/samples/{sample['id']}"
    assert (
        client.post(f"{url}/lab-receipt", json=RECEIPT, headers=xihu).json()["status"] == "at_lab"
    )
    result = report(passed=True).model_dump(mode="json")
    done = client.post(f"{url}/result", json=result, headers=xihu).json()
    assert done["status"] == "passed" and done["report_number"] == result["report_number"]
    assert [i["item"] for i in done["items"]] == ["性状", "溶出度"]


def test_a_result_before_the_lab_receipt_is_a_409_naming_the_rule(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    sample = take(session, w.special, w.batch, w.xihu)
    headers = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    url = f"/api/v1/sampling/samples/{sample.id}"
    early = client.post(f"{url}/result", json=report().model_dump(mode="json"), headers=headers)
    assert early.status_code == 409
    assert early.headers["content-type"].startswith("application/problem+json")
    assert "result-after-lab-receipt" in early.json()["detail"]


def test_a_second_result_or_a_second_receipt_is_a_409(client: TestClient, session: Session) -> None:
    w = world(session)
    sample = to_lab(session, take(session, w.special, w.batch, w.xihu))
    headers = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    url = f"/api/v1/sampling/samples/{sample.id}"
    first = client.post(f"{url}/result", json=report().model_dump(mode="json"), headers=headers)
    assert first.status_code == 200
    second = client.post(f"{url}/result", json=report().model_dump(mode="json"), headers=headers)
    assert second.status_code == 409 and "one-report-per-sample" in second.json()["detail"]
    again = client.post(f"{url}/lab-receipt", json=RECEIPT, headers=headers)
    assert again.status_code == 409 and "lab-receipt-once" in again.json()["detail"]


def test_a_follow_up_is_closed_once_with_a_note(client: TestClient, session: Session) -> None:
    w = world(session)
    sample = to_lab(session, take(session, w.special, w.batch, w.xihu))
    headers = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    url = f"/api/v1/sampling/samples/{sample.id}/result"
    failed = client.post(url, json=report(passed=False).model_dump(mode="json"), headers=headers)
    follow_up = failed.json()["follow_up"]
    assert follow_up["status"] == "open" and follow_up["lead_kind"] == "sampling"
    close = f"/api/v1/sampling/follow-ups/{follow_up['id']}/close"
    body = {"note": "已责令下架，立案调查"}
    closed = client.post(close, json=body, headers=headers).json()
    assert closed["status"] == "closed" and closed["note"] == "已责令下架，立案调查"
    twice = client.post(close, json=body, headers=headers)
    assert twice.status_code == 409 and "follow-up-closed-once" in twice.json()["detail"]


def test_bad_input_names_the_field(client: TestClient, session: Session) -> None:
    w = world(session)
    headers = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    url = "/api/v1/sampling/samples"
    not_listed = client.post(url, json=_sample_body(w, w.special, w.plain_batch, w.xihu),
                             headers=headers)  # fmt: skip
    assert not_listed.status_code == 422
    assert not_listed.json()["invalid-params"][0]["name"] == "batch_id"
    wrong_stage = client.post(
        url, json=_sample_body(w, w.routine, w.plain_batch, w.xihu, stage="production"),
        headers=headers,
    )  # fmt: skip
    assert wrong_stage.status_code == 422
    assert wrong_stage.json()["invalid-params"][0]["name"] == "stage"
    sample = take(session, w.routine, w.plain_batch, w.xihu)
    session.commit()
    before_sampling = {"lab": "某检验所", "received_on": str(SAMPLED_ON - dt.timedelta(days=1))}
    early = client.post(f"{url}/{sample.id}/lab-receipt", json=before_sampling, headers=headers)
    assert early.status_code == 422
    assert early.json()["invalid-params"][0]["name"] == "received_on"


def test_a_county_regulator_cannot_see_or_write_another_countys_samples(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    theirs = take(session, w.special, w.batch, w.binjiang)
    mine = take(session, w.special, w.batch, w.xihu)
    xihu = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    url = "/api/v1/sampling/samples"
    listed = client.get(url, headers=xihu).json()
    assert [s["id"] for s in listed["items"]] == [mine.id] and listed["total"] == 1
    assert client.get(f"{url}/{theirs.id}", headers=xihu).status_code == 404
    receipt = client.post(f"{url}/{theirs.id}/lab-receipt", json=RECEIPT, headers=xihu)
    assert receipt.status_code == 404
    taken = client.post(url, json=_sample_body(w, w.special, w.batch, w.binjiang), headers=xihu)
    assert taken.status_code == 404  # the Binjiang pharmacy is not visible from Xihu
    city = bearer(client, session, Role.CITY_REGULATOR, "330100")
    assert client.get(url, headers=city).json()["total"] == 2


def test_an_inspector_takes_samples_but_does_not_enter_reports(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    sample = to_lab(session, take(session, w.special, w.batch, w.xihu))
    inspector = bearer(client, session, Role.INSPECTOR, "330100")
    url = "/api/v1/sampling/samples"
    assert client.post(url, json=_sample_body(w, w.special, w.batch, w.xihu),
                       headers=inspector).status_code == 201  # fmt: skip
    result = client.post(f"{url}/{sample.id}/result", json=report().model_dump(mode="json"),
                         headers=inspector)  # fmt: skip
    assert result.status_code == 403


def test_an_enterprise_sees_its_own_results_and_nothing_else(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    own = take(session, w.special, w.batch, w.xihu)
    other = take(session, w.special, w.batch, w.binjiang)
    failed = reported(session, w.special, w.batch, w.xihu, passed=False)
    headers = bearer(client, session, Role.ENTERPRISE, enterprise=w.xihu)
    url = "/api/v1/sampling/samples"
    listed = client.get(url, headers=headers).json()
    assert {s["id"] for s in listed["items"]} == {own.id, failed.id}
    assert client.get(f"{url}/{own.id}", headers=headers).status_code == 200
    result = client.get(f"{url}/{failed.id}", headers=headers).json()
    assert result["status"] == "failed" and result["items"][1]["passed"] is False
    assert result["follow_up"] is None  # the regulators' follow-up is not the enterprise's
    assert client.get(f"{url}/{other.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/sampling/plans", headers=headers).json() == []  # unannounced
    assert client.get("/api/v1/sampling/follow-ups", headers=headers).json() == []
    receipt = client.post(f"{url}/{own.id}/lab-receipt", json=RECEIPT, headers=headers)
    assert receipt.status_code == 403


def test_a_county_sees_the_plans_above_it_but_not_a_neighbours(
    client: TestClient, session: Session
) -> None:
    from tests.sampling.builders import make_plan
    from yaojian.sampling.models import Programme

    w = world(session)
    city_plan = make_plan(session, Programme.ROUTINE, "330100")
    neighbour = make_plan(session, Programme.TARGETED, "330108")
    own = make_plan(session, Programme.TARGETED, "330106")
    xihu = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    seen = {p["id"] for p in client.get("/api/v1/sampling/plans", headers=xihu).json()}
    assert seen == {w.special.id, w.routine.id, city_plan.id, own.id}
    assert client.get(f"/api/v1/sampling/plans/{neighbour.id}", headers=xihu).status_code == 404
    province_plan = {"year": YEAR, "title": "县局越权制定省级计划", "programme": "routine",
                     "region_code": "330000"}  # fmt: skip
    refused = client.post("/api/v1/sampling/plans", json=province_plan, headers=xihu)
    assert refused.status_code == 403


def test_the_province_keeps_the_drug_lists_and_a_county_may_not(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    url = f"/api/v1/products/{w.plain_drug.id}/programmes"
    flags = {"is_essential": False, "is_centrally_procured": True}
    county = bearer(client, session, Role.COUNTY_REGULATOR, "330212")
    assert client.put(url, json=flags, headers=county).status_code == 403
    province = bearer(client, session, Role.PROVINCE_REGULATOR, "330000")
    updated = client.put(url, json=flags, headers=province).json()
    assert updated["is_centrally_procured"] is True and updated["is_essential"] is False
