"""EPCIS capture and query through the API, as enterprise systems and regulators use them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, machine_token, make_enterprise
from tests.builders import bearer as _bearer
from yaojian.auth.models import Role
from yaojian.trace.epcis import read_document
from yaojian.trace.models import TraceEvent
from yaojian.trace.service import add_location

EXAMPLES = sorted((Path(__file__).parents[1] / "data/trace/examples").glob("*.jsonld"))
EXAMPLE = Path(__file__).parents[1] / "data/trace/examples/Example_9.6.1-ObjectEvent.jsonld"


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(TraceEvent)) or 0


@pytest.fixture
def admin(client: TestClient, session: Session) -> dict[str, str]:
    return _bearer(client, session, Role.PROVINCE_ADMIN, "330000")


def test_every_gs1_example_document_is_captured_with_its_event_hashes(
    client: TestClient, session: Session, admin: dict[str, str]
) -> None:
    for path in EXAMPLES:
        data = path.read_bytes()
        if json.loads(data).get("type") != "EPCISDocument":
            continue  # the query-document example is an answer, not something to capture
        response = client.post("/api/v1/epcis/capture", content=data, headers=admin)
        assert response.status_code == 202, (path.name, response.text)
        job = client.get(response.headers["location"], headers=admin).json()
        assert job["success"] and job["errors"] == [], path.name
        hashes = read_document(data).hashes()
        stored = set(
            session.scalars(select(TraceEvent.event_hash).where(TraceEvent.event_hash.in_(hashes)))
        )
        assert stored == set(hashes), path.name
    assert response.headers["GS1-EPCIS-Capture-Limit"] == "10000"


def test_sending_a_document_twice_stores_its_events_once(
    client: TestClient, session: Session, admin: dict[str, str]
) -> None:
    first = client.post("/api/v1/epcis/capture", content=EXAMPLE.read_bytes(), headers=admin).json()
    again = client.post("/api/v1/epcis/capture", content=EXAMPLE.read_bytes(), headers=admin).json()
    assert (first["eventsStored"], again["eventsStored"], again["eventsAlreadyStored"]) == (2, 0, 2)
    assert _count(session) == 2


def _with_bad_second_event() -> bytes:
    document = json.loads(EXAMPLE.read_bytes())
    document["epcisBody"]["eventList"][1]["bizStep"] = "transforming"
    return json.dumps(document).encode()


def test_a_document_with_an_invalid_event_is_refused_whole_naming_event_and_field(
    client: TestClient, session: Session, admin: dict[str, str]
) -> None:
    response = client.post("/api/v1/epcis/capture", content=_with_bad_second_event(), headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    names = [p["name"] for p in response.json()["invalid-params"]]
    assert "eventList[1].bizStep" in names
    assert _count(session) == 0


def test_with_proceed_the_valid_events_are_kept(
    client: TestClient, session: Session, admin: dict[str, str]
) -> None:
    headers = admin | {"GS1-Capture-Error-Behaviour": "proceed"}
    job = client.post("/api/v1/epcis/capture", content=_with_bad_second_event(), headers=headers)
    assert job.status_code == 202
    body = job.json()
    assert body["status"] == "partial" and body["eventsStored"] == 1
    assert body["errors"][0]["name"].startswith("eventList[1]")


def test_a_bad_check_digit_in_an_epc_is_refused(
    client: TestClient, session: Session, admin: dict[str, str]
) -> None:
    document = json.loads(EXAMPLE.read_bytes())
    document["epcisBody"]["eventList"][0]["epcList"] = [
        "https://id.gs1.org/01/09506000134353/21/X1"
    ]
    response = client.post("/api/v1/epcis/capture", content=json.dumps(document), headers=admin)
    assert response.status_code == 422
    assert response.json()["invalid-params"][0]["name"] == "eventList[0].epc"


def test_an_enterprise_captures_only_at_its_own_locations(
    client: TestClient, session: Session
) -> None:
    own = make_enterprise(session, kind="drug_wholesaler", region_code="330106")
    other = make_enterprise(session, kind="drug_wholesaler", region_code="330212")
    add_location(session, ADMIN, "urn:epc:id:sgln:0614141.07346.1234", own.id)
    add_location(session, ADMIN, "urn:epc:id:sgln:0012345.11111.0", other.id)
    token = {"Authorization": f"Bearer {machine_token(session, own)}"}
    session.commit()
    response = client.post("/api/v1/epcis/capture", content=EXAMPLE.read_bytes(), headers=token)
    assert response.status_code == 422
    assert [p["name"] for p in response.json()["invalid-params"]] == ["eventList[1].bizLocation"]
    document = json.loads(EXAMPLE.read_bytes())
    document["epcisBody"]["eventList"] = document["epcisBody"]["eventList"][:1]
    accepted = client.post("/api/v1/epcis/capture", content=json.dumps(document), headers=token)
    assert accepted.status_code == 202
    stored = session.scalars(select(TraceEvent)).one()
    assert stored.enterprise_id == own.id and stored.region_code == "330106"


def _event_ids(body: dict[str, Any]) -> list[str]:
    return [e["eventID"] for e in body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


def test_queries_filter_match_any_code_form_and_page(
    client: TestClient, session: Session, admin: dict[str, str]
) -> None:
    for path in EXAMPLES:
        if "SensorData" not in path.name:
            client.post("/api/v1/epcis/capture", content=path.read_bytes(), headers=admin)
    shipping = client.get("/api/v1/epcis/events", params={"EQ_bizStep": "shipping"}, headers=admin)
    assert shipping.status_code == 200 and shipping.json()["type"] == "EPCISQueryDocument"
    events = shipping.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert events and all(e["bizStep"].endswith("shipping") for e in events)

    # The same pack written as an EPC URN and as its GS1 Digital Link finds the same events.
    urn = "urn:epc:id:sgtin:0614141.107346.2018"
    by_urn = client.get("/api/v1/epcis/events", params={"MATCH_epc": urn}, headers=admin).json()
    link = "https://id.gs1.org/01/10614141073464/21/2018"
    by_link = client.get(f"/api/v1/epcis/epcs/{link}/events", headers=admin).json()
    assert _event_ids(by_urn) and set(_event_ids(by_urn)) <= set(_event_ids(by_link))

    seen: list[str] = []
    params: dict[str, str] = {"perPage": "5"}
    while True:
        page = client.get("/api/v1/epcis/events", params=params, headers=admin)
        seen += _event_ids(page.json())
        if "link" not in page.headers:
            break
        params["nextPageToken"] = page.headers["link"].split("nextPageToken=")[1].split(">")[0]
    # Every stored event once (the GS1 examples reuse eventIDs across documents, so count).
    assert len(seen) == _count(session)

    bad = client.get("/api/v1/epcis/events", params={"GE_eventTime": "yesterday"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["invalid-params"][0]["name"] == "GE_eventTime"


def test_match_parameters_take_epc_patterns_of_a_product_or_a_company(
    client: TestClient, session: Session, admin: dict[str, str]
) -> None:
    for path in EXAMPLES:
        if "SensorData" not in path.name:
            client.post("/api/v1/epcis/capture", content=path.read_bytes(), headers=admin)

    def found(**params: str) -> set[str]:
        response = client.get("/api/v1/epcis/events", params=params | {"perPage": "1000"},
                              headers=admin)  # fmt: skip
        assert response.status_code == 200, response.text
        events = response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        return {e["eventID"] for e in events}

    serials = found(MATCH_epc="urn:epc:id:sgtin:0614141.107346.2017") | found(
        MATCH_epc="urn:epc:id:sgtin:0614141.107346.2018"
    )
    product = found(MATCH_epc="urn:epc:idpat:sgtin:0614141.107346.*")
    company = found(MATCH_epc="urn:epc:idpat:sgtin:0614141.*.*")
    assert serials and serials <= product < company  # the company has other products too
    assert not found(MATCH_epc="urn:epc:idpat:sgtin:9999999.*.*")
    classes = found(MATCH_epcClass="urn:epc:idpat:sgtin:4012345.012345.*")
    lot = found(MATCH_epcClass="urn:epc:class:lgtin:4012345.012345.998877")
    assert lot and lot <= classes


def test_a_county_regulator_queries_only_events_in_its_county(
    client: TestClient, session: Session, admin: dict[str, str]
) -> None:
    xihu = make_enterprise(session, kind="retail_pharmacy", region_code="330106")
    ningbo = make_enterprise(session, kind="retail_pharmacy", region_code="330212")
    add_location(session, ADMIN, "urn:epc:id:sgln:0614141.07346.1234", xihu.id)
    add_location(session, ADMIN, "urn:epc:id:sgln:0012345.11111.0", ningbo.id)
    session.commit()
    client.post("/api/v1/epcis/capture", content=EXAMPLE.read_bytes(), headers=admin)
    county = _bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    body = client.get("/api/v1/epcis/events", headers=county).json()
    events = body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert len(events) == 1 and events[0]["readPoint"]["id"] == "urn:epc:id:sgln:0614141.07346.1234"
