"""The pharmacovigilance API: submit E2B(R3), list, read, export; errors as problem+json."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.builders import bearer as login
from tests.builders import machine_token, make_enterprise
from yaojian.auth.models import Role
from yaojian.pv import e2b
from yaojian.pv.models import Report
from yaojian.registry.choices import EnterpriseKind

DATA = Path(__file__).parent.parent / "data" / "pv"
S1 = (DATA / "e2b-r3" / "FAERS2022Scenario1.xml").read_bytes()
S3 = (DATA / "e2b-r3" / "FAERS2022Scenario3.xml").read_bytes()
XML = {"Content-Type": "application/xml"}


def reports_in(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Report)) or 0


def test_a_regulator_submits_an_icsr_lists_reads_and_exports_it(
    client: TestClient, session: Session
) -> None:
    headers = login(client, session, Role.PROVINCE_REGULATOR, region_code="330000")
    response = client.post("/api/v1/pv/icsr", content=S1, headers=headers | XML)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["created"], body["duplicates"]) == (1, 0)
    [item] = body["items"]
    assert item["outcome"] == "created" and item["outcome_label"] == "新报告"
    report = item["report"]
    assert report["safety_report_id"] == "US-APHARMA-8744554B"
    assert report["status_label"] == "有效" and report["category_label"] == "药品不良反应"
    assert [d["reported_name"] for d in report["drugs"]] == ["Drug A", "Drug B", "Drug C"]
    assert [d["role_label"] for d in report["drugs"]] == ["怀疑", "怀疑", "并用"]

    follow_up = client.post(
        "/api/v1/pv/icsr", content=S3, headers=headers | {"Content-Type": "text/xml"}
    )
    assert follow_up.json()["items"][0]["outcome"] == "follow_up"

    listed = client.get(
        "/api/v1/pv/reports", params={"status": "current", "drug": "mk-001"}, headers=headers
    ).json()
    assert listed["total"] == 1 and listed["items"][0]["version"] == 2
    everything = client.get("/api/v1/pv/reports", params={"event": "colite"}, headers=headers)
    assert everything.json()["total"] == 2
    assert (
        client.get("/api/v1/pv/reports", params={"serious": "false"}, headers=headers).json()[
            "total"
        ]
        == 0
    )

    detail = client.get(f"/api/v1/pv/reports/{report['id']}", headers=headers).json()
    assert detail["status"] == "superseded" and detail["reactions"][0]["meddra_code"] == "10027940"

    exported = client.get(f"/api/v1/pv/reports/{report['id']}/e2b", headers=headers)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/xml")
    [parsed] = e2b.parse(exported.content)
    assert parsed.safety_report_id == "US-APHARMA-8744554B"
    assert [d.reported_name for d in parsed.drugs] == ["Drug A", "Drug B", "Drug C"]


def test_resubmitting_the_same_icsr_answers_200_and_stores_nothing(
    client: TestClient, session: Session
) -> None:
    headers = login(client, session, Role.PROVINCE_ADMIN, region_code="330000")
    assert client.post("/api/v1/pv/icsr", content=S1, headers=headers | XML).status_code == 201
    again = client.post("/api/v1/pv/icsr", content=S1, headers=headers | XML)
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    assert reports_in(session) == 1


def assert_problem(response, status: int, name: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert name in [p["name"] for p in response.json().get("invalid-params", [])]


def test_bad_and_hostile_xml_are_problems_naming_the_element_and_store_nothing(
    client: TestClient, session: Session
) -> None:
    headers = login(client, session, Role.PROVINCE_REGULATOR, region_code="330000") | XML
    missing_id = S1.replace(
        b'extension="US-APHARMA-8744554B" root="2.16.840.1.113883.3.989.2.1.3.1"', b""
    )
    assert_problem(
        client.post("/api/v1/pv/icsr", content=missing_id, headers=headers), 422, "C.1.1"
    )
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + S1[
        S1.index(b"<MCCI_IN200100UV01") :
    ].replace(b"<name>JD</name>", b"<name>&e;</name>")
    assert_problem(client.post("/api/v1/pv/icsr", content=xxe, headers=headers), 422, "xml")
    no_suspect = S1.replace(
        b'code="1" displayName="Suspect"', b'code="2" displayName="Concomitant"'
    )
    assert_problem(
        client.post("/api/v1/pv/icsr", content=no_suspect, headers=headers), 422, "G.k.1"
    )
    assert reports_in(session) == 0


def test_the_icsr_endpoint_wants_xml_and_a_login_and_a_submitting_role(
    client: TestClient, session: Session
) -> None:
    assert client.post("/api/v1/pv/icsr", content=S1, headers=XML).status_code == 401
    headers = login(client, session, Role.PROVINCE_REGULATOR, region_code="330000")
    as_json = client.post(
        "/api/v1/pv/icsr", content=S1, headers=headers | {"Content-Type": "application/json"}
    )
    assert as_json.status_code == 415
    inspector = login(client, session, Role.INSPECTOR, region_code="330100")
    assert client.post("/api/v1/pv/icsr", content=S1, headers=inspector | XML).status_code == 403
    assert client.get("/api/v1/pv/reports").status_code == 401
    assert reports_in(session) == 0


def test_an_enterprise_token_submits_for_its_enterprise_and_others_cannot_see_it(
    client: TestClient, session: Session
) -> None:
    hospital = make_enterprise(session, kind=EnterpriseKind.MEDICAL_INSTITUTION)
    other = make_enterprise(session)
    token, other_token = machine_token(session, hospital), machine_token(session, other)
    session.commit()
    own = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/v1/pv/icsr", content=S1, headers=own | XML)
    assert response.status_code == 201, response.text
    report = response.json()["items"][0]["report"]
    assert report["reporter_enterprise_id"] == hospital.id
    assert report["reporter_type"] == "medical_institution"
    assert client.get(f"/api/v1/pv/reports/{report['id']}", headers=own).status_code == 200
    theirs = {"Authorization": f"Bearer {other_token}"}
    assert client.get(f"/api/v1/pv/reports/{report['id']}", headers=theirs).status_code == 404
    assert client.get(f"/api/v1/pv/reports/{report['id']}/e2b", headers=theirs).status_code == 404
    assert client.get("/api/v1/pv/reports", headers=theirs).json()["total"] == 0


# ---------------------------------------------------------------- the commands, in real processes


def run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"YAOJIAN_DATABASE_URL": f"sqlite:///{tmp / 'cli.db'}"}
    return subprocess.run(
        [sys.executable, "-m", "yaojian.cli", *args], env=env, cwd=tmp, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip


def test_the_pv_commands_import_export_and_refuse_bad_files(tmp_path: Path) -> None:
    import json

    assert run(tmp_path, "db", "upgrade").returncode == 0
    faers = run(tmp_path, "pv", "import-faers", str(DATA / "faers_ascii_2017q2.zip"), "--json")
    assert faers.returncode == 0, faers.stderr
    summary = json.loads(faers.stdout)
    assert summary["kept"] == {"reports": 100, "drug_rows": 328, "reaction_rows": 286}
    assert summary["stored"] == {"created": 100} and summary["bad_lines"] == 0

    imported = run(
        tmp_path, "pv", "import-e2b", str(DATA / "e2b-r3" / "FAERS2022Scenario1.xml"), "--json"
    )
    assert imported.returncode == 0, imported.stderr
    [result] = json.loads(imported.stdout)
    out = tmp_path / "out.xml"
    exported = run(tmp_path, "pv", "export-e2b", str(result["report_id"]), "--out", str(out))
    assert exported.returncode == 0 and e2b.parse(out.read_bytes())[0].safety_report_id == (
        "US-APHARMA-8744554B"
    )

    template = tmp_path / "t.csv"
    assert run(tmp_path, "pv", "template", "--out", str(template)).returncode == 0
    with template.open("a", encoding="utf-8") as handle:
        handle.write("ZJ-1,,,,,2026-13-01,,,,,,,皮疹,,,,怀疑,阿莫西林胶囊,,,,,,\n")
    refused = run(tmp_path, "pv", "import-csv", str(template))
    assert refused.returncode == 1
    assert "第 3 行「首次获知日期」" in refused.stderr and "文件未导入" in refused.stderr

    synonym = run(tmp_path, "pv", "add-synonym", "皮疹", "Rash")
    assert synonym.returncode == 0 and "皮疹 → Rash" in synonym.stdout
