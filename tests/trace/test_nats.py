"""The scale path: EPCIS documents queued on NATS JetStream and stored by ``yaojian worker trace``.

Against the real server on 127.0.0.1:4222 (``YAOJIAN_TEST_NATS_URL``) with JetStream enabled;
each test uses its own stream, subject and consumer and deletes the stream at the end. Skipped
when no server answers, unless ``YAOJIAN_REQUIRE_NATS=1`` (set by ``.ci/run``).

The crash test runs the worker as a real process, so its database is an SQLite file that both
processes open (SQLite only there); the in-process test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nats
import nats.js.errors
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.builders import make_user
from yaojian.auth.models import Role
from yaojian.db import make_engine, session_factory
from yaojian.migrate import upgrade
from yaojian.settings import Settings
from yaojian.trace import worker
from yaojian.trace.epcis import read_document
from yaojian.trace.models import CaptureJob, TraceEvent
from yaojian.web.app import create_app

NATS_URL = os.environ.get("YAOJIAN_TEST_NATS_URL", "nats://127.0.0.1:4222")
REQUIRE_NATS = os.environ.get("YAOJIAN_REQUIRE_NATS") == "1"
EXAMPLE = Path(__file__).parents[1] / "data/trace/examples/Example_9.6.1-ObjectEvent.jsonld"
DOCUMENTS = 30
EVENTS_PER_DOCUMENT = 40  # enough work per document that the kill lands mid-stream
DEADLINE = 180.0  # seconds; generous for two shared cores, never a timing assertion


async def _stream_info(name: str) -> Any:
    nc = await nats.connect(NATS_URL, connect_timeout=2, max_reconnect_attempts=0)
    try:
        return await nc.jetstream().stream_info(name)
    finally:
        await nc.close()


async def _delete_stream(name: str) -> None:
    nc = await nats.connect(NATS_URL, connect_timeout=2, max_reconnect_attempts=0)
    try:
        await nc.jetstream().delete_stream(name)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await nc.close()


@pytest.fixture
def nats_settings(tmp_path: Path) -> Iterator[Settings]:
    suffix = uuid.uuid4().hex[:12]
    settings = Settings(
        secret_key="test-secret",
        var_dir=tmp_path,
        nats_url=NATS_URL,
        nats_stream=f"YAOJIAN_TEST_{suffix}",
        nats_subject=f"yaojian.test.{suffix}.epcis.capture",
        nats_consumer=f"trace-{suffix}",
        # A killed worker's documents come back after this many seconds.
        nats_ack_wait=2.0,
    )
    try:
        asyncio.run(_delete_stream(settings.nats_stream))  # also proves the server answers
    except Exception as exc:
        if REQUIRE_NATS:
            pytest.fail(f"NATS is required but unreachable at {NATS_URL}: {exc!r}")
        pytest.skip(f"NATS not reachable at {NATS_URL}")
    yield settings
    asyncio.run(_delete_stream(settings.nats_stream))


def _bearer(client: TestClient, factory: sessionmaker[Session]) -> dict[str, str]:
    with factory() as session:
        user = make_user(session, Role.PROVINCE_ADMIN, region_code="330000")
        session.commit()
    token = client.post(
        "/api/v1/auth/token", data={"username": user.username, "password": "secret-pass"}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_a_queued_document_is_stored_by_a_worker_and_a_bad_one_is_never_queued(
    nats_settings: Settings, factory: sessionmaker[Session], session: Session
) -> None:
    with TestClient(create_app(nats_settings, factory)) as client:
        admin = _bearer(client, factory)
        bad = json.loads(EXAMPLE.read_bytes())
        bad["epcisBody"]["eventList"][1]["bizStep"] = "transforming"
        refused = client.post("/api/v1/epcis/capture", content=json.dumps(bad), headers=admin)
        assert refused.status_code == 422
        assert "eventList[1].bizStep" in [p["name"] for p in refused.json()["invalid-params"]]

        accepted = client.post("/api/v1/epcis/capture", content=EXAMPLE.read_bytes(), headers=admin)
        assert accepted.status_code == 202
        assert accepted.json()["status"] == "running" and accepted.json()["running"]
        location = accepted.headers["location"]
        assert client.get(location, headers=admin).json()["status"] == "running"
        assert session.scalar(select(func.count()).select_from(TraceEvent)) == 0

        # One document in the queue: the refused one was not published.
        assert asyncio.run(worker.run(factory, nats_settings, until_idle=True)) == 1

        job = client.get(location, headers=admin).json()
        assert (job["status"], job["running"], job["eventsStored"]) == ("succeeded", False, 2)
        urn = "urn:epc:id:sgtin:0614141.107346.2018"
        found = client.get("/api/v1/epcis/events", params={"MATCH_epc": urn}, headers=admin)
        events = found.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        assert len(events) == 2
    assert asyncio.run(_stream_info(nats_settings.nats_stream)).state.messages == 0


def _document(n: int) -> bytes:
    """A document of events that no other document of the test shares."""
    events = [
        {
            "type": "ObjectEvent",
            "action": "OBSERVE",
            "bizStep": "shipping",
            "disposition": "in_transit",
            "epcList": [f"urn:epc:id:sgtin:0614141.107346.{n}-{i}-{k}" for k in range(3)],
            "eventTime": f"2026-03-{1 + n % 28:02d}T08:{i // 60:02d}:{i % 60:02d}.000+08:00",
            "eventTimeZoneOffset": "+08:00",
            "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
        }
        for i in range(EVENTS_PER_DOCUMENT)
    ]
    return json.dumps(
        {
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-03-01T08:00:00.000+08:00",
            "epcisBody": {"eventList": events},
        }
    ).encode()


def _worker(settings: Settings, database: Path, log: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "YAOJIAN_DATABASE_URL": f"sqlite:///{database}",
        "YAOJIAN_VAR_DIR": str(database.parent),
        "YAOJIAN_NATS_URL": settings.nats_url,
        "YAOJIAN_NATS_STREAM": settings.nats_stream,
        "YAOJIAN_NATS_SUBJECT": settings.nats_subject,
        "YAOJIAN_NATS_CONSUMER": settings.nats_consumer,
        "YAOJIAN_NATS_ACK_WAIT": str(settings.nats_ack_wait),
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "yaojian.cli", "worker", "trace", "--batch", "5"],
            env=env, cwd=database.parent, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _finished_jobs(database: Path) -> int:
    with sqlite3.connect(database, timeout=30) as db:
        return int(
            db.execute(
                "SELECT count(*) FROM trace_capture_job WHERE finished_at IS NOT NULL"
            ).fetchone()[0]
        )


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the worker exited ({process.returncode}):\n{log.read_text()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"not done within {DEADLINE} s:\n{log.read_text()}")
        time.sleep(0.05)


def test_killing_a_worker_mid_stream_and_starting_it_again_loses_and_duplicates_nothing(
    nats_settings: Settings, tmp_path: Path
) -> None:
    database = tmp_path / "worker.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    factory = session_factory(engine)
    settings = nats_settings.model_copy(update={"database_url": f"sqlite:///{database}"})
    documents = [_document(n) for n in range(DOCUMENTS)]
    with TestClient(create_app(settings, factory)) as client:
        admin = _bearer(client, factory)
        for document in documents:
            response = client.post("/api/v1/epcis/capture", content=document, headers=admin)
            assert response.status_code == 202 and response.json()["running"], response.text
    engine.dispose()
    assert _finished_jobs(database) == 0

    log = tmp_path / "worker.log"
    first = _worker(settings, database, log)
    second: subprocess.Popen[bytes] | None = None
    try:
        _wait_for(lambda: _finished_jobs(database) >= 2, first, log)
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert _finished_jobs(database) < DOCUMENTS, "the worker finished before it was killed"

        second = _worker(settings, database, log)
        _wait_for(lambda: _finished_jobs(database) == DOCUMENTS, second, log)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0, log.read_text()  # a graceful stop
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()

    expected = {h for document in documents for h in read_document(document).hashes()}
    with sqlite3.connect(database) as db:
        hashes = [row[0] for row in db.execute("SELECT event_hash FROM trace_event")]
        epcs = db.execute("SELECT count(*) FROM trace_event_epc").fetchone()[0]
        jobs = db.execute(
            "SELECT status, events_stored, events_duplicate FROM trace_capture_job"
        ).fetchall()
    assert len(hashes) == len(set(hashes)) == DOCUMENTS * EVENTS_PER_DOCUMENT
    assert set(hashes) == expected
    assert epcs == DOCUMENTS * EVENTS_PER_DOCUMENT * 3
    # Each document stored by exactly one committed transaction: none found its events there.
    assert sorted(jobs) == [("succeeded", EVENTS_PER_DOCUMENT, 0)] * DOCUMENTS
    assert asyncio.run(_stream_info(settings.nats_stream)).state.messages == 0


def test_with_the_queue_unreachable_a_capture_is_refused_with_503_and_nothing_kept(
    settings: Settings, factory: sessionmaker[Session], session: Session
) -> None:
    # Nothing listens on port 1: no server is needed for this one.
    unreachable = settings.model_copy(update={"nats_url": "nats://127.0.0.1:1"})
    with TestClient(create_app(unreachable, factory)) as client:
        admin = _bearer(client, factory)
        response = client.post("/api/v1/epcis/capture", content=EXAMPLE.read_bytes(), headers=admin)
    assert response.status_code == 503
    assert response.json()["type"].endswith("capture-queue-unavailable")
    assert session.scalar(select(func.count()).select_from(CaptureJob)) == 0
    assert session.scalar(select(func.count()).select_from(TraceEvent)) == 0
