"""Precision and recall of the trace detectors against planted ground truth, and the command."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, actor_of, make_enterprise, make_licence, make_user
from tests.trace import flows, parties
from yaojian.auth.models import Role
from yaojian.db import make_engine, session_factory, unit_of_work
from yaojian.demo.trace_anomalies import plant_truth
from yaojian.migrate import upgrade
from yaojian.registry.choices import LicenceType
from yaojian.signals.models import RiskSignal, SubjectType
from yaojian.signals.service import SignalReport, emit
from yaojian.trace.capture import capture
from yaojian.trace.detectors import KINDS
from yaojian.trace.evaluation import COLUMNS, Evaluation, evaluate
from yaojian.trace.service import add_location

TWICE = "serial_dispensed_twice"
AGAIN = flows.move("04-12T10:00", flows.PHARMACY, "dispensing", [flows.BATCH[0]])


def _score(result: Evaluation, kind: str) -> dict[str, object]:
    return next(s.as_json() for s in result.kinds if s.kind == kind)


def _planted_journey(client: TestClient, session: Session) -> parties.Parties:
    """The clean journey with BATCH[0] dispensed a second time, and that kept as ground truth."""
    p = parties.setup(client, session)
    parties.capture(client, p.headers, *flows.batch_journey(), AGAIN)
    plant_truth(session, TWICE, (SubjectType.CODE, flows.BATCH[0]), "sold twice", p.pharmacy.id)
    return p


def test_a_planted_anomaly_the_detector_finds_scores_full_precision_and_recall(
    client: TestClient, session: Session
) -> None:
    _planted_journey(client, session)
    result = evaluate(session, ADMIN)
    assert _score(result, TWICE) == {
        "kind": TWICE, "planted": 1, "flagged": 1, "true_positives": 1, "false_positives": 0,
        "false_negatives": 0, "precision": 1.0, "recall": 1.0,
    }  # fmt: skip
    assert [s.kind for s in result.kinds] == list(KINDS)
    assert _score(result, "code_not_commissioned")["precision"] is None  # nothing flagged
    assert result.missed == result.unexpected == []


def test_a_missed_anomaly_is_a_false_negative_and_lowers_recall(
    client: TestClient, session: Session
) -> None:
    p = _planted_journey(client, session)
    plant_truth(session, TWICE, (SubjectType.CODE, flows.BATCH[1]), "never sold", p.pharmacy.id)
    result = evaluate(session, ADMIN)
    assert (result.overall.planted, result.overall.true_positives) == (2, 1)
    assert _score(result, TWICE)["false_negatives"] == 1 and result.overall.recall == 0.5
    assert result.missed == [(TWICE, "code", flows.BATCH[1])]

    # Without the signal of the found one, nothing is found at all.
    session.execute(delete(RiskSignal).where(RiskSignal.subject_id == flows.BATCH[0]))
    again = evaluate(session, ADMIN, detect=False)
    assert (again.overall.recall, again.overall.precision) == (0.0, None)


def test_a_signal_with_no_planted_anomaly_is_a_false_positive_and_lowers_precision(
    client: TestClient, session: Session
) -> None:
    p = _planted_journey(client, session)
    # The same subject under another kind is not a match: kind and subject both must agree.
    for kind, subject in ((TWICE, flows.BATCH[2]), ("serial_in_two_places", flows.BATCH[0])):
        emit(session, ADMIN, SignalReport(
            source="trace", kind=kind, subject_type=SubjectType.CODE, subject_id=subject,
            severity=4, title="false", dedupe_key=f"false:{kind}:{subject}",
            enterprise_id=p.pharmacy.id,
        ))  # fmt: skip
    emit(session, ADMIN, SignalReport(
        source="registry", kind=TWICE, subject_type=SubjectType.CODE, subject_id="x",
        severity=1, title="another source", dedupe_key="not-trace",
    ))  # fmt: skip
    result = evaluate(session, ADMIN)
    twice = _score(result, TWICE)
    assert (twice["false_positives"], twice["precision"]) == (1, 0.5)
    assert _score(result, "serial_in_two_places")["precision"] == 0.0
    assert (result.overall.flagged, result.overall.precision) == (3, 1 / 3)
    assert result.overall.recall == 1.0


def test_a_regulator_scores_only_what_happened_in_their_jurisdiction(
    client: TestClient, session: Session
) -> None:
    _planted_journey(client, session)  # the pharmacy is in Shangcheng (330102)
    evaluate(session, ADMIN)
    ninghai = actor_of(make_user(session, Role.COUNTY_REGULATOR, region_code="330212"))
    shangcheng = actor_of(make_user(session, Role.COUNTY_REGULATOR, region_code="330102"))
    assert evaluate(session, ninghai, detect=False).overall.planted == 0
    assert evaluate(session, shangcheng, detect=False).overall.true_positives == 1


def _run(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"YAOJIAN_DATABASE_URL": f"sqlite:///{database}", "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "yaojian.cli", *args], env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def test_the_command_prints_the_scores_as_a_table_and_as_json(tmp_path: Path) -> None:
    database = tmp_path / "evaluate.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    with unit_of_work(session_factory(engine)) as session:
        for uri, kind, licence in (
            (flows.MAKER, "drug_manufacturer", LicenceType.DRUG_MANUFACTURING),
            (flows.WHOLESALER, "drug_wholesaler", LicenceType.DRUG_WHOLESALE),
            (flows.PHARMACY, "retail_pharmacy", LicenceType.DRUG_RETAIL),
        ):
            enterprise = make_enterprise(session, kind=kind)
            add_location(session, ADMIN, uri, enterprise.id)
            make_licence(session, enterprise, dt.date(2099, 1, 1), licence_type=licence,
                         valid_from=dt.date(2020, 1, 1))  # fmt: skip
        capture(session, ADMIN, flows.document(*flows.batch_journey(), AGAIN))
        plant_truth(session, TWICE, (SubjectType.CODE, flows.BATCH[0]), "sold twice", None)
        plant_truth(session, TWICE, (SubjectType.CODE, flows.BATCH[1]), "never sold", None)
    engine.dispose()

    as_json = _run(database, "trace", "evaluate", "--json")
    assert as_json.returncode == 0, as_json.stderr
    body = json.loads(as_json.stdout)
    assert list(body) == ["kinds", "overall", "missed", "unexpected"]
    assert list(body["overall"]) == list(COLUMNS)
    assert body["overall"] | {"kind": "overall"} == {
        "kind": "overall", "planted": 2, "flagged": 1, "true_positives": 1,
        "false_positives": 0, "false_negatives": 1, "precision": 1.0, "recall": 0.5,
    }  # fmt: skip
    assert body["missed"] == [{"kind": TWICE, "subject_type": "code", "subject_id": flows.BATCH[1]}]
    with unit_of_work(session_factory(make_engine(f"sqlite:///{database}"))) as session:
        # The command's detector run was committed: its signals are there for the next reader.
        assert session.scalars(select(RiskSignal.kind)).all() == [TWICE]

    table = _run(database, "trace", "evaluate")
    assert table.returncode == 0, table.stderr
    header = next(line for line in table.stdout.splitlines() if "precision" in line)
    assert header.replace("┃", " ").split() == [
        "kind", "planted", "flagged", "TP", "FP", "FN", "precision", "recall",
    ]  # fmt: skip
    overall = next(line for line in table.stdout.splitlines() if "overall" in line)
    assert overall.replace("│", " ").split() == [
        "overall", "2", "1", "1", "0", "1", "1.000", "0.500",
    ]  # fmt: skip
    assert f"missed: {TWICE} code {flows.BATCH[1]}" in table.stdout
