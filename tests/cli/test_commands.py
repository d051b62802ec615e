"""The command line as an operator uses it, against a fresh SQLite file (real processes)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from yaojian.settings import Settings
from yaojian.web.app import create_app


def run(tmp: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "YAOJIAN_DATABASE_URL": f"sqlite:///{tmp / 'cli.db'}",
        "YAOJIAN_VAR_DIR": str(tmp),
        "YAOJIAN_DEMO_PASSWORD": "demo",
    }
    result = subprocess.run(
        [sys.executable, "-m", "yaojian.cli", *args], env=env, cwd=tmp, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    if check and result.returncode != 0:
        raise AssertionError(f"yaojian {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    run(tmp, "db", "upgrade")
    generated = run(
        tmp, "demo", "generate", "--scale", "small", "--seed", "2", "--as-of", "2026-11-23"
    )
    assert "enterprises" in generated.stdout and "inspector1" in generated.stdout
    return tmp


def test_generating_into_a_populated_database_is_refused(province: Path) -> None:
    again = run(province, "demo", "generate", check=False)
    assert again.returncode == 1 and "already holds enterprises" in again.stderr


def test_a_machine_token_sees_only_its_own_enterprise(province: Path) -> None:
    with sqlite3.connect(province / "cli.db") as db:
        (own_id, own_code), (other_id, _) = db.execute(
            "SELECT id, credit_code FROM enterprise ORDER BY id LIMIT 2"
        ).fetchall()
    token = run(
        province, "token", "create", "--enterprise", own_code, "--name", "erp"
    ).stdout.strip()
    assert token.startswith("yj_")
    settings = Settings(
        database_url=f"sqlite:///{province / 'cli.db'}", secret_key="x", var_dir=province
    )
    with TestClient(create_app(settings)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        listed = client.get("/api/v1/enterprises", headers=headers).json()
        assert [e["id"] for e in listed["items"]] == [own_id]
        assert client.get(f"/api/v1/enterprises/{other_id}", headers=headers).status_code == 404
    with sqlite3.connect(province / "cli.db") as db:
        stored = [row[0] for row in db.execute("SELECT token_hash FROM api_token")]
    assert token not in stored  # only the hash is kept


def test_user_add_creates_a_regulator_who_can_log_in(province: Path) -> None:
    run(province, "user", "add", "lishui", "--role", "city_regulator", "--region", "331100",
        "--password", "s3cret-pw")  # fmt: skip
    settings = Settings(
        database_url=f"sqlite:///{province / 'cli.db'}", secret_key="x", var_dir=province
    )
    with TestClient(create_app(settings)) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": "lishui", "password": "s3cret-pw"}
        )
        assert token.status_code == 200
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        items = client.get("/api/v1/enterprises", headers=headers).json()["items"]
        assert items and all(e["region_code"].startswith("3311") for e in items)
    bad = run(province, "user", "add", "x", "--role", "city_regulator", "--region", "999999",
              "--password", "s3cret-pw", check=False)  # fmt: skip
    assert bad.returncode == 1 and "region_code" in bad.stderr


def test_audit_verify_passes_then_names_the_entry_someone_edited(province: Path) -> None:
    intact = run(province, "audit", "verify")
    assert "intact" in intact.stdout
    with sqlite3.connect(province / "cli.db") as db:
        db.execute("UPDATE audit_entry SET actor = 'nobody' WHERE seq = 3")
    broken = run(province, "audit", "verify", check=False)
    assert broken.returncode == 1
    assert "entry 3" in broken.stderr


def test_trace_evaluate_finds_every_planted_anomaly_of_the_demo_and_nothing_else(
    province: Path,
) -> None:
    import json

    body = json.loads(run(province, "trace", "evaluate", "--json").stdout)
    assert {k["kind"]: (k["planted"], k["precision"], k["recall"]) for k in body["kinds"]} == {
        k["kind"]: (3, 1.0, 1.0) for k in body["kinds"]
    }
    assert len(body["kinds"]) == 9 and body["missed"] == body["unexpected"] == []


def test_serve_with_two_workers_answers_from_two_server_processes(province: Path) -> None:
    import re
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {
        "YAOJIAN_DATABASE_URL": f"sqlite:///{province / 'cli.db'}",
        "YAOJIAN_VAR_DIR": str(province),
    }
    log = province / "serve.log"

    def started() -> set[str]:
        return set(re.findall(r"Started server process \[(\d+)\]", log.read_text()))

    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "yaojian.cli", "serve", "--port", str(port), "--workers", "2"],
            env=env, cwd=province, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline, answered = time.monotonic() + 60, False
        while time.monotonic() < deadline and server.poll() is None:
            if not answered:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                        answered = r.status == 200
                except OSError:
                    pass
            if answered and len(started()) == 2:
                break
            time.sleep(0.2)
        assert answered, log.read_text()
        assert len(started()) == 2, log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_refuses_reload_with_several_workers(province: Path) -> None:
    result = run(province, "serve", "--reload", "--workers", "2", check=False)
    assert result.returncode == 2 and "--reload" in result.stderr
